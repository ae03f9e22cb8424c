"""After login, ``next`` may only lead to a path on this site, however it is spelt."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from yarl import URL

from tests.helpers import assert_status, csrf_token, sign_up
from web.next_url import safe_next

SITE = "https://kindred.example/login"

# Pieces that have fooled redirect checks: slashes of both kinds, escapes of
# them, tabs and newlines browsers drop, dots, scheme and authority marks.
_PIECES = st.sampled_from(
    [
        "/",
        "\\",
        "%2F",
        "%2f",
        "%5C",
        "%09",
        "%0A",
        "%25",
        "%252F",
        "\t",
        "\n",
        "\r",
        " ",
        "\x00",
        ".",
        "..",
        ":",
        "@",
        "?",
        "#",
        "evil.example",
        "http:",
        "javascript:",
        "x",
        "%",
        "%3F",
        "é",
    ]
)
_CANDIDATES = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=12).map("".join)


def browser_origin(location: str) -> tuple[str, str | None, int | None]:
    """Where a browser on SITE goes with this Location (WHATWG's clean-up first)."""
    cleaned = location.strip("".join(chr(c) for c in range(0x21)))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    target = urlsplit(urljoin(SITE, cleaned))
    return target.scheme, target.hostname, target.port


@settings(max_examples=1000, deadline=None)
@given(_CANDIDATES)
@example("/%09/evil.example/x")
@example("/\t/evil.example/x")
@example("/%5C%5Cevil.example")
@example("/..//evil.example")
def test_no_accepted_next_leads_off_site(candidate: str) -> None:
    accepted = safe_next(candidate)
    if accepted is None:
        return
    # aiohttp puts str(URL(location)) in the header.
    header = str(URL(accepted))
    assert browser_origin(header) == browser_origin(SITE), (candidate, header)
    # Nor after a proxy or framework in between decodes it once more.
    assert browser_origin(unquote(header)) == browser_origin(SITE), (candidate, header)
    # The login form carries the value through a second check unchanged.
    assert safe_next(accepted) == accepted


@pytest.mark.parametrize(
    "given_next, expected",
    [
        ("/%09/evil.example/x", "/discover"),
        ("/\t/evil.example/x", "/discover"),  # what ?next=/%09/evil.example/x arrives as
        ("/\\evil.example", "/discover"),
        ("https://evil.example/", "/discover"),
        ("/matches?page=2", "/matches?page=2"),
        ("/discover?interest=rock%20%26%20roll", "/discover?interest=rock%20%26%20roll"),
    ],
)
async def test_login_redirects_only_to_a_path_here(offline_client: TestClient, given_next: str, expected: str) -> None:
    person = await sign_up(offline_client, "nav")
    form = await offline_client.get("/login", params={"next": given_next})
    await assert_status(form, 200)
    response = await offline_client.post(
        "/login",
        data={
            "username": person.username,
            "password": person.password,
            "next": given_next,
            "csrf_token": csrf_token(offline_client),
        },
        allow_redirects=False,
    )
    await assert_status(response, 303)
    assert response.headers["Location"] == expected
