"""Every cog loads, and no two commands, groups or component prefixes collide."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.commands import CommandSpec, Group, Handler, Option, OptionType, check_handler
from bot.core.registry import Registry, RegistryError
from bot.core.reply import Reply
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.core.services import Services
from config.settings import ALL_COGS, load_settings


async def _noop(ctx: object) -> Reply:
    return Reply("ok")


def test_every_cog_loads_without_collisions(hearth: Hearth) -> None:
    assert hearth.registry.loaded == [f"cogs.{name}" for name in ALL_COGS]
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


def _cog(monkeypatch: pytest.MonkeyPatch, name: str, setup: Callable[[Registry, Services], None]) -> str:
    """A cog package importable as `name` (what Registry.load imports)."""
    module = types.ModuleType(name)
    module.setup = setup  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    return name


async def _greet(ctx: object, member: object) -> Reply:
    return Reply("hi")


async def _greet_anything(ctx: object, **options: Any) -> Reply:
    return Reply("hi")


async def _greet_twice(ctx: object, who: object, member: object) -> Reply:
    return Reply("hi")


@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        (_greet, "has no parameter for the option `who`"),
        (_greet_anything, "takes \\*options; name each option as a parameter"),
        (_greet_twice, "has a parameter `member` that is no option"),
    ],
)
def test_a_handler_that_does_not_match_its_options_fails_when_its_cog_loads(
    monkeypatch: pytest.MonkeyPatch, hearth: Hearth, handler: Handler, problem: str
) -> None:
    def setup(registry: Registry, services: Services) -> None:
        registry.command(CommandSpec("greet", "Say hi", handler, (Option("who", OptionType.MEMBER, "Whom"),)))

    name = _cog(monkeypatch, "greeter_cog", setup)
    with pytest.raises(RegistryError, match=f"cog greeter_cog: /greet: the handler .*{problem}"):
        Registry().load([name], hearth.services)


def test_every_shipped_handler_matches_its_options(hearth: Hearth) -> None:
    for spec in hearth.registry.commands.values():
        check_handler(spec)  # what loading checked; a **options handler would fail here


def test_a_group_is_owned_by_one_cog(monkeypatch: pytest.MonkeyPatch, hearth: Hearth) -> None:
    def first(registry: Registry, services: Services) -> None:
        registry.command(Group("tools", "Tools").spec("a", "A", _noop))

    def second(registry: Registry, services: Services) -> None:
        registry.command(Group("tools", "Other tools").spec("b", "B", _noop))

    def borrower(registry: Registry, services: Services) -> None:
        registry.command(Group("tools").spec("c", "C", _noop))

    names = [_cog(monkeypatch, "first_cog", first), _cog(monkeypatch, "second_cog", second)]
    with pytest.raises(RegistryError, match="cog second_cog declares the group /tools, which cog first_cog owns"):
        Registry().load(names, hearth.services)
    registry = Registry()
    registry.load([_cog(monkeypatch, "borrower_cog", borrower), "first_cog"], hearth.services)
    assert registry.commands["tools c"].group_description == "Tools"  # the owner's, whoever loads first
    with pytest.raises(RegistryError, match="cog borrower_cog adds /tools c, but no loaded cog owns the group"):
        Registry().load(["borrower_cog"], hearth.services)


async def test_hearth_cogs_loads_only_the_chosen_features(database_url: str, clock: VirtualClock) -> None:
    settings = load_settings(database_url=database_url, hearth_cogs="recognition")
    runtime = build_hearth(settings, clock, VirtualScheduler(clock))
    try:
        assert runtime.registry.loaded == ["cogs.recognition"]
        assert {
            "kudos",
            "rank",
            "leaderboard",
            "help",
            "points adjust",
            "recognition void",
            "recognition lock",
            "recognition unlock",
            "recognition audit",
            "recognition tags",
            "levels role",
            "levels sync",
            "levels title",
            "season start",
            "recognition report",
        } == set(runtime.registry.commands)
        assert "kudos_points" in runtime.registry.settings.keys()
        assert "ritual_grace" not in runtime.registry.settings.keys()
    finally:
        await runtime.db.dispose()
