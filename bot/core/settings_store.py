"""Per-community settings with a short cache, so the hot path (message activity) reads no row."""

from __future__ import annotations

import logging
import time

from config.community import CommunitySettings, SettingsCatalog
from storage import setting_values
from storage.engine import Database, unreachable

log = logging.getLogger(__name__)

# Read again after this many seconds: a change made outside Hearth (SQL run by hand) is seen within it. Another Hearth
# process sharing the database (PostgreSQL) announces its changes, which are read again at once (`_heard`).
_CACHE_SECONDS = 30.0
_CHANGED = "settings-changed:"


class SettingsStore:
    """Reads and writes one community's settings, typed by the sections the loaded cogs declared.

    Every community's values are read together, once per `_CACHE_SECONDS`: the table holds only
    values changed from their defaults (a few rows per community), and a stream spread over many
    communities would otherwise pay one read per community, awaited before its message is handled.
    """

    def __init__(self, db: Database, catalog: SettingsCatalog) -> None:
        self._db = db
        self.catalog = catalog
        self._loaded_at: float | None = None
        self._stored: dict[int, dict[str, str]] = {}
        self._decoded: dict[int, CommunitySettings] = {}
        # Changes other processes announced, and how many of them the values last read include: read again at the
        # next use when they differ (one announced while a read was under way may not be in what it read).
        self._changes_heard = self._changes_read = 0
        db.on_notice(self._heard)

    async def get(self, community_id: int) -> CommunitySettings:
        if (
            self._loaded_at is None
            or self._changes_read != self._changes_heard
            or time.monotonic() - self._loaded_at >= _CACHE_SECONDS
        ):
            try:
                await self._load_all()
            except Exception as error:
                if self._loaded_at is None or not unreachable(error):
                    raise
                # PostgreSQL out of reach (a restart, a failover): the values last read still hold, as nobody can
                # change them meanwhile, so a message's points and counts are kept in memory with the batch it
                # joins, not lost after its platform was told it arrived. Read again a cache period from now.
                self._loaded_at, self._changes_read = time.monotonic(), self._changes_heard
                log.warning(
                    "community settings not read again (the database could not be reached): the values last read hold"
                )
        settings = self._decoded.get(community_id)
        if settings is None:
            settings = self._decoded[community_id] = self.catalog.decode(self._stored.get(community_id, {}))
        return settings

    def _heard(self, notice: str) -> None:
        """Another process changed a community's settings: every community's are read again at the next use."""
        if notice.startswith(_CHANGED):
            self._changes_heard += 1

    async def _load_all(self) -> None:
        changes = self._changes_heard
        async with self._db.read() as session:
            stored = await setting_values.load_all(session)
        # Decoded again only where a value changed (decoding every community each time would cost more).
        self._decoded = {cid: value for cid, value in self._decoded.items() if stored.get(cid) == self._stored.get(cid)}
        self._stored = stored
        self._loaded_at, self._changes_read = time.monotonic(), changes

    async def set(self, community_id: int, key: str, raw: str) -> CommunitySettings:
        """Validate and store one value (raises SettingError, changing nothing, when it is bad)."""
        value = self.catalog.validate(key, raw)
        async with self._db.write() as session:
            await setting_values.store(session, community_id, key, self.catalog.encode(value))
            stored = await setting_values.load(session, community_id)
            # The other processes read the settings again at once: a value kept up to 30 s there (kudos switched
            # off, boards made private) went on applying after the admin was told "Done".
            await self._db.announce(session, f"{_CHANGED}{community_id}")
        self._stored[community_id] = stored
        self._decoded.pop(community_id, None)
        return await self.get(community_id)
