"""Settings: the platform choice and per-community validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.community import SettingError, decode_settings, encode_setting, validate_setting
from config.settings import Settings


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
