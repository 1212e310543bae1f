"""`hearth points import FILE.csv`: the command line around cogs/recognition/importer.py (its rules are tested in
tests/cogs/recognition/test_import.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.test_cli_export import hearth


def test_points_import_reports_each_bad_line_and_adds_nothing_the_second_time(tmp_path: Path) -> None:
    (tmp_path / "levels.csv").write_text(
        "user_id,username,xp,level\n80351110224678912,alice,5000,3\n80351110224678913,bob,10,5\nbob#1234,bob,5,1\n",
        encoding="utf-8",
    )
    unknown = hearth(tmp_path, "points", "import", "levels.csv", "--community", "1234")
    assert unknown.returncode == 1 and "give --platform" in unknown.stderr
    checked = hearth(
        tmp_path, "points", "import", "levels.csv", "--community", "1234", "--platform", "discord", "--dry-run"
    )
    assert "levels.csv: would import 2 lines, 6,150 points (1 raised to the points of their level)" in checked.stdout
    done = hearth(tmp_path, "points", "import", "levels.csv", "--community", "1234", "--platform", "discord")
    assert done.returncode == 1  # one line was not imported
    assert done.stderr.splitlines() == [
        "levels.csv:4: “bob#1234” is not a member id: a Discord user id is digits (80351110224678912); not imported"
    ]
    assert "levels.csv: imported 2 lines, 6,150 points" in done.stdout
    assert "2 members Hearth has not seen yet" in done.stdout
    again = hearth(tmp_path, "points", "import", "levels.csv", "--community", "1234")  # known now: no --platform
    assert "imported 0 lines, 0 points" in again.stdout
    assert "2 lines imported before, unchanged: nothing added for them" in again.stdout
    exported = hearth(tmp_path, "export", "--community", "1234")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["member_id"], r["kind"], r["points"]) for r in rows] == [
        ("80351110224678912", "adjustment", "5000"),
        ("80351110224678913", "adjustment", "1150"),
    ]
    assert "Traceback" not in done.stderr + again.stderr + unknown.stderr


def test_a_file_not_in_utf8_is_refused_naming_its_line(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("member,points\nalice,5\nzoë,7\n".encode("latin-1"))
    done = hearth(tmp_path, "points", "import", "latin.csv", "--community", "console", "--platform", "console")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: latin.csv:3 is not UTF-8: save the file as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again; "
        "nothing was imported"
    )


def test_a_terminal_escape_in_the_file_never_reaches_the_terminal(tmp_path: Path) -> None:
    """The refusals quote the file: an OSC sequence in a member id (`ESC ]0;...BEL` retitles the window) or a CSI
    in the points or the header went to standard error as it was."""
    (tmp_path / "escapes.csv").write_text("member,points\nal\x1b]0;pwned\x07ice,5\nbob,5\x1b[2J\n", encoding="utf-8")
    (tmp_path / "header.csv").write_text("mem\x1b[31mber,points\nalice,5\n", encoding="utf-8")
    lines = hearth(tmp_path, "points", "import", "escapes.csv", "--community", "console", "--platform", "console")
    header = hearth(tmp_path, "points", "import", "header.csv", "--community", "console", "--platform", "console")

    assert lines.returncode == header.returncode == 1
    assert lines.stderr.splitlines() == [
        "escapes.csv:2: “al�]0;pwned�ice” is not a member id (one word of up to 64 characters); not imported",
        "escapes.csv:3: points must be a whole number from 0 to 1,000,000,000, not “5�[2J”; not imported",
    ]
    assert header.stderr.startswith("error: header.csv: the first line must name the columns")
    assert "not “mem�[31mber,points”" in header.stderr
    assert not [ch for ch in lines.stderr + header.stderr if not ch.isprintable() and ch != "\n"]


def test_a_dry_run_creates_no_database(tmp_path: Path) -> None:
    """`--dry-run` promises to write nothing, and on a mistyped DATABASE_URL it built a whole new database."""
    (tmp_path / "levels.csv").write_text("member,points\nalice,5\n", encoding="utf-8")
    done = hearth(tmp_path, "points", "import", "levels.csv", "--community", "console", "--dry-run")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"error: there is no database at {tmp_path / 'hearth.db'} (DATABASE_URL): a dry run creates none; check "
        "DATABASE_URL, or import without --dry-run into a new database\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["levels.csv"]
