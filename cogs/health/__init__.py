"""Community health: figures for admins from aggregates (never text), at-risk members, the participation
ladder, unanswered newcomers, a weekly digest, and opt-in channel mood."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.health import member_data
from cogs.health.feature import HealthFeature
from cogs.health.settings import HealthSettings

SETTINGS = HealthSettings


def setup(registry: Registry, services: Services) -> None:
    HealthFeature(services).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
