"""Recognition's settings: what kudos and messages are worth, and how often."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field

from cogs.recognition.levels import DEFAULT_TITLES
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
    kudos_pair_cooldown: timedelta = Field(
        timedelta(0),
        ge=timedelta(0),
        le=timedelta(days=30),
        description="Time before a member may thank the same member again (0s: no limit)",
    )
    kudos_min_member_age: timedelta = Field(
        timedelta(0),
        ge=timedelta(0),
        le=timedelta(days=365),
        description="How long a member must have been here before giving kudos (0s: from the start)",
    )
    kudos_emoji: str = Field(
        "🙌", min_length=1, max_length=64, description="Reacting with this emoji gives the message's author kudos"
    )
    reaction_grace: timedelta = Field(
        timedelta(minutes=10),
        ge=timedelta(0),
        le=timedelta(days=1),
        description="Removing a kudos reaction within this time takes the kudos back",
    )
    level_curve: Literal["mee6", "linear"] = Field(
        "mee6", description="How points make levels: mee6 (5n²+50n+100 per level) or linear (level_step each)"
    )
    level_step: int = Field(100, ge=1, le=100_000, description="Points per level on the linear curve")
    value_tags: str = Field(
        "",
        max_length=700,
        description="The community's value tags, written in a kudos reason as #tag (/recognition tags)",
    )
    value_tags_mode: Literal["off", "optional", "required"] = Field(
        "optional", description="Value tags in kudos: off, optional, or required (a kudos must name one)"
    )
    level_up_announce: Literal["channel", "dm", "off"] = Field(
        "channel", description="Announce a level reached: channel (level_up_channel, else where it happened), dm, off"
    )
    level_up_channel: str | None = Field(None, description="Channel for level-up announcements")
    level_roles: str = Field("", max_length=2000, description="Roles levels reward (kept with /levels role)")
    level_roles_stack: bool = Field(
        True, description="Members keep every level role they earned (no: only the highest, the previous removed)"
    )
    level_titles: str = Field(
        DEFAULT_TITLES,
        max_length=1000,
        description="What levels are called where they are not roles (kept with /levels title)",
    )
    rank_card: bool = Field(True, description="/rank answers with a rank card image (off: text only)")
    public_leaderboards: bool = Field(True, description="Members may see /leaderboard (off: moderators only)")


def tag_list(own: RecognitionSettings) -> list[str]:
    return [tag for tag in own.value_tags.replace(",", " ").split() if tag]


TAG_PATTERN = re.compile(r"#([a-z0-9][a-z0-9_-]{0,29})\b", re.IGNORECASE)


def tags_in(reason: str | None, own: RecognitionSettings) -> tuple[str, ...]:
    """The community's value tags a reason names (`#Helpful` is `helpful`), each once, in order; none when
    tags are off."""
    if not reason or own.value_tags_mode == "off":
        return ()
    known = set(tag_list(own))
    return tuple(dict.fromkeys(t.lower() for t in TAG_PATTERN.findall(reason) if t.lower() in known))
