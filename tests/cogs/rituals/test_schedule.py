"""Schedule phrases and cron: what they mean, how they read back, and DST-correct fire times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.rituals.schedule import ScheduleError, fire_times, parse_schedule, shortest_gap

WEDNESDAY_NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def utc_times(text: str, zone: str, after: datetime, count: int = 3, starts_on: date | None = None) -> list[str]:
    trigger = parse_schedule(text).trigger(zone, starts_on or after.date())
    return [moment.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M") for moment in fire_times(trigger, after, limit=count)]


@pytest.mark.parametrize(
    ("text", "words", "first_three"),
    [
        (
            "daily at 09:00",
            "every day at 09:00",
            ["Thu 2026-03-05 09:00", "Fri 2026-03-06 09:00", "Sat 2026-03-07 09:00"],
        ),
        (
            "every wednesday at 10:00",
            "every Wednesday at 10:00",
            ["Wed 2026-03-11 10:00", "Wed 2026-03-18 10:00", "Wed 2026-03-25 10:00"],
        ),
        (
            "Weekdays at 08:45",
            "every weekday (Monday to Friday) at 08:45",
            ["Thu 2026-03-05 08:45", "Fri 2026-03-06 08:45", "Mon 2026-03-09 08:45"],
        ),
        (
            "every 2 weeks on monday at 9:30",
            "every 2 weeks on Monday at 09:30",
            ["Mon 2026-03-09 09:30", "Mon 2026-03-23 09:30", "Mon 2026-04-06 09:30"],
        ),
        (
            "monthly on the first friday at 17:00",
            "on the first Friday of every month at 17:00",
            ["Fri 2026-03-06 17:00", "Fri 2026-04-03 17:00", "Fri 2026-05-01 17:00"],
        ),
        (
            "monthly on the last friday at 5pm",
            "on the last Friday of every month at 17:00",
            ["Fri 2026-03-27 17:00", "Fri 2026-04-24 17:00", "Fri 2026-05-29 17:00"],
        ),
        (
            "every Monday and Thursdays at 7:15am",
            "every Monday and Thursday at 07:15",
            ["Thu 2026-03-05 07:15", "Mon 2026-03-09 07:15", "Thu 2026-03-12 07:15"],
        ),
        (
            "monthly on the 15th at 8:00",
            "on day 15 of every month at 08:00",
            ["Sun 2026-03-15 08:00", "Wed 2026-04-15 08:00", "Fri 2026-05-15 08:00"],
        ),
        # crontab weekdays count from Sunday (3 = Wednesday), unlike APScheduler 3's own numbers.
        (
            "0 10 * * 3",
            "every Wednesday at 10:00",
            ["Wed 2026-03-11 10:00", "Wed 2026-03-18 10:00", "Wed 2026-03-25 10:00"],
        ),
        (
            "30 8 * * 1-5",
            "every weekday (Monday to Friday) at 08:30",
            ["Thu 2026-03-05 08:30", "Fri 2026-03-06 08:30", "Mon 2026-03-09 08:30"],
        ),
        (
            "0 9 * * 0",
            "every Sunday at 09:00",
            ["Sun 2026-03-08 09:00", "Sun 2026-03-15 09:00", "Sun 2026-03-22 09:00"],
        ),
        (
            "monthly on the last day at 18:00",
            "on the last day of every month at 18:00",
            ["Tue 2026-03-31 18:00", "Thu 2026-04-30 18:00", "Sun 2026-05-31 18:00"],
        ),
        (
            "0 18 last * *",
            "cron `0 18 last * *`",
            ["Tue 2026-03-31 18:00", "Thu 2026-04-30 18:00", "Sun 2026-05-31 18:00"],
        ),
        (
            "0 9 29 2 *",  # leap days only: rare, but it comes round
            "cron `0 9 29 2 *`",
            ["Tue 2028-02-29 09:00", "Sun 2032-02-29 09:00", "Fri 2036-02-29 09:00"],
        ),
        (
            "0 9,17 * * *",
            "cron `0 9,17 * * *`",
            ["Wed 2026-03-04 17:00", "Thu 2026-03-05 09:00", "Thu 2026-03-05 17:00"],
        ),
        (
            # The day of month and the day of week both given: either day, as crontab runs it (until 2026-12-01
            # only a 1st or 15th that was a Monday: 2026-06-01, 2027-02-01, ...).
            "0 9 1,15 * 1",
            "cron `0 9 1,15 * 1`",
            ["Mon 2026-03-09 09:00", "Sun 2026-03-15 09:00", "Mon 2026-03-16 09:00"],
        ),
        (
            "0 9 */2 * mon",  # a field starting with `*` restricts nothing by crontab's rule: odd days that are Mondays
            "cron `0 9 */2 * mon`",
            ["Mon 2026-03-09 09:00", "Mon 2026-03-23 09:00", "Mon 2026-04-13 09:00"],
        ),
        (
            "Mondays at 9am",
            "every Monday at 09:00",
            ["Mon 2026-03-09 09:00", "Mon 2026-03-16 09:00", "Mon 2026-03-23 09:00"],
        ),
        (
            "tue and thu at 17:30",
            "every Tuesday and Thursday at 17:30",
            ["Thu 2026-03-05 17:30", "Tue 2026-03-10 17:30", "Thu 2026-03-12 17:30"],
        ),
        (
            "0 9 31 2 mon",
            "cron `0 9 31 2 mon`",
            ["Mon 2027-02-01 09:00", "Mon 2027-02-08 09:00", "Mon 2027-02-15 09:00"],
        ),
    ],
)
def test_phrases_and_cron_read_back_and_fire(text: str, words: str, first_three: list[str]) -> None:
    assert parse_schedule(text).describe("UTC") == f"{words} (UTC)"
    assert utc_times(text, "UTC", WEDNESDAY_NOON) == first_three


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("whenever you like", "I can't read the schedule"),
        ("daily at 25:00", "not a time of day"),
        ("daily at 13pm", "with am/pm the hour is 1 to 12"),
        ("0 10 * * 9", "not a day of the week"),
        ("61 10 * * *", "not a cron schedule I can use"),
        ("every 0 weeks on monday at 9:00", "every 1 to 52 weeks"),
        ("monthly on the 32nd at 9:00", "not a day of the month"),
        ("", "Give a schedule"),
        ("0 9 31 2 *", "`0 9 31 2 \\*` never runs: no date has that day in that month"),
        ("0 9 30 2 *", "never runs"),
    ],
)
def test_unreadable_schedules_say_what_is_readable(text: str, complaint: str) -> None:
    with pytest.raises(ScheduleError, match=complaint):
        parse_schedule(text)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("0 10 * * FRY", "`FRY` is not a day of the week (0-7 or sun-sat)."),
        ("0 25 * * MON", "`0 25 * * MON` is not a cron schedule I can use: the hour field `25` should be 0-23."),
        ("0 9 * JANUARY *", "the month field `JANUARY` should be 1-12 or jan-dec."),
        ("0 9 31 FEB *", "`0 9 31 FEB *` never runs"),
        ("0 10 * * FRI-MON", "`FRI-MON` is not a day-of-week field I can read."),
        ("Daily at 13PM", "`13PM` is not a time; with am/pm the hour is 1 to 12."),
        ("Daily at 9:75 PM", "`9:75 PM` is not a time of day."),
    ],
)
def test_a_refusal_quotes_the_schedule_as_it_was_typed(text: str, refusal: str) -> None:
    """Schedules are read without regard to case, and refusals quoted them lowercased (`0 25 * * mon`)."""
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(text)
    assert refusal in str(refused.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("weekly on monday at 9am", "every Monday at 09:00"),
        ("mondays and fridays at 10am", "every Monday and Friday at 10:00"),
        ("every day at 9 am", "every day at 09:00"),
        ("on weekdays at 8 pm", "every weekday (Monday to Friday) at 20:00"),
    ],
)
def test_a_phrase_of_five_words_is_read_as_the_phrase_not_as_cron(text: str, words: str) -> None:
    """Until 2026-12-02 five words without a `:` went to cron: `weekly on monday at 9am` was refused as "`9am` is
    not a day of the week" (tester-q)."""
    assert parse_schedule(text).describe("UTC") == f"{words} (UTC)"


def test_five_words_no_cron_could_be_get_the_forms_hearth_reads() -> None:
    """A cron's minute and hour fields are never words: `daily at 9am and 5pm` was refused as "`5pm` is not a day
    of the week" (tester-q)."""
    with pytest.raises(ScheduleError, match=r"I can.t read the schedule `daily at 9am and 5pm`\. Try `daily at 09:00`"):
        parse_schedule("daily at 9am and 5pm")


def test_the_series_starts_on_its_start_date_and_keeps_its_rhythm() -> None:
    # Starting in the week of 16 March, the fortnightly rhythm follows that week, not this one.
    later = utc_times("every 2 weeks on monday at 9:30", "UTC", WEDNESDAY_NOON, starts_on=date(2026, 3, 16))
    assert later == ["Mon 2026-03-16 09:30", "Mon 2026-03-30 09:30", "Mon 2026-04-13 09:30"]
    # Asked again weeks later (after a restart), the same series gives the same dates.
    assert utc_times(
        "every 2 weeks on monday at 9:30", "UTC", datetime(2026, 4, 1, tzinfo=UTC), starts_on=date(2026, 3, 16)
    ) == ["Mon 2026-04-13 09:30", "Mon 2026-04-27 09:30", "Mon 2026-05-11 09:30"]


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Europe/Berlin moves to summer time on 29 March and back on 25 October 2026.
        (
            "Europe/Berlin",
            datetime(2026, 3, 27, tzinfo=UTC),
            ["2026-03-27 08:00", "2026-03-28 08:00", "2026-03-29 07:00", "2026-03-30 07:00"],
        ),
        (
            "Europe/Berlin",
            datetime(2026, 10, 23, tzinfo=UTC),
            ["2026-10-23 07:00", "2026-10-24 07:00", "2026-10-25 08:00", "2026-10-26 08:00"],
        ),
        # America/New_York: 8 March and 1 November 2026.
        (
            "America/New_York",
            datetime(2026, 3, 6, 12, tzinfo=UTC),
            ["2026-03-06 14:00", "2026-03-07 14:00", "2026-03-08 13:00", "2026-03-09 13:00"],
        ),
        (
            "America/New_York",
            datetime(2026, 10, 30, 12, tzinfo=UTC),
            ["2026-10-30 13:00", "2026-10-31 13:00", "2026-11-01 14:00", "2026-11-02 14:00"],
        ),
    ],
)
def test_nine_oclock_local_on_both_sides_of_dst(zone: str, after: datetime, expected: list[str]) -> None:
    trigger = parse_schedule("daily at 09:00").trigger(zone, after.date())
    moments = fire_times(trigger, after, limit=4)
    assert [m.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for m in moments] == expected
    assert {m.strftime("%H:%M") for m in moments} == {"09:00"}


def test_fortnightly_series_stays_at_local_time_across_dst() -> None:
    trigger = parse_schedule("every 2 weeks on monday at 9:30").trigger("Europe/Berlin", date(2026, 3, 16))
    moments = fire_times(trigger, datetime(2026, 3, 16, tzinfo=UTC), limit=3)
    assert [m.astimezone(UTC).strftime("%m-%d %H:%M") for m in moments] == ["03-16 08:30", "03-30 07:30", "04-13 07:30"]


def test_shortest_gap_finds_too_frequent_schedules() -> None:
    def gap(text: str) -> timedelta | None:
        return shortest_gap(parse_schedule(text).trigger("UTC", WEDNESDAY_NOON.date()), WEDNESDAY_NOON, ZoneInfo("UTC"))

    assert gap("every 30 minutes") == timedelta(minutes=30)
    assert gap("*/5 * * * *") == timedelta(minutes=5)
    assert gap("0,30 9 * * 1") == timedelta(minutes=30)
    assert gap("hourly") == timedelta(hours=1)
    assert gap("daily at 09:00") == timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # Berlin goes back from 03:00 to 02:00 on Sunday 25 October 2026: 02:30 happens at 00:30 and 01:30 UTC.
        ("daily at 02:30", "Europe/Berlin", ["10-24 00:30", "10-25 00:30", "10-26 01:30", "10-27 01:30"]),
        # New York goes back from 02:00 to 01:00 on Sunday 1 November 2026: 01:30 is 05:30 and 06:30 UTC.
        ("daily at 01:30", "America/New_York", ["10-31 05:30", "11-01 05:30", "11-02 06:30", "11-03 06:30"]),
        # London goes back from 02:00 to 01:00 on 25 October: a Sunday 01:00 cron, at 00:00 UTC that day.
        ("0 1 * * 0", "Europe/London", ["10-25 00:00", "11-01 01:00", "11-08 01:00", "11-15 01:00"]),
    ],
)
def test_a_time_the_clocks_repeat_fires_once_at_its_first_occurrence(text: str, zone: str, expected: list[str]) -> None:
    after = datetime(2026, 10, 30 if zone == "America/New_York" else 23, 12, tzinfo=UTC)
    trigger = parse_schedule(text).trigger(zone, after.date())
    moments = fire_times(trigger, after, limit=4)
    assert [m.astimezone(UTC).strftime("%m-%d %H:%M") for m in moments] == expected


def test_hourly_schedules_keep_every_hour_through_the_repeated_hour() -> None:
    """Like Vixie cron's jobs with `*` in the hour or minute: a schedule that counts hours, not a time of day,
    runs in both of the repeated hour's passes, an hour apart."""
    trigger = parse_schedule("hourly").trigger("Europe/Berlin", date(2026, 10, 24))
    moments = fire_times(trigger, datetime(2026, 10, 24, 23, 30, tzinfo=UTC), limit=4)
    assert [m.astimezone(UTC).strftime("%H:%M") for m in moments] == ["00:00", "01:00", "02:00", "03:00"]


@pytest.mark.parametrize(
    ("text", "zone", "gap"),
    [
        ("daily at 02:30", "Europe/Berlin", timedelta(days=1)),
        ("daily at 01:30", "America/New_York", timedelta(days=1)),
        ("hourly", "Europe/Berlin", timedelta(hours=1)),
        # Lord Howe Island goes back half an hour (02:00 to 01:30): the repeated :45 is no 30-minute gap.
        ("hourly at :45", "Australia/Lord_Howe", timedelta(hours=1)),
    ],
)
def test_the_repeated_hour_is_no_gap(text: str, zone: str, gap: timedelta) -> None:
    # Sampled from before each zone's autumn change (Lord Howe's is on 5 April 2026).
    after = {"Australia/Lord_Howe": datetime(2026, 4, 4, 13, tzinfo=UTC)}.get(zone, datetime(2026, 10, 1, tzinfo=UTC))
    assert shortest_gap(parse_schedule(text).trigger(zone, after.date()), after, ZoneInfo(zone)) == gap
