"""Rituals' settings."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from config.community import Section


class RitualSettings(Section):
    ritual_grace: timedelta = Field(
        timedelta(hours=1),
        ge=timedelta(0),
        le=timedelta(days=7),
        description="A ritual firing missed while Hearth was down still runs when it is this late at most",
    )
