"""What recognition keeps about a member: their ledger rows, running totals and the highest level announced.
Kudos they gave stay with the member who received them (those points are the recipient's), without the
giver's name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

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


def hooks(services: Services, keep_giving: Callable[[int], Awaitable[None]]) -> MemberData:
    """The rows of `REFERENCES`; before they go, `keep_giving` keeps what must outlive them of the member's giving
    (a moderator's lock, today's kudos used: `RecognitionService.keep_giving`), or deleting one's data lifted both."""
    rows = by_references(services.db, REFERENCES)

    async def delete(member_id: int) -> None:
        await keep_giving(member_id)
        await rows.delete(member_id)

    async def anonymise(member_id: int) -> None:
        await keep_giving(member_id)
        await rows.anonymise(member_id)

    return replace(rows, delete=delete, anonymise=anonymise)
