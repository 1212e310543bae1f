"""Command specs: declared once by a cog, turned into native commands by each platform."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

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
    # What a refused value of a choice is not, when the option's name is no noun for it (`boards`): "`maybe` is
    # not a choice for boards; use show or hide." None: the name (`period`, `category`).
    noun: str | None = None
    # A text with a grammar of its own (a ritual's schedule): whether a value reads. Given by position and unquoted,
    # the text takes the words after it as long as they make it read (`daily at 09:00`, not `daily` and a prompt
    # `at 09:00`). None: any text.
    reads: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)


Handler = Callable[..., Awaitable["Reply"]]
H = TypeVar("H", bound=Handler)
_DECLARED = "__hearth_command__"


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
    # Changes nothing (a list, a lookup): a replayed request may simply run again. Every other command
    # is claimed by its invocation id before it runs, so a replay changes nothing (bot/core/claims.py).
    read_only: bool = field(default=False)
    # A line to show as the usage example when the required options alone make none that works
    # (`/config set timezone` lacks the value each key needs); None: built from the options.
    example: str | None = field(default=None)

    @property
    def path(self) -> str:
        return f"{self.group} {self.name}" if self.group else self.name

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)


class HandlerMismatch(TypeError):
    """A handler's parameters do not name its command's options (checked when the cog loads)."""


def check_handler(spec: CommandSpec) -> None:
    """The handler takes `ctx` and then exactly one parameter per option, by name: a renamed option or
    parameter fails here, at load time, not in front of a member."""
    where = f"/{spec.path}: the handler {getattr(spec.handler, '__qualname__', spec.handler)!s}"
    params = list(inspect.signature(spec.handler).parameters.values())
    variadic = [p.name for p in params if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    if variadic:
        raise HandlerMismatch(f"{where} takes *{variadic[0]}; name each option as a parameter")
    if not params:
        raise HandlerMismatch(f"{where} takes no context parameter")
    named = [p.name for p in params[1:]]
    options = [option.name for option in spec.options]
    for option in options:
        if option not in named:
            raise HandlerMismatch(f"{where} has no parameter for the option `{option}`")
    for name in named:
        if name not in options:
            raise HandlerMismatch(f"{where} has a parameter `{name}` that is no option")


def _declare(spec: CommandSpec) -> Callable[[H], H]:
    def mark(handler: H) -> H:
        setattr(handler, _DECLARED, spec)
        return handler

    return mark


async def _unbound(*_: Any) -> Reply:  # the placeholder until a method is bound to its feature
    raise NotImplementedError


def command(
    name: str,
    description: str,
    *options: Option,
    permission: Permission = Permission.MEMBER,
    slow: bool = False,
    read_only: bool = False,
    example: str | None = None,
) -> Callable[[H], H]:
    """Declare a top-level command on the handler method itself: `@command("kudos", "Thank a member", ...)`."""
    return _declare(
        CommandSpec(name, description, _unbound, options, permission, slow=slow, read_only=read_only, example=example)
    )


@dataclass(frozen=True)
class Group:
    """A family of verbs, `/group verb`. The owning cog gives the description; another cog that adds
    a verb to it (introductions' `/onboarding intro-field`) declares `Group(name)` without one."""

    name: str
    description: str = ""

    def command(
        self,
        name: str,
        description: str,
        *options: Option,
        permission: Permission = Permission.MEMBER,
        slow: bool = False,
        read_only: bool = False,
        example: str | None = None,
    ) -> Callable[[H], H]:
        return _declare(
            self.spec(
                name,
                description,
                _unbound,
                *options,
                permission=permission,
                slow=slow,
                read_only=read_only,
                example=example,
            )
        )

    def spec(
        self,
        name: str,
        description: str,
        handler: Handler,
        *options: Option,
        permission: Permission = Permission.MEMBER,
        slow: bool = False,
        read_only: bool = False,
        example: str | None = None,
    ) -> CommandSpec:
        """A verb built at setup, for options known only then (`/config set` offers every loaded key)."""
        return CommandSpec(
            name, description, handler, options, permission, self.name, self.description, slow, read_only, example
        )


def declared_commands(feature: object) -> list[CommandSpec]:
    """The commands declared with `@command` / `@group.command` on a feature's methods, in the order
    they are written (base classes first), each bound to the feature."""
    specs: dict[str, CommandSpec] = {}
    for cls in reversed(type(feature).__mro__):
        for attribute, value in vars(cls).items():
            spec = getattr(value, _DECLARED, None)
            if isinstance(spec, CommandSpec):
                specs[attribute] = replace(spec, handler=getattr(feature, attribute))
    return list(specs.values())
