"""Every cog's commands fit what Discord accepts: descriptions, group sizes, option names (a choice of more
than 25 values is served by autocomplete there: tests/platforms/test_discord.py)."""

from __future__ import annotations

import re

from bot.core.runtime import Hearth


async def test_commands_fit_discord_limits(hearth: Hearth) -> None:
    registry = hearth.registry
    for spec in registry.commands.values():
        assert 1 <= len(spec.description) <= 100, spec.path
        assert re.fullmatch(r"[a-z0-9_-]{1,32}", spec.name), spec.path
        for option in spec.options:
            assert re.fullmatch(r"[a-z0-9_-]{1,32}", option.name), f"{spec.path} {option.name}"
            assert len(option.description) <= 100, f"{spec.path} {option.name}"
    for group, specs in registry.groups().items():
        assert len(specs) <= 25, group
