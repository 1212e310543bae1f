"""Rituals: recurring community traditions (prompts, threads, pairings, spotlights, celebrations)."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.rituals import member_data
from cogs.rituals.feature import RitualsFeature
from cogs.rituals.settings import RitualSettings
from cogs.rituals.streaks import RitualStreaks

SETTINGS = RitualSettings


def setup(registry: Registry, services: Services) -> None:
    RitualsFeature(services).register(registry)
    # Recognition's rank card reads a member's streak through this port (cogs do not import each other).
    services.streaks = RitualStreaks(services)
    registry.member_data(__name__, member_data.hooks(services))
