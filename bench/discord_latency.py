"""Added latency of the Discord adapter for /kudos, on loopback against the tests' fake Discord.

For each of N commands (default 1,000, one at a time): from the moment the fake gateway has sent
INTERACTION_CREATE to the moment the interaction callback request reaches the fake REST server. The
core's share (Hearth.context + Hearth.run_command: identity, the kudos transaction on SQLite) is
timed too; the rest is discord.py parsing plus Hearth's adapter (refs, rendering, the HTTP request).

    .venv/bin/python -m bench.discord_latency [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.discord import build_discord_bot, start_discord
from bot.platforms.discord.refs import PLATFORM
from bot.platforms.discord.settings import DiscordSettings
from config.settings import load_settings
from tests.platforms import discord_payloads as p
from tests.platforms.fake_discord import FakeDiscord

GIVERS = 20  # kudos_daily_limit is at most 100: 20 givers x 50 kudos = 1,000


def timed_core(hearth: Hearth, spent: list[float]) -> None:
    """Wrap the two core calls an interaction makes, adding their time per command to `spent`."""
    context, run_command = hearth.context, hearth.run_command

    async def timed_context(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await context(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    async def timed_run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await run_command(*args, **kwargs)
        finally:
            spent[-1] += time.perf_counter() - started

    hearth.context = timed_context  # type: ignore[method-assign]
    hearth.run_command = timed_run  # type: ignore[method-assign]


def summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{name:<28} median {statistics.median(ordered) * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms"


async def main(count: int) -> None:
    world = p.DiscordWorld.standard()
    names = [f"member{i}" for i in range(GIVERS)]
    for name in names:
        world.add_member(name)
    server = FakeDiscord(world)
    await server.start()
    with tempfile.TemporaryDirectory() as folder, server.patched():
        settings = load_settings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        clock = VirtualClock()
        hearth = build_hearth(settings, clock, VirtualScheduler(clock))
        await hearth.start()
        community = await hearth.services.identity.community(CommunityRef(PLATFORM, world.guild_id, world.name))
        await hearth.services.settings.set(community.id, "kudos_daily_limit", "100")
        bot = build_discord_bot(hearth, DiscordSettings(), guild_ready_timeout=0.01)
        async with bot:
            serving = asyncio.create_task(start_discord(bot, server.token))
            await bot.wait_until_ready()
            core: list[float] = []
            timed_core(hearth, core)
            total: list[float] = []
            for i in range(count):
                giver, receiver = names[i % GIVERS], names[(i + 1) % GIVERS]
                payload = p.command_interaction(
                    world, giver, "kudos", {"member": p.Mention("member", receiver), "reason": "thanks"}
                )
                sent = time.perf_counter()
                call = await server.interact(payload)
                assert call.json["type"] == 4 and "Kudos" in call.json["data"]["embeds"][0]["title"], call.json
                total.append(call.received_at - sent)
            await bot.close()
            await serving
        await hearth.close()
        await hearth.db.dispose()
    await server.close()
    adapter = [t - c for t, c in zip(total, core, strict=True)]
    print(f"/kudos x {count}, loopback, SQLite file, one command at a time")
    print(summary("gateway -> callback (total)", total))
    print(summary("core (context + command)", core))
    print(summary("adapter + discord.py", adapter))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
