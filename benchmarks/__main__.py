"""``python -m benchmarks``: run the benchmarks and write RESULTS.md.

python -m benchmarks                 # all nine, full sizes
python -m benchmarks --only 3 --users 20000
python -m benchmarks --smoke --results-dir /tmp/out   # tiny sizes, a check that they run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import (
    bench_accept,
    bench_bot,
    bench_circles,
    bench_consent,
    bench_provisioning,
    bench_rounds,
    bench_signup,
    bench_suggestions,
    bench_web,
    harness,
)
from benchmarks.report import HERE, Result, save, stamp

FULL = {
    "rounds": 20,
    "accepts": 200,
    "bursts": 3,
    # Wait for a fresh homeserver's own schema updates before the first floor
    # (a minute or two; a fair start, pointless at tiny sizes).
    "settle": True,
    "users": 100_000,
    "requests": 300,
    "naive_rounds": 2,
    "big_users": 1_000_000,
    "big_requests": 100,
    "web_users": 100_000,
    "web_clients": 50,
    "web_seconds": 3.0,
    "signups": 20,
    "signup_production": True,
    "bot_rooms": 5000,
    "shared_rounds": 20,
    "consent_rounds": 100,
    "round_people": 100_000,
    "round_small": 200,
    "round_large": 2000,
    "circle_rounds": 20,
    "circle_members": 2000,
    "circle_pages": 200,
}
# The benchmarks that also run with Kindred's store on PostgreSQL.
ON_POSTGRES = {1, 2, 3, 4}
SMOKE = {
    "rounds": 2,
    "accepts": 6,
    "bursts": 3,
    "settle": False,
    "users": 800,
    "requests": 15,
    "naive_rounds": 1,
    "big_users": 0,
    "big_requests": 0,
    "web_users": 300,
    "web_clients": 5,
    "web_seconds": 0.5,
    "signups": 2,
    "signup_production": False,
    "bot_rooms": 5,
    "shared_rounds": 2,
    "consent_rounds": 2,
    "round_people": 2000,
    "round_small": 40,
    "round_large": 300,
    "circle_rounds": 2,
    "circle_members": 50,
    "circle_pages": 5,
}

PREAMBLE = """
Written by `make bench` (`python -m benchmarks`); each section below keeps the date, sizes and
machine of the run that produced it. Every benchmark measures Kindred and its floor in the same run
on the same machine, alternating where it can, so the ratios hold on a busy machine better than the
absolute times do. The homeserver is the bundled Synapse (SQLite) started fresh for the run, with the
test suite's overrides: bcrypt at 4 rounds and no login or message throttling; both sides pay those
costs alike, except in signup, which is therefore also measured with Synapse's production bcrypt.
Kindred runs as its own process (`kindred run`), as an operator starts it.

Noise: each section's load average shows how busy the machine was. On a machine shared with other
work, absolute times move by tens of percent from run to run and the ratios move less, though the
homeserver-bound ones (1 and 2) still by about 0.1 to 0.2.
Kindred's store is SQLite, its default, unless a row says PostgreSQL: benchmarks 1 to 4 also run
with the store on a throwaway PostgreSQL server started for the run (the kind the test suite's second
pass uses: a fresh cluster on this machine, durability off), side by side with SQLite.
"""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="benchmark numbers to run, e.g. --only 3 or --only 1,2 (default: all)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: do they all still run?")
    parser.add_argument("--results-dir", type=Path, default=HERE, help="where RESULTS.md goes")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure 1 to 4 with Kindred's store on a throwaway PostgreSQL server (default: yes)",
    )
    parser.add_argument(
        "--without-consent-module",
        action="store_true",
        help="the shared homeserver does not load the consent module (to compare 1, 2, 5, 6 with and without)",
    )
    sizes = parser.add_argument_group("sizes (defaults: full run; --smoke makes them tiny)")
    for name, value in FULL.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            sizes.add_argument(flag, action=argparse.BooleanOptionalAction, default=None)
        else:
            sizes.add_argument(flag, type=type(value), default=None, metavar="N")
    args = parser.parse_args(argv)
    base = SMOKE if args.smoke else FULL
    for name, value in base.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    wanted = {int(part) for item in args.only for part in item.split(",") if part.strip()}
    args.wanted = wanted or {1, 2, 3, 4, 5, 6, 7, 8, 9}
    return args


async def run(args: argparse.Namespace, work: Path) -> list[Result]:
    with contextlib.ExitStack() as stack:
        # Only the benchmarks that measure Kindred's store on it need the server.
        needed = args.postgres and bool(args.wanted & ON_POSTGRES)
        postgres = stack.enter_context(harness.throwaway_postgres()) if needed else None
        return await _run(args, work, postgres)


async def _run(args: argparse.Namespace, work: Path, postgres: harness.ThrowawayPostgres | None) -> list[Result]:
    results: list[Result] = []

    async def timed(coroutine):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = await coroutine
        results.append(stamp(result, time.perf_counter() - started))
        print(f"benchmark {result.number} done in {result.seconds:.0f} s", flush=True)
        return result

    if args.wanted & {1, 2, 5, 6, 9}:
        # The homeserver asks this Kindred about invites, as in production.
        port = harness.free_port()
        consent_port = None if args.without_consent_module else port
        async with harness.homeserver(work / "homeserver", consent_port=consent_port) as hs:
            kindred = harness.Kindred(work / "kindred", hs, port=port)
            with harness.running(kindred):
                await kindred.start()
                if 1 in args.wanted:
                    await timed(bench_accept.run(hs, kindred, args.rounds))
                if 2 in args.wanted:
                    await timed(bench_provisioning.run(hs, kindred, args.accepts, args.bursts, args.settle))
                if 5 in args.wanted:
                    await timed(_signup(args, work, hs, kindred))
                if 9 in args.wanted:
                    # Before 6, which stops and restarts this Kindred.
                    await timed(
                        bench_circles.run(hs, kindred, args.circle_rounds, args.circle_members, args.circle_pages)
                    )
                if 6 in args.wanted:
                    await timed(bench_bot.run(hs, kindred, args.bot_rooms, args.shared_rounds))
    if postgres is not None and args.wanted & {1, 2}:
        await _homeserver_on_postgres(args, work, postgres, results)
    if 7 in args.wanted:
        await timed(bench_consent.run(work / "consent", args.consent_rounds))
    if 3 in args.wanted:
        await timed(
            bench_suggestions.run(
                work, args.users, args.requests, args.naive_rounds, args.big_users, args.big_requests, postgres
            )
        )
    if 4 in args.wanted:
        await timed(bench_web.run(work, args.web_users, args.web_clients, args.web_seconds, postgres))
    if 8 in args.wanted:
        await timed(bench_rounds.run(args.round_people, args.round_small, args.round_large))
    return sorted(results, key=lambda r: r.number)


async def _homeserver_on_postgres(
    args: argparse.Namespace, work: Path, postgres: harness.ThrowawayPostgres, results: list[Result]
) -> None:
    """Benchmarks 1 and 2 again, Kindred's store on PostgreSQL, beside their SQLite figures."""
    port = harness.free_port()
    consent_port = None if args.without_consent_module else port
    url = await postgres.create_database("bench_homeserver")
    async with harness.homeserver(work / "homeserver-pg", consent_port=consent_port) as hs:
        kindred = harness.Kindred(work / "kindred-pg", hs, port=port, database_url=url)
        with harness.running(kindred):
            await kindred.start()
            for number, module, run in [
                (1, bench_accept, lambda: bench_accept.run(hs, kindred, args.rounds)),
                (
                    2,
                    bench_provisioning,
                    lambda: bench_provisioning.run(hs, kindred, args.accepts, args.bursts, args.settle),
                ),
            ]:
                if number not in args.wanted:
                    continue
                started = time.perf_counter()
                on_postgres = await run()
                first = next(result for result in results if result.number == number)
                module.beside(first, on_postgres)
                first.seconds += time.perf_counter() - started
                print(f"benchmark {number} on PostgreSQL done in {time.perf_counter() - started:.0f} s", flush=True)


async def _signup(args: argparse.Namespace, work: Path, hs: harness.Homeserver, kindred: harness.Kindred) -> Result:
    cheap = await bench_signup.measure(hs, kindred, args.signups)
    production = None
    if args.signup_production:
        overrides = {k: v for k, v in harness.SYNAPSE_OVERRIDES.items() if k != "bcrypt_rounds"}
        async with harness.homeserver(work / "homeserver-production", overrides) as real:
            other = harness.Kindred(work / "kindred-production", real, run_bot=False)
            with harness.running(other):
                await other.start()
                production = await bench_signup.measure(real, other, args.signups)
    return bench_signup.result(args.signups, cheap, production)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as tmp:
        work = Path(tmp)
        try:
            results = asyncio.run(run(args, work))
        finally:
            if args.keep:
                kept = Path(tempfile.mkdtemp(prefix="kindred-bench-kept-"))
                shutil.copytree(work, kept, dirs_exist_ok=True)
                print(f"working directory kept in {kept}")
    path = save(results, args.results_dir, PREAMBLE)
    for result in results:
        for target in result.targets:
            state = {True: "met", False: "NOT MET", None: "not measured"}[target.met]
            print(f"{result.number}. {target.what}: {target.measured} (target {target.goal}) {state}")
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
