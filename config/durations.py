"""Durations as people type them: `90s`, `15m`, `3h`, `2d`, `1w`, `1y`, or combined like `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

# A year is 365 days (what `1y` of retention means to a person; no calendar arithmetic).
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 365 * 86400}
# Units as people write them: `90s`, `5 minutes`, `1 hour 30 min`, `2 days`, `1 wk`, `1 year`.
_WORDS = {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
    "w": ("w", "wk", "wks", "week", "weeks"),
    "y": ("y", "yr", "yrs", "year", "years"),
}
_LONGEST = 100 * 366 * 86400
_UNIT_OF = {word: unit for unit, words in _WORDS.items() for word in words}
_UNIT = "|".join(sorted(_UNIT_OF, key=len, reverse=True))
_PART = re.compile(rf"(\d+)\s*({_UNIT})(?![a-z])")
_WHOLE = re.compile(rf"^(?:\s*\d+\s*(?:{_UNIT})(?![a-z])\s*,?(?:\s*and)?)+\s*$")


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `3h`, `2d`, `1w`, `1y` (365 days), `1h30m`, `5 minutes`, `1 hour 30 min`; a bare number
    means seconds (callers that show the result say so: `is_bare_number`). Up to 100 years (36,600 days, so
    `100y` fits). Raises ValueError with a message a member reads."""
    cleaned = text.strip().lower()
    if cleaned.isdecimal():  # not isdigit: `²` is a digit int() cannot read
        seconds = int(cleaned)
    elif _WHOLE.match(cleaned):
        seconds = sum(int(n) * _UNITS[_UNIT_OF[unit]] for n, unit in _PART.findall(cleaned))
    else:
        raise ValueError(f"`{text}` is not a duration; write it like 90s, 15m, 5 minutes, 3h, 2d, 1w or 1y")
    # timedelta stops at 999,999,999 days (OverflowError); no duration Hearth keeps comes near a century.
    if seconds > _LONGEST:
        raise ValueError(f"`{text}` is longer than I can count; durations go up to 100 years")
    return timedelta(seconds=seconds)


def is_bare_number(text: str) -> bool:
    """A duration typed without a unit (`5`), which `parse_duration` reads as seconds."""
    return text.strip().isdecimal()


_NAMED_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def format_duration(value: timedelta) -> str:
    """A duration in words, largest units first and exact: `30 days`, `2 weeks` (weeks only for a whole number
    of them: `4w2d` reads `30 days`), `1 hour 30 minutes`, `0 seconds`. `parse_duration` reads it back (and still
    reads the short forms)."""
    seconds = int(value.total_seconds())
    parts = []
    days = seconds // 86400
    if days and days % 7 == 0:
        parts.append(_counted(days // 7, "week"))
        seconds -= days * 86400
    for unit, size in _NAMED_UNITS:
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(_counted(count, unit))
    return " ".join(parts) or "0 seconds"


def _counted(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")
