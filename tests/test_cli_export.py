"""`hearth export --community ID --format csv|json`: a community's contribution history from the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SETTING_NAMES = {name.upper() for name in Settings.model_fields} | {"HEARTH_PLATFORM"}


def hearth(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key.upper() not in SETTING_NAMES}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**clean, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'hearth.db'}"},
    )


def test_export_prints_the_history_as_csv_or_json(tmp_path: Path) -> None:
    script = "@bob: /kudos @alice thanks\n@carol: /kudos @alice again\n"
    assert hearth(tmp_path, "console", "--start", "2026-03-04T12:00:00+00:00", stdin=script).returncode == 0
    done = hearth(tmp_path, "export", "--community", "console", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["created_at"][:10], r["member"], r["kind"], r["points"]) for r in rows] == [
        ("2026-03-04", "alice", "kudos_received", "10"),
        ("2026-03-04", "bob", "kudos_given", "0"),
        ("2026-03-04", "alice", "kudos_received", "10"),
        ("2026-03-04", "carol", "kudos_given", "0"),
    ]
    as_json = hearth(tmp_path, "export", "--community", "1", "--format", "json", "--output", "out.json")
    assert as_json.returncode == 0 and "4 contributions written" in as_json.stderr
    assert [row["member"] for row in json.loads((tmp_path / "out.json").read_text())] == [
        "alice",
        "bob",
        "alice",
        "carol",
    ]
    unknown = hearth(tmp_path, "export", "--community", "nope")
    assert unknown.returncode == 1 and "no community has the id 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_an_anonymised_member_is_a_former_member_in_json_as_in_csv(tmp_path: Path) -> None:
    """The JSON export named an anonymised member by the random placeholder stored as their id
    (`former-3e0af10c…`, no platform's) and an empty name, where the CSV and the README say `(former member)`
    (a tester's finding)."""
    script = "@bob: /kudos @alice thanks\n@alice leaves\nwait 31d\n"
    assert hearth(tmp_path, "console", "--start", "2026-03-04T12:00:00+00:00", stdin=script).returncode == 0
    as_json = json.loads(hearth(tmp_path, "export", "--community", "console", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(hearth(tmp_path, "export", "--community", "console").stdout)))
    assert [(row["member_id"], row["member"], row["kind"]) for row in as_json] == [
        (None, "(former member)", "kudos_received"),
        ("bob", "bob", "kudos_given"),
    ]
    assert [(row["member_id"], row["member"]) for row in as_csv] == [("", "(former member)"), ("bob", "bob")]


def test_export_from_a_database_that_is_not_there_creates_none(tmp_path: Path) -> None:
    """A mistyped DATABASE_URL made an empty database (and its folder) and answered that the community was not
    there, leaving the operator to wonder where its history went."""
    done = hearth(tmp_path, "export", "--community", "console")
    assert done.returncode == 1
    assert done.stderr == f"error: there is no database at {tmp_path / 'hearth.db'} (DATABASE_URL): nothing to export\n"
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_choice_that_is_none_of_the_values_is_refused_in_plain_words(tmp_path: Path) -> None:
    """The refusal carried pydantic's prefix: "Invalid value for '--format': Value error, 'xml' is not one of"."""
    for args, said in [
        (("export", "--community", "console", "--format", "xml"), "'--format': 'xml' is not one of 'csv', 'json'."),
        (("run", "--platform", "foo"), "'--platform': 'foo' is not one of 'auto', 'discord', 'slack', 'console'."),
    ]:
        done = hearth(tmp_path, *args)
        assert done.returncode == 2 and "Value error" not in done.stderr
        assert f"Invalid value for {said}" in " ".join(done.stderr.replace("│", " ").split())  # as the box wraps it
    assert hearth(tmp_path, "slack-manifest", "--format", "json").stdout.startswith("{")


def test_a_choice_is_read_in_any_case_as_hearth_platform_is(tmp_path: Path) -> None:
    """`hearth run --platform Console` and `--format JSON` were refused, while HEARTH_PLATFORM=Console is read as
    `console` (a tester's finding)."""
    assert hearth(tmp_path, "slack-manifest", "--format", "JSON").stdout.startswith("{")
    done = hearth(tmp_path, "run", "--platform", "Console", stdin="@bob: /kudos @alice thanks\n")
    assert (done.returncode, done.stderr) == (0, "")
    assert "@alice, you got kudos from @bob!" in done.stdout


def test_the_json_export_ends_its_last_line_as_the_csv_does(tmp_path: Path) -> None:
    """Printed to a terminal, the JSON left the shell's prompt on the line of its closing `]`."""
    script = "@bob: /kudos @alice thanks\n"
    assert hearth(tmp_path, "console", "--start", "2026-03-04T12:00:00+00:00", stdin=script).returncode == 0
    for output_format in ("csv", "json"):
        printed = hearth(tmp_path, "export", "--community", "console", "--format", output_format).stdout
        assert printed.endswith("\n") and not printed.endswith("\n\n"), output_format


def test_export_reads_a_database_in_a_folder_it_cannot_write(tmp_path: Path) -> None:
    """A backup on read-only media (a read-only mount, a folder without the write permission): SQLite keeps its
    journal beside the file, so it could not open it at all, and the export Hearth means for such a backup failed
    with "unable to open database file" (a tester's finding)."""
    assert hearth(tmp_path, "console", stdin="@bob: /kudos @alice thanks\n").returncode == 0
    # Immutable, so that it is read-only to root too (the suite may run as root, whom file modes do not stop).
    if subprocess.run(["chattr", "+i", str(tmp_path)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is not available here (not root, or a filesystem without it)")
    try:
        done = hearth(tmp_path, "export", "--community", "console")
    finally:
        subprocess.run(["chattr", "-i", str(tmp_path)], check=True)
    assert done.returncode == 0, done.stderr
    assert [row["kind"] for row in csv.DictReader(io.StringIO(done.stdout))] == ["kudos_received", "kudos_given"]
    assert [path.name for path in tmp_path.iterdir()] == ["hearth.db"]  # nothing written beside it
