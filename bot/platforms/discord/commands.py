"""Native slash commands generated from the neutral CommandSpecs.

discord.py builds a command's options from its callback's signature, so each spec gets a generated
callback whose parameters carry the annotation of the option type (ranges, lengths and choices
included). `default_member_permissions` only hides commands by default (server admins may change
it): the level is still computed from the invoker's permissions and checked by the core.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, cast

import discord
from discord import app_commands

from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.refs import Permission

Runner = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
Completer = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group

# A community is a server: Hearth's commands are not offered in DMs.
GUILDS_ONLY = app_commands.AppCommandContext(guild=True)
# Discord takes at most 25 fixed choices (and shows at most 25 suggestions): a longer list is offered
# by autocomplete instead, and the core still refuses a typed value that is not one of them.
MAX_CHOICES = 25
_DEFAULT_PERMISSIONS = {
    Permission.MEMBER: None,
    Permission.MODERATOR: discord.Permissions(manage_messages=True),
    Permission.ADMIN: discord.Permissions(manage_guild=True),
}


def annotation(option: Option) -> Any:
    kind = option.type
    if kind is OptionType.MEMBER:
        return discord.Member | discord.User
    if kind is OptionType.CHANNEL:
        return app_commands.AppCommandChannel | app_commands.AppCommandThread
    if kind is OptionType.ROLE:
        return discord.Role
    if kind is OptionType.INTEGER:
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    if kind is OptionType.TEXT and option.max_length is not None:
        return app_commands.Range[str, None, option.max_length]
    return str  # CHOICE gets its choices below; DURATION and TIMEZONE are parsed by the core


def _callback(spec: CommandSpec, run: Runner) -> Callable[..., Awaitable[None]]:
    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await run(interaction, spec, options)

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("interaction", kind, annotation=discord.Interaction)]
    parameters += [
        inspect.Parameter(
            option.name,
            kind,
            annotation=annotation(option),
            default=inspect.Parameter.empty if option.required else None,
        )
        for option in sorted(spec.options, key=lambda o: not o.required)
    ]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = spec.path.replace(" ", "_")
    if spec.options:
        app_commands.describe(**{o.name: o.description[:100] for o in spec.options})(callback)
    choice_options = [o for o in spec.options if o.type is OptionType.CHOICE and o.choices]
    fixed = {o.name: _choices(o.choices) for o in choice_options if len(o.choices) <= MAX_CHOICES}
    completed = {o.name: _completer(o.choices) for o in choice_options if len(o.choices) > MAX_CHOICES}
    if fixed:
        app_commands.choices(**fixed)(callback)
    if completed:
        app_commands.autocomplete(**completed)(callback)
    return callback


def _choices(values: Iterable[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=value, value=value) for value in values]


def _completer(values: tuple[str, ...]) -> Completer:
    async def complete(interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[str]]:
        """The values containing what was typed, those starting with it first, in declared order. What was typed
        comes as Discord's client sends it: a string, though discord.py does not check (a number read as typed)."""
        wanted = str(typed).strip().lower()
        fitting = [value for value in values if wanted in value.lower()]
        fitting.sort(key=lambda value: not value.lower().startswith(wanted))
        return _choices(fitting[:MAX_CHOICES])

    return complete


def _command(spec: CommandSpec, run: Runner, contexts: app_commands.AppCommandContext | None = None) -> Any:
    return app_commands.Command(
        name=spec.name,
        description=spec.description[:100],
        callback=cast(Any, _callback(spec, run)),
        allowed_contexts=contexts,
    )


def build_app_commands(specs: Iterable[CommandSpec], run: Runner) -> list[AppCommand]:
    """Top-level commands for specs without a group, one Group per `spec.group` for the rest."""
    built: list[AppCommand] = []
    groups: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        if spec.group:
            groups.setdefault(spec.group, []).append(spec)
            continue
        command = _command(spec, run, GUILDS_ONLY)
        command.default_permissions = _DEFAULT_PERMISSIONS[spec.permission]
        built.append(command)
    for name, members in groups.items():
        # Discord sets permissions per top-level command: the group shows to the least privileged verb.
        group = app_commands.Group(
            name=name,
            description=(members[0].group_description or name)[:100],
            default_permissions=_DEFAULT_PERMISSIONS[min(spec.permission for spec in members)],
            allowed_contexts=GUILDS_ONLY,
        )
        for spec in members:
            group.add_command(_command(spec, run))
        built.append(group)
    return built
