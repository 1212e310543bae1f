"""What every cog is given at setup: the database, the clock, and the shared core services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.events import Event
from bot.core.identity import Identity
from bot.core.ingest import LedgerBuffer
from bot.core.messenger import Messenger
from bot.core.scheduling import Scheduler
from bot.core.settings_store import SettingsStore
from bot.core.standings import Standings
from storage.engine import Database


@dataclass
class Services:
    db: Database
    clock: Clock
    identity: Identity
    settings: SettingsStore
    # The write-behind buffer for passive activity points (storage.ledger is the ledger itself).
    activity: LedgerBuffer
    scheduler: Scheduler
    messenger: Messenger
    # Hands an event to every cog that subscribed (the runtime's dispatch): how cogs tell each other things.
    publish: Callable[[Event], Awaitable[None]]
    # Provided by the recognition cog at setup (NoStandings until then): leaders without the ledger's tables.
    standings: Standings
