"""Onboarding's settings (moderators change them with `/onboarding set`; its channels are the community's)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import Field

from config.community import Section
from config.durations import format_duration


class OnboardingSettings(Section):
    tuned_with: ClassVar[str | None] = "onboarding"

    welcome_dm: bool = Field(True, description="Send newcomers their checklist by direct message")
    welcome_when: Literal["join", "completion"] = Field(
        "join", description="Post the public welcome on join or when onboarding is complete"
    )
    nudge_after: timedelta = Field(
        timedelta(hours=24),
        ge=timedelta(minutes=1),
        le=timedelta(days=60),
        description="Time stuck at a step before the newcomer gets one reminder",
    )
    alert_after: timedelta = Field(
        timedelta(hours=72),
        ge=timedelta(minutes=1),
        le=timedelta(days=60),
        description="Time stuck at a step before moderators are told",
    )
    step_points: int = Field(5, ge=0, le=1000, description="Points for each completed onboarding step")
    welcomer_points: int = Field(15, ge=0, le=1000, description="Points a welcomer earns when their newcomer finishes")
    raid_joins: int = Field(5, ge=2, le=1000, description="Joins within raid_window that switch to one batched welcome")
    raid_window: timedelta = Field(
        timedelta(seconds=60),
        ge=timedelta(seconds=5),
        le=timedelta(hours=1),
        description="Window for counting joins, and how long a batched welcome gathers names",
    )

    def remark(self, key: str) -> str | None:
        """Moderators alerted before (or as) the newcomer is reminded is allowed (a community may want to
        reach out first) but is rarely meant, so setting either duration that way says so."""
        if key not in {"nudge_after", "alert_after"} or self.alert_after > self.nudge_after:
            return None
        when = "before" if self.alert_after < self.nudge_after else "at the same time as"
        return (
            f"Note: moderators will hear about a stuck newcomer after {format_duration(self.alert_after)}, {when} "
            f"the newcomer's reminder (after {format_duration(self.nudge_after)}). If the reminder should come "
            "first, make `nudge_after` shorter than `alert_after`."
        )
