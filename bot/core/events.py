"""Neutral events. Adapters create them from native payloads; cogs subscribe to their types.

`event_id` is the platform's delivery id (Discord message/interaction id, Slack event_id): it is the
idempotency key for anything an event awards, so a redelivered event awards nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.refs import ChannelRef, CommunityRef, MemberRef


@dataclass(frozen=True)
class Event:
    event_id: str


@dataclass(frozen=True)
class MemberJoined(Event):
    """`joined_at`: when the platform says they joined (None: now, as Hearth witnessed it). Anniversaries count
    from it."""

    member: MemberRef
    joined_at: datetime | None = None


@dataclass(frozen=True)
class MemberLeft(Event):
    member: MemberRef


@dataclass(frozen=True)
class MembersPresent(Event):
    """Members the platform lists as already there, with when each joined (Discord's GUILD_CREATE members,
    a console `joined` line): their true join dates, for members who were there before Hearth; one Hearth last saw
    leave came back unseen, and the runtime handles them as joining."""

    members: tuple[tuple[MemberRef, datetime], ...]
    # The community whose whole member list `members` is (Discord, once a guild's list is loaded in full), else None:
    # then a member Hearth counts as there and the list leaves out left while Hearth was not listening.
    everyone_in: CommunityRef | None = None


@dataclass(frozen=True)
class CommunityRemoved(Event):
    """Hearth was removed from the community (Discord: kicked from the guild or the guild deleted, never an
    outage's unavailable guild; Slack: `app_uninstalled`, `tokens_revoked`). Its data goes after a grace period."""

    community: CommunityRef


@dataclass(frozen=True)
class CommunitiesListed(Event):
    """Every community the platform says Hearth is in (Discord's READY, outage-unavailable servers included): one it
    knows on that platform and this leaves out removed Hearth while it was not connected."""

    platform: str
    communities: tuple[CommunityRef, ...]


@dataclass(frozen=True)
class CommunityAdded(Event):
    """Hearth is (again) in the community: a pending deletion of its data is cancelled."""

    community: CommunityRef


@dataclass(frozen=True)
class MessagePosted(Event):
    """A message. Its text stays in memory: only its shape (length, mentions) reaches the ledger."""

    author: MemberRef
    channel: ChannelRef
    message_id: str
    text: str = field(default="", repr=False)
    thread_id: str | None = None
    mentions: tuple[MemberRef, ...] = ()
    # The author of the message this one answers, and that message's id, when the platform says (a Discord
    # reply or a message in a thread started on one, a Slack thread reply, the console's reply line).
    reply_to: MemberRef | None = None
    reply_to_message_id: str | None = None

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def has_mention(self) -> bool:
        return bool(self.mentions)


@dataclass(frozen=True)
class MessageDeleted(Event):
    """A message was deleted (by its author or a moderator); `author` when the platform says whose it was."""

    channel: ChannelRef
    message_id: str
    author: MemberRef | None = None


@dataclass(frozen=True)
class ReactionAdded(Event):
    member: MemberRef
    channel: ChannelRef
    message_id: str
    emoji: str
    message_author: MemberRef | None = None


@dataclass(frozen=True)
class ReactionRemoved(Event):
    member: MemberRef
    channel: ChannelRef
    message_id: str
    emoji: str
    message_author: MemberRef | None = None


@dataclass(frozen=True)
class ComponentClicked(Event):
    """A button press or a select choice; `action_id` routes it to the cog that made the component."""

    member: MemberRef
    channel: ChannelRef | None
    action_id: str
    values: tuple[str, ...] = ()
    message_id: str | None = None


# A number Hearth writes into a component id (a row id, a page, a time in seconds): ASCII digits, no more than a
# 64-bit column holds. `str.isdigit()` also takes `²`, which `int()` refuses, and 5,000 digits, which it refuses too.
_ID_NUMBER = re.compile(r"[0-9]{1,18}")


def id_number(text: str) -> int | None:
    """The number in a part of a component id (`12` of `ladder:accept:12`), or None when it is none Hearth wrote:
    the click comes from a button of another version, or from a client that sent what it liked."""
    return int(text) if _ID_NUMBER.fullmatch(text) else None


@dataclass(frozen=True)
class FormSubmitted(Event):
    member: MemberRef
    channel: ChannelRef | None
    form_id: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Contributed(Event):
    """A cog recorded a contribution other cogs may build on (an introduction completes an onboarding step).

    Cogs publish it with `services.publish`; `event_id` is the ledger row's idempotency key.
    """

    member: MemberRef
    kind: str


@dataclass(frozen=True)
class PointsRecorded(Event):
    """Points a cog recorded in a transaction of its own (a ritual's participation, an onboarding step, an
    introduction, a welcome), published once it committed (`Services.points_recorded`): recognition checks the
    member's level from it (the announcement, the level's roles), as it does for kudos and message activity.

    `points`: what was recorded for the member now, in total (negative: taken back); `channel`: where it was
    earned, when it was in one (the level-up is announced there unless `level_up_channel` says otherwise).
    `event_id` is the first recorded row's idempotency key."""

    community_id: int
    member_id: int
    points: int
    channel: str | None = None
