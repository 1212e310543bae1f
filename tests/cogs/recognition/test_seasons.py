"""Seasons: a boundary over history; past seasons keep their standings, nothing is reset."""

from __future__ import annotations

from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver


async def test_season_start_keeps_old_standings_and_all_time(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @erin: /leaderboard season
        @admin: /season start spring
        @alice: /kudos @bob thanks
        @carol: /kudos @bob thanks
        @bob: /kudos @alice thanks
        @admin: /season start summer
        @admin: /season start Spring
        @bob: /kudos @carol thanks
        @erin: /leaderboard season
        @erin: /leaderboard season:spring
        @erin: /leaderboard all
        @erin: /leaderboard season:winter
        """
    )
    assert "[only @erin] No season is running: `/season start NAME`." in said
    assert "Season spring is closed: `/leaderboard season:spring`." in said
    assert "[only @admin] There is a season called Spring already: choose another name." in said
    assert board(said, "season summer") == ["🥇 carol — 10 points"]
    assert board(said, "season spring (closed)") == ["🥇 bob — 20 points", "🥈 alice — 10 points"]
    assert board(said, "all time") == ["🥇 bob — 20 points", "🥈 alice — 10 points", "🥈 carol — 10 points"]
    assert "[only @erin] There is no season called winter." in said
