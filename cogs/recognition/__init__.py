"""Recognition: kudos, activity points, leaderboards and ranks."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services
from cogs.recognition import member_data
from cogs.recognition.feature import RecognitionFeature
from cogs.recognition.settings import RecognitionSettings

SETTINGS = RecognitionSettings


def setup(registry: Registry, services: Services) -> None:
    feature = RecognitionFeature(services)
    feature.register(registry)
    registry.member_data(__name__, member_data.hooks(services, feature.recognition.keep_giving))
