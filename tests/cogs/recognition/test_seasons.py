"""Seasons: a boundary over history; past seasons keep their standings, nothing is reset."""

from __future__ import annotations

from tests.cogs.recognition.test_boards import board
from tests.cogs.rituals.test_answers_and_dates import pairing
from tests.conftest import ConsoleDriver


async def test_season_start_keeps_old_standings_and_all_time(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @erin: /leaderboard season
        @admin: /leaderboard season
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
    # Only an admin is shown the command that starts one.
    assert "[only @erin] No season is running." in said
    assert "[only @admin] No season is running: `/season start NAME`." in said
    assert "Season spring is closed: `/leaderboard season:spring`." in said
    # The name taken is the existing season's, as it is written.
    assert "[only @admin] There is a season called spring already: choose another name." in said
    assert board(said, "season summer") == ["🥇 carol — 10 points"]
    assert board(said, "season spring (closed)") == ["🥇 bob — 20 points", "🥈 alice — 10 points"]
    assert board(said, "all time") == ["🥇 bob — 20 points", "🥈 alice — 10 points", "🥈 carol — 10 points"]
    assert "[only @erin] There is no season called winter. Seasons here: summer (running), spring." in said


async def test_an_empty_closed_season_does_not_ask_for_points_it_can_no_longer_take(console: ConsoleDriver) -> None:
    """tester-a: a closed season nobody scored in answered "No points yet. Say hello, or thank someone with
    /kudos!", though nothing can reach its board any more."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start quiet
        @admin: /season start busy
        @erin: /leaderboard season:quiet
        @erin: /leaderboard season
        """
    )
    assert board(said, "season quiet (closed)") == ["Nobody is on this season's board."]
    assert board(said, "season busy") == ["No points yet. Say hello, or thank someone with /kudos!"]


async def test_a_closed_season_whose_scorers_are_hidden_does_not_say_nobody_scored(console: ConsoleDriver) -> None:
    """Until 2026-12-01 it said "Nobody earned points in this season." though bob had, and hid from boards."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start summer
        @admin: /kudos @bob nice
        @bob: /privacy boards:hide
        @admin: /season start autumn
        @erin: /leaderboard season:summer
        """
    )
    assert board(said, "season summer (closed)") == ["Nobody is on this season's board."]


async def test_around_me_on_a_closed_season_does_not_say_yet(console: ConsoleDriver) -> None:
    """A member with no points on a closed season's board was told "You have no points on this board yet", as if they
    could still earn some there: a closed season's board never changes (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start spring
        @alice: /kudos @bob thanks
        wait 1m
        @admin: /season start summer
        @carol: /leaderboard season:spring around:me
        @carol: /leaderboard period:season around:me
        """
    )
    assert "[only @carol] You have no points on this season's board, so you have no place on it." in said
    assert "[only @carol] You have no points on this board yet, so you have no place on it." in said  # running


async def test_a_season_named_with_a_space_can_be_typed_back(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /season start Winter 2026
        @alice: /kudos @bob thanks
        @admin: /season start Spring
        @erin: /leaderboard season:"Winter 2026"
        @erin: /leaderboard season:Winter 2026
        """
    )
    assert 'Season Winter 2026 is closed: `/leaderboard season:"Winter 2026"`.' in said
    assert "is not a period" not in said
    assert said.count("🏆 Leaderboard — season Winter 2026 (closed)") == 2
    assert board(said, "season Winter 2026 (closed)") == ["🥇 bob — 10 points"]


async def test_a_season_named_with_backticks_or_quotes_gets_a_hint_that_can_be_typed_back(
    console: ConsoleDriver,
) -> None:
    """The hint was `/leaderboard season:`x`` (a code span cut short by the name's backticks), and a name with
    a `"` and a `”` got a line that read back as another name."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start `x`
        @alice: /kudos @bob thanks
        @admin: /season start say "hi"
        @admin: /season start “q” and "r"
        @admin: /season start next
        """
    )
    assert "Season `x` is closed: /leaderboard season:`x`." in said
    assert 'Season say "hi" is closed: `/leaderboard season:“say "hi"”`.' in said
    assert 'Season “q” and "r" is closed and its board kept.' in said
    said = await console.run('@erin: /leaderboard season:`x`\n@erin: /leaderboard season:“say "hi"”')
    assert board(said, "season `x` (closed)") == ["🥇 bob — 10 points"]
    assert '🏆 Leaderboard — season say "hi" (closed)' in said


async def test_a_period_with_a_season_is_refused_not_ignored(console: ConsoleDriver) -> None:
    """tester3 #10: `season:Spring period:month` showed the whole season, silently leaving out the month."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start Spring
        @alice: /kudos @bob thanks
        @erin: /leaderboard season:Spring period:month
        @erin: /leaderboard season:Spring period:season
        """
    )
    assert (
        "[only @erin] A season's board covers the whole season, so it takes no period: leave out `period:month` "
        "(or leave out `season:` for the board of this month)."
    ) in said
    assert said.count("🏆 Leaderboard — season Spring") == 1  # `period:season` says the same as `season:`
    assert board(said, "season Spring") == ["🥇 bob — 10 points"]


async def test_a_season_named_with_a_capital_beyond_a_to_z_is_found_case_aside(console: ConsoleDriver) -> None:
    """SQLite's lower() folds only A-Z: `Été 2026` was found by no name, not even as typed, and starting it
    again failed with an error instead of saying the name was taken."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start Été 2026
        @alice: /kudos @bob thanks
        @admin: /season start Ωmega
        @erin: /leaderboard season:"Été 2026"
        @erin: /leaderboard season:"été 2026"
        @admin: /season start ÉTÉ 2026
        @admin: /season start ΩMEGA
        """
    )
    assert said.count("🏆 Leaderboard — season Été 2026 (closed)") == 2
    assert board(said, "season Été 2026 (closed)") == ["🥇 bob — 10 points"]
    assert "[only @admin] There is a season called Été 2026 already: choose another name." in said
    assert "[only @admin] There is a season called Ωmega already: choose another name." in said
    assert "went wrong" not in said


async def test_season_names_that_look_alike_are_one_name(console: ConsoleDriver) -> None:
    """Until 2026-12-01 `İstanbul` and `istanbul` were two seasons (tags and ritual names read `İ` as `i`), and a
    name typed with its accents apart (`e` and U+0301, as some keyboards send them) was counted twice as long as it
    looks: 50 accented letters were refused as 100 characters."""
    apart = "e\u0301" * 50
    said = await console.run(
        f"""
        @admin is admin
        @admin: /season start İstanbul
        @admin: /season start istanbul
        @admin: /season start {apart}
        @admin: /season start {"é" * 50}
        """
    )
    assert "[only @admin] There is a season called İstanbul already: choose another name." in said
    assert f"Season {'é' * 50} starts now" in said  # composed as it looks: 50 characters
    assert f"There is a season called {'é' * 50} already" in said
    assert "characters long" not in said


async def test_kudos_from_before_a_season_voided_during_it_leave_the_season_board_as_it_was(
    console: ConsoleDriver,
) -> None:
    """The void counts where the kudos counted: all time, not this season (whose board is all time less its start's
    copy). Until 2026-12-01 the season board showed bob at -10 points."""
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks for the review
        wait 1m
        @admin: /season start autumn
        @carol: /kudos @alice thanks
        @dave: /kudos @carol thanks
        @admin: /recognition void 1 given by mistake
        @admin: /recognition void 5 given by mistake
        @erin: /leaderboard season
        @erin: /leaderboard all
        @admin: /season start winter
        @erin: /leaderboard season:autumn
        """
    )
    assert "Kudos #1 to bob are void (given by mistake)." in said
    assert "Kudos #5 to carol are void (given by mistake)." in said  # given in the season: its board loses them
    assert board(said, "season autumn") == ["🥇 alice — 10 points"]
    assert board(said, "all time") == ["🥇 alice — 10 points"]
    assert board(said, "season autumn (closed)") == ["🥇 alice — 10 points"]


async def test_kudos_from_a_closed_season_voided_later_leave_its_board(console: ConsoleDriver) -> None:
    """A closed season's board is written once, at its close: until 2026-12-02 kudos given in it and voided later
    (a ring found after the season ended) stayed on it, bob tied first, while every other board lost them."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start spring
        wait 1m
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        wait 1m
        @admin: /season start summer
        @dave: /kudos @bob thanks
        wait 1m
        @admin: /recognition void 1 a ring
        @erin: /leaderboard season:spring
        @erin: /leaderboard season
        @erin: /leaderboard all
        """
    )
    assert "Kudos #1 to bob are void (a ring)." in said
    assert board(said, "season spring (closed)") == ["🥇 carol — 10 points"]
    assert board(said, "season summer") == ["🥇 bob — 10 points"]  # dave's kudos, in summer: as they were
    assert board(said, "all time") == ["🥇 bob — 10 points", "🥇 carol — 10 points"]


async def test_a_pairing_yes_from_before_a_season_taken_back_during_it_leaves_the_season_board_as_it_was(
    console: ConsoleDriver,
) -> None:
    """A "Not this time" after a group mate's yes takes the yes's points back dated as the yes was: from before the
    season, like a void of kudos from before it. The season board showed `b — -5 points`."""
    said = await console.run(
        pairing(
            "a",
            "b",
            then='wait 1d\n@a clicks "Yes, we met"\nwait 1m\n@admin: /season start autumn\nwait 1m\n'
            '@b clicks "Not this time"\n@erin: /leaderboard season\n@erin: /leaderboard all',
        )
    )
    assert "the 5 points your group's yes gave you are taken back" in said
    assert board(said, "season autumn") == ["No points yet. Say hello, or thank someone with /kudos!"]
    assert board(said, "all time") == ["🥇 a — 5 points"]


async def test_usage_examples_show_a_real_season_name_and_kudos_id(console: ConsoleDriver) -> None:
    """A refused line's example is one to copy, not the option's name typed back (`/season start "name"`)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /season start
        @admin: /recognition void
        """
    )
    assert 'for example `/season start "Spring 2027"`' in said
    assert 'for example `/recognition void 12 "thanked for their own work"`' in said
