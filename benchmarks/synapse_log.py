"""What one account asked of the homeserver, read from Synapse's own log.

Synapse writes a line for every request it has answered, with who asked,
what, and how long its database worked on it (``Processed request: ...
db=(txn seconds/wait seconds/transactions)``). Counting those lines for the
bot's account over a stretch of time gives the homeserver's side of the bot's
traffic: a figure that does not move with the machine's load, unlike a time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_LINE = re.compile(
    r"^(?P<when>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - synapse\.access\.\S+ .*?"
    r"\{(?P<who>[^}]*)\} Processed request: (?P<took>[\d.]+)sec/.*? db=\((?P<db>[\d.]+)sec/[\d.]+sec/(?P<txns>\d+)\) "
    r'\S+ \S+ "(?P<method>[A-Z]+) (?P<path>\S+)'
)


@dataclass
class Traffic:
    """Requests by kind, and the homeserver's database transactions for them."""

    requests: Counter[str] = field(default_factory=Counter)
    transactions: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def kind(method: str, path: str) -> str:
    """A request's kind: the match room, its introduction, a notice, a sync, or other."""
    path = path.split("?", 1)[0]
    if path.endswith("/createRoom"):
        return "createRoom"
    if "/send/" in path:
        # The introduction's transaction id names it (matcher/room_worker.py).
        return "introduction" if "/kindred-intro-" in path else "notice"
    if path.endswith("/sync"):
        return "sync"
    return "other"


def read(log: Path, user_id: str, start: float, end: float) -> Traffic:
    """``user_id``'s requests made between ``start`` and ``end`` (epoch seconds).

    A request counts where it began (its line's time less how long it
    took): a long poll waiting since before ``start`` and let go at its
    beginning belongs to what came before. Synapse stamps its lines in the
    machine's local time, as ``time.time()`` read back through
    ``datetime.fromtimestamp`` does.
    """
    traffic = Traffic()
    if not log.exists():
        return traffic
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if "Processed request" not in line or user_id not in line:
                continue
            found = _LINE.match(line)
            if found is None or found["who"] != user_id:
                continue
            when = dt.datetime.strptime(found["when"], "%Y-%m-%d %H:%M:%S,%f").timestamp() - float(found["took"])
            if start <= when <= end:
                what = kind(found["method"], found["path"])
                traffic.requests[what] += 1
                traffic.transactions[what] += int(found["txns"])
    return traffic
