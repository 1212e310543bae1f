"""Platform fixtures: the real discord.py bot against the local FakeDiscord, and the real Bolt app
receiving signed requests and calling the local mock Slack Web API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.core.events import (
    CommunityAdded,
    CommunityRemoved,
    Event,
    MemberJoined,
    MemberLeft,
    MembersPresent,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.runtime import Hearth
from bot.platforms.discord import HearthBot, build_discord_bot, start_discord
from bot.platforms.discord.settings import DiscordSettings
from tests.platforms import discord_payloads as p
from tests.platforms.fake_discord import WAIT_SECONDS, FakeDiscord
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness, mock_slack_api, running_slack


@dataclass
class EventLog:
    """Every neutral event the adapter produced, in order (a handler registered after the cogs')."""

    events: list[Event] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def listen(self, hearth: Hearth) -> None:
        kinds = (MessagePosted, MessageDeleted, MemberJoined, MemberLeft, ReactionAdded, ReactionRemoved)
        for kind in (*kinds, MembersPresent, CommunityAdded, CommunityRemoved):
            hearth.registry.on(kind, self.record)

    async def record(self, event: Event) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Event], bool]) -> Event:
        def found() -> Event | None:
            return next((event for event in self.events if predicate(event)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), WAIT_SECONDS)
        event = found()
        assert event is not None
        return event


def message_posted(message: p.Payload) -> Callable[[Event], bool]:
    """For `EventLog.wait_for`: the MessagePosted event of a MESSAGE_CREATE payload (bound now, so one made in a
    loop keeps its own message)."""
    return lambda event: isinstance(event, MessagePosted) and event.message_id == message["id"]


@dataclass
class DiscordHarness:
    """A fake Discord, a Hearth runtime, and (after `start`) the bot connected to one and serving the other."""

    server: FakeDiscord
    hearth: Hearth
    database_url: str
    log: EventLog
    bot: HearthBot | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def world(self) -> p.DiscordWorld:
        return self.server.world

    def build(self, **settings: Any) -> HearthBot:
        config = DiscordSettings(**settings)
        # Short guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before READY.
        return build_discord_bot(self.hearth, config, guild_ready_timeout=0.01)

    async def start(self, token: str | None = None, *, defer_after: float | None = None, **settings: Any) -> HearthBot:
        bot = self.build(**settings)
        if defer_after is not None:
            bot.defer_after = defer_after
        await bot.__aenter__()
        self.bot = bot
        self._task = asyncio.create_task(start_discord(bot, token or self.server.token))
        # Ready, Hearth attached and its start hooks run (a ritual caught up after a restart has posted).
        ready = asyncio.create_task(bot.wait_until_attached())
        await asyncio.wait({self._task, ready}, timeout=WAIT_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            ready.cancel()
            await self._task  # raises what start_discord raised
        assert ready.done(), "the bot did not become ready"
        return bot

    async def restart(self, hearth: Hearth) -> HearthBot:
        """Stop the bot, then start a new one serving `hearth` (from the `new_runtime` fixture: a new process)."""
        await self.stop()
        self.hearth = hearth
        self.log.listen(hearth)
        return await self.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


@pytest.fixture
async def discord_env(hearth: Hearth, database_url: str) -> AsyncIterator[DiscordHarness]:
    """Not started yet: register test-only commands first, or start with other settings."""
    server = FakeDiscord(p.DiscordWorld.standard())
    await server.start()
    log = EventLog()
    log.listen(hearth)
    harness = DiscordHarness(server, hearth, database_url, log)
    try:
        with server.patched():
            yield harness
            await harness.stop()
    finally:
        await server.close()


@pytest.fixture
async def discord(discord_env: DiscordHarness) -> DiscordHarness:
    # Commands are answered directly, not deferred, however loaded the machine (a suite on PostgreSQL beside
    # others took a kudos past the 2 s at which Hearth defers, and the test read /rank before it was done).
    # Deferral has its own tests, with a short `defer_after`.
    await discord_env.start(defer_after=WAIT_SECONDS / 2)
    return discord_env


@pytest.fixture
async def slack_api() -> AsyncIterator[MockSlackApi]:
    async with mock_slack_api() as api:
        yield api


@pytest.fixture
async def slack(hearth: Hearth, slack_api: MockSlackApi) -> AsyncIterator[SlackHarness]:
    async with running_slack(hearth, slack_api) as harness:
        yield harness
