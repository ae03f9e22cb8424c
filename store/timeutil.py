"""Timestamps are stored as ISO-8601 UTC text, which sorts correctly."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
