"""Discord's gateway sends each event once: one the database refused (locked by another program, or out of reach)
is held and handled again once the database answers, in the order events came. Until 2026-12-01 it was lost (a
kudos reaction during a lock counted nothing)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from bot.core import held
from bot.core.events import MessagePosted, ReactionAdded, ReactionRemoved
from tests.conftest import START, hearth_process, locked_by_another_program, waiting_briefly_for_locks
from tests.core.test_database_outage import relayed, tracebacks
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness, EventLog
from tests.platforms.fake_discord import WAIT_SECONDS, FakeDiscord
from tests.platforms.test_discord_recognition import points_of


@asynccontextmanager
async def discord_retrying_briefly(url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordHarness]:
    """Hearth on the fake Discord over `url`, trying held events again every 50 ms (not after 1 s, then longer)."""
    monkeypatch.setattr(held, "FIRST_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(held, "LONGEST_RETRY_SECONDS", 0.05)
    server = FakeDiscord(p.DiscordWorld.standard())
    await server.start()
    try:
        with server.patched():
            async with hearth_process(url, START, lambda hearth: hearth) as hearth:
                log = EventLog()
                log.listen(hearth)
                harness = DiscordHarness(server, hearth, url, log)
                await harness.start(defer_after=WAIT_SECONDS / 2)
                try:
                    yield harness
                finally:
                    await harness.stop()
    finally:
        await server.close()


def discord_waiting_briefly_for_locks(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AbstractAsyncContextManager[DiscordHarness]:
    """`discord_retrying_briefly` over a SQLite file whose write lock Hearth waits 200 ms for (not ten seconds)."""
    waiting_briefly_for_locks(database_url, monkeypatch, 200)
    return discord_retrying_briefly(database_url, monkeypatch)


async def alice_posted(discord: DiscordHarness) -> p.Payload:
    """alice's message in #general, once Hearth has handled it (for bob's kudos reaction)."""
    said = p.message_create(discord.world, "alice", "here is the fix")
    await discord.server.dispatch("MESSAGE_CREATE", said)
    await discord.log.wait_for(lambda event: isinstance(event, MessagePosted))
    return said


async def test_a_kudos_reaction_during_a_lock_is_held_and_counted_once_the_lock_is_gone(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with discord_waiting_briefly_for_locks(database_url, monkeypatch) as discord:
        world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
        said = await alice_posted(discord)
        with locked_by_another_program(database_url):
            await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🙌"))
            await log.wait_for(lambda event: isinstance(event, ReactionAdded))
            assert await points_of(hearth, "kudos_received") == 0
            # bob takes it back while the addition waits: handled after it, not before (which would leave it).
            await server.dispatch("MESSAGE_REACTION_REMOVE", p.reaction_remove(world, "bob", said, "🙌"))
        await log.wait_for(lambda event: isinstance(event, ReactionRemoved))
        await hearth.services.activity.flush()
        assert (await points_of(hearth, "kudos_received"), await points_of(hearth, "kudos_void")) == (10, -10)

        # Once the database answers, events are handled at once again: a kudos counts right away.
        await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "mod", said, "🙌"))
        moderator = world.id("mod")
        await log.wait_for(lambda event: isinstance(event, ReactionAdded) and event.member.external_id == moderator)
        assert await points_of(hearth, "kudos_received") == 20
    lines = [record.getMessage() for record in caplog.records]
    assert any("not kept (the database refused it): held" in line for line in lines)
    assert any("2 held Discord events handled" in line for line in lines)
    assert tracebacks(caplog) == []


async def test_events_still_refused_when_hearth_stops_are_tried_once_more_and_counted_in_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with discord_waiting_briefly_for_locks(database_url, monkeypatch) as discord:
        world, server, log = discord.world, discord.server, discord.log
        said = await alice_posted(discord)
        with locked_by_another_program(database_url):
            await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🙌"))
            await log.wait_for(lambda event: isinstance(event, ReactionAdded))
            await discord.stop()
    lines = [record.getMessage() for record in caplog.records]
    assert any("1 Discord event not kept: the database refused it until Hearth stopped" in line for line in lines)
    assert tracebacks(caplog) == []


async def test_a_message_while_postgresql_is_out_of_reach_is_held_and_counted_once_it_is_back(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's first message after a start reads its members and settings: with PostgreSQL restarting, that
    fails; the message is held and earns its point once the server answers again."""
    if database_url.startswith("sqlite"):
        pytest.skip("a database server out of reach is PostgreSQL's")
    caplog.set_level(logging.INFO)
    async with relayed(database_url) as (relay, url), discord_retrying_briefly(url, monkeypatch) as discord:
        world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
        relay.cut()
        await server.dispatch("MESSAGE_CREATE", p.message_create(world, "bob", "good morning"))
        await log.wait_for(lambda event: isinstance(event, MessagePosted))
        await relay.restore()
        await log.wait_for(lambda event: len([e for e in log.events if isinstance(e, MessagePosted)]) == 2)
        await hearth.services.activity.flush()
        assert await points_of(hearth, "message") == 1
    lines = [record.getMessage() for record in caplog.records]
    assert any("1 held Discord event handled" in line for line in lines)
    assert tracebacks(caplog) == []
