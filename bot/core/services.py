"""What every cog is given at setup: the database, the clock, and the shared core services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.absence import Absences
from bot.core.clock import Clock
from bot.core.events import Event, PointsRecorded
from bot.core.identity import Identity
from bot.core.inbound import DM_FALLBACK_LEAD, notify_member
from bot.core.ingest import LedgerBuffer
from bot.core.messenger import Messenger
from bot.core.refs import ChannelRef, MemberRef
from bot.core.reply import Reply
from bot.core.scheduling import Scheduler
from bot.core.settings_store import SettingsStore
from bot.core.standings import Standings
from bot.core.streaks import Streaks
from storage.engine import Database
from storage.ledger import Award


@dataclass
class Services:
    db: Database
    clock: Clock
    identity: Identity
    settings: SettingsStore
    # The write-behind buffer for passive activity points (storage.ledger is the ledger itself).
    activity: LedgerBuffer
    scheduler: Scheduler
    # The platform's messenger, silent towards communities Hearth was removed from (bot.core.absence).
    messenger: Messenger
    # Communities Hearth was removed from: a cog skips work there that would only end in a post (a ritual).
    absent: Absences
    # Hands an event to every cog that subscribed (the runtime's dispatch): how cogs tell each other things
    # (False: the database was locked or out of reach for some of it).
    publish: Callable[[Event], Awaitable[bool]]
    # Provided by the recognition cog at setup (NoStandings until then): leaders without the ledger's tables.
    standings: Standings
    # Provided by the rituals cog at setup (NoStreaks until then): a member's ritual streak, for the rank card.
    streaks: Streaks

    async def points_recorded(self, recorded: Sequence[Award]) -> None:
        """After the transaction that recorded `recorded` (`storage.ledger.record`'s return) committed: one
        PointsRecorded per member given or taken points, so that recognition checks their level."""
        by_member: dict[int, list[Award]] = {}
        for each in recorded:
            if each.points:
                by_member.setdefault(each.member_id, []).append(each)
        for member_id, awards in by_member.items():
            channel = next((each.channel for each in reversed(awards) if each.channel), None)
            points = sum(each.points for each in awards)
            if points:
                first = awards[0]
                await self.publish(
                    PointsRecorded(first.idempotency_key, first.community_id, member_id, points, channel)
                )

    async def notify_member(
        self,
        member: MemberRef,
        reply: Reply,
        *,
        fallback: ChannelRef | None = None,
        lead: str = DM_FALLBACK_LEAD,
        dm: bool = True,
    ) -> bool:
        """DM a member; when their DMs are closed (or `dm` is False), post in `fallback` mentioning them, with
        `lead` first. False when they could not be reached. The core's one DM fallback (`bot.core.inbound`)."""
        return await notify_member(self.messenger, member, reply, fallback=fallback, lead=lead, dm=dm)
