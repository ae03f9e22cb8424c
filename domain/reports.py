"""Reports: someone tells the operator about the person they matched with.

Stored for the operator and never shown to the reported person.
"""

from __future__ import annotations

import logging

from domain import validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.matches import own_match
from store import reports
from store.reports import Report
from store.users import User

logger = logging.getLogger(__name__)

MAX_REASON = 500


def reason(value: object) -> str:
    if not isinstance(value, str):
        raise KindredError("report_reason_invalid", field="reason")
    text = value.strip()
    if not 1 <= len(text) <= MAX_REASON or validation.has_control_characters(text, allow_newlines=True):
        raise KindredError("report_reason_invalid", field="reason")
    return text


async def report_match(ctx: Kindred, reporter: User, match_id: int, why: object) -> Report:
    text = reason(why)
    async with ctx.db.transaction() as conn:
        match = await own_match(conn, reporter, match_id)
        report_id = await reports.insert(conn, reporter.id, match.other(reporter.id), match.id, text)
        stored = await reports.get(conn, report_id)
    assert stored is not None
    logger.warning(
        "report %d: user %d reported user %d (match %d)",
        stored.id, stored.reporter_id, stored.reported_id, match.id,
    )
    return stored


async def recent(ctx: Kindred, limit: int = 50) -> list[Report]:
    async with ctx.db.read() as conn:
        return await reports.recent(conn, limit)
