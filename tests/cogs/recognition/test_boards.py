"""Leaderboards by period and category in a community's own time zone, and members off the boards."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import update
from sqlmodel import col

from bot.core.runtime import Hearth
from bot.core.wording import medal
from cogs.recognition.boards import rank_text
from storage.ledger import Standing
from storage.models import Member
from tests.conftest import ConsoleDriver


def board(said: str, title: str) -> list[str]:
    """The lines of the leaderboard block titled `title` ('this week · kudos'), e.g. ['🥇 bob — 11 points']."""
    for block in said.split("\n["):
        if block.splitlines()[0].endswith(f"🏆 Leaderboard — {title}"):
            return [line.removeprefix("  ┃ ") for line in block.splitlines()[1:]]
    raise AssertionError(f"no leaderboard {title!r} in {said!r}")


async def test_periods_and_categories_follow_the_community_zone_across_month_and_quarter(
    console: ConsoleDriver,
) -> None:
    # Tokyo is UTC+9: 14:30 UTC on 31 March is 23:30 there (March, Q1); an hour later it is 1 April (Q2),
    # in the same week (from Monday 30 March). In UTC both moments are in March.
    said = await console.run(
        """
        @admin is admin
        @admin: /config set timezone Asia/Tokyo
        wait 27d
        wait 150m
        @alice: morning all
        @carol: /kudos @bob thanks for the review
        wait 1h
        @bob: hello
        @alice: /kudos @dana welcome!
        @erin: /leaderboard week
        @erin: /leaderboard month
        @erin: /leaderboard quarter
        @erin: /leaderboard year
        @erin: /leaderboard quarter kudos
        @erin: /leaderboard week activity
        @erin: /leaderboard all rituals
        """
    )
    assert board(said, "this week") == ["🥇 bob — 11 points", "🥈 dana — 10 points", "🥉 alice — 1 point"]
    assert board(said, "this month") == ["🥇 dana — 10 points", "🥈 bob — 1 point"]
    assert board(said, "this quarter") == ["🥇 dana — 10 points", "🥈 bob — 1 point"]
    assert board(said, "this year") == ["🥇 bob — 11 points", "🥈 dana — 10 points", "🥉 alice — 1 point"]
    assert board(said, "this quarter · kudos") == ["🥇 dana — 10 points"]
    assert board(said, "this week · activity") == ["🥇 alice — 1 point", "🥇 bob — 1 point"]
    # An empty category board says what would put someone on it (until 2026-12-01: hello and kudos, for every one).
    assert board(said, "all time · rituals") == ["No points yet: take part in a ritual when it next runs."]


async def hide(hearth: Hearth, name: str) -> None:
    """What `/privacy` (members' data rights) sets."""
    async with hearth.db.write() as session:
        await session.execute(update(Member).where(col(Member.external_id) == name).values(hidden_from_boards=True))


async def test_hidden_and_departed_members_are_off_boards_and_ranks(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(
        """
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @bob: /kudos @carol thanks
        @carol: /kudos @dana thanks
        @dana: hi
        """
    )
    await hide(hearth, "carol")
    said = await console.run(
        """
        @dana leaves
        @erin: /leaderboard all
        @erin: /rank @bob
        @erin: /rank @carol
        @carol: /rank
        """
    )
    # carol (20) hidden, dana (11) gone: bob leads alone, and ranks count only who is shown.
    assert board(said, "all time") == ["🥇 bob — 10 points"]
    assert "Rank: #1 of 1" in said
    assert "[only @erin] carol is not on the leaderboards." in said
    carol = said.split("Your standing")[1]  # carol's own /rank
    assert "Points: 20" in carol and "Rank: unranked" in carol


async def test_rank_card_is_a_png_naming_the_same_figures_as_the_text(console: ConsoleDriver, tmp_path: Path) -> None:
    console.platform.files_dir = tmp_path
    said = await console.run(
        """
        @alice: /kudos @bob thanks
        @carol: /kudos @bob thanks
        @bob: hello
        @dana: /rank @bob
        """
    )
    # 21 points on the MEE6-like curve: level 0, 21 of the 100 that level 1 needs.
    assert "Level: 0 (21/100 to 1)" in said
    assert "Points: 21" in said and "Rank: #1 of 1" in said
    assert "By category: kudos 20, activity 1\n" in said  # categories with points only: they add up to 21
    [path] = re.findall(r"\[file (\S+-rank\.png) \(", said)
    data = await asyncio.to_thread(Path(path).read_bytes)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (800, 260))
    assert 5_000 < len(data) < 200_000


async def test_rank_card_can_be_switched_off(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set rank_card no
        @alice: /rank
        """
    )
    assert "Your standing" in said and "rank.png" not in said


def test_linear_levels_have_no_ceiling() -> None:
    from cogs.recognition.levels import Level, level_of

    assert level_of(200_011, "linear", 100) == Level(2000, 11, 100)
    assert level_of(99, "linear", 100).level == 0 and level_of(100, "linear", 100).level == 1


async def test_a_member_there_before_hearth_is_old_enough_to_give(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @alice joined 2025-12-01
        @admin: /config set kudos_min_member_age 1h
        @alice: /kudos @bob thanks for the review
        @newbie joins
        @newbie: /kudos @bob thanks
        """
    )
    assert "@bob, you got kudos from @alice!" in said
    assert "New members can give kudos once they have been here 1 hour" in said  # newbie only


async def test_a_member_with_no_known_join_date_is_not_held_back_by_member_age(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_min_member_age 2d
        @gus: hello, I was here before Hearth
        @gus: /kudos @bob thanks
        @newbie joins
        @newbie: /kudos @bob thanks
        wait 2d
        @newbie: /kudos @carol thanks
        """
    )
    assert "@bob, you got kudos from @gus!" in said  # only seen speaking: no known join date
    assert said.count("New members can give kudos once they have been here 2 days") == 1  # newbie, at first
    assert "@carol, you got kudos from @newbie!" in said


async def test_deleting_ones_data_does_not_lift_the_member_age_limit(console: ConsoleDriver) -> None:
    """A tester: a newcomer held back deleted their data, their join date went with it, and an unknown join date is
    not held back: they gave kudos at once. Whose data was deleted is someone new from their next sight."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_min_member_age 2d
        @newbie joins
        @newbie: /mydata delete
        @newbie clicks "Delete my data"
        @newbie: /kudos @bob thanks
        wait 2d
        @newbie: /kudos @carol thanks
        """
    )
    assert "New members can give kudos once they have been here 2 days" in said
    assert "@bob, you got kudos" not in said
    assert "@carol, you got kudos from @newbie!" in said


async def test_no_medal_for_a_total_of_zero_or_less(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /season start Spring
        @alice: /kudos @bob thanks
        @admin: /points adjust @carol -5 oops
        @erin: /leaderboard season
        """
    )
    # Medals are for points earned: carol is second of the board, without the 🥈 (README, Leaderboards).
    assert board(said, "season Spring") == ["🥇 bob — 10 points", "2. carol — -5 points"]


def test_ranks_past_a_thousand_are_written_with_separators_as_every_other_figure() -> None:
    # A tester's find: `/rank` said "#1298 of 1,298" and the board line "1298. m0500".
    assert rank_text(Standing(-4, 1298, 1298, 0, 0, 0)) == "#1,298 of 1,298"
    assert medal(1298) == "1,298."
    assert (medal(1), medal(4)) == ("🥇", "4.")
