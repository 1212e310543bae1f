"""Identity: refs to ids, cached, but never stale about names (a renamed member shows up renamed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.core.refs import CommunityRef, MemberRef
from bot.core.runtime import Hearth
from storage import identity as storage_identity
from storage.ledger import Award
from storage.models import Contribution, Member
from tests.conftest import START, NewRuntime, hearth_instance


async def test_a_new_display_name_is_stored_and_a_nameless_ref_keeps_the_known_one(hearth: Hearth) -> None:
    guild = CommunityRef("discord", "1", "Guild")
    first = await hearth.services.identity.member(MemberRef(guild, "42", "Alice"))
    renamed = await hearth.services.identity.member(MemberRef(guild, "42", "Ally"))
    nameless = await hearth.services.identity.member(MemberRef(guild, "42"))

    assert first.id == renamed.id == nameless.id
    assert (first.name, renamed.name, nameless.name) == ("Alice", "Ally", "Ally")
    await hearth.services.activity.flush()  # a first-seen member is written with the next batch
    async with hearth.db.read() as session:
        stored = await session.execute(select(col(Member.display_name)).where(col(Member.id) == first.id))
        assert stored.scalar_one() == "Ally"


async def test_a_name_the_database_would_refuse_is_stored_cleaned_and_writes_go_on(hearth: Hearth) -> None:
    """A NUL, half a surrogate pair or 300 characters in a name: PostgreSQL refuses the first and the last, the
    SQLite driver the second, and the refused row was written with every later batch, failing them all."""
    guild = CommunityRef("discord", "1", "Guild\x00 \udcff")
    odd = await hearth.services.identity.member(MemberRef(guild, "42", "Al\x00ice \udcff" + "é" * 300))
    await hearth.services.activity.flush()
    later = await hearth.services.identity.member(MemberRef(guild, "43", "Bob"))
    await hearth.services.activity.flush()
    async with hearth.db.read() as session:
        names = await session.execute(select(col(Member.id), col(Member.display_name)).order_by(col(Member.id)))
        assert [tuple(row) for row in names] == [(odd.id, "Alice ?" + "é" * 193), (later.id, "Bob")]
        community = await storage_identity.community_by_id(session, odd.community_id)
        assert community.name == "Guild ?"


async def test_a_name_that_arrives_while_the_first_seen_row_is_written_is_stored_too(hearth: Hearth) -> None:
    """Slack names a newcomer once users.info answers, which may be while their row is being written."""
    team = CommunityRef("slack", "T1", "Makers")
    first = await hearth.services.identity.member(MemberRef(team, "U42"))
    async with hearth.db.write():  # takes the row, nameless, into this transaction
        named = await hearth.services.identity.member(MemberRef(team, "U42", "Alice"))
    await hearth.services.activity.flush()

    assert named.id == first.id
    async with hearth.db.read() as session:
        stored = await session.execute(select(col(Member.display_name)).where(col(Member.id) == first.id))
        assert stored.scalar_one() == "Alice"


async def test_a_renamed_community_is_named_anew(hearth: Hearth) -> None:
    before = await hearth.services.identity.community(CommunityRef("slack", "T1", "Makers"))
    after = await hearth.services.identity.community(CommunityRef("slack", "T1", "Makers & Friends"))
    unnamed = await hearth.services.identity.community(CommunityRef("slack", "T1"))

    assert before.id == after.id == unnamed.id
    assert (before.ref.name, after.ref.name, unnamed.ref.name) == ("Makers", "Makers & Friends", "Makers & Friends")


async def test_a_first_seen_member_is_written_with_the_next_write_and_known_after_a_restart(
    hearth: Hearth, new_runtime: NewRuntime
) -> None:
    guild = CommunityRef("discord", "1", "Guild")
    alice = await hearth.services.identity.member(MemberRef(guild, "42", "Alice"))
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == 0
    async with hearth.db.write():  # any write transaction writes the members it may refer to first
        pass
    restarted = await new_runtime()
    again = await restarted.services.identity.member(MemberRef(guild, "42", "Alice"))
    await restarted.services.activity.flush()

    assert again.id == alice.id
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == 1


async def test_a_community_larger_than_a_read_is_known_whole_after_a_restart(
    hearth: Hearth, new_runtime: NewRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = CommunityRef("discord", "1", "Guild")
    refs = [MemberRef(guild, f"u{k}", f"User {k}", is_bot=k == 3) for k in range(7)]
    before = [await hearth.services.identity.member(ref) for ref in refs]
    await hearth.services.identity.left(refs[5])
    monkeypatch.setattr(storage_identity, "MEMBERS_PER_CHUNK", 2)  # four reads: 2, 2, 2 and 1 members

    restarted = await new_runtime()
    after = [await restarted.services.identity.member(MemberRef(guild, f"u{k}")) for k in range(7)]
    await restarted.services.activity.flush()

    assert [member.id for member in after] == [member.id for member in before]  # nobody is new again
    assert [member.ref.display_name for member in after] == [f"User {k}" for k in range(7)]
    assert [member.ref.is_bot for member in after] == [k == 3 for k in range(7)]
    assert [restarted.services.identity.departed(member.id) for member in after] == [k == 5 for k in range(7)]
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == 7


async def test_members_two_processes_first_see_at_once_keep_one_row_each_and_every_point(
    hearth: Hearth, new_runtime: NewRuntime
) -> None:
    guild = CommunityRef("slack", "T1", "Makers")
    other = await new_runtime()
    await other.services.identity.community(guild)  # both processes know the (still empty) community
    # Each process gives ids in memory (on PostgreSQL from one sequence): Uma gets one in each.
    uma = await hearth.services.identity.member(MemberRef(guild, "U1", "Uma"))
    uma_there = await other.services.identity.member(MemberRef(guild, "U1", "Uma"))
    vic = await other.services.identity.member(MemberRef(guild, "U2", "Vic"))
    for runtime, member, key in ((hearth, uma, "a"), (other, vic, "b"), (other, uma_there, "c")):
        runtime.services.activity.submit(Award(member.community_id, member.id, "message", 1, key, START))
    await hearth.services.activity.flush()
    await other.services.activity.flush()

    vic_now = await other.services.identity.member(MemberRef(guild, "U2"))
    assert (await other.services.identity.member(MemberRef(guild, "U1"))).id == uma.id
    async with hearth.db.read() as session:
        members = (await session.execute(select(col(Member.external_id), col(Member.id)))).all()
        points = (await session.execute(select(col(Contribution.member_id), col(Contribution.points)))).all()
    assert sorted(members) == [("U1", uma.id), ("U2", vic_now.id)]
    assert sorted(points) == sorted([(uma.id, 1), (uma.id, 1), (vic_now.id, 1)])


async def test_communities_first_seen_in_a_burst_are_written_with_their_members_and_kept_after_a_restart(
    hearth: Hearth, new_runtime: NewRuntime
) -> None:
    writes = hearth.db.writes
    refs = [
        MemberRef(CommunityRef("discord", str(n), f"Guild {n}"), f"u{k}", f"User {k}")
        for n in range(3)
        for k in range(2)
    ]
    members = await asyncio.gather(*(hearth.services.identity.member(ref) for ref in refs))
    if hearth.db.is_sqlite:  # ids given in memory: not a transaction per community
        assert hearth.db.writes == writes
    await hearth.services.activity.flush()  # the next write writes them, communities before members

    restarted = await new_runtime()
    again = [await restarted.services.identity.member(ref) for ref in refs]
    assert [(m.id, m.community_id) for m in again] == [(m.id, m.community_id) for m in members]
    assert len({m.community_id for m in members}) == 3
    async with restarted.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == 6


async def test_a_community_s_members_are_loaded_once_however_many_messages_wait_for_them(
    hearth: Hearth, new_runtime: NewRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = CommunityRef("discord", "1", "Guild")
    for k in range(3):
        await hearth.services.identity.member(MemberRef(guild, f"u{k}", f"User {k}"))
    await hearth.services.activity.flush()
    restarted = await new_runtime()
    loads: list[int] = []
    real = storage_identity.community_members

    def counted(session: Any, community_id: int) -> Any:
        loads.append(community_id)
        return real(session, community_id)

    monkeypatch.setattr(storage_identity, "community_members", counted)
    burst = await asyncio.gather(
        *(restarted.services.identity.member(MemberRef(guild, f"u{k % 3}")) for k in range(30))
    )
    assert len(loads) == 1
    assert len({member.id for member in burst}) == 3


async def test_commands_and_reactions_naming_members_another_process_wrote_first_use_their_rows(
    database_url: str,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("one process per SQLite file")
    async with hearth_instance(database_url, START) as first, hearth_instance(database_url, START) as second:
        # The second process gives alice and bob ids in memory (their messages wait in its buffer)...
        await second.run("@alice: hello there\n@bob: hello to you")
        # ...and the first writes their rows first, and dan's, whom the second has not seen.
        await first.run("@alice: /kudos @bob thanks for the review\n@bob: /kudos @dan thanks")
        # The second learns the first's ids when it writes (a command's claim) and records under them: the
        # author's (alice) and those of members its options name (dan), not rows under ids no member has.
        said = await second.run("@alice: /kudos @bob thanks again\n@bob: /kudos @dan thanks as well")
        assert "@bob received kudos from @alice" in said
        assert "@dan received kudos from @bob" in said
        assert "went wrong" not in said

        # A reaction's kudos write the members it names first seen here (gus, hana) in their own transaction.
        await second.run("@gus: hello there\n@hana: a question about the release")
        await first.run("@gus: /kudos @hana thanks")
        said = await second.run("@gus reacts 🙌 to @hana\n@hana: /rank")
        assert "Kudos received: 2" in said


async def test_a_member_another_process_wrote_reads_their_own_standing_in_their_first_command_here(
    database_url: str,
) -> None:
    """zed spoke and was thanked through the second process after the first had loaded the community: zed's first
    `/rank` through the first showed 0 points, unranked, while the leaderboard beside it had zed on top (a read-only
    command wrote nothing, so the first process went on reading under the id it had just given zed in memory)."""
    if database_url.startswith("sqlite"):
        pytest.skip("one process per SQLite file")
    async with hearth_instance(database_url, START) as first, hearth_instance(database_url, START) as second:
        await first.run("@ann: hello")
        await first.platform.hearth.services.activity.flush()  # the first process has loaded the community
        await second.run("@zed: hello there\n@ann: /kudos @zed thanks for the review")
        await second.platform.hearth.services.activity.flush()

        said = await first.run("@zed: /rank\n@zed: /leaderboard around:me")
        assert "Points: 11" in said and "unranked" not in said
        assert "🥇 zed — 11 points ← you" in said
