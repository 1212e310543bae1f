"""Loads cogs and holds what they declare: commands, event handlers, component and form handlers."""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.commands import CommandSpec, HandlerMismatch, check_handler, declared_commands
from bot.core.events import Event
from config.community import Section, SettingsCatalog

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
StopHook = Callable[[], Awaitable[None]]
CORE = "core"


class RegistryError(RuntimeError):
    """A cog declared something that clashes or cannot work: the same command, prefix, group or setting
    twice, or a handler whose parameters do not match its options. Raised while the cog loads."""


class Registry:
    def __init__(self, settings: SettingsCatalog | None = None) -> None:
        # Every declared settings section; the runtime's settings store reads and writes through it.
        self.settings = settings or SettingsCatalog()
        self.commands: dict[str, CommandSpec] = {}
        # Which cog declared each command, and which owns each group (gives its description).
        self.command_owners: dict[str, str] = {}
        self.group_owners: dict[str, str] = {}
        self.handlers: dict[type[Event], list[EventHandler]] = defaultdict(list)
        self.components: dict[str, ComponentHandler] = {}
        self.forms: dict[str, FormHandler] = {}
        self.homes: list[HomeHandler] = []
        self.start_hooks: list[StartHook] = []
        self.stop_hooks: list[StopHook] = []
        self.loaded: list[str] = []
        self._loading = CORE
        self._member_data: dict[str, MemberData] = {}

    def command(self, spec: CommandSpec) -> None:
        cog = self._loading
        if spec.path in self.commands:
            raise RegistryError(f"the command /{spec.path} is declared twice")
        top_level = {s.name for s in self.commands.values() if s.group is None}
        groups = {s.group for s in self.commands.values() if s.group}
        if (spec.group is None and spec.name in groups) or (spec.group and spec.group in top_level):
            raise RegistryError(f"/{spec.group or spec.name} is both a command and a group")
        try:
            check_handler(spec)
        except HandlerMismatch as error:
            raise RegistryError(f"cog {cog}: {error}") from None
        if spec.group and spec.group_description:
            owner = self.group_owners.setdefault(spec.group, cog)
            if owner != cog:
                raise RegistryError(f"cog {cog} declares the group /{spec.group}, which cog {owner} owns")
        self.commands[spec.path] = spec
        self.command_owners[spec.path] = cog

    def commands_of(self, feature: object) -> None:
        """Register every command declared on the feature's methods (`@command`, `@group.command`)."""
        for spec in declared_commands(feature):
            self.command(spec)

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

    def on_stop(self, hook: StopHook) -> None:
        """Run `hook` when Hearth stops, before the scheduler and the database close (e.g. to drop jobs)."""
        self.stop_hooks.append(hook)

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
        """Import each cog package, declare every cog's settings section (its `SETTINGS`, so each cog's
        commands can offer every key), then call each `setup(registry, services)`."""
        modules = [(name, importlib.import_module(name)) for name in module_names]
        for name, module in modules:
            section: type[Section] | None = getattr(module, "SETTINGS", None)
            if section is not None:
                try:
                    self.settings.add(section)
                except ValueError as error:
                    raise RegistryError(f"cog {name}: {error}") from None
        for name, module in modules:
            self._loading = name
            try:
                module.setup(self, services)
            finally:
                self._loading = CORE
            self.loaded.append(name)
        self._finish_groups()

    def _finish_groups(self) -> None:
        """Every verb of a group carries its owner's description (platforms show it for the group)."""
        for path, spec in list(self.commands.items()):
            if not spec.group:
                continue
            owner = self.group_owners.get(spec.group)
            if owner is None:
                raise RegistryError(
                    f"cog {self.command_owners[path]} adds /{path}, but no loaded cog owns the group /{spec.group}"
                )
            description = next(
                s.group_description
                for p, s in self.commands.items()
                if s.group == spec.group and self.command_owners[p] == owner and s.group_description
            )
            self.commands[path] = replace(spec, group_description=description)
