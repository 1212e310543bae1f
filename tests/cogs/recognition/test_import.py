"""`hearth points import`: points from another bot as audited adjustments, idempotent by file and member (SQLite and
PostgreSQL through the `hearth` fixture); the command line itself in tests/test_cli_points_import.py."""

from __future__ import annotations

from bot.core.awards import award
from bot.core.refs import MemberRef
from bot.core.runtime import Hearth
from bot.platforms import registered
from bot.platforms.console.platform import COMMUNITY
from cogs.recognition.importer import IMPORTED_AT, ImportResult, import_points, summary
from storage import ledger
from storage.kinds import Kind
from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver, ledger_rows

EXPORT = """user_id,username,xp,level
alice,Alice A,5000,3
bob,Bob,10,5
carol,Carol,,2
"""


def figures(lines: list[str]) -> list[str]:
    """Board lines with figures as digits only (`5,001` and `5001` alike)."""
    return [line.replace(",", "") for line in lines]


async def _import(hearth: Hearth, text: str, name: str = "mee6.csv", dry_run: bool = False) -> ImportResult:
    community = await hearth.services.identity.community(COMMUNITY)
    # As `hearth points import` does: the console's member names are checked as the console reads them.
    ids = registered()["console"].member_ids
    return await import_points(hearth.services, community, text, name, ids=ids, dry_run=dry_run)


async def test_import_adds_points_levels_and_audit_once(hearth: Hearth, console: ConsoleDriver) -> None:
    await console.run("@alice: hello")  # alice is known; bob and carol are created by the import
    first = await _import(hearth, EXPORT)
    # mee6 curve: level 5 takes 100+155+220+295+380 = 1150 points, more than bob's 10; carol's level 2 takes 255.
    assert (first.imported, first.points, first.raised, first.new_members) == (3, 5000 + 1150 + 255, 2, 2)
    assert first.problems == []
    again = await _import(hearth, EXPORT)
    assert (again.imported, again.points, again.already) == (0, 0, 3)
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition audit
        @bob: /rank
        @admin: /leaderboard all
        @admin: /leaderboard week
        """
    )
    assert "adjusted bob +1,150 by import — mee6.csv line 3 (level 5)" in said
    assert "adjusted alice +5,000 by import — mee6.csv line 2" in said
    assert "Level: 5 (0/475 to 6)" in said  # exactly the points of level 5
    # All-time boards carry the imported points; this week's board does not (dated before Hearth).
    assert figures(board(said, "all time")) == [
        "🥇 alice — 5001 points",
        "🥈 bob — 1150 points",
        "🥉 carol — 255 points",
    ]
    assert figures(board(said, "this week")) == ["🥇 alice — 1 point"]
    assert [row[:2] for row in await ledger_rows(hearth, "adjustment")] == [
        ("alice", 5000),
        ("bob", 1150),
        ("carol", 255),
    ]


async def test_the_audit_dates_an_import_as_it_is_dated_in_any_time_zone(
    hearth: Hearth, console: ConsoleDriver
) -> None:
    """West of UTC the import's 2000-01-01 read `1999-12-31 19:00`: a moment nothing happened at."""
    await console.run("@admin is admin\n@admin: /config set timezone America/New_York")
    await _import(hearth, EXPORT)
    said = await console.run("@admin is admin\n@admin: /recognition audit")
    assert "`2000-01-01` adjusted alice +5,000 by import — mee6.csv line 2" in said
    assert "1999" not in said


async def test_bad_and_changed_lines_are_named_and_the_good_ones_import(hearth: Hearth, console: ConsoleDriver) -> None:
    await _import(hearth, "member;points\nalice;100\nbob;200\n")
    changed = (
        "member;points;level\nalice;100\nbob;250\n\ncarol;1.5\n<@dana>;7\ndana;8\nerin;99999999999\n @frank ;1_000\n"
        "zoe;;900\n"
    )
    checked = await _import(hearth, changed, dry_run=True)
    assert (checked.imported, checked.points, checked.already) == (2, 1007, 1)
    assert await ledger_rows(hearth, "adjustment") == [
        ("alice", 100, "mee6.csv line 2"),
        ("bob", 200, "mee6.csv line 3"),
    ]  # the dry run wrote nothing
    done = await _import(hearth, changed)
    assert (done.imported, done.points, done.already) == (2, 1007, 1)
    assert done.problems == [
        "mee6.csv:3: changed since mee6.csv was imported (bob was given 200 points then, 250 now); a member is never "
        "imported twice from one file: correct a member with /points adjust",
        "mee6.csv:5: points must be a whole number from 0 to 1,000,000,000, not “1.5”; not imported",
        "mee6.csv:7: dana is on line 6 already; not imported",
        "mee6.csv:8: points must be a whole number from 0 to 1,000,000,000, not 99,999,999,999; not imported",
        "mee6.csv:10: level 900 takes 1,233,293,250 points on this community's curve, too many; not imported",
    ]
    said = await console.run("@admin is admin\n@admin: /leaderboard all")
    assert figures(board(said, "all time")) == [
        "🥇 frank — 1000 points",
        "🥈 bob — 200 points",
        "🥉 alice — 100 points",
        "4. dana — 7 points",
    ]


async def test_a_line_added_above_imports_only_the_new_member(hearth: Hearth, console: ConsoleDriver) -> None:
    """tester2 #1: lines shifted by one added above (or moved into a blank line) are the same members."""
    await _import(hearth, "member,points\nann,100\nben,200\n", "shift.csv")
    again = await _import(hearth, "member,points\nnew,5\nann,100\n\nben,200\n", "shift.csv")
    assert (again.imported, again.points, again.already, again.new_members) == (1, 5, 2, 1)
    assert again.problems == []
    assert sorted(row[:2] for row in await ledger_rows(hearth, "adjustment")) == [
        ("ann", 100),
        ("ben", 200),
        ("new", 5),
    ]


async def test_a_file_imported_with_line_number_keys_is_not_imported_again(hearth: Hearth) -> None:
    """Rows an earlier Hearth keyed `import:DIGEST:LINE` still count as this file's: nobody is imported twice."""
    from cogs.recognition.importer import file_prefix

    community = await hearth.services.identity.community(COMMUNITY)
    ann = await hearth.services.identity.member(MemberRef(COMMUNITY, "ann"))
    async with hearth.services.db.write() as session:
        settings = await hearth.services.settings.get(community.id)
        key = f"{file_prefix('old.csv')}2"
        await ledger.record(session, [award(settings, community.id, ann.id, Kind.ADJUSTMENT, 100, key, IMPORTED_AT)])
    again = await _import(hearth, "member,points\nben,7\nann,100\n", "old.csv")
    assert (again.imported, again.points, again.already) == (1, 7, 1)


async def test_console_names_are_one_member_however_capitalised(hearth: Hearth, console: ConsoleDriver) -> None:
    """tester2 #2: the console's names are case-insensitive and one word without commas, as in its scripts."""
    done = await _import(hearth, 'member,points\n@Alice,5\nalice,6\n"i,j",5\nBob,3\n')
    assert done.problems == [
        "mee6.csv:3: alice is on line 2 already; not imported",
        "mee6.csv:4: “i,j” is not a member id: a console name is a letter, digit or _ then those, `.` or `-`, "
        "not ending in `.` (alice, dana.k); everyone, here and channel are groups; not imported",
    ]
    said = await console.run("@bob: hi\n@admin is admin\n@admin: /leaderboard all")
    assert figures(board(said, "all time")) == ["🥇 alice — 5 points", "🥈 bob — 4 points"]


async def test_group_mentions_are_no_members_to_import(hearth: Hearth, console: ConsoleDriver) -> None:
    """`@everyone`, `@here` and `@channel` mention groups on the console, as in its lines: never a member given
    points (a line of them put "everyone" on the boards)."""
    done = await _import(hearth, "member,points\n@everyone,5\nHere,6\n<@channel>,7\nbob,3\neveryone2,4\n")
    assert [problem.split(" is not")[0] for problem in done.problems] == [
        "mee6.csv:2: “everyone”",
        "mee6.csv:3: “Here”",
        "mee6.csv:4: “channel”",
    ]
    assert done.problems[0].endswith("everyone, here and channel are groups; not imported")
    said = await console.run("@admin is admin\n@admin: /leaderboard all")
    assert figures(board(said, "all time")) == ["🥇 everyone2 — 4 points", "🥈 bob — 3 points"]


async def test_a_quote_left_open_swallows_no_member(hearth: Hearth, console: ConsoleDriver) -> None:
    """A `"` opening a name that is closed lines later (a hand-edited export) made the csv module read those lines
    as one: the member of the first got the points of the last, the others vanished, and the import said all was
    well. Now those lines are named, from the one the quote opens on, and import nothing."""
    text = 'user_id,username,xp,level\nann,"Lucky Luke,500,5\nben,Ben,300,2\ncat,"Cat",100,1\ndan,Dan,50,0\n'
    done = await _import(hearth, text)
    assert done.problems == [
        'mee6.csv:2: a quote (") opens a cell here that runs on to line 4, so lines 2–4 read as one; close or remove '
        "that quote; not imported"
    ]
    assert (done.imported, done.points) == (1, 50)
    said = await console.run("@admin is admin\n@admin: /leaderboard all")
    assert figures(board(said, "all time")) == ["🥇 dan — 50 points"]
    # A quote never closed runs to the end of the file: named from the line it opens on.
    open_to_the_end = await _import(hearth, 'member,points\neve,5\n"fay,5\ngus,3\n', "open.csv")
    assert open_to_the_end.problems == [
        'open.csv:3: a quote (") opens a cell here that runs on to line 4, so lines 3–4 read as one; close or remove '
        "that quote; not imported"
    ]
    assert (open_to_the_end.imported, open_to_the_end.points) == (1, 5)


async def test_a_quote_left_open_on_the_last_line_is_named(hearth: Hearth) -> None:
    """The same slip on the file's last line reads to the end of the file within that line: `bob,"20` imported
    20 points and said all was well, and `"carl,30` was named as the member id “carl,30”. Both are named for
    their quote now, as on any other line, and import nothing."""
    points_open = await _import(hearth, 'member,points\nalice,10\nbob,"20\n', "last.csv")
    assert points_open.problems == [
        'last.csv:3: a quote (") opens a cell here that is never closed; close or remove that quote; not imported'
    ]
    assert (points_open.imported, points_open.points) == (1, 10)
    member_open = await _import(hearth, 'member;points\r\ncarl;5\r\n"dan;30', "end.csv")  # no newline at its end
    assert member_open.problems == [
        'end.csv:3: a quote (") opens a cell here that is never closed; close or remove that quote; not imported'
    ]
    assert (member_open.imported, member_open.points) == (1, 5)
    # Quotes that close, and a quote inside an unquoted cell, are no slips.
    fine = await _import(hearth, 'member,points\n"erin",7\nfay,"8"\n', "fine.csv")
    assert (fine.problems, fine.imported, fine.points) == ([], 2, 15)


async def test_two_points_columns_are_refused_not_guessed(hearth: Hearth) -> None:
    """tester2 #16: `points` and `xp` (or `points` twice): which holds the points is not for Hearth to guess."""
    from cogs.recognition.importer import ImportRefused

    for header, named in (("member,points,xp", "points, xp"), ("member,points,Points", "points, points")):
        try:
            await _import(hearth, f"{header}\nalice,10,20\n")
        except ImportRefused as refused:
            assert str(refused) == (
                f"mee6.csv: the first line names 2 points columns ({named}): keep one; nothing was imported."
            )
        else:
            raise AssertionError(f"{header} was imported")
    assert await ledger_rows(hearth, "adjustment") == []


async def test_a_file_without_a_member_column_imports_nothing(hearth: Hearth) -> None:
    from cogs.recognition.importer import ImportRefused

    try:
        await _import(hearth, "name,score\nalice,10\n")
    except ImportRefused as refused:
        assert "the first line must name the columns: member,points,level" in str(refused)
    else:
        raise AssertionError("a file without a member column was imported")
    assert await ledger_rows(hearth, "adjustment") == []


async def test_a_header_refused_is_quoted_as_the_file_writes_it(hearth: Hearth) -> None:
    """Its cells were joined with commas whatever the file's delimiter: `name;score` was quoted as “name,score”, and
    Excel's `sep=;` line as “sep=,”, a line the file does not have."""
    from cogs.recognition.importer import ImportRefused

    for header in ("name;score", "sep=;", "\ufeffname,score"):
        try:
            await _import(hearth, f"{header}\nalice;10\n")
        except ImportRefused as refused:
            assert str(refused).endswith(f"not “{header.lstrip(chr(0xFEFF))}”."), str(refused)
        else:
            raise AssertionError(f"{header} was imported")


async def test_a_member_whose_data_was_deleted_is_not_imported_again(hearth: Hearth, console: ConsoleDriver) -> None:
    """Until 2026-12-01 running the same file again after zed's `/mydata delete` created zed again, 500 points and
    all: the record that their line was imported went with their data."""
    export = "member,points\nzed,500\nalice,300\n"
    await _import(hearth, export)
    said = await console.run('@zed: /mydata delete\n@zed clicks "Delete my data"')
    assert "Hearth no longer keeps anything about you in this community." in said
    again = await _import(hearth, export)
    assert (again.imported, again.already, again.erased, again.new_members) == (0, 1, 1, 0)
    assert "1 line naming a member whose data was deleted (at their request, or after they left): not imported" in (
        summary(again)
    )
    said = await console.run("@admin is admin\n@admin: /leaderboard all")
    assert figures(board(said, "all time")) == ["🥇 alice — 300 points"]
    # Another file naming zed is refused the same way; a member never deleted imports as before.
    other = await _import(hearth, "member,points\nzed,5\nbob,7\n", name="carl.csv")
    assert (other.imported, other.erased, other.new_members) == (1, 1, 1)


async def test_a_departed_member_anonymised_is_not_imported_again(hearth: Hearth, console: ConsoleDriver) -> None:
    export = "member,points\nzed,500\n"
    await _import(hearth, export)
    await console.run("@zed: hi\n@zed leaves\nwait 31d")  # departed_retention: 30 days
    again = await _import(hearth, export, name="again.csv")
    assert (again.imported, again.erased, again.new_members) == (0, 1, 0)


async def test_a_header_written_with_spaces_is_read(hearth: Hearth, console: ConsoleDriver) -> None:
    """`User ID,XP` (as a spreadsheet titles its columns) was refused: "the first line must name the columns"."""
    done = await _import(hearth, "User ID;XP;Level\nbob;40;\ncarol;25;\n")
    assert (done.imported, done.points, done.problems) == (2, 65, [])
