"""Passive events to health counts: messages, replies, reactions, joins, newcomers' first message and reply.

Everything goes into the activity buffer's `health` deltas (written with the next ledger batch); the text of
a message is read here only to score its mood when the community switched sentiment on, and never kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.events import Event, MemberJoined, MessageDeleted, MessagePosted, ReactionAdded
from bot.core.recent import RecentIds
from bot.core.refs import Member
from bot.core.services import Services
from cogs.health.mood import Authors, score
from cogs.health.settings import HealthSettings
from storage import health_queries
from storage.health import local_day, utc

# Redelivered events (Slack retries, a reconnecting gateway) count once: the ledger dedups by key, these
# counts by the most recent event ids (at least the last 25,000, at most 50,000).
_RECENT_EVENTS = 25_000
# Newcomers whose first message or its first reply is still awaited, loaded per community at first sight.
NEWCOMER_HORIZON = timedelta(days=90)


@dataclass
class _Awaiting:
    first_message_id: str | None  # None: no message yet


class Tracking:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._recent = RecentIds(_RECENT_EVENTS)
        self._awaiting: dict[int, dict[int, _Awaiting]] = {}  # community -> newcomer -> state
        self._loaded_all = False
        self._authors = Authors()

    def forget_authors(self, community_id: int) -> None:
        """The community's mood counts were deleted: so goes who wrote, kept in memory to count them."""
        self._authors.forget(community_id)

    def _first_time(self, event: Event) -> bool:
        return self._recent.first_time(event.event_id)

    def _failed(self, event: Event) -> None:
        """Its reads failed before it counted anything (each handler reads all it needs first): a redelivery of
        the event (Slack sends again what was not kept) is to count, not to be dropped as a repeat."""
        self._recent.forget(event.event_id)

    async def _newcomers(self, community_id: int) -> dict[int, _Awaiting]:
        if not self._loaded_all:
            # One read for every community at first need: newcomers of the horizon still awaiting something.
            self._loaded_all = True
            async with self.services.db.read() as session:
                found = await health_queries.awaiting_reply(session, utc(self.services.clock.now() - NEWCOMER_HORIZON))
            for community, row in found:
                self._awaiting.setdefault(community, {})[row.member_id] = _Awaiting(row.first_message_id)
        return self._awaiting.setdefault(community_id, {})

    async def on_join(self, event: MemberJoined) -> None:
        if event.member.is_bot or not self._first_time(event):
            return
        try:
            member = await self.services.identity.member(event.member)
            awaiting = await self._newcomers(member.community_id)
        except Exception:
            self._failed(event)
            raise
        awaiting.setdefault(member.id, _Awaiting(None))
        self.services.activity.health.joined(member.community_id, member.id, self.services.clock.now())
        self.services.activity.touched()

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot or not self._first_time(event):
            return
        answered: Member | None = None
        try:
            author = await self.services.identity.member(event.author)
            settings = await self.services.settings.get(author.community_id)
            if (
                event.reply_to is not None
                and not event.reply_to.is_bot
                and event.reply_to.external_id != event.author.external_id
            ):
                answered = await self.services.identity.member(event.reply_to)
            awaiting = await self._newcomers(author.community_id)
        except Exception:
            self._failed(event)
            raise
        now = self.services.clock.now()
        community = author.community_id
        day = local_day(now, settings.basics.timezone)
        channel = event.channel.external_id
        deltas = self.services.activity.health
        deltas.member(community, author.id, day, "messages")
        deltas.channel(community, channel, day, "messages")
        if answered is not None:
            deltas.member(community, author.id, day, "replies_given")
            deltas.member(community, answered.id, day, "replies_received")
            deltas.channel(community, channel, day, "replies")
        mine = awaiting.get(author.id)
        if mine is not None and mine.first_message_id is None:
            mine.first_message_id = event.message_id
            deltas.first_message(author.id, now, event.message_id, channel)
        if answered is not None and event.reply_to_message_id is not None:
            theirs = awaiting.get(answered.id)
            # A reply to any of their messages answers their first post: newcomers often say hello over several
            # messages, and a welcome to the last of them is a welcome all the same.
            if theirs is not None and theirs.first_message_id is not None:
                del awaiting[answered.id]  # answered: nothing more to wait for
                deltas.first_reply(answered.id, theirs.first_message_id, now, author.id)
        if not settings.of(HealthSettings).health_sentiment:
            self._authors.forget(community)
        elif event.text:
            authors = self._authors.count(community, channel, day, author.id)
            deltas.mood(community, channel, day, authors, score(event.text))
        self.services.activity.touched()

    async def on_message_deleted(self, event: MessageDeleted) -> None:
        """A newcomer's first message deleted before anyone answered it (spam a moderator removed, a hello taken
        back) awaits no reply: moderators would be sent to a post that is gone. Their next message is their first
        post. The author may be unknown (Discord says whose only for a message it still had): it is found by id."""
        if not self._first_time(event):
            return
        try:
            community = await self.services.identity.community(event.channel.community)
            awaiting = await self._newcomers(community.id)
        except Exception:
            self._failed(event)
            raise
        newcomer = next((m for m, state in awaiting.items() if state.first_message_id == event.message_id), None)
        if newcomer is None:
            return
        awaiting[newcomer].first_message_id = None
        self.services.activity.health.first_message_deleted(newcomer, event.message_id)
        self.services.activity.touched()

    async def on_reaction(self, event: ReactionAdded) -> None:
        if event.member.is_bot or not self._first_time(event):
            return
        author = event.message_author
        received: Member | None = None
        try:
            member = await self.services.identity.member(event.member)
            settings = await self.services.settings.get(member.community_id)
            if author is not None and not author.is_bot and author.external_id != event.member.external_id:
                received = await self.services.identity.member(author)
        except Exception:
            self._failed(event)
            raise
        day = local_day(self.services.clock.now(), settings.basics.timezone)
        deltas = self.services.activity.health
        deltas.member(member.community_id, member.id, day, "reactions_given")
        deltas.channel(member.community_id, event.channel.external_id, day, "reactions")
        if received is not None:
            deltas.member(member.community_id, received.id, day, "reactions_received")
        self.services.activity.touched()
