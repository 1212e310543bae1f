"""What every cog is given at setup: the database, the clock, and the shared core services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.community_config import CommunityConfig
from bot.core.identity import Identity
from bot.core.ingest import LedgerBuffer
from bot.core.messenger import Messenger
from bot.core.scheduling import Scheduler
from storage.engine import Database


@dataclass
class Services:
    db: Database
    clock: Clock
    identity: Identity
    config: CommunityConfig
    ledger: LedgerBuffer
    scheduler: Scheduler
    messenger: Messenger
