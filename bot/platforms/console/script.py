"""The console script format, parsed into actions (see README, "Console scripts").

@alice: TEXT                    alice speaks in #general (TEXT starting with / is a command)
@alice in #ideas: TEXT          ... in another channel
@alice in #intros thread: TEXT  ... in the latest thread Hearth started in #intros
@alice in thread of @bob: TEXT  ... in the latest thread Hearth started on a message mentioning bob
@bob replies to @alice: TEXT    bob answers alice's latest message (in its channel)
@alice closes dms | opens dms   direct messages to alice fail (or work again)
bot cannot grant &role | #chan  granting that role / adding to that channel is refused (`bot can grant` undoes)
@alice joins | @alice leaves
@alice joined 2025-03-04        alice was there before Hearth, since that day (her true join date)
hearth is removed | added       Hearth is removed from (or added back to) the community
@alice reacts EMOJI to @bob     on bob's latest message
@alice removes EMOJI from @bob  takes that reaction back from bob's latest message
@alice deletes last message     deletes her latest message (`... of @bob`: bob's, as a moderator would)
@alice is admin | moderator | member
@alice clicks "LABEL"           the button on the latest bot message with buttons she can see, since her last command
@alice picks "A", "B"           options in the latest select menu she can see, since her last command
@alice submits f=v; f=v         answers the form just opened for her
channel #news is read-only      Hearth may not post in #news
wait 90s | 3h | 2d | 1w         advances the virtual clock, running whatever became due (a unit is needed)
replay                          the last command delivered again, with its delivery id (a platform's redelivery)
# comment, blank lines          ignored
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from bot.platforms.console import NAME, ScriptError
from config.durations import parse_duration


@dataclass(frozen=True)
class Say:
    member: str
    channel: str
    text: str


@dataclass(frozen=True)
class SayInThread:
    """In the latest bot thread of `channel`, or (with `about`) on a message mentioning that member."""

    member: str
    text: str
    channel: str | None = None
    about: str | None = None


@dataclass(frozen=True)
class ReplyTo:
    """A reply to `target`'s latest message, in that message's channel (a Discord reply, a Slack thread reply)."""

    member: str
    target: str
    text: str


@dataclass(frozen=True)
class SetDms:
    member: str
    open: bool


@dataclass(frozen=True)
class SetGrantable:
    target: str  # "&role" or "#channel"
    allowed: bool


@dataclass(frozen=True)
class Join:
    member: str


@dataclass(frozen=True)
class Leave:
    member: str


@dataclass(frozen=True)
class JoinedBefore:
    member: str
    since: datetime


@dataclass(frozen=True)
class Removed:
    removed: bool


@dataclass(frozen=True)
class React:
    member: str
    emoji: str
    target: str


@dataclass(frozen=True)
class Unreact:
    member: str
    emoji: str
    target: str


@dataclass(frozen=True)
class Delete:
    member: str
    author: str  # whose latest message goes


@dataclass(frozen=True)
class SetLevel:
    member: str
    level: str


@dataclass(frozen=True)
class Click:
    member: str
    label: str


@dataclass(frozen=True)
class Pick:
    member: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Submit:
    member: str
    values: dict[str, str]


@dataclass(frozen=True)
class Wait:
    duration: timedelta


@dataclass(frozen=True)
class ReadOnly:
    channel: str


@dataclass(frozen=True)
class Replay:
    """The last command, delivered again under the same delivery id: what a platform's retry looks like."""


Action = (
    Say
    | SayInThread
    | ReplyTo
    | SetDms
    | SetGrantable
    | Join
    | Leave
    | JoinedBefore
    | Removed
    | React
    | Unreact
    | Delete
    | SetLevel
    | Click
    | Pick
    | Submit
    | Wait
    | ReadOnly
    | Replay
)

_SAY = re.compile(rf"^@({NAME})(?:\s+in\s+#({NAME}))?\s*:\s?(.*)$")
_THREAD = re.compile(rf"^@({NAME})\s+in\s+(?:#({NAME})\s+thread|thread\s+of\s+@({NAME}))\s*:\s?(.*)$")
_REPLY = re.compile(rf"^@({NAME})\s+replies\s+to\s+@({NAME})\s*:\s?(.*)$")
_DMS = re.compile(rf"^@({NAME})\s+(closes|opens)\s+dms$")
_GRANT = re.compile(rf"^bot\s+(can|cannot)\s+grant\s+([&#]{NAME})$")
_JOIN = re.compile(rf"^@({NAME})\s+(joins|leaves)$")
_JOINED = re.compile(rf"^@({NAME})\s+joined\s+(\S+)$")
_REMOVED = re.compile(r"^hearth\s+is\s+(removed|added)$")
_REACT = re.compile(rf"^@({NAME})\s+reacts\s+(\S+)\s+to\s+@({NAME})$")
_UNREACT = re.compile(rf"^@({NAME})\s+removes\s+(\S+)\s+from\s+@({NAME})$")
_DELETE = re.compile(rf"^@({NAME})\s+deletes\s+last\s+message(?:\s+of\s+@({NAME}))?$")
_LEVEL = re.compile(rf"^@({NAME})\s+is\s+(admin|moderator|member)$")
_CLICK = re.compile(rf'^@({NAME})\s+clicks\s+"([^"]+)"$')
_PICK = re.compile(rf'^@({NAME})\s+picks\s+("[^"]+"(?:\s*,\s*"[^"]+")*)$')
_SUBMIT = re.compile(rf"^@({NAME})\s+submits\s+(.+)$")
_WAIT = re.compile(r"^wait\s+(.+)$")
_READ_ONLY = re.compile(rf"^channel\s+#({NAME})\s+is\s+read-only$")


WAIT_UNITS = (
    "a wait needs a unit: s, m, h, d or w (seconds, minutes, hours, days, weeks), like 90s, 15m, 3h, 2d, 1w "
    "or 1 hour 30 min"
)
# Fields of actions that name a member: names are case-insensitive, one person however capitalised.
_MEMBER_FIELDS = ("member", "target", "author", "about")


# Script lines that name no speaker: typed at the interactive prompt they are these, never something @you says.
_UNSPOKEN = (_WAIT, _GRANT, _READ_ONLY, _REMOVED, re.compile(r"^replay$"))


def names_no_speaker(line: str) -> bool:
    """A script line that is no one's words (`wait 2d`, `replay`, `hearth is removed`, `bot cannot grant &vip`,
    `channel #news is read-only`): the interactive console reads it as that line, where other plain text is
    something @you says."""
    text = line.strip()
    return any(pattern.match(text) for pattern in _UNSPOKEN)


def member_name(name: str) -> str:
    """A console member's name as Hearth keeps it: `@Alice` and `@alice` are one member, `alice`."""
    return name.lower()


# `@everyone`, `@here` and `@channel` mention everyone there (as on Discord and Slack), never one member.
GROUP_MENTIONS = frozenset({"everyone", "here", "channel"})


def parse_line(line: str, line_number: int = 0) -> Action | None:
    """One action (its member names lowercased, see `member_name`), or None for a comment or blank line.
    Raises ScriptError naming the line."""
    action = _parse_line(line, line_number)
    if action is None:
        return None
    names = {
        field: member_name(value) for field in _MEMBER_FIELDS if isinstance(value := getattr(action, field, None), str)
    }
    if groups := sorted(name for name in names.values() if name in GROUP_MENTIONS):
        why = f"@{groups[0]} mentions a group, not a member: no one speaks or acts as it"
        raise ScriptError(line_number, line, why)
    # Every action is a dataclass; which of them name whom varies, so mypy cannot follow the union here.
    return cast(Action, replace(cast(Any, action), **names)) if names else action


def _parse_line(line: str, line_number: int) -> Action | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text == "replay":
        return Replay()
    if match := _WAIT.match(text):
        if match.group(1).strip().isdecimal():  # seconds, days? A script says which.
            raise ScriptError(line_number, line, WAIT_UNITS)
        try:
            return Wait(parse_duration(match.group(1)))
        except ValueError as error:
            raise ScriptError(line_number, line, str(error)) from None
    if match := _THREAD.match(text):
        return SayInThread(match.group(1), match.group(4), match.group(2), match.group(3))
    if match := _REPLY.match(text):
        return ReplyTo(match.group(1), match.group(2), match.group(3))
    if match := _DMS.match(text):
        return SetDms(match.group(1), match.group(2) == "opens")
    if match := _GRANT.match(text):
        return SetGrantable(match.group(2), match.group(1) == "can")
    if match := _READ_ONLY.match(text):
        return ReadOnly(match.group(1))
    if match := _JOIN.match(text):
        return Join(match.group(1)) if match.group(2) == "joins" else Leave(match.group(1))
    if match := _JOINED.match(text):
        try:
            day = date.fromisoformat(match.group(2))
        except ValueError:
            raise ScriptError(line_number, line, "a join date looks like 2025-03-04") from None
        # A date, not a moment: midnight UTC stands for "that day" and the celebration reads it back as the
        # date itself in every time zone (cogs/rituals/kinds/celebration.py `join_day`).
        return JoinedBefore(match.group(1), datetime(day.year, day.month, day.day, tzinfo=UTC))
    if match := _REMOVED.match(text):
        return Removed(match.group(1) == "removed")
    if match := _REACT.match(text):
        return React(match.group(1), match.group(2), match.group(3))
    if match := _UNREACT.match(text):
        return Unreact(match.group(1), match.group(2), match.group(3))
    if match := _DELETE.match(text):
        return Delete(match.group(1), match.group(2) or match.group(1))
    if match := _LEVEL.match(text):
        return SetLevel(match.group(1), match.group(2))
    if match := _CLICK.match(text):
        return Click(match.group(1), match.group(2))
    if match := _PICK.match(text):
        return Pick(match.group(1), tuple(re.findall(r'"([^"]+)"', match.group(2))))
    if match := _SUBMIT.match(text):
        values: dict[str, str] = {}
        for part in match.group(2).split(";"):
            if not part.strip():
                continue
            field, sep, value = part.partition("=")
            if not sep or not field.strip():
                raise ScriptError(line_number, line, "a form answer must look like field=value")
            values[field.strip()] = value.strip()
        return Submit(match.group(1), values)
    if match := _SAY.match(text):
        return Say(match.group(1), match.group(2) or "general", match.group(3))
    if text.startswith("/"):
        # Typed at the console's prompt a command needs no speaker; in a script (or piped in) it does.
        raise ScriptError(
            line_number, line, f"I can't read this line (a script names who runs a command: `@you: {text}`)"
        )
    raise ScriptError(line_number, line, "I can't read this line")
