"""5. Signup latency against the homeserver's own shared-secret registration.

Kindred's ``POST /api/v1/auth/signup`` with an email address (validate,
hash the password with argon2, reserve the name, register on the homeserver,
log that device out, activate, queue the code mail, issue tokens) against
the bare registration it wraps: fetch a nonce, post the signed registration.
Rounds alternate the two. The mail is only queued in the signup's
transaction (the outbox, as with no SMTP server): it never goes out inside
the request.

The homeserver hashes the password with bcrypt; its cost decides how much of
a signup the homeserver is. The harness's homeserver uses the test suite's
cheap bcrypt (4 rounds), which makes the homeserver's share look smaller
than it is; so this benchmark also runs against a homeserver with Synapse's
production default (12 rounds), and the target is judged there.
"""

from __future__ import annotations

import time

import aiohttp

from benchmarks import matrix
from benchmarks.harness import Homeserver, Kindred, summary_ms
from benchmarks.report import Result, Target, ms, ratio

TARGET = 1.2


async def measure(hs: Homeserver, kindred: Kindred, rounds: int) -> dict[str, dict[str, float]]:
    kindred_times: list[float] = []
    floor_times: list[float] = []
    async with aiohttp.ClientSession() as http:
        floor = matrix.FloorAccount(http, hs.url, "", "")
        secret = hs.secrets.registration_shared_secret
        for n in range(rounds + 1):
            started = time.perf_counter()
            await matrix.sign_up(http, kindred.url, "signup", with_email=True)
            kindred_time = time.perf_counter() - started
            started = time.perf_counter()
            await floor.register_raw(secret, matrix.unique("raw"))
            floor_time = time.perf_counter() - started
            if n > 0:  # the first round warms connections and caches on both sides
                kindred_times.append(kindred_time)
                floor_times.append(floor_time)
    return {"kindred": summary_ms(kindred_times), "floor": summary_ms(floor_times)}


def result(rounds: int, cheap: dict[str, dict[str, float]], production: dict[str, dict[str, float]] | None) -> Result:
    table = [
        [
            "homeserver bcrypt",
            "Kindred p50",
            "raw registration p50",
            "p50 ratio",
            "Kindred p90",
            "raw p90",
            "Kindred's own share (p50)",
        ]
    ]
    figures = {}
    for label, data in (("12 rounds (production default)", production), ("4 rounds (test setting)", cheap)):
        if data is None:
            continue
        k, f = data["kindred"], data["floor"]
        table.append(
            [
                label,
                ms(k["p50"]),
                ms(f["p50"]),
                ratio(k["p50"] / f["p50"]),
                ms(k["p90"]),
                ms(f["p90"]),
                ms(k["p50"] - f["p50"]),
            ]
        )
        figures[label.split()[0]] = {"kindred_ms": k, "floor_ms": f, "p50_ratio": k["p50"] / f["p50"]}
    judged = production or cheap
    p50 = judged["kindred"]["p50"] / judged["floor"]["p50"]
    where = "production bcrypt" if production else "test bcrypt (production run skipped)"
    return Result(
        number=5,
        title="Signup latency against shared-secret registration",
        sizes=f"{rounds} rounds each, per homeserver setting",
        table=table,
        targets=[Target(f"signup p50 ratio to raw registration ({where})", f"<= {TARGET}", ratio(p50), p50 <= TARGET)],
        notes=[
            "Kindred hashes the password (argon2id, argon2-cffi defaults, in a thread) while the homeserver "
            "registers the account, so the hash hides behind the homeserver's own bcrypt; what remains is "
            "Kindred's own request handling, one logout call and three short write transactions.",
            "With the test setting's cheap bcrypt the homeserver answers faster than argon2id hashes, so "
            "there the hash is in full view: that row shows Kindred's fixed cost, not the judged ratio.",
            *(
                []
                if p50 <= TARGET
                else [
                    "Why the ratio is above target in this run: Kindred's own share (last column) is larger than "
                    "the homeserver's registration leaves room for; on a busy machine the hashing thread and the "
                    "homeserver compete for the same cores."
                ]
            ),
        ],
        figures=figures,
    )
