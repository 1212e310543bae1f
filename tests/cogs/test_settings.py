"""`/config` on the console: what an admin typing a setting sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cogs.settings.feature import VALUE_LIMIT
from storage.models import CommunitySetting
from tests.conftest import START, ConsoleDriver, hearth_instance

ADMIN = "@you is admin\n"


async def test_config_set_none_never_makes_a_ladder_role_called_none(console: ConsoleDriver) -> None:
    said = await console.run(ADMIN + "@you: /config set ladder_roles none\n@ann: /ladder volunteer none")
    assert "`none` is not a valid value for `ladder_roles`: give role names separated by commas" in said
    assert "is not one of this community's roles: mentor, welcomer, host, leader (ladder_roles)." in said


@pytest.mark.parametrize("key", ["value_tags", "level_roles", "level_titles"])
async def test_config_set_none_clears_a_list_setting(console: ConsoleDriver, key: str) -> None:
    value = {"value_tags": "helpful", "level_roles": "5:&regular", "level_titles": "0:Newcomer"}[key]
    said = await console.run(ADMIN + f"@you: /config set {key} {value}\n@you: /config set {key} none")
    assert "→ none." in said
    assert f"`{key}` none → none" not in said


async def test_config_set_without_a_key_offers_an_example_that_works(console: ConsoleDriver) -> None:
    said = await console.run(ADMIN + "@you: /config set")
    assert "for example `/config set timezone Europe/Berlin`" in said
    said = await console.run("@you: /config set timezone Europe/Berlin")
    assert "Done: `timezone` UTC → Europe/Berlin." in said


async def test_a_key_nearly_typed_is_named_before_the_list(console: ConsoleDriver) -> None:
    """`/config set kudos_point 5` (or `kudos_points=5`) was answered with all 46 keys and no word on the one meant,
    where `.env` names the setting a misspelt name resembles (a tester's finding)."""
    said = await console.run(ADMIN + "@you: /config set kudos_point 5\n@you: /config set kudos_points=5")
    assert "`kudos_point` is not a key; did you mean `kudos_points`? Use timezone," in said
    assert "`kudos_points=5` is not a key; did you mean `kudos_points`? Use timezone," in said
    said = await console.run("@you: /leaderboard period:wek")
    assert "`wek` is not a period; did you mean `week`? Use week, month, quarter, year, all or season." in said


async def test_a_refused_key_does_not_end_with_nothing_understood(console: ConsoleDriver) -> None:
    said = await console.run(ADMIN + "@you: /config set colour blue")
    assert "`colour` is not a key; use timezone," in said
    assert "I understood" not in said
    assert "Usage: `/config set key [value] [channel]` — for example `/config set timezone Europe/Berlin`" in said


async def test_a_number_past_its_bound_is_refused_with_the_bound_written_with_separators(
    console: ConsoleDriver,
) -> None:
    said = await console.run(ADMIN + "@you: /config set level_step 100000000000")
    assert "it can be at most 100,000." in said
    assert "Done" not in said


async def test_a_fixed_offset_named_like_a_regions_time_is_refused_naming_the_zone_meant(
    console: ConsoleDriver,
) -> None:
    """`EST` is UTC-5 all year: a community on US Eastern time posted its 09:00 rituals at 10:00 all summer (until
    2026-12-01 it was taken as given). Hawaii's `HST` is what it says."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set timezone est
        @admin: /ritual create standup #general "daily at 09:00" prompt:Plans? tz:MST
        @admin: /config set timezone HST
        """
    )
    assert "`EST` is a fixed offset with no summer time; use America/New_York for US Eastern time" in said
    assert "Sorry, `MST` is a fixed offset with no summer time; use America/Denver for US Mountain time" in said
    assert "Ritual standup is set" not in said
    assert "Done: `timezone` UTC → HST." in said


async def test_a_fixed_offset_stored_before_it_was_refused_stays_readable(console: ConsoleDriver) -> None:
    """A community whose `timezone` was set to `EST` before keeps it (and its settings) until an admin changes it."""
    catalog = console.platform.hearth.services.settings.catalog
    assert catalog.decode({"timezone": "EST", "kudos_points": "15"}).basics.timezone == "EST"


async def test_a_list_setting_as_long_as_its_limit_allows_is_kept(console: ConsoleDriver) -> None:
    """`level_titles` takes up to 1,000 characters (`value_tags` 700, `level_roles` 2,000), but the database kept
    500: on PostgreSQL 25 level titles were refused with "something went wrong" and a traceback in the log (until
    2026-12-02), and so were a community's 22nd Discord level role or its 20 longest value tags."""
    titles = ", ".join(f"{level}:Title number {level:02d} of ours" for level in range(25))
    assert len(titles) > 500
    said = await console.run(ADMIN + f"@you: /config set level_titles {titles}\n@you: /levels title")
    assert "something went wrong" not in said
    assert "24 Title number 24 of ours." in said


def test_the_database_holds_the_longest_value_config_set_takes() -> None:
    """SQLite keeps a value of any length whatever the column says; PostgreSQL refuses one longer."""
    assert CommunitySetting.__table__.c.value.type.length >= VALUE_LIMIT  # type: ignore[attr-defined]


async def test_a_setting_changed_through_one_process_holds_at_once_in_another_sharing_the_database(
    database_url: str,
) -> None:
    """An admin switches kudos off through one Hearth process; a member's `/kudos` reaching the other a moment later
    was accepted, at the points the admin had just changed, for up to 30 seconds (each process kept the settings
    it last read that long)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        assert "+10 points for bob" in await other.run("@ann: /kudos @bob thanks")
        await one.run(ADMIN + "@you: /config set kudos_points 3")
        async with other.platform.hearth.db.read() as session:  # a round trip: what the first announced arrives
            await session.execute(select(1))
        assert "+3 points for bob" in await other.run("@ann: /kudos @bob thanks again")
        await one.run("@you: /config set kudos_daily_limit 0")
        async with other.platform.hearth.db.read() as session:
            await session.execute(select(1))
        said = await other.run("@ann: /kudos @bob once more")
        assert "Kudos are switched off in this community" in said
