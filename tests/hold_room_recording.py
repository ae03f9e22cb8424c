"""``kindred run`` whose room worker stops dead once a match room exists.

For the crash test: the first ``createRoom`` answer is written to the file
named by ``KINDRED_TEST_ROOM_MADE`` and never recorded, so the test can
SIGKILL this process at exactly that point (the room on the homeserver,
Kindred's database without it). Run as ``python -m tests.hold_room_recording``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import kindred_cli
from bridge.matrix_client import MatrixClient

_real = MatrixClient.create_match_room


async def _held(self: MatrixClient, *args: Any, **kwargs: Any) -> str:
    room_id = await _real(self, *args, **kwargs)
    Path(os.environ["KINDRED_TEST_ROOM_MADE"]).write_text(room_id)
    await asyncio.Event().wait()
    return room_id


if __name__ == "__main__":
    MatrixClient.create_match_room = _held  # type: ignore[method-assign]
    sys.exit(kindred_cli.main(["run"]))
