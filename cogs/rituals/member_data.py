"""What rituals keep about a member: taking part, streak milestones, pairing opt-ins and groups, a shared
birthday. Rituals they created stay with the community, without their name."""

from __future__ import annotations

from bot.core.member_data import MemberData, OnDelete, Reference, by_references
from bot.core.services import Services
from storage.models import Birthday, Ritual, RitualMember, RitualMilestone, RitualPairing, RitualParticipation

REFERENCES = (
    Reference(RitualParticipation, "member_id"),
    Reference(RitualMilestone, "member_id"),
    Reference(RitualMember, "member_id"),
    Reference(RitualPairing, "member_id"),
    Reference(Birthday, "member_id"),
    Reference(Ritual, "created_by", OnDelete.FORGET),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
