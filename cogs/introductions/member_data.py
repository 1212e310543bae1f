"""What introductions keep about a member: their introduction (answers and interest tags), whom they met
in intro threads (both ways) and their /match opt-out."""

from __future__ import annotations

from bot.core.member_data import MemberData, Reference, by_references
from bot.core.services import Services
from storage.models import IntroAcquaintance, IntroAnswer, Introduction, IntroTag, MatchOptOut

REFERENCES = (
    Reference(IntroAnswer, "member_id"),
    Reference(IntroTag, "member_id"),
    Reference(Introduction, "member_id"),
    Reference(IntroAcquaintance, "member_id"),
    Reference(IntroAcquaintance, "other_id"),
    Reference(MatchOptOut, "member_id"),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
