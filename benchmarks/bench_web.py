"""4. Web throughput: requests per second at 50 concurrent clients.

Kindred (web only, on a seeded population) serves an authenticated
``/discover`` page, ``GET /api/v1/suggestions`` and ``GET /api/v1/me``; the
floor is a bare aiohttp app (benchmarks.bare) answering the same paths with
the very bytes Kindred answered. Both run as their own process, one at a
time, alternated. With a PostgreSQL server, the same population is also
served from PostgreSQL by ``kindred web``, and suggestions by two ``kindred
web`` processes at once (the scale-out row).

The load comes from a small HTTP/1.1 keep-alive client on raw asyncio
streams, far cheaper per request than aiohttp's client, so the servers, not
the load generator, are what saturates.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import seed
from benchmarks.harness import ROOT, CpuShares, Kindred, ThrowawayPostgres, copy_to_postgres, free_port, wait_http
from benchmarks.report import Result, Target, ratio
from config.secrets import load_or_create_secrets
from web.auth import ACCESS_COOKIE, issue_access_token
from web.middlewares import CSRF_COOKIE

# At 100,000 people on this 2-core machine, every rule of the ranking included.
SUGGESTIONS_RPS = 400.0
# /discover's time per request against GET /api/v1/suggestions'.
DISCOVER_TIME = 1.5
# Two `kindred web` processes on one PostgreSQL store against one, same load.
SCALE_OUT = 1.6
PATHS = {"suggestions": "/api/v1/suggestions", "discover": "/discover", "me": "/api/v1/me"}
# /api/v1/me: what an authenticated request costs before any ranking (the
# middlewares, the token, a few reads by key, JSON), to tell the request
# path's share from the ranking's.
ME_TARGET = 0.15
# /discover once more, half the clients' browsers asking for German and half
# for English, in one load: both languages meet the same machine at the same
# moment, so their per-client rates compare fairly even on a busy machine.
# Translation must cost the page next to nothing.
LANGUAGE_TARGET = 0.95


class _Load:
    """``clients`` connections, each sending its next request as soon as the
    last answer is read, for ``seconds``. Given several ports (processes
    serving one site), client n talks to port n mod their number, as a
    reverse proxy spreading connections in turn would."""

    def __init__(self, port: int | list[int], requests: list[bytes], clients: int, seconds: float) -> None:
        self.ports = port if isinstance(port, list) else [port]
        self.requests = requests
        self.clients = clients
        self.seconds = seconds
        self.done = 0
        self.failed = 0
        # Answers per client: client n sends requests n, n + clients, ...
        self.done_by_client = [0] * clients

    async def run(self) -> float:
        deadline = time.perf_counter() + self.seconds
        started = time.perf_counter()
        await asyncio.gather(*(self._client(n, deadline) for n in range(self.clients)))
        return self.done / (time.perf_counter() - started)

    async def _client(self, number: int, deadline: float) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ports[number % len(self.ports)])
        n = number
        try:
            while time.perf_counter() < deadline:
                writer.write(self.requests[n % len(self.requests)])
                n += self.clients
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if head[9:12] == b"200":
                    self.done += 1
                    self.done_by_client[number] += 1
                else:
                    self.failed += 1
        finally:
            writer.close()


def _request(path: str, token: str, page: bool, language: str = "en") -> bytes:
    if page:
        auth = f"Cookie: {ACCESS_COOKIE}={token}; {CSRF_COOKIE}=benchmark-csrf-token\r\n"
    else:
        auth = f"Authorization: Bearer {token}\r\n"
    auth += f"Accept-Language: {language}\r\n"
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: keep-alive\r\n\r\n").encode()


async def _capture(url: str, request: bytes) -> tuple[bytes, str]:
    """Kindred's answer to one request, to be served by the bare app."""
    head, _, _ = request.decode().partition("\r\n\r\n")
    lines = head.split("\r\n")
    path = lines[0].split(" ")[1]
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers.pop("Connection", None)
    headers.pop("Host", None)
    async with aiohttp.ClientSession() as http:
        async with http.get(url + path, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"{path} -> {response.status}")
            return await response.read(), response.headers["Content-Type"]


async def run(
    root: Path, users: int, clients: int, seconds: float, postgres: ThrowawayPostgres | None = None, rounds: int = 2
) -> Result:
    data_dir = root / "web"
    data_dir.mkdir(parents=True, exist_ok=True)
    seeded = await asyncio.to_thread(seed.seed, data_dir / "kindred.db", seed.Population(users, seed=3))
    secret = load_or_create_secrets(data_dir).jwt_secret
    rng = random.Random(3)
    viewers = [rng.choice(seeded.active_ids) for _ in range(500)]
    loads = {
        name: [_request(path, issue_access_token(secret, v, 15), name == "discover") for v in viewers]
        for name, path in PATHS.items()
    }
    languages = _two_languages(secret, viewers, clients)
    kindred = Kindred(data_dir, None, run_bot=False)
    # On PostgreSQL: two `kindred web` processes on one copy of the same
    # population, sharing the secrets, so the same tokens work on either.
    webs: list[Kindred] = []
    if postgres is not None:
        url = await postgres.create_database("bench_web")
        await copy_to_postgres(seeded.path, url)
        for name in ("web-pg-1", "web-pg-2"):
            (root / name).mkdir(exist_ok=True)
            shutil.copy(data_dir / "secrets.json", root / name / "secrets.json")
            webs.append(Kindred(root / name, None, run_bot=False, database_url=url, command="web"))
    bare_dir = root / "bare"
    bare_dir.mkdir(exist_ok=True)
    bare_port = free_port()
    sides = ["bare", "kindred"] + (["postgresql"] if webs else [])
    rates: dict[str, dict[str, list[float]]] = {name: {side: [] for side in sides} for name in PATHS}
    two_webs: list[float] = []
    cpu_one: list[dict[str, float]] = []
    cpu_two: list[dict[str, float]] = []
    by_language: dict[str, list[float]] = {"en": [], "de": []}
    bare: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.gather(kindred.start(), *(web.start() for web in webs))
        for name, path in PATHS.items():
            body, content_type = await _capture(kindred.url, loads[name][0])
            (bare_dir / f"{name}.body").write_bytes(body)
            (bare_dir / f"{name}.type").write_text(content_type)
            (bare_dir / f"{name}.path").write_text(path)
        bare = subprocess.Popen([sys.executable, "-m", "benchmarks.bare", str(bare_port), str(bare_dir)], cwd=ROOT)
        await wait_http(f"http://127.0.0.1:{bare_port}/discover", 30, bare)
        ports = {"bare": bare_port, "kindred": kindred.port, **({"postgresql": webs[0].port} if webs else {})}
        # Where the machine's time goes while the PostgreSQL processes serve suggestions.
        kindred_pids = [web.process.pid for web in webs if web.process is not None]

        def groups() -> dict[str, list[int]]:
            # PostgreSQL's backends as they are now: its pools grow during the first loads.
            return {"kindred": kindred_pids, "postgresql": postgres.pids() if postgres is not None else []}

        for _ in range(rounds):
            for name in PATHS:
                for side in sides:
                    cpu = CpuShares(groups())
                    rates[name][side].append(await _Load(ports[side], loads[name], clients, seconds).run())
                    if side == "postgresql" and name == "suggestions":
                        cpu_one.append(cpu.shares())
                if webs and name == "suggestions":
                    # Right after one process's turn: the same load spread over both.
                    cpu = CpuShares(groups())
                    load = _Load([web.port for web in webs], loads[name], clients, seconds)
                    two_webs.append(await load.run())
                    cpu_two.append(cpu.shares())
            mixed = _Load(kindred.port, languages, clients, seconds)
            await mixed.run()
            for language, rate in _per_client_rates(mixed, seconds).items():
                by_language[language].append(rate)
    finally:
        for process in (kindred, *webs):
            process.stop()
        if bare is not None:
            bare.terminate()
            bare.wait(10)
    return _result(rates, (two_webs, cpu_one, cpu_two), by_language, users, clients, seconds, rounds)


def _two_languages(secret: str, viewers: list[int], clients: int) -> list[bytes]:
    """/discover for each viewer, client n's browser asking for German when n is odd."""
    requests = []
    for i, viewer in enumerate(viewers):
        language = "de" if (i % clients) % 2 else "en"
        requests.append(_request(PATHS["discover"], issue_access_token(secret, viewer, 15), True, language))
    return requests


def _per_client_rates(load: _Load, seconds: float) -> dict[str, float]:
    """Answers per second per client, for the English (even) and German (odd) clients."""
    english = load.done_by_client[0::2]
    german = load.done_by_client[1::2]
    return {"en": sum(english) / len(english) / seconds, "de": sum(german) / max(1, len(german)) / seconds}


def _mean_shares(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(sample[key] for sample in samples) / len(samples) for key in samples[0]} if samples else {}


def _shares_text(busy: dict[str, dict[str, float]]) -> str:
    def one(shares: dict[str, float]) -> str:
        return (
            f"Kindred {shares['kindred']:.0%}, PostgreSQL {shares['postgresql']:.0%}, load generator "
            f"{shares['generator']:.0%}, other work on the machine {shares['other']:.0%}, idle {shares['idle']:.0%}"
        )

    return f"one process: {one(busy['one'])}; two processes: {one(busy['two'])}."


def _why_no_scale_out(scale: float, one: dict[str, float]) -> str:
    """The reason the measured shares give, with one process serving."""
    why = f"Why two processes reach {ratio(scale)} of one here, not {SCALE_OUT:g}: "
    if one["postgresql"] > one["kindred"]:
        return why + (
            f"with one process the work was PostgreSQL's ({one['postgresql']:.0%} of the cores against the web "
            f"process's {one['kindred']:.0%}), and a second web process takes none of it over; "
            f"{one['other']:.0%} went to other work on the machine and {one['idle']:.0%} was idle."
        )
    return why + (
        f"a second web process can use only what one left: {one['idle']:.0%} of the cores was idle, the rest "
        f"went to the web process ({one['kindred']:.0%}), PostgreSQL ({one['postgresql']:.0%}), the load "
        f"generator ({one['generator']:.0%}) and other work on the machine ({one['other']:.0%})."
    )


def _result(
    rates: dict[str, dict[str, list[float]]],
    scale_out: tuple[list[float], list[dict[str, float]], list[dict[str, float]]],
    by_language: dict[str, list[float]],
    users: int,
    clients: int,
    seconds: float,
    rounds: int,
) -> Result:
    two_webs, cpu_one, cpu_two = scale_out
    on_postgres = bool(two_webs)
    table = [
        ["endpoint", "Kindred on SQLite, req/s", "share of bare"]
        + (["Kindred on PostgreSQL, req/s", "share of bare"] if on_postgres else [])
        + ["bare aiohttp, req/s"]
    ]
    figures: dict[str, Any] = {}
    for name, path in PATHS.items():
        mean = {side: sum(values) / rounds for side, values in rates[name].items()}
        share = mean["kindred"] / mean["bare"]
        row = [f"GET {path}", f"{mean['kindred']:.0f}", ratio(share)]
        figures[name] = {"kindred_rps": mean["kindred"], "bare_rps": mean["bare"], "share": share}
        if on_postgres:
            pg_share = mean["postgresql"] / mean["bare"]
            row += [f"{mean['postgresql']:.0f}", ratio(pg_share)]
            figures[name]["postgresql_rps"] = mean["postgresql"]
            figures[name]["postgresql_share"] = pg_share
        table.append([*row, f"{mean['bare']:.0f}"])
    suggestions = figures["suggestions"]["kindred_rps"]
    # At a fixed number of clients, time per request is clients / throughput.
    discover_time = suggestions / figures["discover"]["kindred_rps"]
    me_share = figures["me"]["share"]
    targets = [
        Target(
            f"GET {PATHS['suggestions']} throughput at {clients} clients",
            f">= {SUGGESTIONS_RPS:g} requests/s",
            f"{suggestions:.0f} requests/s",
            suggestions >= SUGGESTIONS_RPS,
        ),
        Target(
            f"GET {PATHS['discover']} time per request, ratio to GET {PATHS['suggestions']}'s",
            f"<= {DISCOVER_TIME:g}",
            ratio(discover_time),
            discover_time <= DISCOVER_TIME,
        ),
        Target(
            f"GET {PATHS['me']} throughput, share of a bare handler",
            f">= {ME_TARGET}",
            ratio(me_share),
            me_share >= ME_TARGET,
        ),
    ]
    figures["discover_time_ratio"] = discover_time
    if on_postgres:
        one = figures["suggestions"]["postgresql_rps"]
        two = sum(two_webs) / rounds
        scale = two / one
        table.append(
            [
                f"GET {PATHS['suggestions']}, two `kindred web` processes",
                "",
                "",
                f"{two:.0f}",
                ratio(scale) + " of one",
                "",
            ]
        )
        busy = {"one": _mean_shares(cpu_one), "two": _mean_shares(cpu_two)}
        figures["scale_out"] = {"one_rps": one, "two_rps": two, "ratio": scale, "cpu": busy}
        targets.append(
            Target(
                f"GET {PATHS['suggestions']} on PostgreSQL, two `kindred web` processes against one",
                f">= {SCALE_OUT:g}",
                ratio(scale),
                scale >= SCALE_OUT,
            )
        )
    english, german = (sum(by_language[lang]) / rounds for lang in ("en", "de"))
    share_of_english = german / english
    pad = ["", ""] if on_postgres else []
    table.append(["GET /discover, English clients, per client", f"{english:.1f}", "", *pad, ""])
    table.append(
        [
            "GET /discover, German clients, per client",
            f"{german:.1f}",
            ratio(share_of_english) + " of English",
            *pad,
            "",
        ]
    )
    targets.append(
        Target(
            "GET /discover throughput in German, share of English",
            f">= {LANGUAGE_TARGET}",
            ratio(share_of_english),
            share_of_english >= LANGUAGE_TARGET,
        )
    )
    figures["discover_languages"] = {
        "en_rps_per_client": english,
        "de_rps_per_client": german,
        "share": share_of_english,
    }
    notes = [
        "Each request is a different person's (500 access tokens in turn), so suggestions are ranked "
        "afresh every time: Kindred caches no answer between requests (only a token's checked signature, "
        "never whether its owner may still act).",
        "GET /api/v1/me: the person, their interests, e-mail status, digest setting and picture, no "
        "ranking; its profile before and after the lean request path is at the end of this file.",
        "/discover against the API: the page ranks the same suggestions and renders them with the person's "
        "own interests and pending-request count; at a fixed number of clients a request's time is the "
        "number of clients over the throughput, so the ratio is the API's throughput over the page's.",
        "Languages: one more load on /discover in which half the clients send Accept-Language: de and half "
        "en, the same viewers in turn; the German clients' answers per second per client against the "
        "English ones' (the same page in the same moment, so a busy machine slows both alike).",
        "The bare handler returns Kindred's own bytes from memory: the share of it is what the request path "
        "and the work cost together (the target that the ranking endpoints reach 0.35 of it is retired: a "
        "ranking is real work, measured against a search engine in benchmark 3).",
        "The load generator runs in the benchmark's process on the same two cores as the servers: it "
        "takes a share of the machine from whatever it measures, more the faster the server answers.",
    ]
    if on_postgres:
        notes += [
            "PostgreSQL: the same population copied into the throwaway server (benchmark 3 says how), served by "
            "`kindred web` (pages, API and live updates, no bot); the SQLite column is `kindred run` without "
            "its bot. Each load is run on SQLite, then on PostgreSQL, alternating with the bare handler.",
            "Scale-out: two `kindred web` processes on the one PostgreSQL store, the clients' connections spread "
            "over them in turn as a reverse proxy would (no proxy in the path), measured right after one process "
            "alone took the same load (the second idle beside it).",
            "Where the two cores' time went while serving suggestions on PostgreSQL (share of both cores, "
            "mean of the rounds): " + _shares_text(busy),
        ]
    if on_postgres and scale < SCALE_OUT:
        notes.append(_why_no_scale_out(scale, busy["one"]))
    return Result(
        number=4,
        title="Web throughput at concurrent clients",
        sizes=f"{clients} clients, {rounds} x {seconds:g} s per endpoint and side, {users:,} people seeded",
        table=table,
        targets=targets,
        notes=notes,
        figures=figures,
    )
