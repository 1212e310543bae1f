"""Events the database refused, handled again once it answers: for a platform that cannot have an event sent
again (Discord's gateway sends each event once; Slack sends again what was not answered 200).

`Hearth.dispatch` returns False when the database was locked by another program or out of reach for some of an
event's handling (bot/core/failures.py). Such an event is held here, in arrival order, and dispatched again after a
pause that doubles from `FIRST_RETRY_SECONDS` to `LONGEST_RETRY_SECONDS`; while any event is held, newer events
queue behind it, so that a reaction's removal is not handled before its addition. Events about one message (posted,
deleted, reacted to) or one member (joining, leaving) are also handled one after another as they came: a removal
arriving while its addition still waits for the lock (up to `busy_timeout`) waits for the addition's outcome, and
queues behind it when it is held. A dispatch again is what a Slack redelivery is: what the first try kept is kept
once (ledger rows by idempotency key, health counts by event id).

Held in memory only: at most `HELD_LIMIT` events (the oldest goes first beyond it, counted in a warning); on
stopping, each held event is tried once more, and those the database still refuses are logged as lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bot.core.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

log = logging.getLogger(__name__)

# About an hour of a busy server's events (a few a second): a database out of reach for longer loses the oldest.
HELD_LIMIT = 10_000
FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 30.0


class HeldEvents:
    """`deliver(event)` dispatches `event`, or holds it for another try when the database refused it."""

    def __init__(self, dispatch: Callable[[Event], Awaitable[bool]], platform: str) -> None:
        self._dispatch = dispatch
        self._platform = platform
        self._held: deque[Event] = deque()
        self._retrying: asyncio.Task[None] | None = None
        self._dropped = 0
        # Per ordering key, the last event being handled: the next of that key waits for it.
        self._handling: dict[str, asyncio.Future[None]] = {}

    def __len__(self) -> int:
        return len(self._held)

    async def deliver(self, event: Event) -> None:
        """Dispatch `event` now, unless events are held already (it queues behind them, in order); an event about
        the same message or member as one still being handled first waits for that one (`ordering_key`)."""
        key = ordering_key(event)
        if key is None:
            await self._deliver(event)
            return
        earlier = self._handling.get(key)
        handled = asyncio.get_running_loop().create_future()
        self._handling[key] = handled
        try:
            if earlier is not None:
                await asyncio.shield(earlier)
            await self._deliver(event)
        finally:
            handled.set_result(None)
            if self._handling.get(key) is handled:
                del self._handling[key]

    async def _deliver(self, event: Event) -> None:
        if self._held:
            self._hold(event)
        elif not await self._dispatch(event):
            self._hold(event)
            log.warning(
                "%s event %s not kept (the database refused it): held, and handled again once the database answers",
                self._platform,
                event.event_id,
            )

    def _hold(self, event: Event) -> None:
        if len(self._held) >= HELD_LIMIT:
            self._held.popleft()
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning("%s lost: more than %d waited for the database", self._events(self._dropped), HELD_LIMIT)
        self._held.append(event)
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.create_task(self._retry(), name="hearth-held-events")

    async def _retry(self) -> None:
        pause = FIRST_RETRY_SECONDS
        while self._held:
            await asyncio.sleep(pause)
            handled = await self._dispatch_held()
            pause = FIRST_RETRY_SECONDS if handled else min(pause * 2, LONGEST_RETRY_SECONDS)
        if self._dropped:
            log.warning("the database answers again; %s lost meanwhile", self._events(self._dropped))
            self._dropped = 0

    async def _dispatch_held(self) -> int:
        """Dispatch the held events in order until one is refused again (it stays first). Returns how many were
        handled."""
        handled = 0
        while self._held:
            event = self._held[0]
            try:
                kept = await self._dispatch(event)
            except Exception:
                # A bug, not the database: another try would fail the same way.
                log.exception("held %s event %s failed", self._platform, event.event_id)
                kept = True
            if not kept:
                return handled
            # Only now: an event arriving meanwhile queued behind this one, not before it.
            self._held.popleft()
            handled += 1
        if handled:
            log.info("%s handled: the database answers again", self._events(handled, "held"))
        return handled

    def _events(self, count: int, kind: str = "") -> str:
        """`3 held Discord events`, `1 Discord event`."""
        return " ".join(filter(None, (str(count), kind, self._platform, "event" if count == 1 else "events")))

    async def close(self) -> None:
        """Stop retrying; try each held event once more, and log those the database still refuses as lost."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
        if not self._held:
            return
        await self._dispatch_held()
        if self._held:
            held = len(self._held)
            log.warning(
                "%s not kept: the database refused %s until Hearth stopped",
                self._events(held),
                "it" if held == 1 else "them",
            )
            self._held.clear()


def ordering_key(event: Event) -> str | None:
    """What an event is about, where the order of two events matters (a reaction taken back after it was added, a
    message deleted after it was posted, a member leaving after joining); None for the rest."""
    match event:
        case MessagePosted() | MessageDeleted() | ReactionAdded() | ReactionRemoved():
            return f"message:{event.message_id}"
        case MemberJoined() | MemberLeft():
            return f"member:{event.member.community.external_id}:{event.member.external_id}"
    return None
