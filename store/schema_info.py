"""A read-only look at a database file, for ``kindred doctor``.

Opening the database the normal way applies migrations; a health check
must not change what it inspects, so this opens the file read-only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def schema_version(path: Path) -> int:
    """The newest migration applied to ``path`` (0 if none); raises sqlite3.Error
    when the file is not a readable Kindred database."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)
