"""One form for stored times: SQLite hands back naive UTC, PostgreSQL aware times."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """The same instant, timezone-aware in UTC (a naive time is read as UTC: every stored time is)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
