"""Community health's settings (`/config set KEY VALUE`)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from config.community import Section

DEFAULT_LADDER_ROLES = "mentor,welcomer,host,leader"


class HealthSettings(Section):
    health_sentiment: bool = Field(
        False,
        description="Score messages' mood in memory and keep per-channel daily counts (switch off to delete them)",
    )
    unanswered_after: timedelta = Field(
        timedelta(hours=4),
        ge=timedelta(0),
        le=timedelta(days=14),
        description="Tell mod_channel once when a newcomer's first post has no reply after this long (0s: never)",
    )
    health_digest: bool = Field(
        False, description="Post the week's health figures to mod_channel on Mondays at 09:00 (community time)"
    )
    ladder_roles: str = Field(
        DEFAULT_LADDER_ROLES,
        max_length=300,
        description="Roles members can be invited to or volunteer for, comma-separated (special projects too)",
    )
    ladder_days: int = Field(20, ge=1, le=56, description="Distinct active days in 8 weeks a ladder candidate needs")
    ladder_thanks: int = Field(3, ge=0, le=100, description="Distinct members who thanked a ladder candidate")

    @field_validator("ladder_roles")
    @classmethod
    def _role_names(cls, value: str) -> str:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        if not names or any(not name.replace("-", "").replace("_", "").isalnum() or len(name) > 40 for name in names):
            raise ValueError("give role names separated by commas, e.g. mentor,welcomer,docs-project")
        return ",".join(dict.fromkeys(names))

    def roles(self) -> tuple[str, ...]:
        return tuple(self.ladder_roles.split(","))
