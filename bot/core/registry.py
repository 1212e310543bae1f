"""Loads cogs and holds what they declare: commands, event handlers, component and form handlers."""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.commands import CommandSpec
from bot.core.events import Event

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.member_data import MemberData
    from bot.core.reply import Reply
    from bot.core.services import Services

E = TypeVar("E", bound=Event)
EventHandler = Callable[[Any], Awaitable[None]]
# A click or a form: (ctx, the action/form id after the prefix, values) -> a reply for that person.
ComponentHandler = Callable[["Context", str, tuple[str, ...]], Awaitable["Reply | None"]]
FormHandler = Callable[["Context", str, dict[str, str]], Awaitable["Reply | None"]]
# What a cog shows a member on their personal page (Slack App Home); None when it has nothing to show.
HomeHandler = Callable[["Context"], Awaitable["Reply | None"]]
StartHook = Callable[[], Awaitable[None]]


class RegistryError(RuntimeError):
    """Two cogs declared the same command, component prefix or form prefix."""


class Registry:
    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self.handlers: dict[type[Event], list[EventHandler]] = defaultdict(list)
        self.components: dict[str, ComponentHandler] = {}
        self.forms: dict[str, FormHandler] = {}
        self.homes: list[HomeHandler] = []
        self.start_hooks: list[StartHook] = []
        self.loaded: list[str] = []
        self._member_data: dict[str, MemberData] = {}

    def command(self, spec: CommandSpec) -> None:
        if spec.path in self.commands:
            raise RegistryError(f"the command /{spec.path} is declared twice")
        top_level = {s.name for s in self.commands.values() if s.group is None}
        groups = {s.group for s in self.commands.values() if s.group}
        if (spec.group is None and spec.name in groups) or (spec.group and spec.group in top_level):
            raise RegistryError(f"/{spec.group or spec.name} is both a command and a group")
        self.commands[spec.path] = spec

    def on(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self.handlers[event_type].append(handler)

    def component(self, prefix: str, handler: ComponentHandler) -> None:
        """Clicks and selects whose action id starts with `prefix:` go to `handler`."""
        if prefix in self.components:
            raise RegistryError(f"the component prefix {prefix!r} is declared twice")
        self.components[prefix] = handler

    def form(self, prefix: str, handler: FormHandler) -> None:
        if prefix in self.forms:
            raise RegistryError(f"the form prefix {prefix!r} is declared twice")
        self.forms[prefix] = handler

    def home(self, handler: HomeHandler) -> None:
        """Contribute a section to a member's personal page (Slack App Home tab)."""
        self.homes.append(handler)

    def on_start(self, hook: StartHook) -> None:
        """Run `hook` when Hearth starts, after migrations and with the platform attached (e.g. to
        rebuild scheduled jobs from the database and catch up on what was missed while down)."""
        self.start_hooks.append(hook)

    def member_data(self, cog: str, hooks: MemberData) -> None:
        """How cog `cog` (its package name) exports and deletes one member's data (bot/core/member_data.py)."""
        if cog in self._member_data:
            raise RegistryError(f"{cog} declares its member-data hooks twice")
        self._member_data[cog] = hooks

    def member_data_hooks(self) -> dict[str, MemberData | None]:
        """Every loaded cog's hooks; None for a cog that declared none (unhandled: export and delete refuse)."""
        return {cog: self._member_data.get(cog) for cog in self.loaded}

    def groups(self) -> dict[str, list[CommandSpec]]:
        grouped: dict[str, list[CommandSpec]] = defaultdict(list)
        for spec in self.commands.values():
            if spec.group:
                grouped[spec.group].append(spec)
        return dict(grouped)

    def load(self, module_names: Iterable[str], services: Services) -> None:
        """Import each cog package and call its `setup(registry, services)`."""
        for name in module_names:
            module = importlib.import_module(name)
            module.setup(self, services)
            self.loaded.append(name)
