"""Settings: the platform choice and per-community validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from cogs.recognition.settings import RecognitionSettings
from config.community import CommunityBasics, Section, SettingError, SettingsCatalog
from config.settings import Settings

CATALOG = SettingsCatalog([CommunityBasics, RecognitionSettings])


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
        CATALOG.validate(key, raw)


def test_values_round_trip_through_storage() -> None:
    stored = {
        key: CATALOG.encode(CATALOG.validate(key, raw))
        for key, raw in {"activity_cooldown": "1h30m", "timezone": "Europe/Berlin", "kudos_points": "7"}.items()
    }
    settings = CATALOG.decode(stored)
    assert settings.of(RecognitionSettings).activity_cooldown == timedelta(minutes=90)
    assert (settings.timezone, settings.of(RecognitionSettings).kudos_points) == ("Europe/Berlin", 7)


def test_hearth_cogs_chooses_a_subset_in_load_order() -> None:
    assert Settings(_env_file=None).chosen_cogs()[0] == "cogs.settings"  # type: ignore[call-arg]
    subset = Settings(_env_file=None, hearth_cogs="rituals, recognition")  # type: ignore[call-arg]
    assert subset.chosen_cogs() == ("cogs.recognition", "cogs.rituals")
    with pytest.raises(ValidationError, match="HEARTH_COGS names kudos, which Hearth does not have; choose from"):
        Settings(_env_file=None, hearth_cogs="recognition,kudos")  # type: ignore[call-arg]


def test_a_key_belongs_to_one_section() -> None:
    class Clash(Section):
        kudos_points: int = 3

    with pytest.raises(ValueError, match="`kudos_points` is declared by both RecognitionSettings and Clash"):
        SettingsCatalog([CommunityBasics, RecognitionSettings, Clash])
