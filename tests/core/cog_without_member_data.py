"""A cog that keeps its data to itself: it declares no member-data hooks (for tests/core/test_member_data.py)."""

from __future__ import annotations

from bot.core.registry import Registry
from bot.core.services import Services


def setup(registry: Registry, services: Services) -> None:
    """Registers nothing."""
