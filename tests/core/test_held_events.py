"""The order of events about one message or member, when one of them waits for the database and is held
(bot/core/held.py): a reaction taken back while its addition waits for a lock is handled after the addition, not
before it (it found nothing to take back, and the addition counted when tried again: a tester's finding)."""

from __future__ import annotations

import asyncio

import pytest

from bot.core import held
from bot.core.events import Event, MemberJoined, MemberLeft, ReactionAdded, ReactionRemoved
from bot.core.held import HeldEvents
from bot.core.refs import ChannelRef, CommunityRef, MemberRef

SERVER = CommunityRef("discord", "1")
BOB, ALICE = MemberRef(SERVER, "11"), MemberRef(SERVER, "10")
GENERAL = ChannelRef(SERVER, "13")


class Database:
    """A stand-in for `Hearth.dispatch` whose database refuses the events named in `locked` (each once, when the
    lock is released: `release()`), recording the events it handled, in order."""

    def __init__(self, locked: set[str]) -> None:
        self.locked = locked
        self.handled: list[str] = []
        self._released = asyncio.Event()

    def release(self) -> None:
        self._released.set()

    async def dispatch(self, event: Event) -> bool:
        if event.event_id in self.locked:
            await self._released.wait()  # waits out busy_timeout, then fails
            self.locked.discard(event.event_id)
            return False
        self.handled.append(event.event_id)
        return True


async def test_a_reaction_taken_back_while_its_addition_waits_is_handled_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(held, "FIRST_RETRY_SECONDS", 3600)  # the held events are tried at close, not before
    database = Database(locked={"add"})
    events = HeldEvents(database.dispatch, "Discord")
    adding = asyncio.create_task(events.deliver(ReactionAdded("add", BOB, GENERAL, "m1", "🙌", ALICE)))
    await asyncio.sleep(0)  # the addition is being handled: it waits for the lock
    removing = asyncio.create_task(events.deliver(ReactionRemoved("remove", BOB, GENERAL, "m1", "🙌", ALICE)))
    # A reaction on another message is about something else: it does not wait.
    await events.deliver(ReactionAdded("elsewhere", BOB, GENERAL, "m2", "🙌", ALICE))
    assert database.handled == ["elsewhere"]
    database.release()
    await asyncio.gather(adding, removing)
    assert database.handled == ["elsewhere"]  # the addition is held, and the removal behind it
    assert len(events) == 2
    await events.close()  # tried once more: the database answers now
    assert database.handled == ["elsewhere", "add", "remove"]


async def test_a_member_leaving_while_their_join_waits_is_handled_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(held, "FIRST_RETRY_SECONDS", 3600)
    database = Database(locked={"joined"})
    events = HeldEvents(database.dispatch, "Discord")
    joining = asyncio.create_task(events.deliver(MemberJoined("joined", BOB)))
    await asyncio.sleep(0)
    leaving = asyncio.create_task(events.deliver(MemberLeft("left", BOB)))
    await events.deliver(MemberJoined("other", ALICE))
    database.release()
    await asyncio.gather(joining, leaving)
    await events.close()
    assert database.handled == ["other", "joined", "left"]
