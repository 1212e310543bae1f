"""The member-data contract: every column referring to a member has an owner among the cogs, a cog that
declares nothing makes export and delete refuse, and deleting a member removes what every cog kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel, col

import storage.models  # noqa: F401  (every table in the metadata)
from bot.core.member_data import UnhandledMemberData, delete_member, export_member
from bot.core.runtime import Hearth
from bot.platforms.console import member_ref
from storage.models import Contribution
from tests.conftest import ConsoleDriver, ledger_rows


def _member_columns() -> set[tuple[str, str]]:
    return {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "member" and fk.column.name == "id"
    }


def test_every_column_referring_to_a_member_has_exactly_one_owning_cog(hearth: Hearth) -> None:
    hooks = hearth.registry.member_data_hooks()
    assert [cog for cog, found in hooks.items() if found is None] == []
    owned = [(cog, ref.key) for cog, found in hooks.items() if found is not None for ref in found.references]
    keys = [key for _cog, key in owned]
    assert sorted(set(keys)) == sorted(keys), f"owned twice: {sorted({k for k in keys if keys.count(k) > 1})}"
    assert _member_columns() - set(keys) == set(), "a table names members but no cog exports or deletes it"
    assert set(keys) - _member_columns() == set()


async def test_a_cog_without_hooks_makes_export_and_delete_refuse_loudly(hearth: Hearth) -> None:
    hearth.registry.load(["tests.core.cog_without_member_data"], hearth.services)
    hooks = hearth.registry.member_data_hooks()
    with pytest.raises(UnhandledMemberData, match=r"declared by: tests\.core\.cog_without_member_data$"):
        await export_member(hooks, 1)
    with pytest.raises(UnhandledMemberData, match="cog_without_member_data"):
        await delete_member(hooks, 1)


SCRIPT = """
@mod is moderator
@mod: /onboarding channel intros #intros
@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"
@alice joins
@alice: /intro
@alice submits name=Ali; location=Lisbon; about=Sailing; interests=Boats
@alice: /kudos @bob thanks for the review
@bob: /kudos @alice welcome!
@alice: /birthday set 05-17
wait 21h
@alice: my plans
"""


async def _member_id(hearth: Hearth, name: str) -> int:
    member = await hearth.services.identity.member(member_ref(name))
    assert member.id is not None
    return member.id


async def test_deleting_a_member_removes_what_every_cog_kept_and_leaves_others_their_points(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(SCRIPT)
    hooks = hearth.registry.member_data_hooks()
    alice = await _member_id(hearth, "alice")
    exported = await export_member(hooks, alice)
    assert {row["kind"] for row in exported["cogs.recognition"]["contribution"]} >= {
        "kudos_received",
        "kudos_given",
        "intro",
        "ritual_participation",
    }
    assert exported["cogs.introductions"]["intro_answer"]
    assert exported["cogs.onboarding"]["onboarding_journey"]
    assert [(b["month"], b["day"]) for b in exported["cogs.rituals"]["birthday"]] == [(5, 17)]
    assert exported["cogs.rituals"]["ritual_participation"]

    await delete_member(hooks, alice)

    left = await export_member(hooks, alice)
    assert all(rows == [] for tables in left.values() for rows in tables.values())
    said = await console.run("@bob: /rank")
    assert "Points: 10" in said  # the kudos alice gave bob stay his
    assert ("bob", 10, "thanks for the review") in await ledger_rows(hearth, "kudos_received")
    async with hearth.db.read() as session:
        actors = (await session.execute(select(col(Contribution.actor_id)))).scalars().all()
    assert alice not in actors
