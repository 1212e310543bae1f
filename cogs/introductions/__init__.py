"""Introductions: `/intro` cards with threads, welcome points for replies, `/whois` and `/match`."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.introductions import member_data
from cogs.introductions.feature import IntroductionsFeature
from cogs.introductions.settings import IntroductionSettings

SETTINGS = IntroductionSettings


def setup(registry: Registry, services: Services) -> None:
    IntroductionsFeature(services).register(registry)
    registry.member_data(__name__, member_data.hooks(services))
