"""Neutral identities: what a platform object is, and what our database knows it as."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A Discord guild, a Slack workspace (team) or the console."""

    platform: str
    external_id: str
    name: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class MemberRef:
    community: CommunityRef
    external_id: str
    display_name: str = field(default="", compare=False)
    is_bot: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    community: CommunityRef
    external_id: str
    name: str = field(default="", compare=False)
    thread_id: str | None = None


@dataclass(frozen=True)
class RoleRef:
    community: CommunityRef
    external_id: str
    name: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Member:
    """A member as our database knows them: our integer ids plus the platform ref."""

    id: int
    community_id: int
    ref: MemberRef

    @property
    def name(self) -> str:
        return self.ref.display_name or self.ref.external_id

    @property
    def is_bot(self) -> bool:
        return self.ref.is_bot


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    ref: CommunityRef


class Permission(IntEnum):
    """Who may run a command. Checked in the core whatever the platform says."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return {0: "member", 1: "moderator", 2: "admin"}[self.value]
