"""Command specs: declared once by a cog, turned into native commands by each platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.core.refs import Permission

if TYPE_CHECKING:
    from bot.core.reply import Reply


class OptionType(StrEnum):
    MEMBER = "member"
    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"
    CHANNEL = "channel"
    ROLE = "role"
    DURATION = "duration"
    TIMEZONE = "timezone"


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    default: Any = None


Handler = Callable[..., Awaitable["Reply"]]


@dataclass(frozen=True)
class CommandSpec:
    """`/group name` when `group` is set (a family of verbs), else top-level `/name`."""

    name: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    permission: Permission = Permission.MEMBER
    group: str | None = None
    group_description: str = ""
    slow: bool = field(default=False)

    @property
    def path(self) -> str:
        return f"{self.group} {self.name}" if self.group else self.name

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)
