"""Data rights' settings: how long a departed member's data is kept, and the grace after Hearth is removed."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationInfo, field_validator

from config.community import STORED, Section
from config.durations import format_duration, parse_duration


class PrivacySettings(Section):
    departed_retention: str = Field(
        "30 days",
        description="Time after a member leaves before their data is anonymised (`off` keeps it)",
    )
    removal_grace: timedelta = Field(
        timedelta(days=30),
        ge=timedelta(hours=1),
        le=timedelta(days=365),
        description="Time after Hearth is removed from the community before its data is deleted",
    )

    @field_validator("departed_retention")
    @classmethod
    def _duration_or_off(cls, value: str, info: ValidationInfo) -> str:
        cleaned = value.strip().lower()
        if cleaned == "off":
            return cleaned
        try:
            duration = parse_duration(cleaned)
        except ValueError:
            raise ValueError("a duration like `30d` or `2w`, or `off` to keep departed members' data") from None
        if not duration and info.context is not STORED:
            # `0` is off in any unit, as for every duration setting, and the reply says `off`. Read as no time at
            # all it anonymised every departed member at the next hourly sweep, for good (a tester's finding).
            # A zero stored before stays as it was: whoever set it has seen its effect since.
            return "off"
        return format_duration(duration)  # kept in words, as /config shows every duration

    def retention(self) -> timedelta | None:
        """None: kept for good."""
        return None if self.departed_retention == "off" else parse_duration(self.departed_retention)
