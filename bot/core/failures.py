"""How a failure is logged: a traceback for what may be a bug, one line for a database that another program
held locked (SQLite's "database is locked" once busy_timeout ran out), which is no bug and says all in a line."""

from __future__ import annotations

import logging
import sys

from storage.engine import locked


def log_failure(log: logging.Logger, what: str, *args: object) -> None:
    """Log the exception being handled (call it in an `except` block) as `what % args` failed: one warning line
    when the database was locked, else with its traceback."""
    error = sys.exc_info()[1]
    if error is not None and locked(error):
        log.warning(what + ": the database is locked by another program; nothing was written", *args)
    else:
        log.exception(what, *args)
