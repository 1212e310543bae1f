"""Introductions' settings; moderators tune them with `/onboarding set` too (introductions are a step of it)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from config.community import Section


class IntroductionSettings(Section):
    tuned_with: ClassVar[str | None] = "onboarding"

    intro_points: int = Field(20, ge=0, le=1000, description="Points for a member's first introduction")
    intro_welcome_points: int = Field(2, ge=0, le=100, description="Points for replying in a newcomer's intro thread")
    intro_welcome_daily_cap: int = Field(5, ge=0, le=100, description="Intro-thread welcomes that earn points per day")
    intro_welcome_window: timedelta = Field(
        timedelta(hours=48),
        ge=timedelta(hours=1),
        le=timedelta(days=30),
        description="How long after an introduction replies earn welcome points",
    )
