"""`/kudos` to several members at once: each gets full points, each uses one of the giver's allowance."""

from __future__ import annotations

from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver


async def test_kudos_to_three_members_in_one_message(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob @carol @dana thanks for the release
        @erin: /leaderboard week kudos
        """
    )
    assert "@bob, @carol and @dana, you got kudos from @alice!" in said
    assert "+10 points for each of bob, carol and dana · alice can give 2 more kudos today" in said
    assert board(said, "this week · kudos") == ["🥇 bob — 10 points", "🥇 carol — 10 points", "🥇 dana — 10 points"]


async def test_group_kudos_beyond_the_allowance_records_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob one
        @alice: /kudos @carol two
        @alice: /kudos @dana @erin @frank @gina thanks all
        @alice: /kudos @bob @bob @alice
        @erin: /leaderboard week kudos
        """
    )
    assert "You have 3 kudos left today, not enough for 4 members: thank fewer at once." in said
    assert "You can't give kudos to yourself" in said
    assert board(said, "this week · kudos") == ["🥇 bob — 10 points", "🥇 carol — 10 points"]


async def test_naming_someone_twice_thanks_them_once(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob @bob merci
        @erin: /leaderboard week kudos
        """
    )
    assert "+10 points for bob · alice can give 4 more kudos today" in said
    assert board(said, "this week · kudos") == ["🥇 bob — 10 points"]


async def test_a_mention_inside_the_reason_stays_in_the_reason(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob thanks for pairing with @carol
        @erin: /leaderboard week kudos
        """
    )
    assert "For: thanks for pairing with @carol" in said
    assert board(said, "this week · kudos") == ["🥇 bob — 10 points"]
