"""`kindred demo` and `kindred doctor`."""

from __future__ import annotations

import random
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import aiohttp
import yaml
from aiohttp.test_utils import TestClient

import kindred_demo as demo
from config.doctor import FAIL, OK, SKIP, WARN, synapse_rate_limits
from kindred_demo_vocabulary import HOBBIES
from testkit.homeserver import ThrowawayHomeserver
from tests.conftest import AppFactory
from tests.databases import database_env, query
from tests.helpers import assert_status, free_port, kindred_command, sign_up
from web import keys


def test_demo_people_look_real() -> None:
    people = demo.People(random.Random(7))
    drawn = [people.draw() for _ in range(2000)]
    assert len({p.username for p in drawn}) == 2000
    for person in drawn[:50]:
        first, last = person.display_name.split(" ", 1)
        assert first and last and person.bio and 3 <= len(person.interests) <= 10
        assert person.username.isascii() and person.username == person.username.lower()
    # Skewed popularity: the commonest hobby is far commoner than a typical one.
    counts = Counter(i for p in drawn for i in p.interests)
    assert len(HOBBIES) >= 300
    assert counts[HOBBIES[0]] > 20 * max(1, counts[HOBBIES[200]])
    assert len(counts) > 200  # yet the long tail shows up


async def test_demo_people_appear_in_suggestions(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    made = await demo.seed(ctx, 40, random.Random(11))
    assert len(made) == 40
    async with ctx.db.read() as conn:
        rows = await (
            await conn.execute(
                "SELECT status, matrix_user_id, password_hash FROM users WHERE username IN ({})".format(
                    ",".join("?" * len(made))
                ),
                made,
            )
        ).fetchall()
    assert {(r[0], r[1]) for r in rows} == {("active", None)}
    assert rows[0][2].startswith("$argon2id$")

    viewer = await sign_up(offline_client, "viewer", interests=list(HOBBIES[:30]))
    found = await viewer.call("GET", "/suggestions?limit=100", 200)
    suggested = {s["user"]["username"] for s in found["suggestions"]}
    assert len(suggested) >= 30 and suggested <= set(made)
    # A demo person can log in with the demo password.
    response = await offline_client.post(
        "/api/v1/auth/login", json={"username": made[0], "password": demo.DEMO_PASSWORD}
    )
    await assert_status(response, 200)


async def test_demo_command_seeds_with_a_progress_bar(tmp_path: Path) -> None:
    code, out, err = await kindred_command(
        "demo",
        "--users",
        "250",
        "--seed",
        "3",
        **database_env(tmp_path),
        KINDRED_RUN_HOMESERVER="false",
        KINDRED_HOMESERVER_URL="http://127.0.0.1:9",
    )
    assert code == 0, err
    assert "250/250 people" in err and "200/250 people" in err
    assert "added 250 demo people" in out
    assert await query(tmp_path, "SELECT COUNT(*) FROM users WHERE status = 'active'") == [(250,)]
    code, _, err = await kindred_command("demo", "--users", "0", **database_env(tmp_path))
    assert code == 2 and "at least 1" in err


async def test_demo_with_matrix_signs_up_on_the_homeserver(
    kindred: AppFactory, homeserver: ThrowawayHomeserver
) -> None:
    client = await kindred()
    ctx = client.app[keys.KINDRED]
    made = await demo.seed(ctx, 3, random.Random(), matrix=True)
    me = await sign_up(client, "mx-viewer")
    profile = await me.call("GET", f"/users/{made[0]}", 200)
    assert profile["interests"]
    async with aiohttp.ClientSession() as http:
        login = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": made[0]},
            "password": demo.DEMO_PASSWORD,
        }
        async with http.post(f"{homeserver.url}/_matrix/client/v3/login", json=login) as response:
            await assert_status(response, 200)


def _env_for(data_dir: Path, homeserver_url: str) -> dict[str, str]:
    return {
        **database_env(data_dir),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver_url,
        "KINDRED_SERVER_NAME": "localhost",
    }


def _lines(out: str) -> dict[str, str]:
    """check name -> status, from the doctor's report."""
    found = {}
    for line in out.splitlines():
        status, rest = line.split(None, 1)
        found[rest.split("  ")[0].strip()] = status
    return found


async def test_doctor_passes_against_a_running_installation(
    kindred: AppFactory, homeserver: ThrowawayHomeserver
) -> None:
    client = await kindred()
    await sign_up(client, "doc")  # the database exists and the bot has logged in
    data_dir = client.app[keys.SETTINGS].data_dir
    code, out, err = await kindred_command("doctor", **_env_for(data_dir, homeserver.url))
    assert code == 0, out + err
    status = _lines(out)
    for name in ("settings", "data dir", "database", "homeserver", "client API", "shared-secret registration"):
        assert status[name] == OK, out
    assert status["bot session"] == OK, out
    assert status["migrations"] == OK and status["store size"] == OK, out
    assert status["homeserver version"] == OK and f"Synapse {version('matrix-synapse')}" in out, out
    # Not the bundled homeserver from Kindred's point of view here; checked below.
    assert status["homeserver rate limits"] == SKIP
    # The session's homeserver serves the client API alone: federation is off
    # by its config, which is worth a word but not a failure.
    assert status["federation"] == WARN and "does not serve the federation API" in out, out


def test_doctor_reads_the_bundled_rate_limits(homeserver: ThrowawayHomeserver, tmp_path: Path) -> None:
    check = synapse_rate_limits(homeserver.root / "synapse")
    assert check.status == OK, check.detail
    low = tmp_path / "synapse"
    low.mkdir()
    (low / "homeserver.yaml").write_text(yaml.safe_dump({"server_name": "x"}))
    (low / "kindred-overrides.yaml").write_text(
        yaml.safe_dump({"rc_invites": {"per_user": {"per_second": 0.003, "burst_count": 5}}})
    )
    check = synapse_rate_limits(low)
    assert check.status == FAIL and "rc_invites.per_user" in check.detail and "rc_room_creation" in check.detail


async def test_doctor_fails_clearly_with_a_wrong_homeserver(tmp_path: Path) -> None:
    wrong = f"http://127.0.0.1:{free_port()}"
    code, out, _ = await kindred_command("doctor", **_env_for(tmp_path, wrong))
    assert code == 1
    status = _lines(out)
    assert status["homeserver"] == FAIL and status["settings"] == OK
    line = next(line for line in out.splitlines() if line.startswith("FAIL"))
    assert wrong in line and "not reachable" in line


async def test_doctor_reports_bad_settings(tmp_path: Path) -> None:
    code, out, _ = await kindred_command("doctor", KINDRED_DATA_DIR=str(tmp_path), KINDRED_LOG_FORMAT="xml")
    assert code == 1
    assert out.startswith("FAIL") and "log_format" in out


async def test_doctor_refuses_a_database_from_a_newer_kindred(tmp_path: Path) -> None:
    await query(tmp_path, "CREATE TABLE schema_version (version INTEGER NOT NULL)")
    await query(tmp_path, "INSERT INTO schema_version VALUES (999)")
    code, out, _ = await kindred_command("doctor", **_env_for(tmp_path, "http://127.0.0.1:9"))
    assert code == 1 and _lines(out)["migrations"] == FAIL and "newer" in out


async def test_an_unreachable_postgresql_store_fails_clearly(tmp_path: Path) -> None:
    url = f"postgresql://kindred:s3cret@127.0.0.1:{free_port()}/kindred"
    env = {**_env_for(tmp_path, "http://127.0.0.1:9"), "KINDRED_DATABASE_URL": url}
    code, out, _ = await kindred_command("doctor", **env)
    assert code == 1 and _lines(out)["database"] == FAIL, out
    code, _, err = await kindred_command("admin", "grant", "nobody", **env)
    assert code == 1 and "cannot open the PostgreSQL database in 'database_url'" in err, err
    assert "Traceback" not in err
    # The password stays out of both reports.
    assert "s3cret" not in out + err
