"""Refs to ids, cached: a member's first message writes their row; later ones read memory."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.refs import Community, CommunityRef, Member, MemberRef
from storage import identity
from storage.engine import Database


class Identity:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # The objects themselves are kept: every cog asks about the author of every message.
        self._communities: dict[CommunityRef, Community] = {}
        self._members: dict[tuple[int, str], Member] = {}

    async def community(self, ref: CommunityRef) -> Community:
        community = self._communities.get(ref)
        if community is None:
            async with self._db.write() as session:
                community_id = await identity.ensure_community(
                    session, ref.platform, ref.external_id, ref.name, self._clock.now()
                )
            community = self._communities[ref] = Community(community_id, ref)
        elif ref.name and ref.name != community.ref.name:  # renamed: later replies use the new name
            community = self._communities[ref] = Community(community.id, ref)
        return community

    async def member(self, ref: MemberRef) -> Member:
        """The member, written on first sight and again when their display name changes."""
        community = await self.community(ref.community)
        key = (community.id, ref.external_id)
        cached = self._members.get(key)
        if cached is not None and (not ref.display_name or cached.ref.display_name == ref.display_name):
            return cached
        async with self._db.write() as session:
            member_id = await identity.ensure_member(
                session, community.id, ref.external_id, ref.display_name, ref.is_bot, self._clock.now()
            )
        member = self._members[key] = Member(member_id, community.id, ref)
        return member

    async def left(self, ref: MemberRef) -> None:
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.mark_left(session, member.id, self._clock.now())

    async def rejoined(self, ref: MemberRef) -> Member:
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.mark_left(session, member.id, None)
        return member
