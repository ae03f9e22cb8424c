"""Store errors the domain may catch, the same whichever database runs."""

from __future__ import annotations


class UniqueViolation(Exception):
    """A write would have broken a UNIQUE constraint or index."""
