"""Every state-changing command, click and form submission runs once per invocation id.

Platforms redeliver: Slack retries a slash command it thinks timed out and anyone holding a signed
request can replay it within its five minutes; a Discord interaction can reach two processes; a console
delivery can be replayed. The ledger's idempotency keys already made kudos award once, but a replayed
`/ritual run-now` would post the ritual again. So the core claims the invocation id (Discord's
interaction id, Slack's trigger id, the console's delivery id) under a unique constraint before the
handler runs; a replay finds it taken and is told, privately, that the request was already handled.

Clicks (buttons, menus) and form submissions are claimed the same way by the platform's interaction id
(Discord's interaction id, Slack's `trigger_id`, the console's event id): every one a cog registers changes
something (a step done, an answer given, data deleted), so a replayed Slack interaction request or a
redelivered Discord interaction acts once (`Hearth.click`, `Hearth.submit`).

A command that changed nothing (refused, or failed) releases its claim, so a redelivery gets the same
answer rather than "already handled". Commands declared `read_only` are never claimed (a replayed
`/help` is harmless and costs no write). Only ids and times are stored; claims older than a day are
pruned — long past any platform's redelivery window (Slack: 5 minutes; Discord: 15-minute tokens).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from storage import command_claims
from storage.engine import Database

ALREADY_HANDLED = "That request was already handled."
KEEP = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)
_MAX_ID = 128


def claim_key(invocation_id: str) -> str:
    """The id as stored: as given when short, else its SHA-256 (a platform may hand over a long id)."""
    if len(invocation_id) <= _MAX_ID:
        return invocation_id
    return "sha256:" + hashlib.sha256(invocation_id.encode("utf-8", "surrogatepass")).hexdigest()


class CommandClaims:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruned_at: datetime | None = None

    async def claim(self, community_id: int, invocation_id: str, now: datetime) -> bool:
        """True: the caller may run the command. False: this invocation was claimed before (a replay)."""
        prune = self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY
        # Bookkeeping, not a change a housekeeping job watches for: `routine`.
        async with self.db.write(routine=True) as session:
            if prune:
                await command_claims.prune(session, now - KEEP)
            claimed = await command_claims.claim(session, community_id, claim_key(invocation_id), now)
        if prune:
            self._pruned_at = now
        return claimed

    async def release(self, community_id: int, invocation_id: str) -> None:
        async with self.db.write(routine=True) as session:
            await command_claims.release(session, community_id, claim_key(invocation_id))
