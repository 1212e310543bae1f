"""Data rights keep nothing of their own about a member: the privacy choices are on the member row, which
`/mydata` exports and deletes as a whole. Both hooks have nothing to do."""

from __future__ import annotations

from bot.core.member_data import MemberData, by_references
from bot.core.services import Services


def hooks(services: Services) -> MemberData:
    return by_references(services.db, ())
