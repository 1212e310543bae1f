"""Members' data rights: `/privacy`, `/mydata export|delete`, `/export` for admins; anonymising departed
members after a retention and deleting a community's data after Hearth is removed from it."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.privacy import member_data
from cogs.privacy.feature import PrivacyFeature
from cogs.privacy.settings import PrivacySettings

SETTINGS = PrivacySettings


def setup(registry: Registry, services: Services) -> None:
    PrivacyFeature(services, registry).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
