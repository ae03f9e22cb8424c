"""4. Web throughput: requests per second at 50 concurrent clients.

Kindred (web only, on a seeded population) serves an authenticated
``/discover`` page and ``GET /api/v1/suggestions``; the floor is a bare
aiohttp app (benchmarks.bare) answering the same paths with the very bytes
Kindred answered. Both run as their own process, one at a time, alternated.

The load comes from a small HTTP/1.1 keep-alive client on raw asyncio
streams, far cheaper per request than aiohttp's client, so the servers, not
the load generator, are what saturates.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import seed
from benchmarks.harness import ROOT, Kindred, free_port, wait_http
from benchmarks.report import Result, Target, ratio
from config.secrets import load_or_create_secrets
from web.auth import ACCESS_COOKIE, issue_access_token
from web.middlewares import CSRF_COOKIE

TARGET = 0.35
PATHS = {"suggestions": "/api/v1/suggestions", "discover": "/discover", "me": "/api/v1/me"}
_TARGETED = ("suggestions", "discover")
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
    last answer is read, for ``seconds``."""

    def __init__(self, port: int, requests: list[bytes], clients: int, seconds: float) -> None:
        self.port = port
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
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
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


async def run(root: Path, users: int, clients: int, seconds: float, rounds: int = 2) -> Result:
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
    bare_dir = root / "bare"
    bare_dir.mkdir(exist_ok=True)
    bare_port = free_port()
    rates: dict[str, dict[str, list[float]]] = {name: {"kindred": [], "bare": []} for name in PATHS}
    by_language: dict[str, list[float]] = {"en": [], "de": []}
    bare: subprocess.Popen[bytes] | None = None
    try:
        await kindred.start()
        for name, path in PATHS.items():
            body, content_type = await _capture(kindred.url, loads[name][0])
            (bare_dir / f"{name}.body").write_bytes(body)
            (bare_dir / f"{name}.type").write_text(content_type)
            (bare_dir / f"{name}.path").write_text(path)
        bare = subprocess.Popen([sys.executable, "-m", "benchmarks.bare", str(bare_port), str(bare_dir)], cwd=ROOT)
        await wait_http(f"http://127.0.0.1:{bare_port}/discover", 30, bare)
        for _ in range(rounds):
            for name in PATHS:
                rates[name]["bare"].append(await _Load(bare_port, loads[name], clients, seconds).run())
                rates[name]["kindred"].append(await _Load(kindred.port, loads[name], clients, seconds).run())
            mixed = _Load(kindred.port, languages, clients, seconds)
            await mixed.run()
            for language, rate in _per_client_rates(mixed, seconds).items():
                by_language[language].append(rate)
    finally:
        kindred.stop()
        if bare is not None:
            bare.terminate()
            bare.wait(10)
    return _result(rates, by_language, users, clients, seconds, rounds)


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


def _result(
    rates: dict[str, dict[str, list[float]]],
    by_language: dict[str, list[float]],
    users: int,
    clients: int,
    seconds: float,
    rounds: int,
) -> Result:
    table = [["endpoint", "Kindred req/s", "bare aiohttp req/s", "share of bare"]]
    targets = []
    figures: dict[str, Any] = {}
    for name, path in PATHS.items():
        k = sum(rates[name]["kindred"]) / rounds
        b = sum(rates[name]["bare"]) / rounds
        share = k / b
        table.append([f"GET {path}", f"{k:.0f}", f"{b:.0f}", ratio(share)])
        if name in _TARGETED:
            targets.append(
                Target(f"GET {path} throughput, share of a bare handler", f">= {TARGET}", ratio(share), share >= TARGET)
            )
        elif name == "me":
            targets.append(
                Target(
                    f"GET {path} throughput, share of a bare handler",
                    f">= {ME_TARGET}",
                    ratio(share),
                    share >= ME_TARGET,
                )
            )
        figures[name] = {"kindred_rps": k, "bare_rps": b, "share": share}
    english, german = (sum(by_language[lang]) / rounds for lang in ("en", "de"))
    share_of_english = german / english
    table.append(["GET /discover, English clients, per client", f"{english:.1f}", "", ""])
    table.append(
        ["GET /discover, German clients, per client", f"{german:.1f}", "", ratio(share_of_english) + " of English"]
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
    return Result(
        number=4,
        title="Web throughput at concurrent clients",
        sizes=f"{clients} clients, {rounds} x {seconds:g} s per endpoint and side, {users:,} people seeded",
        table=table,
        targets=targets,
        notes=[
            "Each request is a different person's (500 access tokens in turn), so suggestions are ranked "
            "afresh every time: Kindred caches no answer between requests (only a token's checked signature, "
            "never whether its owner may still act).",
            "GET /api/v1/me: the person, their interests, e-mail status, digest setting and picture, no "
            "ranking; its profile before and after the lean request path is at the end of this file.",
            "Languages: one more load on /discover in which half the clients send Accept-Language: de and half "
            "en, the same viewers in turn; the German clients' answers per second per client against the "
            "English ones' (the same page in the same moment, so a busy machine slows both alike).",
            "Kindred's request: access-token check and a read of the person (auth middleware), the ranking "
            "(three to four SQLite reads), JSON or the rendered page (which also reads the person's own "
            "interests and pending-request count); the bare handler returns the same bytes from memory. "
            "Reads by key (the person, their own rows, the pending count) run on the event loop's thread; "
            "the ranking's reads go to reader threads.",
            "Why the ranking endpoints' share is far below target: the bare handler, driven by a load "
            "generator cheap enough not to limit it, answers in tens of microseconds. Every Kindred request "
            "pays the middleware chain and the reads; the ranking at this population then costs milliseconds "
            "of SQLite work per request (see benchmark 3). Reaching a third of a do-nothing handler would need answers cached "
            "between requests, which this design avoids on purpose (they go stale).",
        ],
        figures=figures,
    )
