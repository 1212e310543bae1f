"""Leaderboard pages and the "around me" view on the console, and what `/rank` adds up to: categories that sum
to the points, figures with thousands separators, the ritual streak on the card and in its text."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot.core.events import ComponentClicked
from bot.core.refs import Permission
from bot.core.reply import literal
from bot.core.runtime import Hearth
from bot.platforms.console import member_ref
from cogs.recognition.card import BACKGROUND
from tests.cogs.recognition.test_boards import hide
from tests.conftest import ConsoleDriver

# 23 members with points: m01 has the most; m10 and m11 tie (on either side of the first page's end).
POINTS = {f"m{n:02d}": 1000 + 10 * (24 - n) for n in range(1, 24)}
POINTS["m11"] = POINTS["m10"]
SEEDED = "@admin is admin\n" + "\n".join(f"@admin: /points adjust @{name} {n} seed" for name, n in POINTS.items())


@dataclass(frozen=True)
class Board:
    where: str  # `#general`, `only @zed`
    title: str
    rows: list[str]
    footer: str
    buttons: list[str]


def boards(said: str) -> list[Board]:
    """Every leaderboard Hearth printed, in order."""
    found: list[Board] = []
    for block in said.split("\n["):
        head, *lines = block.lstrip("[").splitlines()
        where, _, title = head.partition("] ")
        if not title.startswith("🏆 Leaderboard"):
            continue
        card = [line.removeprefix("  ┃ ") for line in lines if line.startswith("  ┃ ")]
        buttons = [found for line in lines if line.startswith("  [") for found in re.findall(r"\[([^]]+)\]", line)]
        paged = bool(card) and (card[-1].startswith("Page ") or card[-1].startswith("You are #"))
        found.append(Board(where, title, card[:-1] if paged else card, card[-1] if paged else "", buttons))
    return found


def row(rank: str, name: str) -> str:
    return f"{rank} {name} — {POINTS[name]:,} points"


async def test_pages_forward_and_back_with_no_button_past_either_end(console: ConsoleDriver) -> None:
    said = await console.run(
        SEEDED
        + """
        @admin: /points adjust @nil 5 given
        @admin: /points adjust @nil -5 taken back
        @zed: /leaderboard all
        @zed clicks "Next"
        @zed clicks "Next"
        @zed clicks "Previous"
        """
    )
    first, second, third, back = boards(said)
    # The first page is the public board; members with no points (nil: 5 - 5, zed: none) are not counted.
    assert first.where == "#general" and first.footer == "Page 1 of 3 · 23 members with points"
    assert first.rows[:3] == [row("🥇", "m01"), row("🥈", "m02"), row("🥉", "m03")]
    assert first.rows[-1] == row("10.", "m10") and len(first.rows) == 10
    assert first.buttons == ["Next", "Around me"]
    # Pages are the clicker's own; ranks stay places on the whole board (m11 ties m10 for 10th).
    assert second.where == "only @zed" and second.footer == "Page 2 of 3 · 23 members with points"
    assert second.rows[0] == row("10.", "m11") and second.rows[-1] == row("20.", "m20")
    assert second.buttons == ["Previous", "Next", "Around me"]
    assert third.rows == [row("21.", "m21"), row("22.", "m22"), row("23.", "m23")]
    assert third.buttons == ["Previous", "Around me"]
    assert back == second


async def test_around_me_in_the_middle_at_the_top_and_hidden(console: ConsoleDriver, hearth: Hearth) -> None:
    said = await console.run(
        SEEDED
        + """
        @zed: /leaderboard all
        @m12 clicks "Around me"
        @m12 clicks "Top"
        @m01: /leaderboard all around:me
        @m10: /leaderboard all around:me
        @zed: /leaderboard all around:me
        """
    )
    middle, top, first, tied = boards(said)[1:]
    assert middle.where == "only @m12" and middle.title == "🏆 Leaderboard — all time · around you"
    assert middle.rows == [
        row("9.", "m09"),
        row("10.", "m10"),
        row("10.", "m11"),
        row("12.", "m12") + " ← you",
        row("13.", "m13"),
        row("14.", "m14"),
        row("15.", "m15"),
    ]
    assert middle.footer == "You are #12 of 23" and middle.buttons == ["Top"]
    assert top.where == "only @m12" and top.rows[0] == row("🥇", "m01") and top.buttons == ["Next", "Around me"]
    assert first.where == "only @m01"
    assert first.rows == [row("🥇", "m01") + " ← you", row("🥈", "m02"), row("🥉", "m03"), row("4.", "m04")]
    # In a tie: the one tying shares the rank; the next group down ranks after the whole tie.
    assert tied.rows == [
        row("7.", "m07"),
        row("8.", "m08"),
        row("9.", "m09"),
        row("10.", "m10") + " ← you",
        row("10.", "m11"),
        row("12.", "m12"),
        row("13.", "m13"),
    ]
    assert "[only @zed] You have no points on this board yet, so you have no place on it." in said

    # A member hidden from boards (/privacy) has no place to show, and is no one's neighbour either.
    await hide(hearth, "m05")
    said = await console.run(
        '@m05: /leaderboard all around:me\n@m06: /leaderboard all around:me\n@zed: /leaderboard all\n@zed clicks "Next"'
    )
    assert "[only @m05] You chose to be hidden from the leaderboards" in said
    [around, _, page] = boards(said)
    assert around.rows[:5] == [
        row("🥈", "m02"),
        row("🥉", "m03"),
        row("4.", "m04"),
        row("5.", "m06") + " ← you",
        row("6.", "m07"),
    ]
    assert around.footer == "You are #5 of 22"
    assert page.footer == "Page 2 of 3 · 22 members with points" and page.rows[0] == row("11.", "m12")


async def test_a_page_click_follows_the_community_switching_boards_off(console: ConsoleDriver) -> None:
    said = await console.run(
        SEEDED
        + """
        @zed: /leaderboard all
        @admin: /config set public_leaderboards no
        @zed clicks "Next"
        @admin: /leaderboard all
        @admin clicks "Next"
        """
    )
    assert "[only @zed] Leaderboards are switched off in this community (public_leaderboards is off)." in said
    assert [board.where for board in boards(said)] == ["#general", "only @admin", "only @admin"]
    assert boards(said)[-1].footer == "Page 2 of 3 · 23 members with points"


async def test_rank_categories_add_up_to_the_points_with_separators(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks
        @bob: hello everyone
        @admin: /points adjust @bob 1234 moved from another bot
        @bob: /rank
        """
    )
    assert "Points: 1,245" in said
    # Kudos 10 + activity 1 + other (the adjustment) 1,234 = 1,245; categories without points are left out.
    assert "By category: kudos 10, activity 1, other 1,234\n" in said
    assert "This week: 1,245 points (#1 of 1)" in said


async def streak_pixels(said: str) -> int:
    """How many pixels of the card's streak corner (right of the level line) are not background."""
    [path] = re.findall(r"\[file (\S+-rank\.png) \(", said)
    image = Image.open(io.BytesIO(await asyncio.to_thread(Path(path).read_bytes))).convert("RGB")
    corner = image.crop((560, 88, 780, 120))
    colors = corner.getcolors(maxcolors=corner.width * corner.height) or []
    return sum(count for count, color in colors if color != BACKGROUND)


async def test_the_ritual_streak_is_on_the_rank_card_and_in_its_text(console: ConsoleDriver) -> None:
    said = await console.run("@alice: /rank")
    assert "Ritual streak" not in said  # no rituals in the community: nothing to show
    assert await streak_pixels(said) == 0
    said = await console.run(
        """
        @admin is admin
        @admin: /config set message_points 0
        @mod is moderator
        @mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?" window:3h
        wait 21h
        @alice: shipping today
        wait 1d
        @alice: reviews
        @bob: me too
        wait 3h
        @alice: /rank
        @bob: /rank
        @carol: /rank
        """
    )
    alice, bob, carol = said.split("Your standing")[1:]
    assert "Ritual streak: 2 (standup)" in alice
    assert "Ritual streak: 1 (standup)" in bob
    assert "Ritual streak: 0\n" in carol
    assert await streak_pixels(alice) > 0 and await streak_pixels(carol) > 0


async def test_a_season_board_pages_and_finds_you_by_the_season_it_showed(console: ConsoleDriver) -> None:
    said = await console.run(
        "@admin is admin\n@admin: /season start spring\n"
        + SEEDED.removeprefix("@admin is admin\n")
        + """
        @zed: /leaderboard period:season
        @m13: /leaderboard period:season around:me
        @admin: /season start summer
        @zed clicks "Next"
        @m12: /leaderboard season:spring around:me
        """
    )
    running, running_around, closed, around = boards(said)
    assert running.title == "🏆 Leaderboard — season spring" and running.buttons == ["Next", "Around me"]
    assert running.footer == "Page 1"  # a running season's board is read up to the page, not counted
    assert running_around.rows[3] == row("13.", "m13") + " ← you" and running_around.rows[0] == row("10.", "m10")
    # The click names the season it showed: spring, closed since, not the running one.
    assert closed.title == "🏆 Leaderboard — season spring (closed)" and closed.rows[0] == row("10.", "m11")
    assert around.rows[3] == row("12.", "m12") + " ← you" and around.footer == "You are #12 of 23"


@pytest.mark.parametrize(
    ("action_id", "answer"),
    [
        ("lb:all:all:x:", "That button no longer does anything."),
        ("lb:decade:all:2:", "That button no longer does anything."),
        ("lb:all:all:0:", "That button no longer does anything."),
        ("lb:all", "That button no longer does anything."),
        (
            "lb:week:nosuch:2:",
            f"`{literal('nosuch')}` is not a category; use all, kudos, activity, rituals, welcomes or intro (a period "
            "is week, month, quarter, year, all or season).",
        ),
        (
            "lb:season:all:2:winter",
            f"There is no season called {literal('winter')}. No season has been started here yet.",
        ),
    ],
)
async def test_a_forged_or_stale_page_button_is_answered_politely(
    console: ConsoleDriver, hearth: Hearth, action_id: str, answer: str
) -> None:
    await console.run("@alice: hello")
    ctx = await hearth.context(member_ref("alice"), None, Permission.MEMBER, "click-1")
    reply = await hearth.click(ctx, ComponentClicked("click-1", member_ref("alice"), None, action_id))
    assert reply is not None and reply.ephemeral and reply.text == answer


async def test_with_boards_off_a_moderators_board_is_private(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @mo is moderator
        @alice: /kudos @bob thanks
        @admin: /config set public_leaderboards no
        @bob: /leaderboard
        @mo: /leaderboard
        @admin: /leaderboard all
        """
    )
    assert "[only @bob] Leaderboards are switched off in this community (public_leaderboards is off)." in said
    assert [board.where for board in boards(said)] == ["only @mo", "only @admin"]


async def test_a_negative_total_is_ranked_below_zero_and_shown(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @bob: hello
        @admin: /points adjust @alice -500 penalty
        @alice: /leaderboard around:me
        @alice: /rank
        @carol: /leaderboard all
        """
    )
    assert "You have no points on this board yet" not in said
    assert "alice — -500 points ← you" in said and "You are #2 of 2" in said
    assert "Rank: #2 of 2" in said and "unranked" not in said
    assert "Level: 0 (-500/100 to 1)" in said  # the way to level 1 as it is, not a fresh 0/100
    assert [board.rows for board in boards(said) if board.where == "#general"][-1][-1].endswith("alice — -500 points")
