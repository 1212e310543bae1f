"""Neutral identities: what a platform object is, and what our database knows it as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum

# Line breaks typed text may hold (a kudos reason), but a name may not: a line feed and Unicode's line and paragraph
# separators (a carriage return goes with the control characters).
_LINE_BREAKS = re.compile("[\n\u2028\u2029]+")


def shown_name(name: str) -> str:
    """A name as a platform gave it, as Hearth keeps and shows it: without control characters and bidi overrides
    (`bot.core.reply.clean_user_text`), as typed text is. Among control characters are the marks of Hearth's own
    mention tokens: a name holding them (Slack's API takes any text for a display name) closed its mention and
    opened a forged one, `<@U1> <!channel>` pinging a whole channel (until 2026-12-02). A name is one line: its line
    breaks are spaces, or it stood on lines of its own on a board, read as rows Hearth wrote (until 2026-12-02)."""
    if not name or name.isprintable():  # what cleaning strips is never printable: the common case costs nothing
        return name
    from bot.core.reply import clean_user_text  # reply builds on refs

    return _LINE_BREAKS.sub(" ", clean_user_text(name))


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A Discord guild, a Slack workspace (team) or the console."""

    platform: str
    external_id: str
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.name.isprintable():
            object.__setattr__(self, "name", shown_name(self.name))


@dataclass(frozen=True, slots=True)
class MemberRef:
    community: CommunityRef
    external_id: str
    display_name: str = field(default="", compare=False)
    is_bot: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if not self.display_name.isprintable():
            object.__setattr__(self, "display_name", shown_name(self.display_name))


@dataclass(frozen=True, slots=True)
class ChannelRef:
    community: CommunityRef
    external_id: str
    name: str = field(default="", compare=False)
    thread_id: str | None = None

    def __post_init__(self) -> None:
        if not self.name.isprintable():
            object.__setattr__(self, "name", shown_name(self.name))


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


@dataclass(frozen=True)
class MemberIdFormat:
    """What a platform's member ids look like, so that a file of them (`hearth points import`) is checked
    before anything is written: `pattern` must match a whole id; `explained` says it to a person (e.g.
    "a Discord user id is digits (80351110224678912)"); `case_insensitive`: `Alice` and `alice` are one
    member, kept lowercased (the console's names)."""

    pattern: str
    explained: str
    case_insensitive: bool = False

    def read(self, member: str) -> str:
        """The id as Hearth keeps it. Raises ValueError, saying why, when it does not look like one."""
        if not re.fullmatch(self.pattern, member):
            raise ValueError(f"“{member}” is not a member id: {self.explained}")
        return member.lower() if self.case_insensitive else member


ANY_MEMBER_ID = MemberIdFormat(r"\S+", "a member id is one word")
