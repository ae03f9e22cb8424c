"""Prometheus metrics at GET /metrics, one registry per app.

Counts come from two places: a middleware (requests by route and status)
and domain events (signups, requests sent, accepts, provisioning latency,
bot commands), so no domain code knows about Prometheus. The provisioning
queue depth is read from the database at scrape time, never cached.

For bot commands there are two equal hooks: publish
``Event(events.BOT_COMMAND, (user_id,), {"command": name})`` on ``ctx.events``
(all the matcher needs is the domain context), or, with the app at hand,
``app[keys.METRICS].bot_commands.labels(command=name).inc()``. Either way
``name`` must come from a fixed list: every distinct value is a new series.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from domain import bot_jobs, events, provisioning, round_stats
from domain.context import Kindred
from web import keys

# Accepts waiting for their room, remembered to time them; bounded so a
# homeserver that never comes back cannot grow it without end.
_MAX_PENDING = 10_000
# The text format every Prometheus version reads (generate_latest writes it).
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_PROVISIONING_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "kindred_http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "kindred_http_request_duration_seconds", "Time to answer, by route.", ["route"], registry=r
        )
        # (route, method, status) -> its request counter and its route's timer.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.signups = Counter("kindred_signups", "People who signed up.", registry=r)
        self.requests_sent = Counter("kindred_requests_sent", "Requests sent (and left pending).", registry=r)
        self.accepts = Counter("kindred_requests_accepted", "Requests accepted, each a new match.", registry=r)
        self.queue_depth = Gauge(
            "kindred_provisioning_queue_depth", "Room jobs queued or waiting to retry.", registry=r
        )
        self.bot_jobs_depth = Gauge(
            "kindred_bot_jobs_queue_depth", "Notices and room closings queued or waiting to retry.", registry=r
        )
        self.provisioning_seconds = Histogram(
            "kindred_provisioning_seconds",
            "From an accept to its match room being ready.",
            buckets=_PROVISIONING_BUCKETS,
            registry=r,
        )
        self.bot_commands = Counter("kindred_bot_commands", "Bot commands handled.", ["command"], registry=r)
        # Rounds, read from the database at scrape time (the admin page's figures).
        self.round_people = Gauge(
            "kindred_round_people", "The latest round: people due, introduced and left unpaired.", ["state"], registry=r
        )
        self.round_trios = Gauge("kindred_round_trios", "Trios in the latest round.", registry=r)
        self.round_week_people = Gauge(
            "kindred_round_week_people", "People introduced by the rounds of the latest week with a round.", registry=r
        )
        self.round_week_met_ratio = Gauge(
            "kindred_round_week_met_ratio",
            "Of the check-in answers for the latest week's rounds, the share who met (NaN before any answer).",
            registry=r,
        )
        self.round_checkins = Gauge(
            "kindred_round_checkins",
            "Check-ins so far: answered met, answered not met, unanswered.",
            ["answer"],
            registry=r,
        )
        self._accepted_at: OrderedDict[int, float] = OrderedDict()

    def on_event(self, event: events.Event) -> None:
        if event.type == events.USER_SIGNED_UP:
            self.signups.inc()
        elif event.type == events.REQUEST_RECEIVED:
            self.requests_sent.inc()
        elif event.type == events.REQUEST_ACCEPTED:
            self.accepts.inc()
        elif event.type == events.JOB_QUEUED:
            # Published with the accept, and unlike it carries the match id
            # that MATCH_READY reports back.
            self._accepted_at[event.data["match_id"]] = time.monotonic()
            while len(self._accepted_at) > _MAX_PENDING:
                self._accepted_at.popitem(last=False)
        elif event.type == events.MATCH_READY:
            # A match accepted before a restart has no start time: not timed.
            started = self._accepted_at.pop(event.data["match_id"], None)
            if started is not None:
                self.provisioning_seconds.observe(time.monotonic() - started)
        elif event.type == events.BOT_COMMAND:
            self.bot_commands.labels(command=str(event.data.get("command", "unknown"))).inc()

    def answered(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answer. The labelled series are kept at hand: looking them
        up by label (checked, under a lock) cost more than counting."""
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.http_requests.labels(route=route, method=method, status=str(status)),
                self.http_seconds.labels(route=route),
            )
        series[0].inc()
        series[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _route_label(request: web.Request) -> str:
    """The route's name, else its path template: never the raw path (unbounded)."""
    route = request.match_info.route
    if route.name:
        return route.name
    resource = route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    metrics = request.app[keys.METRICS]
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.answered(_route_label(request), request.method, status, time.monotonic() - started)


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


async def metrics_page(request: web.Request) -> web.Response:
    if not request.app[keys.SETTINGS].metrics_public and not _is_loopback(request.remote):
        raise web.HTTPForbidden(text="Metrics are served to local clients only (see metrics_public).\n")
    metrics = request.app[keys.METRICS]
    metrics.queue_depth.set(await provisioning.queue_depth(request.app[keys.KINDRED]))
    metrics.bot_jobs_depth.set(await bot_jobs.queue_depth(request.app[keys.KINDRED]))
    await _round_figures(request.app[keys.KINDRED], metrics)
    response = web.Response(body=metrics.render())
    response.headers["Content-Type"] = _CONTENT_TYPE
    return response


# Enough rounds to cover the latest week in every time zone.
_LATEST_ROUNDS = 50


async def _round_figures(ctx: Kindred, metrics: Metrics) -> None:
    found = await round_stats.overview(ctx, _LATEST_ROUNDS)
    latest = found.rounds[0] if found.rounds else None
    for state, value in (
        ("due", latest.due if latest else 0),
        ("paired", latest.paired if latest else 0),
        ("unpaired", latest.unpaired if latest else 0),
    ):
        metrics.round_people.labels(state=state).set(value)
    metrics.round_trios.set(latest.trios if latest else 0)
    week = found.weeks[-1] if found.weeks else None
    metrics.round_week_people.set(week.people if week else 0)
    rate = week.met_rate if week else None
    metrics.round_week_met_ratio.set(math.nan if rate is None else rate)
    totals = await round_stats.checkin_totals(ctx)
    metrics.round_checkins.labels(answer="met").set(totals.met)
    metrics.round_checkins.labels(answer="not_met").set(totals.answered - totals.met)
    metrics.round_checkins.labels(answer="unanswered").set(totals.waiting)


async def metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    """Listen to the domain's events for as long as the app runs."""
    unsubscribe = app[keys.KINDRED].events.subscribe(app[keys.METRICS].on_event)
    yield
    unsubscribe()
