"""How a failure is logged: a traceback for what may be a bug, one line for a database that another program
held locked (SQLite's "database is locked" once busy_timeout ran out) or that could not be reached (PostgreSQL
restarting, its connections dropped), which is no bug and says all in a line."""

from __future__ import annotations

import logging
import sys

from storage.engine import locked, unreachable


def log_failure(log: logging.Logger, what: str, *args: object) -> None:
    """Log the exception being handled (call it in an `except` block) as `what % args` failed: one warning line
    when the database was locked or out of reach, else with its traceback."""
    error = sys.exc_info()[1]
    if error is not None and locked(error):
        log.warning(what + ": the database is locked by another program; nothing was written", *args)
    elif error is not None and unreachable(error):
        log.warning(what + ": the database could not be reached (%s); nothing was written", *args, reason(error))
    else:
        log.exception(what, *args)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` is the database locked by another program or out of reach: nothing was written, and the
    same work may well go through later (unlike a row the database refused, or a bug)."""
    return locked(error) or unreachable(error)


def reason(error: BaseException) -> str:
    """The driver's own words for a database error, on one line (SQLAlchemy's adds the statement and a link)."""
    cause = getattr(error, "orig", None) or error
    return " ".join(str(cause).split()) or type(cause).__name__
