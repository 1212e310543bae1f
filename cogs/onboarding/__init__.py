"""Onboarding: the newcomer's checklist, rules and interests, nudges, public welcomes and welcomers."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.onboarding import member_data
from cogs.onboarding.feature import OnboardingFeature
from cogs.onboarding.settings import OnboardingSettings

SETTINGS = OnboardingSettings


def setup(registry: Registry, services: Services) -> None:
    OnboardingFeature(services).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
