"""Settings: the platform choice, loading errors a person can act on, and per-community validation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from config.community import SettingError, decode_settings, encode_setting, validate_setting
from config.settings import CONFIG_ERROR_EXIT, PlatformName, Settings, SettingsError, load_settings


def test_platform_is_inferred_from_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "HEARTH_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None).chosen_platform() is PlatformName.CONSOLE  # type: ignore[call-arg]
    assert Settings(_env_file=None, slack_bot_token="xoxb-1").chosen_platform() is PlatformName.SLACK  # type: ignore[call-arg]
    both = Settings(_env_file=None, slack_bot_token="xoxb-1", discord_token="abc")  # type: ignore[call-arg]
    assert both.chosen_platform() is PlatformName.DISCORD
    forced = Settings(_env_file=None, discord_token="abc", hearth_platform="console")  # type: ignore[call-arg]
    assert forced.chosen_platform() is PlatformName.CONSOLE


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("HEARTH_ACTIVITY_FLUSH_SECONDS", "0.5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.database_url, settings.hearth_activity_flush_seconds) == ("postgresql+asyncpg://u@h/db", 0.5)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("colour", "blue", "There is no setting called `colour`"),
        ("kudos_points", "-1", "greater than or equal to 0"),
        ("timezone", "Europe/Atlantis", "unknown time zone"),
        ("activity_cooldown", "soon", "is not a duration"),
    ],
)
def test_bad_values_are_refused_with_a_reason(key: str, raw: str, message: str) -> None:
    with pytest.raises(SettingError, match=message):
        validate_setting(key, raw)


def test_values_round_trip_through_storage() -> None:
    stored = {
        key: encode_setting(key, validate_setting(key, raw))
        for key, raw in {"activity_cooldown": "1h30m", "timezone": "Europe/Berlin", "kudos_points": "7"}.items()
    }
    settings = decode_settings(stored)
    assert settings.activity_cooldown == timedelta(minutes=90)
    assert (settings.timezone, settings.kudos_points) == ("Europe/Berlin", 7)


ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Hearth setting in the environment; the working directory is an empty folder."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_example_env_file_copied_as_is_starts_the_console(clean_env: Path) -> None:
    shutil.copyfile(ROOT / ".env.example", clean_env / ".env")
    settings = load_settings()
    assert settings.chosen_platform() is PlatformName.CONSOLE
    assert settings.discord_dev_guild_id is None
    assert settings.hearth_http_port == 3000


def test_a_wrong_setting_is_one_line_naming_it_its_value_and_what_is_expected(clean_env: Path) -> None:
    (clean_env / ".env").write_text("HEARTH_HTTP_PORT=abc\nHEARTH_ACTIVITY_BATCH_SIZE=0\nDISCORD_DEV_GUILD_ID=\n")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).splitlines() == [
        "HEARTH_ACTIVITY_BATCH_SIZE=0: expected at least 1",
        "HEARTH_HTTP_PORT=abc: expected a whole number",
    ]


def test_a_database_url_hearth_cannot_use_is_refused_without_showing_the_password(clean_env: Path) -> None:
    refused = r"^DATABASE_URL=postgres://me:\*\*\*@db/hearth: expected sqlite\+aiosqlite"
    with pytest.raises(SettingsError, match=refused):
        load_settings(database_url="postgres://me:secret@db/hearth")


def _hearth(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
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
