"""Moderating recognition as a new moderator types it: ids as Hearth shows them, boards while they are off."""

from __future__ import annotations

from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver


async def test_void_takes_the_id_as_the_kudos_footer_shows_it(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mo is moderator
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @alice: /kudos @dana thanks
        @alice: /kudos @erin thanks
        @mo: /recognition void #1 wrong
        @mo: /recognition void kudos #3 wrong
        @mo: /recognition void kudos_id:#5 wrong
        @mo: /recognition void kudos x
        @erin: /leaderboard all
        """
    )
    assert "Kudos #1 to bob are void (wrong)." in said
    assert "Kudos #3 to carol are void (wrong)." in said
    assert "Kudos #5 to dana are void (wrong)." in said
    assert "`x` is not a whole number for kudos_id." in said
    assert board(said, "all time") == ["🥇 erin — 10 points"]
