"""Reports: someone tells the operator about the person they matched with.

Stored for the operator and never shown to the reported person.
"""

from __future__ import annotations

import logging

from domain import people, validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.matches import own_match
from store import admin_actions, reports
from store.reports import QueuedReport, Report
from store.users import User

logger = logging.getLogger(__name__)

MAX_REASON = 500


def reason(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= MAX_REASON or validation.has_control_characters(text, allow_newlines=True):
        raise KindredError("report_reason_invalid", field="reason")
    return text


async def report_match(ctx: Kindred, reporter: User, match_id: int, why: str) -> Report:
    text = reason(why)
    async with ctx.db.transaction() as conn:
        match = await own_match(conn, reporter, match_id)
        report_id = await reports.insert(conn, reporter.id, match.other(reporter.id), match.id, text)
        stored = await reports.get(conn, report_id)
    assert stored is not None
    logger.warning(
        "report %d: user %d reported user %d (match %d)",
        stored.id,
        stored.reporter_id,
        stored.reported_id,
        match.id,
    )
    return stored


async def report_user(ctx: Kindred, reporter: User, username: str, why: str) -> Report:
    """Report someone from their profile, matched or not."""
    text = reason(why)
    async with ctx.db.transaction() as conn:
        other = await people.named(conn, username)
        if other.id == reporter.id:
            raise KindredError("cannot_report_self")
        report_id = await reports.insert(conn, reporter.id, other.id, None, text)
        stored = await reports.get(conn, report_id)
    assert stored is not None
    logger.warning("report %d: user %d reported user %d", stored.id, reporter.id, other.id)
    return stored


async def recent(ctx: Kindred, limit: int = 50) -> list[Report]:
    async with ctx.db.read() as conn:
        return await reports.recent(conn, limit)


async def queue(ctx: Kindred, open_only: bool, limit: int, offset: int = 0) -> list[QueuedReport]:
    """Reports for operators, newest first."""
    async with ctx.db.read() as conn:
        return await reports.queue(conn, open_only, limit, offset)


async def resolve(ctx: Kindred, actor: str, report_id: int) -> None:
    async with ctx.db.transaction() as conn:
        report = await reports.get(conn, report_id)
        if report is None or not await reports.resolve(conn, report_id, actor):
            raise KindredError("report_not_found")
        await admin_actions.record(conn, actor, "resolve_report", report.reported_id, f"report {report_id}")
