"""Per-community settings with a short cache, so the hot path (message activity) reads no row."""

from __future__ import annotations

import time

from config.community import CommunitySettings, SettingsCatalog
from storage import setting_values
from storage.engine import Database

# Another Hearth process sharing the database sees a change within this many seconds.
_CACHE_SECONDS = 30.0


class SettingsStore:
    """Reads and writes one community's settings, typed by the sections the loaded cogs declared."""

    def __init__(self, db: Database, catalog: SettingsCatalog) -> None:
        self._db = db
        self.catalog = catalog
        self._cache: dict[int, tuple[float, CommunitySettings]] = {}

    async def get(self, community_id: int) -> CommunitySettings:
        cached = self._cache.get(community_id)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        async with self._db.read() as session:
            settings = self.catalog.decode(await setting_values.load(session, community_id))
        self._cache[community_id] = (time.monotonic(), settings)
        return settings

    async def set(self, community_id: int, key: str, raw: str) -> CommunitySettings:
        """Validate and store one value (raises SettingError, changing nothing, when it is bad)."""
        value = self.catalog.validate(key, raw)
        async with self._db.write() as session:
            await setting_values.store(session, community_id, key, self.catalog.encode(value))
        self._cache.pop(community_id, None)
        return await self.get(community_id)
