"""Normalisation and limits for everything people type (domain/validation.py)."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from domain import validation
from domain.errors import KindredError
from tests.helpers import assert_status, sign_up


def refused(check: Callable[[Any], object], value: Any) -> KindredError:
    with pytest.raises(KindredError) as caught:
        check(value)
    return caught.value


# Interests


@pytest.mark.parametrize(
    "typed",
    [
        "Rock Climbing",
        "rock climbing ",
        "  ROCK   CLIMBING",
        "rock\u00a0climbing",  # no-break space
        "rock\u3000climbing",  # ideographic space
        "\uff32ock climbing",  # fullwidth R, folded by NFKC
    ],
)
def test_interest_spellings_collapse_to_one_canonical_form(typed: str) -> None:
    assert validation.interest(typed) == "rock climbing"


def test_interest_normalisation_is_nfkc_and_casefold() -> None:
    assert validation.interest("\ufb01lm") == "film"  # the "fi" ligature
    assert validation.interest("Cafe\u0301") == "café"  # decomposed é composes
    assert validation.interest("Stra\u00dfe") == "strasse"  # casefold, not just lower


def test_interest_normalisation_is_idempotent() -> None:
    for typed in ["Rock Climbing", "Cafe\u0301 culture", "\u2160 Roman", "Stra\u00dfe"]:
        once = validation.interest(typed)
        assert validation.interest(once) == once


def test_interest_length_is_1_to_40_after_normalising() -> None:
    assert validation.interest("a") == "a"
    assert validation.interest("x" * 40) == "x" * 40
    assert validation.interest("  " + "x" * 40 + "  ") == "x" * 40
    for bad in ["", "   ", "\u3000", "x" * 41]:
        error = refused(validation.interest, bad)
        assert (error.code, error.field) == ("interest_invalid", "interests")


@pytest.mark.parametrize("value", ["chess\x00", "a\x07b", "line\nbreak", "tab\tstop", "\x1b[31mred", "x\x7f", "\ud800"])
def test_interest_refuses_control_characters(value: str) -> None:
    error = refused(validation.interest, value)
    assert (error.code, error.field) == ("control_characters", "interests")


def test_interests_are_deduplicated_in_given_order() -> None:
    assert validation.interests(["Rock Climbing", "chess", "rock climbing ", "CHESS", "Go"]) == [
        "rock climbing",
        "chess",
        "go",
    ]


def test_interests_accept_a_comma_separated_string() -> None:
    assert validation.interests("Chess, rock climbing,, ,Go") == ["chess", "rock climbing", "go"]


def test_interests_count_is_1_to_30_distinct() -> None:
    thirty = [f"topic {n}" for n in range(30)]
    assert validation.interests(thirty) == thirty
    # Duplicates do not count against the limit.
    assert len(validation.interests(thirty + ["TOPIC 0", "topic 29 "])) == 30
    for bad in [[], "", " , ", thirty + ["topic 30"]]:
        assert refused(validation.interests, bad).code == "interests_invalid"


@pytest.mark.parametrize("value", [None, 7, {"a": 1}, ["chess", 3], ["chess", None], [["nested"]]])
def test_interests_of_the_wrong_type_are_refused(value: Any) -> None:
    error = refused(validation.interests, value)
    assert (error.code, error.field) == ("field_type", "interests")


# Usernames


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ada", "ada"),
        ("Ada", "ada"),
        ("  bo ", "bo"),
        ("a.b_c-9", "a.b_c-9"),
        ("9lives", "9lives"),
        ("x" * 32, "x" * 32),
    ],
)
def test_usernames_are_trimmed_and_lowercased(typed: str, stored: str) -> None:
    assert validation.username(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["a", "", "x" * 33, ".ada", "_ada", "-ada", "ada lovelace", "ada@home", "ad\u00e9", "ada:localhost", "ada/x"],
)
def test_bad_usernames_are_refused(typed: str) -> None:
    error = refused(validation.username, typed)
    assert (error.code, error.field) == ("username_invalid", "username")


@pytest.mark.parametrize("typed", ["12", "007", "1" * 32])
def test_all_digit_usernames_are_refused_naming_the_rule(typed: str) -> None:
    error = refused(validation.username, typed)
    assert (error.code, error.field) == ("username_all_digits", "username")
    assert "digit" in error.message


async def test_an_all_digit_username_is_a_400_at_signup(offline_client: TestClient) -> None:
    response = await offline_client.post(
        "/api/v1/auth/signup", json={"username": "12345", "password": "kindred-pass-31", "display_name": "Num"}
    )
    body = await assert_status(response, 400)
    assert (body["error"]["code"], body["error"]["field"]) == ("username_all_digits", "username")


def test_usernames_refuse_control_characters_and_non_text() -> None:
    assert refused(validation.username, "ada\x00").code == "control_characters"
    assert refused(validation.username, "ada\n").code == "control_characters"
    assert refused(validation.username, 42).code == "field_type"


# Passwords


def test_passwords_are_10_to_128_characters_and_kept_verbatim() -> None:
    assert validation.password("kv93-tamarind") == "kv93-tamarind"
    assert validation.password(" spaced out now ") == " spaced out now "
    assert validation.password("p" * 128) == "p" * 128
    for bad in ["kv93-tama", "", "p" * 129]:
        error = refused(validation.password, bad)
        assert (error.code, error.field) == ("password_invalid", "password")


def test_passwords_are_not_the_username_or_a_common_one() -> None:
    error = refused(lambda value: validation.password(value, "adalovelace"), "AdaLovelace")
    assert (error.code, error.field) == ("password_is_username", "password")
    # Common passwords of ten characters and more, in any case, are refused.
    for common in ["1234567890", "qwertyuiop", "Password123", "iloveyou12"]:
        assert refused(validation.password, common).code == "password_common", common
    # The field named is the one the rule was given (change and reset say new_password).
    error = refused(lambda value: validation.password(value, field="new_password"), "short")
    assert (error.code, error.field) == ("password_invalid", "new_password")


def test_email_addresses_are_trimmed_lowered_and_loosely_checked() -> None:
    assert validation.email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ["", "ada", "ada@", "@example.org", "ada@example", "a b@example.org", "ada@@example.org", "a@b.c\u202e"]:
        assert refused(validation.email, bad).code == "email_invalid", bad
    assert refused(validation.email, 5).code == "field_type"


def test_passwords_refuse_control_characters_and_non_text() -> None:
    assert refused(validation.password, "password\x00123").code == "control_characters"
    assert refused(validation.password, 12345678).code == "field_type"
    assert refused(validation.password, None).code == "field_type"


# Display names, bios, notes


def test_display_names_collapse_whitespace_and_are_1_to_64() -> None:
    assert validation.display_name("  Ada   Lovelace ") == "Ada Lovelace"
    assert validation.display_name("A" * 64) == "A" * 64
    for bad in ["", "   ", "A" * 65]:
        assert refused(validation.display_name, bad).code == "display_name_invalid"
    assert refused(validation.display_name, "Ada\x1b").code == "control_characters"


# Invisible and direction-changing characters (category Cf) other than a joiner inside a word.
_HIDDEN = st.characters(categories=["Cf"]).filter(lambda ch: ch not in "\u200c\u200d")
_VISIBLE = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=20)


@pytest.mark.parametrize(
    "name", ["\u202eAda", "Ada\u2066Bo\u2069", "A\u200bda", "\u200b", " \u200b ", "\u200d", "Ada\u200d"]
)
def test_display_names_refuse_invisible_and_direction_changing_characters(name: str) -> None:
    error = refused(validation.display_name, name)
    assert (error.code, error.field) == ("format_characters", "display_name")


@given(_VISIBLE, _HIDDEN, _VISIBLE)
def test_a_format_character_anywhere_in_a_display_name_is_refused(before: str, hidden: str, after: str) -> None:
    for name in (hidden + before, before + hidden + after, before + hidden, hidden * 3):
        assert refused(validation.display_name, name).code == "format_characters"


def test_joiners_inside_words_and_emoji_are_kept() -> None:
    assert (
        validation.display_name("\u0645\u06cc\u200c\u062e\u0648\u0627\u0645")
        == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645"
    )
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert validation.display_name(f"Ada {family}") == f"Ada {family}"


def test_interests_refuse_format_characters() -> None:
    error = refused(validation.interest, "chess\u202e")
    assert (error.code, error.field) == ("format_characters", "interests")


async def test_a_display_name_of_only_a_zero_width_space_is_refused_at_signup(offline_client: TestClient) -> None:
    response = await offline_client.post(
        "/api/v1/auth/signup", json={"username": "ada", "password": "kindred-pass-31", "display_name": "\u200b"}
    )
    body = await assert_status(response, 400)
    assert (body["error"]["code"], body["error"]["field"]) == ("format_characters", "display_name")
    person = await sign_up(offline_client, "bo")
    body = await person.call("PUT", "/me/profile", 400, json={"display_name": "\u202eoB"})
    assert body["error"]["code"] == "format_characters"


def test_notes_are_at_most_500_characters_and_may_hold_newlines() -> None:
    assert validation.note(None) == ""
    assert validation.note("  hello\nthere  ") == "hello\nthere"
    assert validation.note("n" * 500) == "n" * 500
    assert validation.note("  " + "n" * 500 + "  ") == "n" * 500
    error = refused(validation.note, "n" * 501)
    assert (error.code, error.field) == ("note_too_long", "note")
    assert refused(validation.note, "hi\x00").code == "control_characters"
    assert refused(validation.note, 5).code == "field_type"


def test_bios_are_at_most_500_characters() -> None:
    assert validation.bio("b" * 500) == "b" * 500
    assert validation.bio("line one\r\nline two\tend") == "line one\r\nline two\tend"
    assert refused(validation.bio, "b" * 501).code == "bio_too_long"
    assert refused(validation.bio, "bell\x07").code == "control_characters"


# Through the API: what is stored is the canonical form


async def test_profile_stores_interests_in_canonical_form(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada")
    body = await ada.call("PUT", "/me/profile", 200, json={"interests": ["Rock Climbing", "rock climbing ", " Chess"]})
    assert sorted(body["interests"]) == ["chess", "rock climbing"]
    me = await ada.call("GET", "/me", 200)
    assert sorted(me["interests"]) == ["chess", "rock climbing"]


async def test_people_typing_an_interest_differently_share_it(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", interests=["Rock Climbing"])
    await sign_up(offline_client, "bo", interests=["rock   CLIMBING "])
    found = await ada.call("GET", "/suggestions", 200)
    assert [s["shared_interests"] for s in found["suggestions"]] == [["rock climbing"]]
