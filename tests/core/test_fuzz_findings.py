"""What the fuzzing (tests/core/test_fuzzing.py) found, one case each, as a person would meet it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.core.commands import Option, OptionType
from bot.core.reply import UserError
from bot.core.runtime import Hearth
from cogs.rituals.schedule import ScheduleError, parse_schedule
from config.community import SettingError, SettingsCatalog
from config.durations import parse_duration
from tests.conftest import ConsoleDriver


@pytest.mark.parametrize("zone", ["Europe", "America", "a" * 300])
async def test_a_time_zone_that_is_a_folder_or_too_long_is_refused_politely(hearth: Hearth, zone: str) -> None:
    # zoneinfo raised IsADirectoryError for `Europe` and OSError for a long name: "something went wrong".
    with pytest.raises(
        UserError, match=re.escape("is not a time zone I know. Use an IANA name such as Europe/Berlin.")
    ):
        await hearth._coerce(Option("tz", OptionType.TIMEZONE, "zone"), zone)
    with pytest.raises(SettingError, match="unknown time zone"):
        hearth.registry.settings.validate("timezone", zone)


async def test_a_ritual_in_the_time_zone_europe_is_refused_on_the_console(console: ConsoleDriver) -> None:
    said = await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" tz:Europe')
    assert "[only @mod] `Europe` is not a time zone I know. Use an IANA name such as Europe/Berlin." in said
    assert "something went wrong" not in said


@pytest.mark.parametrize(
    ("cron", "field"),
    [
        ("0 9 * 13 *", "the month field `13` should be 1-12 or jan-dec"),
        ("0 0 0 * *", "the day-of-month field `0` should be 1-31 or last"),
        ("60 9 * * *", "the minute field `60` should be 0-59"),
        ("0 24 * * *", "the hour field `24` should be 0-23"),
    ],
)
def test_a_cron_field_out_of_range_is_named_in_plain_words(cron: str, field: str) -> None:
    # APScheduler's own message leaked: "Error validating expression '13': the last value (13) is higher ...".
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(cron)
    assert str(refused.value) == f"`{cron}` is not a cron schedule I can use: {field}."


@pytest.mark.parametrize("typed", ["9" * 30, "99999999999 weeks"])
def test_a_duration_too_long_for_timedelta_is_refused(typed: str) -> None:
    # timedelta raised OverflowError, out of `/config set activity_cooldown ...` and `window:`.
    with pytest.raises(ValueError, match="is longer than I can count; durations go up to 100 years"):
        parse_duration(typed)
    assert parse_duration(str(100 * 366 * 86400)) == timedelta(days=100 * 366)


def test_a_superscript_digit_is_no_duration() -> None:
    # `²`.isdigit() is True but int("²") fails with Python's own words ("invalid literal for int()").
    with pytest.raises(ValueError, match="is not a duration; write it like 90s"):
        parse_duration("²")


def test_settings_refuse_an_overflowing_duration_politely(hearth: Hearth) -> None:
    catalog: SettingsCatalog = hearth.registry.settings
    with pytest.raises(SettingError, match=r"is not a valid value for `activity_cooldown`: .*longer than I can count"):
        catalog.validate("activity_cooldown", "9" * 30)


@pytest.mark.parametrize(
    "blank", ["   ", "\u200b", "\u200b \u2060", "\u3164", "\ufeff", "\u034f", "\ufe0f \U000e0100", "\u180b"]
)
async def test_a_required_text_of_nothing_visible_is_missing(console: ConsoleDriver, blank: str) -> None:
    # Spaces or zero-width characters alone were taken as a reason, rules or a welcome: `+5 points for bob ()`,
    # an empty rules text, an invisible season on the boards. The combining grapheme joiner, variation selectors
    # and Mongolian variation selectors (marks, not format characters, that show nothing) were taken until
    # 2026-12-01: `+5 points for bob (͏)`.
    said = await console.run(
        f"""
        @mod is admin
        @mod: /points adjust @bob 5 "{blank}"
        @mod: /onboarding rules "{blank}"
        @mod: /onboarding message "{blank}"
        @mod: /season start "{blank}"
        @mod: /ladder volunteer "{blank}"
        @mod: /rank @bob
        @mod: /onboarding show
        @mod: /leaderboard period:season
        """
    )
    assert "`/points adjust` needs reason." in said
    assert "`/onboarding rules` needs text." in said
    assert "`/onboarding message` needs text." in said
    assert "`/season start` needs name." in said
    assert "`/ladder volunteer` needs role." in said
    assert "Points: 0" in said
    assert "Rules: Be kind, be curious, and help each other." in said
    assert "Message: Welcome to {community}, {member}! 👋" in said
    assert "Season" not in said.split("[only @mod] Onboarding setup")[1]


async def test_an_optional_text_of_nothing_visible_is_left_out(console: ConsoleDriver) -> None:
    said = await console.run('@mod is moderator\n@mod: /recognition lock @bob "\u200b"\n@mod: /recognition audit')
    assert said.endswith("giving locked for bob by mod")  # no reason, not an invisible one


async def test_an_intro_answer_of_nothing_visible_is_no_answer(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /onboarding channel intros #intros
        @alice: /intro
        @alice submits name=\u200b; location=Here; about=x; interests=chess
        """
    )
    assert "needs an answer. Nothing was posted" in said
    assert "Meet" not in said
