"""What recognition keeps about a member: their ledger rows, running totals and the highest level announced.
Kudos they gave stay with the member who received them (those points are the recipient's), without the
giver's name."""

from __future__ import annotations

from bot.core.member_data import MemberData, OnDelete, Reference, by_references
from bot.core.services import Services
from storage.models import Contribution, LevelAnnounced, MemberTotal, ReactionKudos

REFERENCES = (
    Reference(Contribution, "member_id"),
    Reference(Contribution, "actor_id", OnDelete.FORGET),
    Reference(MemberTotal, "member_id"),
    # Which message a member's reaction thanked: theirs as giver or receiver; the kudos row itself stays.
    Reference(ReactionKudos, "giver_id"),
    Reference(ReactionKudos, "receiver_id"),
    Reference(LevelAnnounced, "member_id"),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
