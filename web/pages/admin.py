"""Operator pages: people (search, suspend, unsuspend), the action log, reports, the mail outbox and rounds."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import mail, moderation, reports, round_stats
from store.users import User
from web import charts, keys
from web.bodies import parse_form, path_id
from web.i18n import say, translator_of
from web.pages import Pager, current_user, redirect
from web.schemas import ReasonForm


def _operator(request: web.Request) -> User:
    user = current_user(request)
    moderation.require_admin(user)
    return user


async def people(request: web.Request) -> web.StreamResponse:
    _operator(request)
    query = request.query.get("q", "")[:64]
    pages = Pager.of(request, capped=False)
    found = await moderation.list_users(request.app[keys.KINDRED], query, pages.limit, pages.offset)
    context = {"people": pages.shown(found), "q": query, "pager": pages.links(found)}
    return aiohttp_jinja2.render_template("admin_people.html", request, context)


async def suspend(request: web.Request) -> web.StreamResponse:
    operator = _operator(request)
    form = await parse_form(request, ReasonForm)
    result = await moderation.suspend(
        request.app[keys.KINDRED], operator.username, request.match_info["username"], form.reason
    )
    if result.matrix_locked:
        flash = say(request, N_("Suspended %(username)s."), username=result.user.username)
    else:
        done = N_("Suspended %(username)s (the chat server was unreachable: suspend again to lock the Matrix account).")
        flash = say(request, done, username=result.user.username)
    raise redirect(request, "admin_people", flash=flash)


async def unsuspend(request: web.Request) -> web.StreamResponse:
    operator = _operator(request)
    result = await moderation.unsuspend(request.app[keys.KINDRED], operator.username, request.match_info["username"])
    raise redirect(
        request, "admin_people", flash=say(request, N_("%(username)s is active again."), username=result.user.username)
    )


async def action_log(request: web.Request) -> web.StreamResponse:
    _operator(request)
    pages = Pager.of(request, capped=False)
    found = await moderation.recent_actions(request.app[keys.KINDRED], pages.limit, pages.offset)
    context = {"actions": pages.shown(found), "pager": pages.links(found)}
    return aiohttp_jinja2.render_template("admin_log.html", request, context)


async def report_queue(request: web.Request) -> web.StreamResponse:
    _operator(request)
    pages = Pager.of(request, capped=False)
    show_all = request.query.get("show") == "all"
    found = await reports.queue(request.app[keys.KINDRED], not show_all, pages.limit, pages.offset)
    context = {"reports": pages.shown(found), "show_all": show_all, "pager": pages.links(found)}
    return aiohttp_jinja2.render_template("admin_reports.html", request, context)


async def resolve_report(request: web.Request) -> web.StreamResponse:
    operator = _operator(request)
    report_id = path_id(request, "id", "report_not_found")
    await reports.resolve(request.app[keys.KINDRED], operator.username, report_id)
    raise redirect(request, "admin_reports", flash=say(request, N_("Report %(number)s resolved."), number=report_id))


async def outbox(request: web.Request) -> web.StreamResponse:
    """Mail Kindred wrote, newest first: with no SMTP server set, this is
    where codes and reset links are read (and handed on) by the operator."""
    _operator(request)
    pages = Pager.of(request, capped=False)
    found = await mail.outbox_page(request.app[keys.KINDRED], pages.limit, pages.offset)
    context = {"mails": pages.shown(found), "pager": pages.links(found), "sends": request.app[keys.KINDRED].mail_sends}
    return aiohttp_jinja2.render_template("admin_outbox.html", request, context)


async def rounds_report(request: web.Request) -> web.StreamResponse:
    """Each past round and two charts over time, drawn on the server (web/charts.py)."""
    _operator(request)
    found = await round_stats.overview(request.app[keys.KINDRED])
    # Each week by its Monday, as YYYY-MM-DD (every language reads it the same).
    labels = [w.week.isoformat() for w in found.weeks]
    people = charts.bar_chart(
        "chart-people",
        say(request, N_("People in rounds per week")),
        say(request, N_("People introduced by a round, week by week (by the Monday of the week the round ran).")),
        list(zip(labels, [float(w.people) for w in found.weeks], strict=True)),
    )
    met = charts.bar_chart(
        "chart-met",
        say(request, N_("Share who met, per week")),
        say(request, N_("Of the check-in answers given for each week's rounds, the share who said they met.")),
        list(zip(labels, [w.met_rate or 0.0 for w in found.weeks], strict=True)),
        percent=True,
    )
    t = translator_of(request)
    context = {
        "rounds": found.rounds,
        "weeks": found.weeks,
        "charts": [people, met],
        # Each stored state in the reader's words.
        "states": {value: t.gettext(name) for value, name in round_stats.STATUS_NAMES.items()},
    }
    return aiohttp_jinja2.render_template("admin_rounds.html", request, context)
