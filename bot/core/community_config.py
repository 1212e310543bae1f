"""Per-community settings with a short cache, so the hot path (message activity) reads no row."""

from __future__ import annotations

import time

from config.community import CommunitySettings, decode_settings, encode_setting, validate_setting
from storage import community_settings
from storage.engine import Database

# Another Hearth process sharing the database sees a change within this many seconds.
_CACHE_SECONDS = 30.0


class CommunityConfig:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[int, tuple[float, CommunitySettings]] = {}

    async def get(self, community_id: int) -> CommunitySettings:
        cached = self._cache.get(community_id)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        async with self._db.read() as session:
            settings = decode_settings(await community_settings.load(session, community_id))
        self._cache[community_id] = (time.monotonic(), settings)
        return settings

    async def set(self, community_id: int, key: str, raw: str) -> CommunitySettings:
        """Validate and store one value (raises SettingError, changing nothing, when it is bad)."""
        value = validate_setting(key, raw)
        async with self._db.write() as session:
            await community_settings.store(session, community_id, key, encode_setting(key, value))
        self._cache.pop(community_id, None)
        return await self.get(community_id)
