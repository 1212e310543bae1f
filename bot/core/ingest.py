"""Write-behind buffer for high-volume passive awards (message activity).

Awards wait in memory at most `flush_seconds` (or until `batch_size` are waiting), then go to the
ledger in one transaction. `close()` flushes. The loss window is therefore what arrived in the last
`flush_seconds` before a crash (a clean shutdown loses nothing), and never more than
`BOUND_BATCHES * batch_size` awards (4 batches): past that, `room()` holds passive events back until a flush has written
some (the runtime awaits it before a passive event's dispatch returns, and Slack is answered only
after that: every answer happens while fewer than the bound wait unwritten).
Commands never use this: what a person sees acknowledged is committed before the reply. On SQLite a command (or any
other writer) waiting for its turn gets it before the batches queued (`WriterTurns`), and a batch's transaction under
way commits early for it (`GIVE_WAY_AFTER_SECONDS`); the rest of the batch follows at once.

Community-health aggregates ride along (`health`): merged per row in memory and written by a batch transaction
at most `flush_seconds` after they were last written (a batch that fills up sooner leaves them merging: a member's
messages of a busy minute become one row update, not one per batch), or as soon as a bound of distinct rows wait,
or at `flush()` and `close()`. Their loss window is therefore `flush_seconds` too, flood or not.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from operator import attrgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.failures import log_failure, reason
from storage import health, identity, ledger
from storage.engine import Database, locked, refused, unreachable
from storage.health import HealthDeltas
from storage.ledger import Award

log = logging.getLogger(__name__)

# Run in each batch's transaction (in a savepoint: a hook that fails never costs the batch) with the awards it
# recorded. What it returns runs once the batch has committed (never for a batch rolled back), as a task of its
# own: a flush never waits for it, `close()` does. Recognition reads the totals the batch changed, and announces
# the levels they crossed.
FollowUp = Callable[[], Coroutine[Any, Any, None]]
Written = Callable[[AsyncSession, list[Award]], Awaitable[FollowUp | None]]

# Awards not yet written, in batches, past which passive events wait: room for the next batch to fill
# while one is being written, so that handling and writing overlap, and for a burst. It was 8 until
# 2026-12-01: a flood of 100,000 first-time speakers then peaked at 184-207 MiB (bench.memory), at 4 at
# 170-174 MiB, and a crash loses half as much; the flood's rate gives up about a tenth (bench.stream).
BOUND_BATCHES = 4

# On SQLite a batch's transaction records its awards a step at a time (one statement's worth) and, once it has run
# GIVE_WAY_AFTER_SECONDS, commits after the step under way when another writer (a command) waits, leaving the rest
# for the next. Each commit writes every page the transaction changed, so batches cut short cost a flood some of its
# rate: at 0 s, ten /kudos a second cut bench.stream's rate by a further fifth; at 0.1 s by about nothing, while a
# command typically waits 0.1-0.2 s for a batch (without: a whole batch, up to 0.4 s, and the batches queued). A
# transaction of 1,000 awards or fewer, its health counts and its hooks never give way.
STEP_AWARDS = 1000
GIVE_WAY_AFTER_SECONDS = 0.1

# How long `close()` goes on trying to write what is waiting while another program holds a SQLite file's write
# lock (each try itself waits busy_timeout, 10 s) or the database cannot be reached (PostgreSQL restarting or
# failing over): what was acknowledged is kept through a backup, a `sqlite3` session that outlasts busy_timeout or
# a server restart, and a lock never released or a server gone for good still lets the process stop.
FINAL_WRITE_SECONDS = 120.0


class ActivityLost(Exception):
    """At stop, acknowledged activity could not be written in `FINAL_WRITE_SECONDS`; the message says how much."""


class LedgerBuffer:
    def __init__(
        self, db: Database, flush_seconds: float = 2.0, batch_size: int = 2000, moved: dict[int, int] | None = None
    ) -> None:
        self._db = db
        # Member ids given in memory that turned out to belong to a member another process wrote first.
        self._moved = moved if moved is not None else {}
        # Members whose data is being, or was, deleted: what arrives for them meanwhile is never written.
        self._forgotten: set[int] = set()
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._pending: list[Award] = []
        self._health = HealthDeltas()
        self._health_written_at = -math.inf  # event-loop time of the last batch that wrote the health counts
        self._writing = 0  # awards in the flush under way
        self._room = asyncio.Event()
        self._room.set()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._written: list[Written] = []
        self._follow_ups: set[asyncio.Task[None]] = set()
        self.recorded = 0

    def on_written(self, hook: Written) -> None:
        """Have `hook` see every batch written (see `Written`)."""
        self._written.append(hook)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="hearth-ledger-flush")

    def submit(self, award: Award) -> None:
        self._pending.append(award)
        self._drained.clear()
        if len(self._pending) >= self._batch_size:
            self._wake.set()
            if self.full:
                self._room.clear()

    @property
    def health(self) -> HealthDeltas:
        """Where passive events add their health counts; call `touched()` after adding."""
        return self._health

    def touched(self) -> None:
        """Health counts were added: a flush writes them within `flush_seconds` (they merge per row, so they do
        not fill a batch the way awards do; the bound of distinct rows wakes the writer early all the same)."""
        self._drained.clear()
        if self._health_bound_reached:
            self._wake.set()

    @property
    def _health_bound_reached(self) -> bool:
        # Half as many distinct rows as the awards' bound (4,000 by default): memory stays bounded whatever the
        # stream (a flood of first-time speakers makes a row each), and a busy minute of a few thousand members
        # still merges in memory.
        return len(self._health) >= BOUND_BATCHES // 2 * self._batch_size

    def _health_due(self) -> bool:
        since = asyncio.get_running_loop().time() - self._health_written_at
        return since >= self._flush_seconds or self._health_bound_reached

    @property
    def full(self) -> bool:
        """Whether the awards not yet written reached the bound (`BOUND_BATCHES` batches)."""
        return len(self._pending) + self._writing >= BOUND_BATCHES * self._batch_size

    async def room(self) -> None:
        """Wait until the awards not yet written are below the bound again."""
        while self.full:
            self._room.clear()
            self._wake.set()
            await self._room.wait()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def wait_idle(self) -> None:
        """Wait until the background writer has written everything submitted so far."""
        await self._drained.wait()

    async def flush(self) -> int:
        """Write everything waiting (awards and health counts); returns how many rows were new. On failure the
        batch is kept."""
        written, left = await self._flush(health_too=True)
        while left:  # a transaction ended early to let a command write: the rest of its batch follows
            # Only that rest (at the front of what waits), not what arrived since: in a flood beside commands each
            # transaction gives way and the stream refills the buffer, and a command's flush went on until either
            # stopped. Each rest is a step smaller than the one before.
            more, left = await self._flush(health_too=False, take=left)
            written += more
        return written

    async def _flush(self, *, health_too: bool, take: int | None = None) -> tuple[int, int]:
        """One transaction of what waits (its first `take` awards only, when given): (new rows, how many awards of
        its batch it left for the next, at the front of what waits, when it ended early)."""
        async with self._lock:
            health_too = health_too or self._health_due()
            if not self._pending and not (health_too and len(self._health)):
                if self._db.pending:  # first-seen members who earned nothing yet are written all the same
                    async with self._db.write(background=True):
                        pass
                if not len(self._health):
                    self._drained.set()
                return 0, 0
            cut = len(self._pending) if take is None else take
            batch, self._pending = self._pending[:cut], self._pending[cut:]
            counts = HealthDeltas()
            if health_too:
                counts, self._health = self._health, counts
            self._writing = len(batch)
            try:
                try:
                    written, then, rest = await self._write(batch, counts, health_too=health_too)
                except Exception as error:
                    if not refused(error):
                        raise
                    # A member or community deleted while its activity waited here (`/mydata delete`, a removal, in
                    # the same moment): the database refused the whole batch, everyone's, and would at every retry.
                    kept = await self._without_deleted(*self._current(batch, counts))
                    if kept is None:  # nothing named is gone: another refusal, to be retried and logged as one
                        raise
                    batch, counts = kept
                    written, then, rest = await self._write(batch, counts, health_too=health_too)
            except BaseException:  # the transaction rolled back (an error, or a cancelled task): keep the batch
                self._pending[:0] = batch
                self._health = counts.merged(self._health)
                raise
            finally:
                self._writing = 0
                if not self.full:
                    self._room.set()
            self._pending[:0] = rest
            if rest:
                self._wake.set()  # the background writer goes on once the writers waiting are done
            if health_too:
                self._health_written_at = asyncio.get_running_loop().time()
            self.recorded += len(written)
            for follow_up in then:
                if follow_up is not None:
                    task = asyncio.create_task(follow_up(), name="hearth-ledger-follow-up")
                    self._follow_ups.add(task)
                    task.add_done_callback(self._follow_ups.discard)
            if not self._pending and not len(self._health):
                self._drained.set()
            return len(written), len(rest)

    async def _write(
        self, batch: list[Award], counts: HealthDeltas, *, health_too: bool
    ) -> tuple[list[Award], list[FollowUp | None], list[Award]]:
        """One transaction: the awards a step at a time until another writer waits, the health counts when due,
        the hooks; (awards recorded, follow-ups, awards left for the next transaction)."""
        async with self._db.write(background=True) as session:
            # After the members first seen were written, at the session's start: some may have moved meanwhile.
            batch, counts = self._current(batch, counts)
            if health_too:
                await health.write(session, counts)
            step_size = len(batch)  # PostgreSQL: writers do not take turns, one step
            if self._db.is_sqlite and len(batch) > STEP_AWARDS:
                # By community and member: each step a stretch of the totals' index, as one step of the whole batch
                # visits it (steps in arrival order measured 7-12% slower on bench.stream). Passive awards only: a
                # batch's ledger rows are numbered in this order, not as they arrived.
                batch, step_size = sorted(batch, key=_BY_MEMBER), STEP_AWARDS
            written: list[Award] = []
            end = 0
            loop = asyncio.get_running_loop()
            give_way_at = loop.time() + GIVE_WAY_AFTER_SECONDS
            while end < len(batch):
                step = batch[end : end + step_size]
                end += len(step)
                written += await ledger.record(session, step)
                if self._db.others_waiting and loop.time() >= give_way_at:
                    break
            then = [await self._watched(session, hook, written) for hook in self._written] if written else []
        return written, then, batch[end:]

    async def _without_deleted(
        self, batch: list[Award], counts: HealthDeltas
    ) -> tuple[list[Award], HealthDeltas] | None:
        """`batch` and `counts` less what names a member or community whose row is gone: their own awards and rows
        go (they asked for their data to be deleted, or left with the community), and another member's award that
        names them as its actor keeps its points without them, as `/mydata delete` leaves such rows. Logged. None
        when every member and community named still has its row."""
        members = {award.member_id for award in batch} | {a.actor_id for a in batch if a.actor_id is not None}
        members |= counts.member_ids()
        communities = {award.community_id for award in batch} | counts.community_ids()
        # In a write transaction: members and communities first seen, still waiting to be written, are written at its
        # start (the refused batch's transaction rolled them back), so that they are found and their awards kept.
        async with self._db.write(background=True) as session:
            found_members, found_communities = await identity.existing(session, members, communities)
        gone_members, gone_communities = members - found_members, communities - found_communities
        if not gone_members and not gone_communities:
            return None
        kept, counts = _without(batch, counts, gone_members, gone_communities)
        log.warning(
            "%d activity awards named members or communities deleted meanwhile (%d members, %d communities): "
            "written without them",
            len(batch) - len(kept),
            len(gone_members),
            len(gone_communities),
        )
        return kept, counts

    @staticmethod
    async def _watched(session: AsyncSession, hook: Written, written: list[Award]) -> FollowUp | None:
        """A hook in a savepoint of its own: one that fails (a bug, a read the database refuses) is logged and
        undone, and the batch is written all the same (acknowledged means kept)."""
        try:
            async with session.begin_nested():
                return await hook(session, written)
        except Exception:
            log.exception("a hook on written activity failed; the batch is written without it")
            return None

    def forget(self, member_id: int) -> None:
        """The member's data is being deleted (`/mydata delete`): their activity that arrives meanwhile, waiting here
        or still to come from handlers under way, is not written (until 2026-12-02 a batch that wrote it between the
        deletion's steps made the deletion fail, or, written after it, was refused whole). Another member's award that
        names them as its actor keeps its points without them."""
        self._forgotten.add(member_id)

    def _current(self, batch: list[Award], counts: HealthDeltas) -> tuple[list[Award], HealthDeltas]:
        """`batch` and `counts` with the ids of members another process wrote first replaced by theirs, less what
        names a member whose data was deleted (`forget`)."""
        if self._moved:
            batch, counts = [self._remapped(award) for award in batch], counts.remapped(self._moved)
        if self._forgotten:
            batch, counts = _without(batch, counts, self._forgotten, set())
        return batch, counts

    def _remapped(self, award: Award) -> Award:
        member_id = self._moved.get(award.member_id, award.member_id)
        actor_id = self._moved.get(award.actor_id, award.actor_id) if award.actor_id is not None else None
        if (member_id, actor_id) == (award.member_id, award.actor_id):
            return award
        return dataclasses.replace(award, member_id=member_id, actor_id=actor_id)

    async def _run(self) -> None:
        while not self._closing:
            quiet = False  # nothing woke the writer for `flush_seconds`: the health counts go too
            try:
                await asyncio.wait_for(self._wake.wait(), self._flush_seconds)
            except TimeoutError:
                quiet = True
            self._wake.clear()
            try:
                await self._flush(health_too=quiet or self._closing)
            except Exception:
                log_failure(log, "could not write %d activity awards (will retry)", self.pending)

    async def _final_flush(self) -> None:
        """`flush()`, tried again while the database is locked or out of reach, for up to `FINAL_WRITE_SECONDS`.

        Raises ActivityLost when the lock or the outage outlasted them, else what a failed try raised."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FINAL_WRITE_SECONDS
        while True:
            try:
                await self.flush()
                return
            except Exception as error:
                if locked(error):
                    why, gone = "the database is locked by another program", "another program held the database locked"
                elif unreachable(error):
                    why = f"the database could not be reached: {reason(error)}"
                    gone = "the database could not be reached"
                else:
                    raise
                if loop.time() >= deadline:
                    raise ActivityLost(
                        f"activity awards not written: {self.pending} ({gone} for the {FINAL_WRITE_SECONDS:.0f} s"
                        " Hearth waited at stop)"
                    ) from None
                log.warning(
                    "activity awards still to write: %d (%s); trying again for up to %.0f s more",
                    self.pending,
                    why,
                    deadline - loop.time(),
                )
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        """Stop the background writer once its flush under way is done (never cut one off), then flush; wait for
        the batches' follow-ups."""
        if self._task is not None:
            self._closing = True
            self._wake.set()
            await self._task
            self._task = None
        await self._final_flush()
        if self._follow_ups:  # what the last batches set off (a level-up announcement) finishes first
            await asyncio.gather(*self._follow_ups, return_exceptions=True)


_BY_MEMBER = attrgetter("community_id", "member_id")


def _without(
    batch: list[Award], counts: HealthDeltas, members: set[int], communities: set[int]
) -> tuple[list[Award], HealthDeltas]:
    """`batch` and `counts` less the awards and rows of `members` and `communities`; an award naming one of `members`
    as its actor keeps its points without them (as `/mydata delete` leaves another member's rows)."""
    kept = [
        award if award.actor_id not in members else dataclasses.replace(award, actor_id=None)
        for award in batch
        if award.member_id not in members and award.community_id not in communities
    ]
    return kept, counts.without(members, communities)
