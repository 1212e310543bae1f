"""SIGTERM on Discord, as on Slack: handlers already running finish (and can still reply) before the bot
closes its connections; the runtime closes after."""

from __future__ import annotations

import asyncio
import os
import re
import signal

from aiohttp import web

from bot.app import build_hearth
from bot.core.clock import SystemClock
from bot.core.events import MessagePosted
from bot.core.reply import Reply
from bot.core.scheduling import RealScheduler
from bot.platforms.discord import start_discord
from config.settings import load_settings
from storage import rituals
from storage.engine import Database
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import WAIT_SECONDS, DiscordHarness, EventLog
from tests.platforms.fake_discord import Call, FakeDiscord


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


async def test_sigterm_lets_a_ritual_being_posted_finish(database_url: str) -> None:
    """A ritual fires on the wall clock and Discord is slow to take its post (a rate limit waited out) when a deploy
    sends SIGTERM: the bot waited only for its own handlers, closed its HTTP session under the post, and the run was
    left "posting…" in `/ritual history` for ever, with a traceback in the log (a tester's finding)."""
    clock = SystemClock()
    hearth = build_hearth(load_settings(database_url=database_url), clock, RealScheduler(clock))
    await hearth.start()
    server = FakeDiscord(p.DiscordWorld.standard())
    await server.start()
    arrived, gate = asyncio.Event(), asyncio.Event()
    post_message = server._post_message

    async def slow_post(match: re.Match[str], call: Call) -> web.Response:
        if "Still here?" in str(call.body):
            arrived.set()
            await gate.wait()
        return await post_message(match, call)

    server._routes = [(m, pattern, slow_post if h == post_message else h) for m, pattern, h in server._routes]
    env = DiscordHarness(server, hearth, database_url, EventLog())
    try:
        with server.patched():
            bot = env.build()

            async def serve() -> None:
                async with bot:
                    await start_discord(bot, server.token)

            serving = asyncio.create_task(hearth.lifecycle.serve_until_signalled(serve()))
            await asyncio.wait_for(bot.wait_until_attached(), WAIT_SECONDS)
            created = await server.interact(
                p.command_interaction(
                    server.world,
                    "admin",
                    "ritual create",
                    {
                        "name": "pulse",
                        "channel": p.Mention("channel", "general"),
                        "schedule": "* * * * *",
                        "prompt": "Still here?",
                        "frequent": "yes",
                    },
                )
            )
            assert created.json["data"]["content"] == "Ritual **pulse** is set."
            await asyncio.wait_for(arrived.wait(), 70)  # the next whole minute

            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):
                if hearth.lifecycle.stopping:
                    break
                await asyncio.sleep(0)
            assert hearth.lifecycle.stopping
            await asyncio.sleep(0.2)
            assert not serving.done() and not bot.is_closed()  # waiting for the ritual's post

            gate.set()
            await asyncio.wait_for(serving, WAIT_SECONDS)
            assert bot.is_closed()
    finally:
        await hearth.close()
        await hearth.db.dispose()
        await server.close()
    database = Database.open(database_url)
    try:
        async with database.read() as session:
            [ritual] = await rituals.active(session)
            [run] = [summary.run for summary in await rituals.history(session, ritual.id)]
    finally:
        await database.dispose()
    posted = server.posted_in("general")[-1].created
    assert posted is not None and (run.status, run.message_id) == ("posted", posted["id"])
