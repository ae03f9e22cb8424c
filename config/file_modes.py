"""Owner-only modes for the data directory and the secrets in it.

The data directory holds the JWT signing key, the homeserver's registration
secret and signing key, the bot's session and both databases: anyone who can
read one of them can log in as anyone. Other local users get nothing: the
directories are 0700 and the files in them 0600. New files are made that way
by the process umask (``OWNER_ONLY_UMASK``, set by ``kindred run`` and in the
homeserver's process); ``secure`` repairs what an older install left
readable, at every start.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

OWNER_ONLY_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def secure(directory: Path) -> None:
    """Make ``directory`` 0700 and the files directly in it 0600, and the
    same one level down (the homeserver's directory and its files).

    Deeper levels (the homeserver's media store) are left as they are: an
    owner-only parent already closes them, and walking them at every start
    would cost time in proportion to the pictures ever uploaded.
    """
    directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _restrict(directory, depth=2)


def _restrict(directory: Path, depth: int) -> None:
    _chmod(directory, DIRECTORY_MODE)
    for entry in os.scandir(directory):
        if entry.is_symlink():
            continue  # the target may not be ours to change
        if entry.is_dir():
            if depth > 1:
                _restrict(Path(entry.path), depth - 1)
            else:
                _chmod(Path(entry.path), DIRECTORY_MODE)
        elif entry.is_file():
            _chmod(Path(entry.path), FILE_MODE)


def _chmod(path: Path, least: int) -> None:
    """Take group and other bits away; the owner keeps at least ``least``
    (an executable stays executable for its owner)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        target = (current & ~OWNER_ONLY_UMASK) | least
        if target != current:
            path.chmod(target)
            logger.info("made %s private (mode %o, was %o)", path, target, current)
    except FileNotFoundError:
        pass  # gone between listing and changing (a -shm file, a tmp file)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by the owner only from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # an existing file keeps its mode otherwise
        handle.write(text)
