"""Refs to ids and ids to refs, in memory; the database learns of first-seen members in batches.

First sight of a member (or a new display name) costs no transaction of its own: the member gets an
id in memory (from a block reserved ahead: PostgreSQL's sequence, or after SQLite's highest id; a
SQLite file is served by one process) and its row is written by the next write transaction of this
process, before anything else that transaction writes (the ledger's activity flush, a command's own
transaction; see `Database.write_first`). So any row that refers to the member is written after, and
in the same transaction as, the member's own row. A community's members are loaded in one query the
first time the process sees the community, so a restart does not make every member new again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.refs import Community, CommunityRef, Member, MemberRef
from storage import identity
from storage.engine import Database

# Ids reserved per trip to the database (PostgreSQL's sequence; SQLite reads its highest id once).
_ID_BLOCK = 512
# Notices to the other processes sharing the database (`announce_forgotten`).
_FORGET_MEMBER, _FORGET_COMMUNITY = "forget-member:", "forget-community:"


class Identity:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # The objects themselves are kept: every cog asks about the author of every message.
        self._communities: dict[CommunityRef, Community] = {}
        self._community_by_id: dict[int, Community] = {}
        self._communities_loaded = False
        self._warmed: set[int] = set()
        self._warming: dict[int, asyncio.Future[None]] = {}
        # Community id -> external id -> member: no (community, external id) tuple to hold per member (6 MB for a
        # 100,000-member community).
        self._members: dict[int, dict[str, Member]] = {}
        self._member_by_id: dict[int, Member] = {}
        self._new: dict[int, identity.NewMember] = {}
        self._new_communities: dict[int, identity.NewCommunity] = {}
        self._next_community_id = 1  # SQLite: set from the stored communities before the first is given
        self._renamed: dict[int, str] = {}
        # Members who left (kept in memory: kudos to them are refused without a query on the command path).
        self._departed: set[int] = set()
        self._returned: set[int] = set()  # came back after leaving; onboarding welcomes them back once
        self._free_ids: list[int] = []
        self._next_sqlite_id: int | None = None
        self._reserving = asyncio.Lock()
        self._loading = asyncio.Lock()
        # Ids given here that another process had already given the same member (PostgreSQL, rare).
        self.moved: dict[int, int] = {}
        # The last ref asked about and its answer: every cog asks about the author of each message, with the
        # event's own ref object. Cleared by any change to the map.
        self._last: tuple[MemberRef, Member] | None = None
        db.write_first(self)
        db.on_notice(self._heard)

    # -- refs to ids --------------------------------------------------------------------------
    async def community(self, ref: CommunityRef) -> Community:
        community = self._communities.get(ref)
        if community is None:
            await self.load_communities()
            community = self._communities.get(ref)
        if community is None and self._db.is_sqlite:
            # Given an id in memory, as first-seen members are (the file has one writer: this process),
            # written by the next write transaction before its members; it has no members to load.
            community_id = self._next_community_id
            self._next_community_id += 1
            self._new_communities[community_id] = identity.NewCommunity(
                community_id, ref.platform, ref.external_id, ref.name, self._clock.now()
            )
            community = self._remember_community(Community(community_id, ref))
            self._warmed.add(community_id)
            return community
        if community is None:
            # One transaction for a new community (PostgreSQL: another process may make the same row).
            async with self._db.write() as session:
                community_id, created = await identity.add_community(
                    session, ref.platform, ref.external_id, ref.name, self._clock.now()
                )
            community = self._remember_community(Community(community_id, ref))
            if created:  # nobody to load: its members are all new (another process would have made the row)
                self._warmed.add(community.id)
            else:
                await self._warm(community)
            return community
        if community.id not in self._warmed:
            await self._warm(community)
        if ref.name and ref.name != community.ref.name:  # renamed: later replies use the new name
            community = self._remember_community(Community(community.id, ref))
        return community

    async def load_communities(self) -> None:
        """Every community the database knows, in one read (their members come when each is first seen)."""
        if self._communities_loaded:
            return
        async with self._loading:  # once, however many first messages wait for it
            if not self._communities_loaded:
                await self._load_communities()

    async def _load_communities(self) -> None:
        async with self._db.read() as session:
            rows = await identity.all_communities(session)
        for row in rows:
            ref = CommunityRef(row.platform, row.external_id, row.name)
            if ref not in self._communities:
                self._remember_community(Community(row.id, ref))
        self._next_community_id = max((row.id for row in rows), default=0) + 1
        self._communities_loaded = True

    async def communities_on(self, platform: str) -> list[CommunityRef]:
        """Every community the database knows on `platform`."""
        await self.load_communities()
        return [ref for ref in self._communities if ref.platform == platform]

    async def member(self, ref: MemberRef) -> Member:
        """The member: given an id on first sight (written in the next batch), renamed when their name changes."""
        last = self._last
        if last is not None and last[0] is ref:
            return last[1]
        community = self._communities.get(ref.community)
        if (
            community is None
            or community.id not in self._warmed
            or (ref.community.name and ref.community.name != community.ref.name)
        ):
            community = await self.community(ref.community)
        cached = self._members.get(community.id, {}).get(ref.external_id)
        if cached is not None:
            if not ref.display_name or cached.ref.display_name == ref.display_name:
                self._last = (ref, cached)
                return cached
            pending = self._new.get(cached.id)
            if pending is not None:
                self._new[cached.id] = identity.NewMember(
                    cached.id, community.id, ref.external_id, ref.display_name, ref.is_bot, pending.joined_at
                )
            else:  # written with the next write transaction, as first sights are
                self._renamed[cached.id] = ref.display_name
            return self._remember_member(Member(cached.id, community.id, ref))
        if not self._free_ids:
            await self._reserve_ids()
            return await self.member(ref)  # another task may have seen this member meanwhile
        member_id = self._free_ids.pop()
        self._new[member_id] = identity.NewMember(
            member_id, community.id, ref.external_id, ref.display_name, ref.is_bot, self._clock.now()
        )
        return self._remember_member(Member(member_id, community.id, ref))

    async def renamed(self, ref: MemberRef) -> None:
        """A member's name changed where the platform says so without a message (Slack's `user_change`): recorded
        for a member Hearth knows, so that boards show it; a profile edit does not make someone Hearth never saw a
        member (their first message or command does, dated then)."""
        community = await self.community(ref.community)
        if ref.external_id in self._members.get(community.id, {}):
            await self.member(ref)

    async def left(self, ref: MemberRef) -> None:
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.mark_left(session, self.current_id(member.id), self._clock.now())
        self._departed.add(self.current_id(member.id))
        self._returned.discard(self.current_id(member.id))

    async def rejoined(self, ref: MemberRef, joined_at: datetime | None = None) -> Member:
        """The member is here (again); `joined_at` the platform's join time (else now) if none is known yet."""
        member = await self.member(ref)
        async with self._db.write() as session:
            await identity.rejoin(session, self.current_id(member.id), joined_at or self._clock.now())
        if self.current_id(member.id) in self._departed:
            self._departed.discard(self.current_id(member.id))
            self._returned.add(self.current_id(member.id))
        return self._member_by_id.get(self.current_id(member.id), member)

    def take_return(self, member_id: int) -> bool:
        """Whether the member's latest join was a return after leaving (answered once: a platform may report
        one arrival twice, as Slack's team_join and member_joined_channel)."""
        if self.current_id(member_id) in self._returned:
            self._returned.discard(self.current_id(member_id))
            return True
        return False

    async def present(self, members: list[tuple[MemberRef, datetime]]) -> None:
        """Members the platform lists as there, with their join times (kept where one is known already)."""
        dates = [((await self.member(ref)).id, joined) for ref, joined in members if not ref.is_bot]
        if dates:
            async with self._db.write() as session:
                await identity.set_join_dates(session, [(self.current_id(i), joined) for i, joined in dates])

    async def unlisted(self, community_ref: CommunityRef, listed: Collection[str]) -> list[MemberRef]:
        """The members Hearth counts as in the community (seen, no bot, not departed) whose external ids the
        platform's whole member list, `listed`, leaves out."""
        community = await self.community(community_ref)
        return [
            member.ref
            for member in self._members.get(community.id, {}).values()
            if not member.ref.is_bot
            and self.current_id(member.id) not in self._departed
            and member.ref.external_id not in listed
        ]

    def departed(self, member_id: int) -> bool:
        """Whether the member left the community (and has not come back)."""
        return self.current_id(member_id) in self._departed

    def forget(self, member_id: int) -> None:
        """Drop a member whose data was deleted: seen again, they are someone new."""
        self._last = None
        member = self._member_by_id.pop(self.current_id(member_id), None)
        self._departed.discard(self.current_id(member_id))
        if member is not None:
            self._members.get(member.community_id, {}).pop(member.ref.external_id, None)

    def forget_community(self, community_id: int) -> None:
        """Drop a community whose data was deleted (with its members)."""
        self._last = None
        for member in [m for m in self._member_by_id.values() if m.community_id == community_id]:
            self.forget(member.id)
        self._members.pop(community_id, None)
        community = self._community_by_id.pop(community_id, None)
        if community is not None:
            self._communities.pop(community.ref, None)
        self._warmed.discard(community_id)

    async def announce_forgotten(
        self, session: AsyncSession, *, member_id: int | None = None, community_id: int | None = None
    ) -> None:
        """Have the other processes sharing the database (PostgreSQL) forget the member or community too once
        `session` commits: they would otherwise go on giving the deleted row's id, and every message, command or
        kudos naming them there would be refused by the database until they restarted."""
        if member_id is not None:
            await self._db.announce(session, f"{_FORGET_MEMBER}{self.current_id(member_id)}")
        if community_id is not None:
            await self._db.announce(session, f"{_FORGET_COMMUNITY}{community_id}")

    def _heard(self, notice: str) -> None:
        """Another process's `announce_forgotten`."""
        if notice.startswith(_FORGET_MEMBER):
            self.forget(int(notice.removeprefix(_FORGET_MEMBER)))
        elif notice.startswith(_FORGET_COMMUNITY):
            self.forget_community(int(notice.removeprefix(_FORGET_COMMUNITY)))

    # -- ids to refs ---------------------------------------------------------------------------
    async def community_by_id(self, community_id: int) -> Community:
        """The community our id names (for scheduled jobs, which start from ids)."""
        found = self._community_by_id.get(community_id)
        if found is None:
            async with self._db.read() as session:
                row = await identity.community_by_id(session, community_id)
            found = await self.community(CommunityRef(row.platform, row.external_id, row.name))
        return found

    async def members_by_id(self, member_ids: list[int]) -> dict[int, Member]:
        """Members by our id, as far as they exist (for mentioning or messaging them from a scheduled job)."""
        found: dict[int, Member] = {}
        missing: list[int] = []
        for member_id in member_ids:
            member = self._member_by_id.get(self.current_id(member_id))
            if member is None:
                missing.append(member_id)
            else:
                found[member_id] = member
        if missing:
            async with self._db.read() as session:
                rows = await identity.members_by_id(session, missing)
            for member_id, row in rows.items():
                community = await self.community_by_id(row.community_id)
                found[member_id] = self._member_by_id.get(member_id) or self._remember_member(
                    Member(row.id, row.community_id, _ref(community, row))
                )
        return found

    def current_id(self, member_id: int) -> int:
        return self.moved.get(member_id, member_id)

    def unwritten(self, members: list[Member]) -> bool:
        """Whether any of `members` was given an id here that no row has yet, while other processes may have
        written them (PostgreSQL): what is read under that id may be theirs. On SQLite, served by this process
        alone, such a member is new and has nothing to read."""
        return not self._db.is_sqlite and any(self.current_id(member.id) in self._new for member in members)

    async def stored(self, member: Member) -> Member:
        """`member` under their row's id. One given an id here that no row has yet (`unwritten`) is written first,
        in a transaction of its own: another process (PostgreSQL) may have written them under another id."""
        if self.unwritten([member]):
            async with self._db.write():
                pass
        return self.settled(member)

    def settled(self, member: Member) -> Member:
        """The member under the id their row has: a `Member` taken before a write transaction wrote it may
        carry the id given here while another process (PostgreSQL) had written the member first."""
        current = self.current_id(member.id)
        return member if current == member.id else Member(current, member.community_id, member.ref)

    # -- write-behind ----------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._new_communities) + len(self._new) + len(self._renamed)

    async def write_pending(self, session: AsyncSession) -> Callable[[], None] | None:
        # Taken together before any await: a member seen meanwhile may belong to a community seen meanwhile.
        communities = list(self._new_communities.values())
        batch = list(self._new.values())
        renamed = dict(self._renamed)
        if communities:  # before their members, which refer to them
            await identity.insert_communities(session, communities)
        moved = await identity.insert_members(session, batch) if batch else {}
        if renamed:
            await identity.rename_members(session, [(self.current_id(i), name) for i, name in renamed.items()])
        # Another process wrote these members first: theirs is the id from now on (rows written with
        # the id given here are remapped by their writers through `moved`).
        for given, member in [(given, self._member_by_id.pop(given)) for given in moved]:
            self.moved[given] = moved[given]
            self._new.pop(given, None)
            self._remember_member(Member(moved[given], member.community_id, member.ref))

        def committed() -> None:
            for community in communities:
                del self._new_communities[community.id]
            for row in batch:
                now_pending = self._new.get(row.id)
                if now_pending is row:
                    del self._new[row.id]
                elif now_pending is not None:  # renamed while its row was being written: the new name follows
                    del self._new[row.id]
                    self._renamed[row.id] = now_pending.display_name
            for member_id, name in renamed.items():
                if self._renamed.get(member_id) == name:
                    del self._renamed[member_id]

        return committed

    # -- internals -------------------------------------------------------------------------------
    async def _warm(self, community: Community) -> None:
        # One read per community however many messages arrive while it runs (a burst after a restart
        # would otherwise read a large community's members once per message in flight).
        warming = self._warming.get(community.id)
        if warming is None:
            warming = self._warming[community.id] = asyncio.ensure_future(self._load_members(community))
            warming.add_done_callback(lambda _: self._warming.pop(community.id, None))
        await asyncio.shield(warming)

    async def _load_members(self, community: Community) -> None:
        async with self._db.read() as session:
            known = self._members.setdefault(community.id, {})
            async for rows in identity.community_members(session, community.id):
                for row in rows:
                    if row.external_id not in known:
                        self._remember_member(Member(row.id, community.id, _ref(community, row)))
                    if row.departed:
                        self._departed.add(row.id)
        self._warmed.add(community.id)  # only now: a member not in the map is new

    async def _reserve_ids(self) -> None:
        async with self._reserving:
            if not self._free_ids:
                if self._db.is_sqlite and self._next_sqlite_id is not None:
                    ids: range | list[int] = range(self._next_sqlite_id, self._next_sqlite_id + _ID_BLOCK)
                else:
                    async with self._db.read() as session:
                        ids = await identity.reserve_member_ids(session, _ID_BLOCK)
                if self._db.is_sqlite:
                    self._next_sqlite_id = ids[-1] + 1
                self._free_ids = list(reversed(ids))

    def _remember_community(self, community: Community) -> Community:
        self._communities[community.ref] = community
        self._community_by_id[community.id] = community
        return community

    def _remember_member(self, member: Member) -> Member:
        self._last = None
        self._members.setdefault(member.community_id, {})[member.ref.external_id] = member
        self._member_by_id[member.id] = member
        return member


def _ref(community: Community, row: identity.MemberRow) -> MemberRef:
    return MemberRef(community.ref, row.external_id, row.display_name, row.is_bot)
