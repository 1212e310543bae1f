"""What introductions keep about a member: their introduction (answers and interest tags), whom they met
in intro threads (both ways) and their /match opt-out.

Their introduction is also a card Hearth posted in the intros channel, with a thread named after them: deleting
(or anonymising) the member takes its words and the thread's name down too, or the name, place and story they
asked to have deleted would stay on show, with nothing left to find the card by."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.member_data import MemberData, Reference, by_references
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef
from bot.core.reply import Reply
from bot.core.services import Services
from storage import introductions
from storage.models import IntroAcquaintance, IntroAnswer, Introduction, IntroTag, MatchOptOut

log = logging.getLogger(__name__)

REFERENCES = (
    Reference(IntroAnswer, "member_id"),
    Reference(IntroTag, "member_id"),
    Reference(Introduction, "member_id"),
    Reference(IntroAcquaintance, "member_id"),
    Reference(IntroAcquaintance, "other_id"),
    Reference(MatchOptOut, "member_id"),
)
WITHDRAWN = "This introduction was removed: its author's data was deleted."
WITHDRAWN_THREAD = "Introduction removed"


def hooks(services: Services) -> MemberData:
    rows = by_references(services.db, REFERENCES)

    async def delete(member_id: int) -> None:
        card = await _card_of(services, member_id)
        await rows.delete(member_id)
        await _withdraw(services, card)

    async def anonymise(member_id: int) -> None:
        card = await _card_of(services, member_id)
        await rows.anonymise(member_id)
        await _withdraw(services, card)

    return MemberData(rows.references, rows.export, delete, anonymise)


async def _card_of(services: Services, member_id: int) -> tuple[ChannelRef, str, str | None] | None:
    """Where the member's intro card is: (its channel, its message id, the thread under it or None), or None
    without one."""
    async with services.db.read() as session:
        found = await introductions.card_of(session, member_id)
    if found is None:
        return None
    community_id, channel_id, message_id, thread_id = found
    community = await services.identity.community_by_id(community_id)
    return ChannelRef(community.ref, channel_id), message_id, thread_id


async def _withdraw(services: Services, card: tuple[ChannelRef, str, str | None] | None) -> None:
    """Replace the card's words with a note, and the name of the thread under it (`Welcome, Robert Smith!`), once
    the rows are gone: the deletion never waits on the platform, and a card or thread Hearth can no longer change
    (deleted by a moderator, out of reach) is only logged."""
    if card is None:
        return
    channel, message_id, thread_id = card
    try:
        await services.messenger.edit(channel, message_id, Reply(WITHDRAWN))
    except PlatformError as error:
        log.warning("could not take down an intro card in channel %s: %s", channel.external_id, error.reason)
    if thread_id is None or not services.messenger.capabilities.named_threads:
        return
    try:
        await services.messenger.rename_thread(replace(channel, thread_id=thread_id), WITHDRAWN_THREAD)
    except PlatformError as error:
        log.warning("could not rename an intro thread in channel %s: %s", channel.external_id, error.reason)
