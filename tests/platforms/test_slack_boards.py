"""Leaderboards on Slack: levels are titles there (no roles) on the board, /rank and the App Home; pages by
buttons, each click answered to the clicker."""

from __future__ import annotations

from typing import Any

from bot.core.refs import CommunityRef
from tests.platforms.slack_fakes import TEAM, MockSlackApi, SlackHarness, app_home_opened_event
from tests.platforms.test_discord_boards import seed
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import click, deliver, view_texts

COMMUNITY = CommunityRef("slack", TEAM)


def buttons(call: Any) -> dict[str, str]:
    """A message's buttons: label -> action id."""
    return {
        element["text"]["text"]: element["action_id"]
        for block in call.params.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def test_titles_on_the_board_rank_and_app_home(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    slack_api.user("U0BOB", "bob")
    # mee6 levels: 4,700 points is level 10 (from 4,675), 150 is level 1, 40 is level 0.
    await seed(slack.platform.hearth, COMMUNITY, {"U0ANN": ("ann", 4700), "U0BOB": ("bob", 150), "U0CY": ("cy", 40)})
    board = block_texts(await slack.command("/leaderboard", "all", "U0BOB"))
    assert board.splitlines()[1:] == [
        "🥇 *ann* — 4,700 points · Pillar",
        "🥈 *bob* — 150 points · Regular",
        "🥉 *cy* — 40 points · Newcomer",
    ]
    named = await slack.command("/levels", "title 10 Keeper of the Hearth", "U0ADMIN")
    assert "10 Keeper of the Hearth" in block_texts(named)
    board = block_texts(await slack.command("/leaderboard", "all", "U0BOB"))
    assert "🥇 *ann* — 4,700 points · Keeper of the Hearth" in board

    rank = block_texts(await slack.command("/rank", "<@U0ANN|ann>", "U0BOB"))
    assert "*Level*\n10 · Keeper of the Hearth (25/1,100 to 11)" in rank and "*Points*\n4,700" in rank
    await deliver(slack, app_home_opened_event("U0BOB"))
    home = view_texts(await slack_api.wait_for("views.publish"))
    assert "Your standing" in home and "*Level*\n1 · Regular (50/155 to 2)" in home and "*Rank*\n#2 of 3" in home


async def test_pages_by_button(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0BOB", "bob")
    await seed(slack.platform.hearth, COMMUNITY, {f"U9{n:04d}": (f"m{n:02d}", 100 - n) for n in range(1, 13)})
    first = await slack.command("/leaderboard", "all", "U0BOB")
    assert first.method == "chat.postMessage"  # the public board
    assert buttons(first) == {"Next": "lb:all:all:2:", "Around me": "lb:all:all:me:"}
    second = await click(slack, "U0BOB", {"type": "button", "action_id": "lb:all:all:2:"}, "C0GENERAL")
    assert second.params["response_type"] == "ephemeral"  # bob's page is his own
    assert block_texts(second).splitlines()[1:3] == [
        "11. *m11* — 89 points · Newcomer",
        "12. *m12* — 88 points · Newcomer",
    ]
    assert buttons(second) == {"Previous": "lb:all:all:1:", "Around me": "lb:all:all:me:"}


async def test_a_level_up_names_its_title(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0ANN", "ann")
    await seed(slack.platform.hearth, COMMUNITY, {"U0BOB": ("bob", 95)})
    await slack.command("/kudos", "<@U0BOB|bob> thanks", "U0ANN")
    announced = await slack_api.wait_for("chat.postMessage", lambda call: "reached level" in call.params["text"])
    assert announced.params["text"] == "⬆️ <@U0BOB> reached level 1 · Regular!"


async def test_a_closed_seasons_hint_reads_back_as_typed(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """A code span is shown as written: the line to copy keeps a season's `*`, so it finds the season."""
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    slack_api.user("U0BOB", "bob")
    await slack.command("/season", "start Spring *2027*", "U0ADMIN")
    started = block_texts(await slack.command("/season", "start Summer", "U0ADMIN"))
    assert 'Season Spring \u200b*\u200b2027\u200b*\u200b is closed: `/leaderboard season:"Spring *2027*"`.' in started
    board = block_texts(await slack.command("/leaderboard", 'season:"Spring *2027*"', "U0BOB"))
    assert board.startswith("🏆 Leaderboard — season Spring *2027* (closed)")


async def test_a_season_named_over_two_lines_is_one_line_that_can_be_typed_back(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Slack's command box takes a line break (Shift+Enter): `Spring⏎2027` was kept with it, so its hint broke over
    two lines and `/leaderboard season:"Spring 2027"` answered that there is no season called Spring 2027, listing
    it."""
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    slack_api.user("U0BOB", "bob")
    started = block_texts(await slack.command("/season", "start Spring\n2027", "U0ADMIN"))
    assert started.startswith("🏁 Season *Spring 2027* starts now")
    closed = block_texts(await slack.command("/season", "start Summer", "U0ADMIN"))
    assert 'Season Spring 2027 is closed: `/leaderboard season:"Spring 2027"`.' in closed
    board = block_texts(await slack.command("/leaderboard", 'season:"Spring 2027"', "U0BOB"))
    assert board.startswith("🏆 Leaderboard — season Spring 2027 (closed)")


async def test_levels_sync_says_levels_are_titles_here(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """Slack has no roles: `/levels sync` says so as `/levels role` does, not to set one with `/levels role`."""
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    role = block_texts(await slack.command("/levels", "role 5", "U0ADMIN"))
    synced = block_texts(await slack.command("/levels", "sync", "U0ADMIN"))
    assert role.startswith("Roles are a Discord feature: here levels show as titles on /rank")
    assert synced == role


async def test_a_season_name_not_found_is_shown_as_typed(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0BOB", "bob")
    said = block_texts(await slack.command("/leaderboard", "season:*Spring*", "U0BOB"))
    assert said.startswith("There is no season called \u200b*\u200bSpring\u200b*\u200b.")  # not an italic _Spring_
