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


async def test_a_mention_inside_the_reason_is_thanked_and_stays_in_the_reason(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob thanks for pairing with @carol
        @alice: /kudos @dana thanks for the release @erin, @frank!
        @gina: /leaderboard week kudos
        """
    )
    assert "For: thanks for pairing with @carol" in said
    assert "@bob and @carol, you got kudos from @alice!" in said
    assert "For: thanks for the release @erin, @frank!" in said
    assert "@dana, @erin and @frank, you got kudos from @alice!" in said
    assert board(said, "this week · kudos") == [
        f"🥇 {name} — 10 points" for name in ("bob", "carol", "dana", "erin", "frank")
    ]


async def test_a_possessive_mention_thanks_the_member(console: ConsoleDriver) -> None:
    """tester2 #9: `@dana's review and @erin's` names dana and erin; the reason reads as typed."""
    said = await console.run(
        """
        @alice: /kudos @dana thanks @dana's review and @erin's
        @bob: /kudos @carol thanks for @james’ idea
        """
    )
    assert "@dana and @erin, you got kudos from @alice!" in said
    assert "For: thanks @dana's review and @erin's" in said
    assert "@carol and @james, you got kudos from @bob!" in said


async def test_a_possessive_as_the_first_member_thanks_them_and_stays_in_the_reason(console: ConsoleDriver) -> None:
    """tester3 #6: the README's "a possessive `@dana's` or `@james'` names the member too", first in the line."""
    said = await console.run(
        """
        @alice: /kudos @bob's work was great
        @carol: /kudos @james' thing
        @dana: /kudos @erin @frank's help
        @gina: /leaderboard week kudos
        """
    )
    assert "couldn't find" not in said
    assert "@bob, you got kudos from @alice!" in said
    assert "For: @bob's work was great" in said
    assert "@james, you got kudos from @carol!" in said
    assert "For: @james' thing" in said
    assert "@erin and @frank, you got kudos from @dana!" in said
    assert "For: @frank's help" in said
    assert sorted(board(said, "this week · kudos")) == [
        f"🥇 {name} — 10 points" for name in ("bob", "erin", "frank", "james")
    ]


async def test_more_than_five_members_is_refused_naming_the_limit(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @carol @dave @erin @fay @gus @hal six people
        @alice: /kudos @carol thanks @dave @erin @fay @gus and @hal
        @alice: /kudos @carol @carol thanks @dave @erin @fay @gus @dave
        @gina: /leaderboard week kudos
        """
    )
    assert said.count("[only @alice] You can name at most 5 members at once; you named 6.") == 2
    assert "@carol, @dave, @erin, @fay and @gus, you got kudos from @alice!" in said
    assert "@hal" not in said.split("Leaderboard")[-1]
    assert board(said, "this week · kudos") == [
        f"🥇 {name} — 10 points" for name in ("carol", "dave", "erin", "fay", "gus")
    ]


async def test_everyone_and_here_are_never_members_on_the_console(console: ConsoleDriver) -> None:
    """A tester's `@everyone` and `@here` in a kudos line were thanked as members and shown on the boards."""
    said = await console.run("@alice: /kudos @bob thanks @everyone and @here\n@alice: /kudos @everyone thanks")
    assert "+10 points for bob ·" in said
    assert "For: thanks @everyone and @here" in said
    assert "I couldn't find the member `@everyone`" in said
    board = await console.run("@alice: /leaderboard")
    assert "everyone" not in board and "here" not in board
