"""`/recognition report`: a planted ring, one-sided giving and a burst are found with their evidence; a busy
innocent pair is not; voided kudos do not count. The patterns' rules alone in `test_report_rules`."""

from __future__ import annotations

from datetime import timedelta

from cogs.recognition.report import analyse
from storage.recognition import GivenKudos
from tests.conftest import START, ConsoleDriver


def month_of_kudos() -> str:
    """Three days of a community's kudos (allowance 5 a day): a ring (mallory ⇄ trent), one-sided giving (oscar →
    peggy), a burst (ten members thank victor within ten minutes), and a busy innocent pair: alice and bob
    thank each other twice a day, and three others each day."""
    lines: list[str] = []
    others = ["carol", "dana", "erin", "frank", "gina", "hank", "ivan", "judy", "kate"]
    for day in range(3):
        if day < 2:
            lines += ["@mallory: /kudos @trent thanks", "@trent: /kudos @mallory thanks"] * 3
            lines += ["@oscar: /kudos @peggy thanks"] * 5
        lines += ["@alice: /kudos @bob thanks", "@bob: /kudos @alice thanks"] * 2
        lines += [f"@alice: /kudos @{name} thanks" for name in others[3 * day : 3 * day + 3]]
        lines += [f"@bob: /kudos @{name} thanks" for name in others[::-1][3 * day : 3 * day + 3]]
        lines.append("wait 1d")
    lines += [f"@{name}: /kudos @victor great talk\nwait 1m" for name in [*others, "zoe"]]
    return "\n".join(lines)


async def test_report_finds_a_ring_one_sided_giving_and_a_burst_but_not_a_busy_pair(console: ConsoleDriver) -> None:
    await console.run(month_of_kudos())
    said = await console.run("@mod is moderator\n@mod: /recognition report")
    report = said.split("Recognition report", 1)[1]
    assert "Rings: members giving each other most of their kudos:" in report
    assert (
        "• @mallory ⇄ @trent: @mallory gave the other 6 of 6 (100%); @trent gave the other 6 of 6 (100%)"
        " · 2026-03-04 – 2026-03-05" in report
    )
    assert (
        "• @oscar → @peggy: 10 of 10 (100%) of the kudos @oscar gave (allowance 150); back: 0 · 2026-03-04 – 2026-03-05"
        in report
    )
    assert "• @victor received 10 kudos from 10 members within 9 minutes · 2026-03-07 12:00–12:09" in report
    # alice and bob gave each other 6 kudos each, but 40% of what each gave: neither ring nor one-sided.
    assert "@alice" not in report and "@bob" not in report
    assert "62 kudos from 15 members checked, 2026-02-05 – 2026-03-07." in report


async def test_a_burst_to_one_member_is_listed_once_with_its_one_sided_finding(console: ConsoleDriver) -> None:
    """tester2: ten kudos from oscar to peggy within minutes were one-sided, a giver's burst and a receiver's burst:
    three lines for one finding. Now the one-sided line says the burst; no burst line repeats it."""
    said = await console.run(
        "@mod is admin\n@mod: /config set kudos_daily_limit 20\n"
        + "\n".join(["@oscar: /kudos @peggy thanks\nwait 1m"] * 10)
        + "\n@mod: /recognition report"
    )
    report = said.split("Recognition report", 1)[1]
    assert (
        "• @oscar → @peggy: 10 of 10 (100%) of the kudos @oscar gave (allowance 600); back: 0 · 2026-03-04 – "
        "2026-03-04; 10 of them within 9 minutes · 2026-03-04 12:00–12:09" in report
    )
    assert "Bursts" not in report and "received 10 kudos" not in report


async def test_voided_kudos_and_old_kudos_are_left_out(console: ConsoleDriver) -> None:
    said = await console.run(
        "\n".join(["@oscar: /kudos @peggy thanks"] * 5 + ["wait 1d"] + ["@oscar: /kudos @peggy thanks"] * 5)
        + "\n@mod is moderator\n@mod: /recognition report"
    )
    assert "@oscar → @peggy: 10 of 10 (100%)" in said
    ids = [line.rsplit("#", 1)[1] for line in said.splitlines() if "· kudos #" in line]
    said = await console.run(f"@mod: /recognition void {ids[0]} mistake\n@mod: /recognition report")
    assert "Nothing suspicious in the last 30 days: 9 kudos from 1 member checked" in said
    said = await console.run("wait 31d\n@mod: /recognition report")
    assert "Nothing suspicious in the last 30 days: 0 kudos from 0 members checked" in said


async def test_only_moderators_see_the_report(console: ConsoleDriver) -> None:
    said = await console.run("@alice: /recognition report")
    assert "for moderators" in said and "Recognition report" not in said


def test_report_rules() -> None:
    def kudos(giver: int, receiver: int, count: int, every: timedelta = timedelta(hours=5)) -> list[GivenKudos]:
        return [GivenKudos(giver, receiver, START + n * every) for n in range(count)]

    # A cycle of three, each giving the next 6 of their 7 kudos: a ring of three.
    cycle = kudos(1, 2, 6) + kudos(2, 3, 6) + kudos(3, 1, 6) + kudos(1, 9, 1) + kudos(2, 9, 1) + kudos(3, 9, 1)
    found = analyse(sorted(cycle, key=lambda k: k.created_at))
    assert [sorted(ring.members) for ring in found.rings] == [[1, 2, 3]]
    assert found.one_sided == []  # members of a ring are not also one-sided
    # A pair inside a larger circle of five (2 → 3 → 4 → 5 → 1 → 2): the pair is a ring; the circle is no ring.
    circle = kudos(1, 2, 8) + kudos(2, 1, 8) + kudos(2, 3, 3) + kudos(3, 4, 3) + kudos(4, 5, 3) + kudos(5, 1, 3)
    found = analyse(sorted(circle, key=lambda k: k.created_at))
    assert [(sorted(ring.members), ring.gave_inside(2), ring.given[2]) for ring in found.rings] == [([1, 2], 8, 11)]
    # 9 kudos to one member: below the one-sided minimum of 10, whatever the share.
    assert analyse(kudos(4, 5, 9)).one_sided == []
    # Ten kudos in 61 minutes is no burst; ten in 60 are.
    assert analyse(kudos(6, 7, 10, timedelta(minutes=61 / 9))).bursts == []
    assert [(b.member, b.giving, b.count) for b in analyse(kudos(6, 7, 10, timedelta(minutes=6))).bursts] == [
        (6, True, 10),
        (7, False, 10),
    ]


async def test_a_long_report_lists_five_of_a_kind_and_says_how_many_more(console: ConsoleDriver) -> None:
    givers = [f"giver{n}" for n in range(6)]
    day = [f"@{giver}: /kudos @friend{n} thanks" for n, giver in enumerate(givers) for _ in range(5)]
    said = await console.run("\n".join([*day, "wait 1d", *day, "@mod is moderator", "@mod: /recognition report"]))
    lines = said.split("One-sided: most of a member's kudos to one member:", 1)[1].splitlines()
    # Each finding on a line of its own inside the card: five, and how many more.
    assert [line.split(":")[0] for line in lines[:7]] == [
        " • @giver0 → @friend0",
        *(f"  ┃ • @giver{n} → @friend{n}" for n in range(1, 5)),
        "  ┃ …and 1 more.",
        "  ┃ 60 kudos from 6 members checked, 2026-02-03 – 2026-03-05. Thresholds",
    ]
