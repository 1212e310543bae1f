"""Identity: refs to ids, cached, but never stale about names (a renamed member shows up renamed)."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.refs import CommunityRef, MemberRef
from bot.core.runtime import Hearth
from storage.models import Member


async def test_a_new_display_name_is_stored_and_a_nameless_ref_keeps_the_known_one(hearth: Hearth) -> None:
    guild = CommunityRef("discord", "1", "Guild")
    first = await hearth.services.identity.member(MemberRef(guild, "42", "Alice"))
    renamed = await hearth.services.identity.member(MemberRef(guild, "42", "Ally"))
    nameless = await hearth.services.identity.member(MemberRef(guild, "42"))

    assert first.id == renamed.id == nameless.id
    assert (first.name, renamed.name, nameless.name) == ("Alice", "Ally", "Ally")
    async with hearth.db.read() as session:
        stored = await session.execute(select(Member.display_name).where(Member.id == first.id))  # type: ignore[call-overload]
        assert stored.scalar_one() == "Ally"


async def test_a_renamed_community_is_named_anew(hearth: Hearth) -> None:
    before = await hearth.services.identity.community(CommunityRef("slack", "T1", "Makers"))
    after = await hearth.services.identity.community(CommunityRef("slack", "T1", "Makers & Friends"))
    unnamed = await hearth.services.identity.community(CommunityRef("slack", "T1"))

    assert before.id == after.id == unnamed.id
    assert (before.ref.name, after.ref.name, unnamed.ref.name) == ("Makers", "Makers & Friends", "Makers & Friends")
