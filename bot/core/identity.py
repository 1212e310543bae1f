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
        self._communities: dict[CommunityRef, int] = {}
        self._members: dict[tuple[int, str], tuple[str, int]] = {}

    async def community(self, ref: CommunityRef) -> Community:
        community_id = self._communities.get(ref)
        if community_id is None:
            async with self._db.write() as session:
                community_id = await identity.ensure_community(
                    session, ref.platform, ref.external_id, ref.name, self._clock.now()
                )
            self._communities[ref] = community_id
        return Community(community_id, ref)

    async def member(self, ref: MemberRef) -> Member:
        community = await self.community(ref.community)
        key = (community.id, ref.external_id)
        cached = self._members.get(key)
        if cached is None or (ref.display_name and cached[0] != ref.display_name):
            async with self._db.write() as session:
                member_id = await identity.ensure_member(
                    session, community.id, ref.external_id, ref.display_name, ref.is_bot, self._clock.now()
                )
            cached = (ref.display_name, member_id)
            self._members[key] = cached
        return Member(cached[1], community.id, ref)

    async def left(self, ref: MemberRef) -> None:
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.mark_left(session, member.id, self._clock.now())

    async def rejoined(self, ref: MemberRef) -> Member:
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.mark_left(session, member.id, None)
        return member
