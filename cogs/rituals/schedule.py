"""Ritual schedules: cron or the phrases moderators type, turned into APScheduler 3 triggers.

Everything after parsing is APScheduler's own trigger math in the ritual's IANA zone, so a
`09:00 Europe/Berlin` ritual fires at 09:00 local on both sides of a DST change. "Every 2 weeks" is a
weekly CronTrigger that skips the weeks off the series' rhythm; the rhythm is anchored at the week of
the series' first firing on or after its start date, so it is the same after every restart.

When the clocks go back, APScheduler 3's CronTrigger fires a wall-clock time in the repeated hour twice
(once per UTC offset). A schedule at a time of day (fixed minute and hour) fires only at the first of
the two, as Vixie cron does; one that counts hours or minutes (`*` in either field: `hourly`, `every 3
hours`) keeps firing in both passes, an hour apart, so it keeps its rhythm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES = {
    **{day: day for day in _DAYS},
    **{day[:3]: day for day in _DAYS},
    "tues": "tuesday",
    "thur": "thursday",
    "thurs": "thursday",
}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "last": "last"}
_ORDINALS.update({value: value for value in list(_ORDINALS.values())})
_CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_CRON_TEXT = re.compile(r"^[\d*/,\-a-z]+$")
# Enough firings to see the shortest gap of any cron: its fields repeat within a day or a week.
_GAP_SAMPLE = 40
_ONE_MICROSECOND = timedelta(microseconds=1)
# A five-field cron has no year, so one that fires after any moment fires after every moment.
_SOME_MOMENT = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))

_TIME = r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm)?"
_DAY_NAME = r"(?:" + "|".join(sorted(_DAY_ALIASES, key=len, reverse=True)) + r")s?"
_DAY_LIST = rf"(?P<days>{_DAY_NAME}(?:\s*(?:,|and|&)\s*{_DAY_NAME})*)"
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("daily", rf"^(?:daily|every day|each day) at {_TIME}$"),
        ("weekdays", rf"^(?:weekdays|every weekday|on weekdays) at {_TIME}$"),
        ("weekends", rf"^(?:weekends|every weekend|on weekends) at {_TIME}$"),
        # `every monday at 9am`, and as people also write it, `mondays at 9am` (until 2026-12-01 refused).
        ("weekly", rf"^(?:(?:every|each|weekly on|on) )?{_DAY_LIST} at {_TIME}$"),
        (
            "weeks",
            rf"^(?:every (?P<weeks>\d+) weeks?|every other week|biweekly|fortnightly) on {_DAY_LIST} at {_TIME}$",
        ),
        (
            "nth_day",
            rf"^(?:monthly on|on) the (?P<nth>{'|'.join(_ORDINALS)}) (?P<day>{_DAY_NAME})"
            rf"(?: of (?:the|every) month)? at {_TIME}$",
        ),
        ("last_day", rf"^monthly on the last day(?: of (?:the|every) month)? at {_TIME}$"),
        ("day_of_month", rf"^monthly on (?:the |day )?(?P<dom>\d{{1,2}})(?:st|nd|rd|th)? at {_TIME}$"),
        ("hourly", r"^(?:hourly|every hour)(?: at (?:minute |:)(?P<minute>\d{1,2}))?$"),
        ("minutes", r"^every (?P<count>\d+) (?P<unit>minutes?|hours?)$"),
    )
)


class ScheduleError(ValueError):
    """A schedule Hearth cannot read; the message says what it can read."""


EXAMPLES = (
    "`daily at 09:00`, `every wednesday at 10:00`, `weekdays at 08:45`, `every 2 weeks on monday at 9:30`, "
    "`monthly on the first friday at 17:00`, or cron like `0 10 * * 3`"
)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: CronTrigger fields, an every-N-weeks rhythm, and its plain words."""

    text: str
    cron: dict[str, str] = field(hash=False)
    words: str
    every_weeks: int = 1
    # Crontab's rule (man 5 crontab): with both the day of month and the day of week restricted (neither starting
    # with `*`), it runs on a day either matches; APScheduler's CronTrigger alone requires both.
    either_day: bool = False

    def trigger(self, zone: str, starts_on: date) -> BaseTrigger:
        """The trigger in `zone`; nothing fires before `starts_on` (local midnight)."""
        tz = ZoneInfo(zone)
        cron = _cron_trigger(self.cron, tz, datetime.combine(starts_on, time(0), tzinfo=tz), self.either_day)
        if not any(self.cron.get(name, "*").startswith("*") for name in ("minute", "hour")):
            cron = FirstOfRepeatedTrigger(cron, tz)
        if self.every_weeks == 1:
            return cron
        first = cron.get_next_fire_time(None, datetime.combine(starts_on, time(0), tzinfo=tz))
        if first is None:
            return cron
        anchor = first.astimezone(tz).date()
        return EveryNWeeksTrigger(cron, self.every_weeks, anchor - timedelta(days=anchor.weekday()), tz)

    def describe(self, zone: str) -> str:
        """The words and the time zone: `every day at 09:00 (UTC)`; a note the words end with shares its
        parentheses (`... at 09:00 (UTC; months without that day are skipped)`)."""
        if self.words.endswith(")"):
            words, _, note = self.words[:-1].rpartition(" (")
            return f"{words} ({zone}; {note})"
        return f"{self.words} ({zone})"


def repeated(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether `moment` is the second pass of a wall-clock time the clocks in `zone` repeat (going back)."""
    # zoneinfo marks only the later of two equal wall-clock times with fold=1.
    return moment.astimezone(zone).fold == 1


class FirstOfRepeatedTrigger(BaseTrigger):
    """A CronTrigger at a time of day that skips the second pass of a wall-clock time the clocks repeat."""

    def __init__(self, cron: BaseTrigger, zone: ZoneInfo) -> None:
        self.cron = cron
        self.zone = zone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        while candidate is not None and repeated(candidate, self.zone):
            candidate = self.cron.get_next_fire_time(candidate, _after(candidate))
        return candidate

    def __str__(self) -> str:
        return f"first of a repeated hour: {self.cron}"


class EveryNWeeksTrigger(BaseTrigger):
    """A weekly CronTrigger that fires only in every N-th week counted from `anchor` (a Monday)."""

    def __init__(self, cron: BaseTrigger, weeks: int, anchor: date, zone: ZoneInfo) -> None:
        self.cron = cron
        self.weeks = weeks
        self.anchor = anchor
        self.zone = zone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        candidate = self.cron.get_next_fire_time(previous_fire_time, now)
        # A weekly cron fires at most 7 times a week, so 7 * weeks candidates always reach an on-week.
        for _ in range(7 * self.weeks + 1):
            if candidate is None:
                return None
            local = candidate.astimezone(self.zone).date()
            week_start = local - timedelta(days=local.weekday())
            if ((week_start - self.anchor).days // 7) % self.weeks == 0:
                return candidate
            candidate = self.cron.get_next_fire_time(candidate, _after(candidate))
        return None

    def __str__(self) -> str:
        return f"every {self.weeks} weeks from {self.anchor}: {self.cron}"


def reads_as_schedule(text: str) -> bool:
    """Whether `parse_schedule` reads `text` (how a schedule typed without quotes ends: `daily at 09:00`)."""
    try:
        parse_schedule(text)
    except ScheduleError:
        return False
    return True


def parse_schedule(text: str) -> Schedule:
    """A Schedule from cron or a phrase, read without regard to case; raises ScheduleError with the forms Hearth
    understands, quoting what was typed as it was typed (`0 10 * * FRY`, not `fry`)."""
    typed = re.sub("every single", "every", " ".join(text.split()), flags=re.IGNORECASE).rstrip(".")
    # `cleaned` is read, `typed` quoted. Lowercasing moves no word, nor any character of a phrase that matches
    # (only `İ` lowercases to two characters, and no phrase holds it): a span of a match is the same in `typed`.
    cleaned = typed.lower()
    if not cleaned:
        raise ScheduleError(f"Give a schedule, such as {EXAMPLES}.")
    for name, pattern in _PHRASES:
        if match := pattern.match(cleaned):
            return _phrase(cleaned, typed, name, match)
    # Five fields that no phrase reads are cron, unless both the minute and the hour field are words, as no cron's
    # are: `weekly on monday at 9am` was read as cron, and `daily at 9am and 5pm` refused for its day of the week.
    parts = cleaned.split()
    if len(parts) == 5 and all(_CRON_TEXT.match(part) for part in parts) and not (parts[0] + parts[1]).isalpha():
        return _cron(cleaned, typed)
    raise ScheduleError(f"I can't read the schedule `{text}`. Try {EXAMPLES}.")


def _clock_time(typed: str, match: re.Match[str]) -> tuple[int, int]:
    """Hour and minute of the phrase's time; ScheduleError quoting the time as `typed` (`13PM`) when it is none."""
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    ampm = match.group("ampm")
    time_typed = typed[match.start("hour") : max(match.end(group) for group in ("hour", "minute", "ampm"))]
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{time_typed}` is not a time; with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{time_typed}` is not a time of day.")
    return hour, minute


def _day_names(text: str) -> list[str]:
    words = re.findall(_DAY_NAME, text)
    found = [_DAY_ALIASES[word if word in _DAY_ALIASES else word.rstrip("s")] for word in words]
    return sorted(set(found), key=_DAYS.index)


def _list_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _phrase(text: str, typed: str, name: str, match: re.Match[str]) -> Schedule:
    """The Schedule of a phrase `match` of `text` (lowercased `typed`, which refusals quote)."""
    if name == "hourly":
        minute = int(match.group("minute") or 0)
        if minute > 59:
            raise ScheduleError(f"`{minute}` is not a minute of the hour.")
        return Schedule(text, {"minute": str(minute)}, f"every hour at :{minute:02d}")
    if name == "minutes":
        count = int(match.group("count"))
        unit = match.group("unit").rstrip("s")
        limit = 59 if unit == "minute" else 23
        if count < 1:
            raise ScheduleError(f"Every {count} {unit}s would never come: say every 1 to {limit} {unit}s.")
        if count > limit:
            raise ScheduleError(f"Every {count} {unit}s doesn't fit in {'an hour' if unit == 'minute' else 'a day'}.")
        if unit == "minute":
            return Schedule(text, {"minute": f"*/{count}"}, f"every {count} minutes")
        return Schedule(text, {"minute": "0", "hour": f"*/{count}"}, f"every {count} hours, on the hour")
    hour, minute = _clock_time(typed, match)
    at = f"at {hour:02d}:{minute:02d}"
    cron = {"minute": str(minute), "hour": str(hour)}
    if name == "daily":
        return Schedule(text, cron, f"every day {at}")
    if name == "weekdays":
        return Schedule(text, {**cron, "day_of_week": "mon-fri"}, f"every weekday (Monday to Friday) {at}")
    if name == "weekends":
        return Schedule(text, {**cron, "day_of_week": "sat,sun"}, f"every Saturday and Sunday {at}")
    if name == "nth_day":
        nth = _ORDINALS[match.group("nth")]
        day = _day_names(match.group("day"))[0]
        words = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth"}.get(nth, nth)
        return Schedule(
            text, {**cron, "day": f"{nth} {day[:3]}"}, f"on the {words} {day.capitalize()} of every month {at}"
        )
    if name == "last_day":
        return Schedule(text, {**cron, "day": "last"}, f"on the last day of every month {at}")
    if name == "day_of_month":
        dom = int(match.group("dom"))
        if not 1 <= dom <= 31:
            raise ScheduleError(f"`{dom}` is not a day of the month.")
        note = " (months without that day are skipped)" if dom > 28 else ""
        return Schedule(text, {**cron, "day": str(dom)}, f"on day {dom} of every month {at}{note}")
    days = _day_names(match.group("days"))
    day_words = _list_words([day.capitalize() for day in days])
    cron["day_of_week"] = ",".join(day[:3] for day in days)
    if name == "weekly":
        return Schedule(text, cron, f"every {day_words} {at}")
    weeks = int(match.group("weeks") or 2)
    if not 1 <= weeks <= 52:
        raise ScheduleError("Say every 1 to 52 weeks.")
    if weeks == 1:
        return Schedule(text, cron, f"every {day_words} {at}")
    return Schedule(text, cron, f"every {weeks} weeks on {day_words} {at}", every_weeks=weeks)


def _cron_weekdays(field_text: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday, names in any case) as APScheduler 3 names (whose numbers start at
    Monday); ScheduleError quoting the field as typed."""
    if field_text == "*":
        return "*"
    names = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    chosen: set[int] = set()
    for part in field_text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low_text, high_text = span.split("-", 1)
            low, high = _weekday_number(low_text), _weekday_number(high_text)
        else:
            low = high = _weekday_number(span)
        if step < 1 or high < low:
            raise ScheduleError(f"`{field_text}` is not a day-of-week field I can read.")
        chosen.update(day % 7 for day in range(low, high + 1, step))
    return ",".join(names[day] for day in sorted(chosen))


def _weekday_number(text: str) -> int:
    names = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    if text.lower()[:3] in names:
        return names.index(text.lower()[:3])
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise ScheduleError(f"`{text}` is not a day of the week (0-7 or sun-sat).")


# Each cron field in words and what it takes, for a refusal that names the field (not APScheduler's message).
_CRON_RANGES = {
    "minute": ("minute", "0-59"),
    "hour": ("hour", "0-23"),
    "day": ("day-of-month", "1-31 or last"),
    "month": ("month", "1-12 or jan-dec"),
    "day_of_week": ("day-of-week", "0-7 or sun-sat"),
}


def _cron(text: str, typed_text: str) -> Schedule:
    """The Schedule of five cron fields `text` (lowercased `typed_text`, which refusals quote)."""
    typed = dict(zip(_CRON_FIELDS, typed_text.split(), strict=True))
    values = dict(zip(_CRON_FIELDS, text.split(), strict=True))
    values["day_of_week"] = _cron_weekdays(typed["day_of_week"])
    either_day = not typed["day"].startswith("*") and not typed["day_of_week"].startswith("*")
    try:
        trigger = _cron_trigger(values, ZoneInfo("UTC"), None, either_day)
    except ValueError:
        raise ScheduleError(_cron_refusal(typed_text, typed, values)) from None
    if trigger.get_next_fire_time(None, _SOME_MOMENT) is None:
        raise ScheduleError(
            f"`{typed_text}` never runs: no date has that day in that month. Check the day and month fields."
        )
    return Schedule(text, values, _cron_words(text, values), either_day=either_day)


def _cron_trigger(fields: dict[str, str], zone: ZoneInfo, start: datetime | None, either_day: bool) -> BaseTrigger:
    """CronTrigger of `fields` in `zone`, from `start`; with `either_day`, firing on a day that matches the day of
    month or the day of week (`Schedule.either_day`): the two days' triggers, whichever comes first."""
    if not either_day:
        return CronTrigger(timezone=zone, start_date=start, **fields)
    return OrTrigger(
        [
            CronTrigger(timezone=zone, start_date=start, **{**fields, "day_of_week": "*"}),
            CronTrigger(timezone=zone, start_date=start, **{**fields, "day": "*"}),
        ]
    )


def _cron_refusal(text: str, typed: dict[str, str], values: dict[str, str]) -> str:
    """Which field is wrong and what it takes, in plain words."""
    for name in _CRON_FIELDS:
        try:
            CronTrigger(timezone=ZoneInfo("UTC"), **{name: values[name]})
        except ValueError:
            words, takes = _CRON_RANGES[name]
            return f"`{text}` is not a cron schedule I can use: the {words} field `{typed[name]}` should be {takes}."
    return f"`{text}` is not a cron schedule I can use: its fields don't fit together."


def _cron_words(text: str, values: dict[str, str]) -> str:
    minute, hour, day, month, weekdays = (values[name] for name in _CRON_FIELDS)
    if not (minute.isdigit() and hour.isdigit()) or month != "*":
        return f"cron `{text}`"
    at = f"at {int(hour):02d}:{int(minute):02d}"
    if day == "*" and weekdays == "*":
        return f"every day {at}"
    if day == "*" and weekdays == "mon,tue,wed,thu,fri":
        return f"every weekday (Monday to Friday) {at}"
    if day == "*":
        full = {name[:3]: name.capitalize() for name in _DAYS}
        return f"every {_list_words([full[name] for name in weekdays.split(',')])} {at}"
    if weekdays == "*" and day.isdigit():
        return f"on day {day} of every month {at}"
    return f"cron `{text}`"


def fire_times(
    trigger: BaseTrigger, after: datetime, until: datetime | None = None, limit: int | None = 3
) -> list[datetime]:
    """Fire times strictly after `after`: up to `limit` of them, and none after `until` when given."""
    if limit is None and until is None:
        raise ValueError("fire_times needs a limit or an end")
    found: list[datetime] = []
    moment = trigger.get_next_fire_time(None, _after(after))
    while moment is not None and (limit is None or len(found) < limit) and (until is None or moment <= until):
        found.append(moment)
        moment = trigger.get_next_fire_time(moment, _after(moment))
    return found


def shortest_gap(trigger: BaseTrigger, after: datetime, zone: ZoneInfo) -> timedelta | None:
    """The shortest real time between two firings of `trigger` (in `zone`), from a sample long enough for any
    cron. The clocks going back are no gap: a firing in the repeated hour's second pass (an hourly schedule's)
    comes an hour after the first in real time, except where they go back less (Lord Howe Island's half hour)."""
    moments = fire_times(trigger, after, limit=_GAP_SAMPLE)
    gaps = [
        later.astimezone(UTC) - earlier.astimezone(UTC)
        for earlier, later in pairwise(moments)
        if not repeated(later, zone)
    ]
    return min(gaps) if gaps else None


def _after(moment: datetime) -> datetime:
    """The microsecond after `moment`, in UTC: Python adds wall-clock time to a datetime in a ZoneInfo, so in the
    repeated hour the sum would land an hour earlier (in the first pass) and the same firing would come again."""
    return moment.astimezone(UTC) + _ONE_MICROSECOND
