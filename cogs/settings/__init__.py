"""Community settings: `/config show` and `/config set KEY VALUE`."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.settings import member_data
from cogs.settings.feature import SettingsFeature


def setup(registry: Registry, services: Services) -> None:
    SettingsFeature(services).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
