"""PostgreSQL out of reach for a while (a restart, a failover, the network cut): what was acknowledged is written
once it is back, also when Hearth is told to stop meanwhile, and each failure is one log line, not a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from bot.core import settings_store
from bot.core.inbound import SORRY
from storage.engine import Database
from storage.models import Contribution
from tests.conftest import START, hearth_instance


class Relay:
    """A TCP relay on loopback in front of the PostgreSQL server: `cut()` drops every connection and refuses new
    ones, as a server restarting does; `restore()` lets them through again."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.listening_port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.listening_port)
        self.listening_port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        self._server = None
        for writer in self._open:
            writer.transport.abort()
        self._open.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(self.host, self.port)
        self._open |= {writer, server_writer}
        await asyncio.gather(_pipe(reader, server_writer), _pipe(server_reader, writer))

    async def close(self) -> None:
        if self._server is not None:
            self.cut()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


@asynccontextmanager
async def relayed(database_url: str) -> AsyncIterator[tuple[Relay, str]]:
    """A relay in front of the test's database, and the database URL through it."""
    url = make_url(database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    await relay.restore()
    try:
        yield relay, url.set(host="127.0.0.1", port=relay.listening_port).render_as_string(hide_password=False)
    finally:
        await relay.close()


async def message_rows(database_url: str) -> int:
    """The ledger's message activity rows, read on an engine of the test's own (the Hearth that wrote them is gone)."""
    database = Database.open(database_url)
    try:
        async with database.read() as session:
            messages = select(func.count()).select_from(Contribution).where(col(Contribution.kind) == "message")
            return int((await session.execute(messages)).scalar_one())
    finally:
        await database.dispose()


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


async def test_activity_acknowledged_before_a_stop_is_written_once_postgresql_is_back(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a database server out of reach is PostgreSQL's")
    caplog.set_level(logging.WARNING)
    async with relayed(database_url) as (relay, url), hearth_instance(url, START) as console:
        await console.run("@bob: hello there")
        await console.platform.hearth.services.activity.flush()
        await console.run("@alice: hello there\n@carol: good morning, all")
        buffer = console.platform.hearth.services.activity
        assert buffer.pending == 2
        relay.cut()
        assert SORRY in await console.run("@alice: /kudos @bob thanks for the help")
        back = asyncio.get_running_loop().call_later(1.5, lambda: asyncio.ensure_future(relay.restore()))
        await buffer.close()  # as at SIGTERM: the server is back only after a few tries
        back.cancel()
    assert await message_rows(database_url) == 3
    lines = [record.getMessage() for record in caplog.records if "could not be reached" in record.getMessage()]
    assert any(line.startswith("kudos failed: the database could not be reached (") for line in lines)
    waits = [line for line in lines if line.startswith("activity awards still to write: 2 (the database could not")]
    assert waits
    assert tracebacks(caplog) == []


async def test_messages_while_postgresql_is_out_of_reach_keep_their_points_past_the_settings_cache(
    database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a database server out of reach is PostgreSQL's")
    monkeypatch.setattr(settings_store, "_CACHE_SECONDS", 0.0)  # every message finds the settings due a new read
    caplog.set_level(logging.WARNING)
    async with relayed(database_url) as (relay, url), hearth_instance(url, START) as console:
        await console.run("@alice: hello there")
        buffer = console.platform.hearth.services.activity
        await buffer.flush()
        relay.cut()
        await console.run("@bob: good morning, all\n@carol: hi everyone, how are you")
        waiting = buffer.pending
        await relay.restore()
        assert waiting == 2  # acknowledged (handled) and waiting, not dropped by a failed handler
        await buffer.flush()
    assert await message_rows(database_url) == 3
    assert tracebacks(caplog) == []
