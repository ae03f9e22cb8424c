"""The rule for a room the homeserver has and the database does not record."""

from __future__ import annotations

import pytest

from domain.provisioning import ADOPT, KEEP, PURGE, verdict


@pytest.mark.parametrize(
    ("owner", "complete", "expected"),
    [
        (("provisioning", None), True, ADOPT),  # made, never recorded: finish it
        (("provisioning", None), False, PURGE),  # half-made: a new one is cheaper than a repair
        (("provisioning", "!other:hs"), True, PURGE),  # the match has its room already
        (("ready", "!other:hs"), True, PURGE),
        (("closed", None), True, PURGE),  # closed before the room was recorded
        (None, True, PURGE),  # no such match
        (("ready", "!room:hs"), True, KEEP),  # it is the match's own room
    ],
)
def test_only_a_waiting_match_adopts_and_only_a_complete_room(
    owner: tuple[str, str | None] | None, complete: bool, expected: str
) -> None:
    assert verdict(owner, "!room:hs", complete) == expected
