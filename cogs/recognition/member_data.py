"""What recognition keeps about a member: their ledger rows, running totals and the highest level announced.
Kudos they gave stay with the member who received them (those points are the recipient's), without the
giver's name."""

from __future__ import annotations

from bot.core.member_data import MemberData, OnDelete, Reference, by_references
from bot.core.services import Services
from storage.models import Contribution, LevelAnnounced, MemberTotal, ReactionKudos

# The ledger and its totals are the community's history: anonymising a departed member keeps them (counted for
# nobody); which messages their reactions thanked and the level announced go, as `/mydata delete` deletes all.
REFERENCES = (
    Reference(Contribution, "member_id", history=True),
    Reference(Contribution, "actor_id", OnDelete.FORGET, history=True),
    Reference(MemberTotal, "member_id", history=True),
    # Which message a member's reaction thanked: theirs as giver or receiver; the kudos row itself stays.
    Reference(ReactionKudos, "giver_id"),
    Reference(ReactionKudos, "receiver_id"),
    Reference(LevelAnnounced, "member_id"),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
