"""SIGTERM on Discord, as on Slack: handlers already running finish (and can still reply) before the bot
closes its connections; the runtime closes after."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.core.events import MessagePosted
from bot.core.reply import Reply
from bot.platforms.discord import start_discord
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import WAIT_SECONDS, DiscordHarness


async def test_sigterm_lets_a_running_handler_finish_and_reply(discord_env: DiscordHarness) -> None:
    hearth = discord_env.hearth
    started, gate = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow(event: MessagePosted) -> None:  # a handler still at work when the signal comes
        if event.text != "slow":
            return
        started.set()
        await gate.wait()
        await hearth.services.messenger.send(event.channel, Reply(text="still here"))
        finished.append(event.message_id)

    hearth.registry.on(MessagePosted, slow)
    bot = discord_env.build()

    async def serve() -> None:  # what `hearth run --platform discord` serves (serve_discord), on the fake
        async with bot:
            await start_discord(bot, discord_env.server.token)

    serving = asyncio.create_task(hearth.lifecycle.serve_until_signalled(serve()))
    await asyncio.wait_for(bot.wait_until_attached(), WAIT_SECONDS)
    said = p.message_create(discord_env.world, "alice", "slow")
    await discord_env.server.dispatch("MESSAGE_CREATE", said)
    await asyncio.wait_for(started.wait(), WAIT_SECONDS)

    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10_000):  # the signal reaches the loop through its wake-up pipe within a few turns
        if hearth.lifecycle.stopping:
            break
        await asyncio.sleep(0)
    assert hearth.lifecycle.stopping
    assert not serving.done() and not bot.is_closed()  # waiting for the handler

    gate.set()
    await asyncio.wait_for(serving, WAIT_SECONDS)
    assert finished == [said["id"]]
    assert any("still here" in str(call.body) for call in discord_env.server.posted_in("general"))
    assert bot.is_closed()
