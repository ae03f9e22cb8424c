"""The bot's one command table: dispatch, !help and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

from config.i18n import translator
from matcher.calls import Place
from matcher.command_table import COMMANDS, find, help_for

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_table(heading: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(heading) :]
    rows = re.findall(r"^\| `(![^`]+)` \|", section.split("\n\n", 2)[1], re.MULTILINE)
    assert rows, f"no command table under {heading!r}"
    return rows


def _usages(place: Place) -> list[str]:
    return [usage for spec in COMMANDS if spec.listed(place) for usage, _ in spec.usage_in(place)]


def test_help_lists_every_command_of_the_room_from_the_table() -> None:
    for place in (Place.DIRECT, Place.MATCH, Place.CIRCLE):
        shown = help_for(place, translator(None)).body
        for usage in _usages(place):
            assert usage in shown, f"{usage} missing from help in {place}"
    assert "!shared" not in help_for(Place.DIRECT, translator(None)).body
    assert "!accept" not in help_for(Place.MATCH, translator(None)).body
    assert "!kick" in help_for(Place.CIRCLE, translator(None)).body
    assert "!kick" not in help_for(Place.DIRECT, translator(None)).body


def test_the_readme_tables_mirror_the_command_table() -> None:
    assert _readme_table("**In your direct room with the bot:**") == _usages(Place.DIRECT)
    assert _readme_table("**In a match room**") == _usages(Place.MATCH)
    assert _readme_table("**In a circle's room**") == _usages(Place.CIRCLE)


def test_every_command_has_one_spec_and_privacy_is_declared_there() -> None:
    names = [spec.name for spec in COMMANDS]
    assert len(names) == len(set(names))
    assert {spec.name for spec in COMMANDS if spec.private} == {"block", "report"}
    assert find("verify") is not None and find("verify").anyone  # type: ignore[union-attr]
    assert find("frobnicate") is None
