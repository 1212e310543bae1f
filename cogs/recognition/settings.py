"""Recognition's settings: what kudos and messages are worth, and how often."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from config.community import Section


class RecognitionSettings(Section):
    kudos_points: int = Field(10, ge=0, le=1000, description="Points a member receives with each kudos")
    kudos_daily_limit: int = Field(5, ge=0, le=100, description="Kudos each member may give per day")
    message_points: int = Field(1, ge=0, le=100, description="Points for a message after the cooldown")
    activity_cooldown: timedelta = Field(
        timedelta(seconds=60),
        ge=timedelta(0),
        le=timedelta(days=1),
        description="Time between two messages that earn points",
    )
