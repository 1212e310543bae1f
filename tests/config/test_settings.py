"""Settings: the platform choice, loading errors a person can act on, and per-community validation."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from importlib.metadata import version as package_version
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from bot.platforms import choose, registered
from bot.platforms.discord.settings import DiscordSettings
from bot.platforms.slack.settings import SlackSettings
from cogs.health.settings import HealthSettings
from cogs.introductions.settings import IntroductionSettings
from cogs.onboarding.settings import OnboardingSettings
from cogs.privacy.settings import PrivacySettings
from cogs.recognition.settings import RecognitionSettings
from cogs.rituals.settings import RitualSettings
from config.community import CommunityBasics, Section, SettingError, SettingsCatalog
from config.durations import parse_duration
from config.settings import CONFIG_ERROR_EXIT, Settings, SettingsError, load_settings

CATALOG = SettingsCatalog([CommunityBasics, RecognitionSettings])


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("HEARTH_ACTIVITY_FLUSH_SECONDS", "0.5")
    settings = Settings(_env_file=None)
    assert (settings.database_url, settings.hearth_activity_flush_seconds) == ("postgresql+asyncpg://u@h/db", 0.5)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("colour", "blue", "There is no setting called `colour`"),
        ("kudos_points", "-1", "it can be no less than 0"),
        ("kudos_points", "lots", "a whole number is expected"),
        ("timezone", "Europe/Atlantis", "unknown time zone"),
        ("activity_cooldown", "soon", "is not a duration"),
    ],
)
def test_bad_values_are_refused_with_a_reason(key: str, raw: str, message: str) -> None:
    """In words a member reads: pydantic's "Input should be ..." never reaches anyone."""
    with pytest.raises(SettingError, match=message) as refused:
        CATALOG.validate(key, raw)
    assert "Input should" not in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "minutes"), [("5 minutes", 5), ("1 hour 30 min", 90), ("1 day", 1440), ("1h30m", 90), ("90s", 1.5)]
)
def test_durations_are_read_as_people_write_them(raw: str, minutes: float) -> None:
    assert CATALOG.validate("activity_cooldown", raw) == timedelta(minutes=minutes)


SECTIONS = (
    CommunityBasics,
    RecognitionSettings,
    OnboardingSettings,
    IntroductionSettings,
    RitualSettings,
    HealthSettings,
    PrivacySettings,
)
EVERY_SETTING = SettingsCatalog(SECTIONS)
# Every free-text setting, and what `none` does to it: the lists it clears, the others it leaves for their own
# check to refuse (ladder_roles needs a role to offer). A new text setting fails here until it is listed.
NONE_CLEARS = {
    "value_tags": True,
    "level_roles": True,
    "level_titles": True,
    "ladder_roles": False,
    "timezone": False,
    "kudos_emoji": False,
    "departed_retention": False,
}


def test_every_text_setting_says_what_none_does_to_it() -> None:
    text = {key for section in SECTIONS for key, info in section.model_fields.items() if info.annotation is str}
    assert text == set(NONE_CLEARS)


@pytest.mark.parametrize(("key", "clears"), NONE_CLEARS.items())
@pytest.mark.parametrize("word", ["none", "None", " NONE "])
def test_none_clears_a_text_setting_or_is_refused_never_kept_as_a_value(key: str, clears: bool, word: str) -> None:
    assert EVERY_SETTING.clearable(key) is clears
    if clears:
        assert EVERY_SETTING.validate(key, word) == ""
        assert EVERY_SETTING.decode({key: ""}).describe(key) == "none"
    else:
        with pytest.raises(SettingError, match=f"`{word}` is not a valid value for `{key}`: ") as refused:
            EVERY_SETTING.validate(key, word)
        assert "``" not in str(refused.value)  # the reason never quotes the empty value it was read as


def test_values_round_trip_through_storage() -> None:
    stored = {
        key: CATALOG.encode(CATALOG.validate(key, raw))
        for key, raw in {"activity_cooldown": "1h30m", "timezone": "Europe/Berlin", "kudos_points": "7"}.items()
    }
    settings = CATALOG.decode(stored)
    assert settings.of(RecognitionSettings).activity_cooldown == timedelta(minutes=90)
    assert (settings.timezone, settings.of(RecognitionSettings).kudos_points) == ("Europe/Berlin", 7)


def test_hearth_cogs_chooses_a_subset_in_load_order() -> None:
    assert Settings(_env_file=None).chosen_cogs()[0] == "cogs.settings"
    subset = Settings(_env_file=None, hearth_cogs="rituals, recognition")
    assert subset.chosen_cogs() == ("cogs.recognition", "cogs.rituals")
    with pytest.raises(
        SettingsError,
        match="HEARTH_COGS=recognition,kudos: HEARTH_COGS names kudos, which Hearth does not have; choose from",
    ):
        load_settings(hearth_cogs="recognition,kudos")


def test_a_key_belongs_to_one_section() -> None:
    class Clash(Section):
        kudos_points: int = 3

    with pytest.raises(ValueError, match="`kudos_points` is declared by both RecognitionSettings and Clash"):
        SettingsCatalog([CommunityBasics, RecognitionSettings, Clash])


ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODELS: tuple[type[BaseSettings], ...] = (Settings, *(platform.settings for platform in registered().values()))
SETTING_NAMES = [name.upper() for model in SETTINGS_MODELS for name in model.model_fields]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Hearth setting in the environment; the working directory is an empty folder."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_example_env_file_copied_as_is_starts_the_console(clean_env: Path) -> None:
    shutil.copyfile(ROOT / ".env.example", clean_env / ".env")
    platform, _ = choose(load_settings().hearth_platform)
    assert platform.name == "console"
    assert DiscordSettings().discord_dev_guild_id is None
    assert SlackSettings().hearth_http_port == 3000
    # Left unset, so the console stays as quiet as without the file (a tester found `make run` chatty with it).
    assert "hearth_log_level" not in load_settings().model_fields_set


def test_a_wrong_setting_is_one_line_naming_it_its_value_and_what_is_expected(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "HEARTH_ACTIVITY_FLUSH_SECONDS=soon\nHEARTH_ACTIVITY_BATCH_SIZE=0\nHEARTH_HTTP_PORT=abc\nDISCORD_DEV_GUILD_ID=\n"
    )
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).splitlines() == [
        "HEARTH_ACTIVITY_FLUSH_SECONDS=soon: expected a number",
        "HEARTH_ACTIVITY_BATCH_SIZE=0: expected at least 1",
    ]
    # A platform's own settings are read the same way, and refused the same way.
    with pytest.raises(SettingsError, match=r"^HEARTH_HTTP_PORT=abc: expected a whole number$"):
        registered()["slack"].load_settings()


@pytest.mark.parametrize("url", ["slack.example/api/", "ftp://slack.example/api/", "https://"])
def test_a_slack_api_url_that_is_no_web_address_is_refused_before_connecting(clean_env: Path, url: str) -> None:
    """SLACK_API_URL=slack.example/api/ (the scheme left out) was taken as given: Hearth migrated, started and
    stopped with "Cannot reach the Slack Web API at slack.example/api/: slack.example/api/auth.test", which names
    no cause (a tester's finding)."""
    (clean_env / ".env").write_text(f"SLACK_API_URL={url}\n")
    with pytest.raises(SettingsError) as refused:
        registered()["slack"].load_settings()
    assert str(refused.value) == (
        f"SLACK_API_URL={url}: expected an http:// or https:// address such as https://slack.com/api/ "
        "(Slack's own, the default when it is empty)"
    )


def test_a_database_url_hearth_cannot_use_is_refused_without_showing_the_password(clean_env: Path) -> None:
    refused = r"^DATABASE_URL=postgres://me:\*\*\*@db/hearth: expected sqlite\+aiosqlite"
    with pytest.raises(SettingsError, match=refused):
        load_settings(database_url="postgres://me:secret@db/hearth")


def test_a_sqlite_url_naming_no_file_is_refused(clean_env: Path) -> None:
    """`sqlite+aiosqlite:///` (what `sqlite+aiosqlite:///${DB}` gives with DB unset) opened a private in-memory
    database: Hearth ran, and everything it kept was gone at the next stop (a tester's finding)."""
    for url in ("sqlite+aiosqlite:///", "sqlite+aiosqlite://"):
        with pytest.raises(SettingsError) as refused:
            load_settings(database_url=url)
        assert str(refused.value) == (
            f"DATABASE_URL={url}: names no database file; expected sqlite+aiosqlite:///path/to/hearth.db"
        )
    assert load_settings(database_url="sqlite+aiosqlite:///:memory:").sqlite_path() is None  # asked for by name


def _hearth(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )


def test_configuration_errors_stop_hearth_before_anything_starts_with_one_exit_code(tmp_path: Path) -> None:
    no_token = _hearth(tmp_path, "run", "--platform", "discord")
    bad_url = _hearth(tmp_path, "migrate", DATABASE_URL="sqlite:///hearth.db")
    (tmp_path / "folder.db").mkdir()  # a folder where the database file should be
    unopenable = _hearth(tmp_path, "migrate", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'folder.db'}")
    assert [done.returncode for done in (no_token, bad_url, unopenable)] == [CONFIG_ERROR_EXIT] * 3
    assert no_token.stderr.splitlines() == [
        "error: DISCORD_TOKEN is not set: the discord platform needs the bot token from the Developer Portal (Bot tab)."
    ]
    assert bad_url.stderr.splitlines() == [
        "error: DATABASE_URL=sqlite:///hearth.db: expected sqlite+aiosqlite:///path/to/hearth.db or "
        "postgresql+asyncpg://user:password@host:5432/db"
    ]
    assert unopenable.stderr.splitlines() == [
        f"error: DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'folder.db'}: cannot open the database: "
        "unable to open database file"
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["folder.db"]  # no database was created or migrated


def test_a_read_only_database_stops_hearth_with_one_line(tmp_path: Path) -> None:
    """A file Hearth can read and not write was opened: every command then failed with a traceback, members were
    told "try again in a moment", and the stop printed hundreds of lines (a tester's finding)."""
    database = tmp_path / "hearth.db"
    assert _hearth(tmp_path, "migrate", DATABASE_URL=f"sqlite+aiosqlite:///{database}").returncode == 0
    # Immutable, so that it is read-only to root too (the suite may run as root, whom file modes do not stop).
    if subprocess.run(["chattr", "+i", str(database)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is not available here (not root, or a filesystem without it)")
    try:
        runs = [
            _hearth(tmp_path, "migrate", DATABASE_URL=f"sqlite+aiosqlite:///{database}"),
            _hearth(tmp_path, "run", "--platform", "console", DATABASE_URL=f"sqlite+aiosqlite:///{database}"),
        ]
        # An export only reads: a backup on read-only media is read as it is.
        exported = _hearth(tmp_path, "export", "--community", "console", DATABASE_URL=f"sqlite+aiosqlite:///{database}")
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)
    for done in runs:
        assert done.returncode == CONFIG_ERROR_EXIT and done.stdout == ""
        assert done.stderr.splitlines() == [
            f"error: DATABASE_URL=sqlite+aiosqlite:///{database}: cannot open the database: it is read-only (the "
            "file, or the filesystem it is on); Hearth writes what happens there"
        ]
    assert exported.stderr == "error: no community has the id 'console' (Hearth's id or the platform's)\n"


def test_a_database_in_a_read_only_folder_says_so(tmp_path: Path) -> None:
    """A database in a folder Hearth cannot write (a read-only mount, a folder without the write permission):
    SQLite keeps its journal beside the file, so it could not open it, and Hearth said only "unable to open
    database file", which reads as a missing file or a wrong path (a tester's finding)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'hearth.db'}"
    assert _hearth(tmp_path, "migrate", DATABASE_URL=url).returncode == 0
    # Immutable, so that it is read-only to root too (the suite may run as root, whom file modes do not stop).
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is not available here (not root, or a filesystem without it)")
    try:
        runs = [
            _hearth(tmp_path, "migrate", DATABASE_URL=url),
            _hearth(tmp_path, "run", "--platform", "console", DATABASE_URL=url),
        ]
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    for done in runs:
        assert done.returncode == CONFIG_ERROR_EXIT and done.stdout == ""
        assert done.stderr.splitlines() == [
            f"error: DATABASE_URL={url}: cannot open the database: its folder {folder} is read-only, and SQLite "
            "keeps its journal beside the file (hearth.db-wal, hearth.db-shm); Hearth writes what happens there"
        ]


def test_a_database_a_newer_hearth_migrated_stops_every_command_with_one_line(tmp_path: Path) -> None:
    """Going back to an older Hearth (a rollback after an upgrade) left its database at a revision the older one
    does not know: every command stopped with Alembic's traceback ("No such revision or branch")."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"
    assert _hearth(tmp_path, "migrate", DATABASE_URL=url).returncode == 0
    with sqlite3.connect(tmp_path / "hearth.db") as connection:
        connection.execute("DELETE FROM alembic_version")
        connection.execute("INSERT INTO alembic_version VALUES ('0099_from_the_future')")
    connection.close()

    said = (
        f"error: DATABASE_URL={url}: the database was migrated by a newer Hearth (revision 0099_from_the_future, "
        "which this version does not know): run that version or a later one, or a copy of the database from before it"
    )
    for args in (["migrate"], ["export", "--community", "console"], ["run", "--platform", "console"]):
        done = _hearth(tmp_path, *args, DATABASE_URL=url)
        assert (done.returncode, done.stderr.splitlines()) == (CONFIG_ERROR_EXIT, [said]), args


def test_another_programs_database_stops_every_command_with_one_line(tmp_path: Path) -> None:
    """DATABASE_URL pointed at another program's SQLite file, with a `member` table of its own: Hearth tried to
    build its tables there and stopped at the first shared name with a traceback of some 400 lines (a tester's
    finding). The file is left as it was."""
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE member (id INTEGER PRIMARY KEY, nick TEXT)")
        connection.execute("CREATE TABLE season (id INTEGER PRIMARY KEY)")
    connection.close()
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    said = (
        f"error: DATABASE_URL={url}: the database is not Hearth's: it has tables named as Hearth's (member, season) "
        "but no record of Hearth's migrations; point DATABASE_URL at Hearth's database or a new one"
    )
    for args in (["migrate"], ["run", "--platform", "console"]):
        done = _hearth(tmp_path, *args, DATABASE_URL=url)
        assert (done.returncode, done.stderr.splitlines()) == (CONFIG_ERROR_EXIT, [said]), args
    with sqlite3.connect(tmp_path / "other.db") as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    connection.close()
    assert sorted(tables) == ["member", "season"]


def test_a_misspelt_setting_is_named_with_the_setting_it_resembles(tmp_path: Path) -> None:
    """Settings are read by exact name: without a word, a misspelt token or database left Hearth on its default
    (the console, data/hearth.db). Other variables of the environment or `.env` are none of Hearth's business."""
    (tmp_path / ".env").write_text("DATABSE_URL=sqlite+aiosqlite:///elsewhere.db\nCOMPOSE_PROJECT_NAME=hearth\n")
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"
    done = _hearth(tmp_path, "migrate", DISCORD_BOT_TOKEN="abc", HEARTH_DATABASE_URL="x", DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    said = 'is not a setting Hearth knows, so it is ignored; did you mean {}? (README "Configuration")'
    assert sorted(line for line in done.stderr.splitlines() if line.startswith("warning:")) == [
        f"warning: DATABSE_URL {said.format('DATABASE_URL')}",
        f"warning: DISCORD_BOT_TOKEN {said.format('DISCORD_TOKEN')}",
        f"warning: HEARTH_DATABASE_URL {said.format('DATABASE_URL')}",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env", "hearth.db"]  # the database it was given
    (tmp_path / ".env").unlink()
    spelt_right = _hearth(tmp_path, "migrate", DATABASE_URL=url, HEARTH_TEST_DATABASE_URL="postgresql+asyncpg://x/y")
    assert "warning" not in spelt_right.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_a_dotenv_with_a_byte_order_mark_is_read_in_its_encoding(clean_env: Path, encoding: str) -> None:
    """Windows PowerShell 5's `echo X=Y > .env` writes UTF-16 with a BOM; Notepad may add a UTF-8 BOM."""
    url = f"sqlite+aiosqlite:///{clean_env / 'hearth.db'}"
    (clean_env / ".env").write_text(f"DATABASE_URL={url}\nHEARTH_HTTP_PORT=3100\n", encoding=encoding)
    assert load_settings().database_url == url
    assert registered()["slack"].load_settings().hearth_http_port == 3100


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            b"DATABASE_URL=sqlite+aiosqlite:///x.db\nHEARTH_COGS=\xff\n",
            ".env is not UTF-8: the byte 0xff at offset 50 (line 2)",
        ),
        (
            "HEARTH_COGS=settings\n".encode("utf-16-le"),
            ".env has a NUL byte at offset 1 (line 1), as UTF-16 without a byte order mark has",
        ),
        (
            b"HEARTH_COGS=settings\nHEARTH_LOG_LEVEL=INFO\0\n",
            ".env has a NUL byte at offset 42 (line 2); save it as UTF-8",
        ),
        (b"HEARTH_COGS=settings\n\nthis line is junk\n", ".env:3 is not a setting: write NAME=value"),
        (b'HEARTH_LOG_LEVEL="INFO\n', ".env:1 is not a setting: write NAME=value"),
        # A name alone was read as unset: Hearth started on a new, empty database without a word.
        (b"# settings\n\nDATABASE_URL\n", ".env:3 names DATABASE_URL without a value: write DATABASE_URL=value"),
    ],
)
def test_a_dotenv_hearth_cannot_read_stops_it_with_one_line(tmp_path: Path, content: bytes, line: str) -> None:
    (tmp_path / ".env").write_bytes(content)
    done = _hearth(tmp_path, "run")
    assert done.returncode == CONFIG_ERROR_EXIT
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"error: {line}")
    assert [path.name for path in tmp_path.iterdir()] == [".env"]  # nothing started


def test_a_dotenv_that_is_a_folder_stops_hearth_with_one_line(tmp_path: Path) -> None:
    """A tester's `mkdir .env` started Hearth on the default database without a word."""
    (tmp_path / ".env").mkdir()
    done = _hearth(tmp_path, "run")
    assert done.returncode == CONFIG_ERROR_EXIT
    assert done.stderr.splitlines() == [
        "error: .env is a folder, not a settings file: remove it, or put NAME=value lines in a file"
    ]
    assert [path.name for path in tmp_path.iterdir()] == [".env"]  # nothing started


def test_a_bound_in_a_settings_refusal_is_written_as_the_readme_writes_it() -> None:
    with pytest.raises(SettingsError, match="HEARTH_ACTIVITY_BATCH_SIZE=50001: expected at most 50,000"):
        load_settings(hearth_activity_batch_size=50001)


def test_hearth_cogs_ignores_case_and_names_what_a_feature_needs() -> None:
    assert Settings(_env_file=None, hearth_cogs="Recognition, RITUALS").chosen_cogs() == (
        "cogs.recognition",
        "cogs.rituals",
    )
    with pytest.raises(SettingsError, match="introductions needs onboarding; add it to HEARTH_COGS"):
        load_settings(hearth_cogs="introductions")


@pytest.mark.parametrize(
    ("raw", "zone"), [("europe/berlin", "Europe/Berlin"), ("AMERICA/NEW_YORK", "America/New_York")]
)
def test_time_zones_are_read_whatever_their_case(raw: str, zone: str) -> None:
    assert CATALOG.validate("timezone", raw) == zone


def test_durations_go_up_to_the_100_years_the_refusal_promises() -> None:
    assert parse_duration("100y") == parse_duration("100 years") == timedelta(days=36500)
    assert parse_duration("1 yr 2d") == timedelta(days=367)
    with pytest.raises(ValueError, match="`101y` is longer than I can count; durations go up to 100 years"):
        parse_duration("101y")


def test_a_refused_duration_is_quoted_as_typed_not_as_python_would() -> None:
    with pytest.raises(SettingError, match="`1 fortnight` is not a duration") as refused:
        CATALOG.validate("activity_cooldown", "1 fortnight")
    assert "'" not in str(refused.value)


def test_a_zero_duration_reads_off_and_off_sets_it() -> None:
    assert CATALOG.validate("kudos_pair_cooldown", "off") == timedelta(0)
    settings = CATALOG.decode({"kudos_pair_cooldown": CATALOG.encode(timedelta(0)), "value_tags": ""})
    assert settings.describe("kudos_pair_cooldown") == "off"
    assert settings.describe("value_tags") == "none"


def test_hearth_migrate_says_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"
    first, again = (_hearth(tmp_path, "migrate", DATABASE_URL=url) for _ in range(2))
    assert first.stdout.splitlines() == [f"database is up to date: {url} (built new)"]
    assert again.stdout.splitlines() == [f"database is up to date: {url} (nothing to do)"]


def test_hearth_migrate_names_a_relative_database_file_in_full(tmp_path: Path) -> None:
    """Run from another folder, `hearth migrate` on the default URL built a new, empty database there and said only
    `database is up to date: sqlite+aiosqlite:///data/hearth.db (built new)`, which the start line no longer does
    (a tester's finding)."""
    done = _hearth(tmp_path, "migrate")
    where = tmp_path / "data" / "hearth.db"
    assert done.stdout.splitlines() == [
        f"database is up to date: sqlite+aiosqlite:///data/hearth.db ({where}) (built new)"
    ]


def test_the_start_line_says_which_database_file_and_when_it_is_new(tmp_path: Path) -> None:
    """The default DATABASE_URL is relative: started from another folder (a service without a working directory),
    Hearth built a new, empty database there and said only `database sqlite+aiosqlite:///data/hearth.db`, as on
    every start, so the operator saw no sign that every point was "gone" (a tester's finding)."""
    first, again = (_hearth(tmp_path, "run", "--platform", "console", HEARTH_LOG_LEVEL="INFO") for _ in range(2))
    where = f"database sqlite+aiosqlite:///data/hearth.db ({tmp_path / 'data' / 'hearth.db'})"
    [started] = [line for line in first.stderr.splitlines() if "Hearth started" in line]
    assert started.endswith(f"{where}, new and empty: built now")
    [restarted] = [line for line in again.stderr.splitlines() if "Hearth started" in line]
    assert restarted.endswith(where)


def test_hearth_migrate_does_not_print_the_database_password(tmp_path: Path) -> None:
    """`hearth migrate` printed DATABASE_URL as given, password and all, where its errors and the log hide it
    (a tester's finding): the line lands in deploy logs. The database is a stand-in that is already up to date,
    so no PostgreSQL server is needed."""
    stand_in = (
        "import bot.cli\n"
        "class Db:\n"
        "    async def migrate(self): return 'current'\n"
        "    async def dispose(self): pass\n"
        "bot.cli.Database.open = staticmethod(lambda url: Db())\n"
        "bot.cli.main()\n"
    )
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    url = "postgresql+asyncpg://hearth:s3cret@db.example:5432/hearth"
    done = subprocess.run(
        [sys.executable, "-c", stand_in, "migrate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env={**clean, "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
    )
    assert done.stdout.splitlines() == [
        "database is up to date: postgresql+asyncpg://hearth:***@db.example:5432/hearth (nothing to do)"
    ], done.stderr


def test_on_off_flags_show_no_value_placeholder_in_help(tmp_path: Path) -> None:
    """`--dry-run <bool>` read as if the flag took a value (a tester's finding)."""
    manifest = _hearth(tmp_path, "slack-manifest", "--help", COLUMNS="200").stdout
    points = _hearth(tmp_path, "points", "import", "--help", COLUMNS="200").stdout
    assert re.search(r"--http\s+HTTP mode", manifest), manifest
    assert re.search(r"--dry-run\s+Check the file", points), points


def test_a_group_lists_its_commands_in_whole_lines(tmp_path: Path) -> None:
    """`hearth points --help` listed `import` as "... as audited adjustments; running the same" and "file again
    adds nothing ..." on the next line, however wide the terminal: the docstring's own line break (a tester's
    finding). A command's summary is its docstring's first paragraph."""
    listing = _hearth(tmp_path, "points", "--help", COLUMNS="200").stdout
    summary = r"│ import\s+Import members' points from another bot \(MEE6 and others\) as audited adjustments\.\s+│"
    assert re.search(summary, listing), listing


def test_hearth_version_prints_the_installed_version(tmp_path: Path) -> None:
    """`hearth --version` answered "No such option": the first thing a bug report asks for."""
    done = _hearth(tmp_path, "--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"hearth {package_version('hearth')}\n", "")
    assert re.search(r"--version\s+Print Hearth's version", _hearth(tmp_path, "--help", COLUMNS="200").stdout)
