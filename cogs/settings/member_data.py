"""Community settings keep nothing about any member: both hooks have nothing to do."""

from __future__ import annotations

from bot.core.member_data import MemberData, by_references
from bot.core.services import Services


def hooks(services: Services) -> MemberData:
    return by_references(services.db, ())
