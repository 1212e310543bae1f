"""Rituals: recurring community traditions (prompts, threads, pairings, spotlights, celebrations)."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.rituals import member_data
from cogs.rituals.feature import RitualsFeature
from cogs.rituals.settings import RitualSettings

SETTINGS = RitualSettings


def setup(registry: Registry, services: Services) -> None:
    RitualsFeature(services).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
