"""Per-community settings: declared once here with types, defaults and limits; stored per community."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.durations import format_duration, parse_duration


class CommunitySettings(BaseModel):
    """What a community admin can change with `/config set KEY VALUE`."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    kudos_points: int = Field(10, ge=0, le=1000, description="Points a member receives with each kudos")
    kudos_daily_limit: int = Field(5, ge=0, le=100, description="Kudos each member may give per day")
    message_points: int = Field(1, ge=0, le=100, description="Points for a message after the cooldown")
    activity_cooldown: timedelta = Field(
        timedelta(seconds=60),
        ge=timedelta(0),
        le=timedelta(days=1),
        description="Time between two messages that earn points",
    )
    timezone: str = Field("UTC", description="IANA time zone for days, weeks, months and rituals")
    announcement_channel: str | None = Field(None, description="Channel for public announcements")
    # Onboarding and introductions (moderators change these with `/onboarding set`).
    welcome_channel: str | None = Field(None, description="Channel for public welcomes")
    intros_channel: str | None = Field(None, description="Channel where introductions are posted")
    rules_channel: str | None = Field(None, description="Channel with the community's rules, for {rules_channel}")
    mod_channel: str | None = Field(None, description="Channel where moderators hear about stuck newcomers")
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
    intro_points: int = Field(20, ge=0, le=1000, description="Points for a member's first introduction")
    intro_welcome_points: int = Field(2, ge=0, le=100, description="Points for replying in a newcomer's intro thread")
    intro_welcome_daily_cap: int = Field(5, ge=0, le=100, description="Intro-thread welcomes that earn points per day")
    intro_welcome_window: timedelta = Field(
        timedelta(hours=48),
        ge=timedelta(hours=1),
        le=timedelta(days=30),
        description="How long after an introduction replies earn welcome points",
    )
    ritual_grace: timedelta = Field(
        timedelta(hours=1),
        ge=timedelta(0),
        le=timedelta(days=7),
        description="A ritual firing missed while Hearth was down still runs when it is this late at most",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'; use an IANA name such as Europe/Berlin") from None
        return value

    @field_validator(
        "activity_cooldown",
        "nudge_after",
        "alert_after",
        "raid_window",
        "intro_welcome_window",
        "ritual_grace",
        mode="before",
    )
    @classmethod
    def _duration_text(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of `now`'s day in the community's time zone (daily allowances reset then)."""
        return datetime.combine(now.astimezone(self.zone()).date(), time(0), tzinfo=self.zone())


SETTING_KEYS: tuple[str, ...] = tuple(CommunitySettings.model_fields)
CHANNEL_KEYS: tuple[str, ...] = tuple(key for key in SETTING_KEYS if key.endswith("_channel"))
_DURATION_KEYS = frozenset(key for key, info in CommunitySettings.model_fields.items() if info.annotation is timedelta)


class SettingError(ValueError):
    """A polite message for an unknown key or a bad value."""


def validate_setting(key: str, raw: str) -> object:
    """Check one `/config set` value; returns the typed value or raises SettingError."""
    if key not in CommunitySettings.model_fields:
        raise SettingError(f"There is no setting called `{key}`. Settings: {', '.join(SETTING_KEYS)}.")
    value: object = None if key in CHANNEL_KEYS and raw.lower() in {"none", "off", ""} else raw
    try:
        checked = CommunitySettings.model_validate({key: value})
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise SettingError(f"`{raw}` is not a valid value for `{key}`: {reason}.") from None
    return getattr(checked, key)


def encode_setting(key: str, value: object) -> str:
    """The stored text of a typed value (durations as seconds, so they round-trip exactly)."""
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    return "" if value is None else str(value)


def decode_settings(stored: dict[str, str]) -> CommunitySettings:
    """Typed settings from stored rows; unknown keys (from a newer version) are ignored."""
    known: dict[str, Any] = {}
    for key, text in stored.items():
        if key not in CommunitySettings.model_fields:
            continue
        if key in _DURATION_KEYS:
            known[key] = timedelta(seconds=int(text))
        elif key in CHANNEL_KEYS:
            known[key] = text or None
        else:
            known[key] = text
    return CommunitySettings.model_validate(known)


def describe_setting(settings: CommunitySettings, key: str) -> str:
    value = getattr(settings, key)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "not set" if value is None else str(value)
