"""Pairing answers per member, departed members in pairing rituals, date-only join anniversaries and the
history of a celebration with nobody to celebrate (fourth tester's findings 3, 4, 5 and 8).

The console clock starts on Wednesday 2026-03-04 12:00 UTC (tests/conftest.py START).
"""

from __future__ import annotations

from tests.conftest import ConsoleDriver


def pairing(*members: str, points: int = 5, then: str = "wait 1d") -> str:
    """A pairing ritual `pairs` the members join and a moderator runs now (message points off, so a member's
    points are the ritual's), followed by `then`."""
    joins = "".join(f"@{member}: /ritual join pairs\n" for member in members)
    return (
        "@admin is admin\n@admin: /config set message_points 0\n@mod is moderator\n"
        f'@mod: /ritual create pairs #random "every monday at 10:00" kind:pairing points:{points} window:1d\n'
        f"{joins}@mod: /ritual run-now pairs\n{then}\n"
    )


TRIO = pairing("a3", "a4", "a5")


async def test_a_no_after_a_group_mates_yes_takes_no_points(console: ConsoleDriver) -> None:
    await console.run(TRIO)
    said = await console.run('@a3 clicks "Yes, we met"\n@a4 clicks "Not this time"')
    assert "[only @a3] Wonderful! +5 points each for meeting up." in said
    assert "[only @a4] Thanks for letting us know — the 5 points your group's yes gave you are taken back" in said
    said = await console.run("@mod: /rank @a4\n@mod: /rank @a5\n@mod: /ritual history pairs")
    a4, a5 = said.split("a5's standing")
    assert "Points: 0" in a4
    assert "Points: 5" in a5  # a5 did not answer: a3's yes speaks for them
    assert "2 took part" in said


async def test_a_no_before_a_yes_takes_no_points(console: ConsoleDriver) -> None:
    await console.run(TRIO)
    said = await console.run('@a4 clicks "Not this time"\n@a3 clicks "Yes, we met"\n@a4 clicks "Yes, we met"')
    assert "[only @a4] Thanks for letting us know — maybe next round!" in said
    assert "[only @a3] Wonderful! +5 points each for @a3 and @a5 for meeting up." in said
    assert "[only @a4] You told us you did not meet this round, so it brings no points." in said
    said = await console.run("@mod: /rank @a4\n@mod: /ritual history pairs")
    assert "Points: 0" in said
    assert "2 took part" in said


async def test_members_who_left_are_not_asked_credited_or_listed(console: ConsoleDriver) -> None:
    said = await console.run(
        pairing(
            "a1",
            "a2",
            "a3",
            then='@a2 leaves\nwait 1d\n@a1 clicks "Yes, we met"\n'
            "@mod: /ritual streaks pairs\n@mod: /ritual history pairs",
        )
    )
    asked = [line for line in said.splitlines() if "Did you meet for pairs?" in line]
    assert asked and all("@a2" not in line for line in asked)
    assert "a2 —" not in said
    assert "2 took part" in said


async def test_a_group_left_with_one_member_is_told_and_not_asked(console: ConsoleDriver) -> None:
    said = await console.run(
        pairing(
            "a1",
            "a2",
            "a3",
            "a4",
            "a5",
            then="@a2 leaves\n@a3: /ritual leave pairs\nwait 1d\n@mod: /ritual streaks pairs",
        )
    )
    asked = [line for line in said.splitlines() if "Did you meet for pairs?" in line]
    assert asked and all("@a2" not in line and "@a3" not in line for line in asked)
    assert "a2 —" not in said and "a3 —" not in said


async def test_a_date_only_join_is_celebrated_on_its_date_west_of_utc(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set timezone America/New_York
        @mod is moderator
        @lee joined 2025-03-05
        @mod: /ritual create cele #general "daily at 09:00" kind:celebration
        @mod: /ritual run-now cele
        """
    )
    assert "@lee joined us" not in said
    said = await console.run("wait 27h")  # to 5 March 09:00 in New York
    assert "🎉 @lee joined us 1 year ago today — happy anniversary!" in said


async def test_a_date_only_join_keeps_its_date_in_the_ritual_zone(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set timezone Pacific/Auckland
        @mod is moderator
        @kim joined 2025-03-04
        @mod: /ritual create cele #general "daily at 09:00" kind:celebration tz:America/Los_Angeles
        @mod: /ritual run-now cele
        """
    )
    # 12:00 UTC is 04:00 on 4 March in Los Angeles: Kim's day there.
    assert "🎉 @kim joined us 1 year ago today — happy anniversary!" in said


async def test_history_of_a_celebration_with_nobody_says_nothing_was_posted(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create cele #general "daily at 09:00" kind:celebration
        wait 1d
        @mod: /ritual history cele
        """
    )
    assert "Thu 05 Mar 2026 09:00 UTC — nothing to celebrate, nothing posted" in said


async def test_a_late_no_takes_back_what_the_yes_gave_in_the_week_it_gave_it(console: ConsoleDriver) -> None:
    """A fifth tester's no, a week after the yes and after the ritual's points went from 7 to 50, took back 50 and
    dated it that day: -42 points overall, -49 this week."""
    await console.run(
        pairing(
            "a",
            "b",
            points=7,
            then='wait 1d\n@a clicks "Yes, we met"\n'
            "@mod: /ritual edit pairs points:50\n@mod: /ritual pause pairs\nwait 7d",
        )
    )
    said = await console.run('@b clicks "Not this time"')
    assert "the 7 points your group's yes gave you are taken back" in said
    said = await console.run('@a clicks "Yes, we met"')
    assert "Already noted" in said
    said = await console.run("@mod: /rank @b")
    assert "Points: 0" in said
    assert "This week: 0 points" in said
    said = await console.run("@mod: /leaderboard period:month")
    assert "b — -" not in said


async def test_a_yes_that_credits_one_member_does_not_say_each(console: ConsoleDriver) -> None:
    await console.run(pairing("a", "b", then='wait 1d\n@b clicks "Not this time"'))
    said = await console.run('@a clicks "Yes, we met"')
    assert "[only @a] Wonderful! +5 points for @a for meeting up." in said


async def test_a_single_point_taken_back_reads_in_the_singular(console: ConsoleDriver) -> None:
    await console.run(pairing("a", "b", points=1, then='wait 1d\n@a clicks "Yes, we met"'))
    said = await console.run('@b clicks "Not this time"')
    assert "the 1 point your group's yes gave you is taken back" in said


async def test_a_member_whose_partner_left_is_told_there_is_nothing_to_answer(console: ConsoleDriver) -> None:
    said = await console.run(pairing("a", "b", then="@b leaves\nwait 1d"))
    assert "[group @a] The others in your group for pairs are no longer taking part this round" in said
    assert "Did you meet" not in said
