"""Every cog loads, and no two commands, groups or component prefixes collide."""

from __future__ import annotations

import pytest

from bot.core.commands import CommandSpec
from bot.core.registry import Registry, RegistryError
from bot.core.reply import Reply
from bot.core.runtime import ALL_COGS, Hearth


async def _noop(ctx: object) -> Reply:
    return Reply("ok")


def test_every_cog_loads_without_collisions(hearth: Hearth) -> None:
    assert hearth.registry.loaded == list(ALL_COGS)
    paths = list(hearth.registry.commands)
    assert len(paths) == len(set(paths))
    assert {"kudos", "leaderboard", "rank", "help", "config show", "config set"} <= set(paths)
    top_level = {spec.name for spec in hearth.registry.commands.values() if spec.group is None}
    assert not top_level & set(hearth.registry.groups())
    for specs in hearth.registry.groups().values():
        assert len(specs) <= 25  # Discord's limit of subcommands in a group


def test_duplicate_command_is_refused() -> None:
    registry = Registry()
    registry.command(CommandSpec("kudos", "one", _noop))
    with pytest.raises(RegistryError, match="/kudos is declared twice"):
        registry.command(CommandSpec("kudos", "two", _noop))


def test_a_name_cannot_be_both_command_and_group() -> None:
    registry = Registry()
    registry.command(CommandSpec("set", "x", _noop, group="config"))
    with pytest.raises(RegistryError, match="both a command and a group"):
        registry.command(CommandSpec("config", "y", _noop))
