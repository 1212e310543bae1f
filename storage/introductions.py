"""Introductions: form fields, intro posts and answers, interest tags, acquaintances, /match opt-outs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.models import (
    IntroAcquaintance,
    IntroAnswer,
    Introduction,
    IntroField,
    IntroTag,
    MatchOptOut,
    Member,
)
from storage.times import as_utc


def _table(model: Any) -> Any:
    return model.__table__


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    max_length: int
    required: bool


@dataclass(frozen=True)
class IntroRow:
    member_id: int
    channel_id: str
    message_id: str
    thread_id: str | None
    posted_at: datetime
    answers: dict[str, str]


@dataclass(frozen=True)
class Match:
    member_id: int
    external_id: str
    display_name: str
    shared: tuple[str, ...]


async def fields(session: AsyncSession, community_id: int) -> list[FieldRow]:
    table = _table(IntroField)
    rows = await session.execute(
        select(table).where(table.c.community_id == community_id).order_by(table.c.position, table.c.key)
    )
    return [FieldRow(r.key, r.label, r.max_length, r.required) for r in rows]


async def save_fields(session: AsyncSession, community_id: int, rows: Sequence[FieldRow]) -> None:
    """Replace the community's form with these fields, in this order."""
    table = _table(IntroField)
    await session.execute(delete(table).where(table.c.community_id == community_id))
    if rows:
        await session.execute(
            table.insert(),
            [
                {
                    "community_id": community_id,
                    "key": row.key,
                    "position": position,
                    "label": row.label,
                    "max_length": row.max_length,
                    "required": row.required,
                }
                for position, row in enumerate(rows)
            ],
        )


async def delete_answers(session: AsyncSession, community_id: int, key: str) -> int:
    """Delete the community's members' answers to field `key` (a question removed from the form); returns how
    many there were."""
    answers, members = _table(IntroAnswer), _table(Member)
    deleted = await session.execute(
        delete(answers).where(
            answers.c.key == key,
            answers.c.member_id.in_(select(members.c.id).where(members.c.community_id == community_id)),
        )
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


async def delete_tags(session: AsyncSession, community_id: int) -> None:
    """Delete the community's members' interest tags (read from the answers to the interests question, which
    was removed from the form)."""
    tags = _table(IntroTag)
    await session.execute(delete(tags).where(tags.c.community_id == community_id))


async def _answers(session: AsyncSession, member_id: int) -> dict[str, str]:
    table = _table(IntroAnswer)
    rows = await session.execute(select(table.c.key, table.c.value).where(table.c.member_id == member_id))
    return {row.key: row.value for row in rows}


def _intro(row: Any, answers: dict[str, str]) -> IntroRow:
    return IntroRow(row.member_id, row.channel_id, row.message_id, row.thread_id, as_utc(row.posted_at), answers)


async def intro(session: AsyncSession, member_id: int) -> IntroRow | None:
    table = _table(Introduction)
    row = (await session.execute(select(table).where(table.c.member_id == member_id))).first()
    return _intro(row, await _answers(session, member_id)) if row else None


async def card_of(session: AsyncSession, member_id: int) -> tuple[int, str, str, str | None] | None:
    """Where the member's intro card was posted: (community id, channel id, message id, the thread under it or
    None), or None without one."""
    table = _table(Introduction)
    row = (
        await session.execute(
            select(table.c.community_id, table.c.channel_id, table.c.message_id, table.c.thread_id).where(
                table.c.member_id == member_id
            )
        )
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


async def intro_by_thread(session: AsyncSession, community_id: int, thread_id: str) -> IntroRow | None:
    table = _table(Introduction)
    row = (
        await session.execute(select(table).where(table.c.community_id == community_id, table.c.thread_id == thread_id))
    ).first()
    return _intro(row, {}) if row else None


async def save_intro(
    session: AsyncSession,
    community_id: int,
    member_id: int,
    post: tuple[str, str, str | None],
    now: datetime,
    answers: dict[str, str],
    tags: Sequence[str],
) -> None:
    """Store (or update) a member's intro: where it was posted (channel, message, thread), answers, tags."""
    table = _table(Introduction)
    channel_id, message_id, thread_id = post
    statement = upsert_insert(session, table).values(
        member_id=member_id,
        community_id=community_id,
        channel_id=channel_id,
        message_id=message_id,
        thread_id=thread_id,
        posted_at=now,
        updated_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"updated_at": now, "channel_id": channel_id, "message_id": message_id, "thread_id": thread_id},
        )
    )
    answer_table, tag_table = _table(IntroAnswer), _table(IntroTag)
    await session.execute(delete(answer_table).where(answer_table.c.member_id == member_id))
    await session.execute(delete(tag_table).where(tag_table.c.member_id == member_id))
    if answers:
        await session.execute(
            answer_table.insert(), [{"member_id": member_id, "key": k, "value": v} for k, v in answers.items()]
        )
    if tags:
        await session.execute(
            tag_table.insert(), [{"member_id": member_id, "tag": t, "community_id": community_id} for t in tags]
        )


async def meet(session: AsyncSession, member_id: int, other_id: int) -> None:
    """Remember that two members met (both ways)."""
    table = _table(IntroAcquaintance)
    for a, b in ((member_id, other_id), (other_id, member_id)):
        await session.execute(
            upsert_insert(session, table)
            .values(member_id=a, other_id=b)
            .on_conflict_do_nothing(index_elements=["member_id", "other_id"])
        )


async def set_optout(session: AsyncSession, member_id: int, hidden: bool) -> bool:
    """Hide from (or show again in) /match suggestions; False when nothing changed."""
    table = _table(MatchOptOut)
    if hidden:
        done = await session.execute(
            upsert_insert(session, table)
            .values(member_id=member_id)
            .on_conflict_do_nothing(index_elements=["member_id"])
            .returning(table.c.member_id)
        )
        return done.first() is not None
    removed = await session.execute(delete(table).where(table.c.member_id == member_id))
    return bool(removed.rowcount)  # type: ignore[attr-defined]


async def matches(session: AsyncSession, community_id: int, member_id: int, limit: int = 3) -> list[Match]:
    """Members sharing the most tags with this one, except acquaintances, opted-out and departed members."""
    tags, mine = _table(IntroTag), _table(IntroTag).alias("mine")
    members, acquainted, optout = _table(Member), _table(IntroAcquaintance), _table(MatchOptOut)
    shared = func.count().label("shared")
    rows = (
        await session.execute(
            select(tags.c.member_id, shared)
            .join(mine, (mine.c.tag == tags.c.tag) & (mine.c.member_id == member_id))
            .join(members, members.c.id == tags.c.member_id)
            .where(
                tags.c.community_id == community_id,
                tags.c.member_id != member_id,
                members.c.left_at.is_(None),
                members.c.is_bot.is_(False),
                members.c.hidden_from_boards.is_(False),  # hidden with /privacy: not suggested to others
                tags.c.member_id.not_in(select(optout.c.member_id)),
                tags.c.member_id.not_in(select(acquainted.c.other_id).where(acquainted.c.member_id == member_id)),
            )
            .group_by(tags.c.member_id)
            .order_by(shared.desc(), tags.c.member_id)
            .limit(limit)
        )
    ).all()
    found: list[Match] = []
    for row in rows:
        person = (
            await session.execute(
                select(members.c.external_id, members.c.display_name).where(members.c.id == row.member_id)
            )
        ).one()
        common = await session.execute(
            select(tags.c.tag)
            .join(mine, (mine.c.tag == tags.c.tag) & (mine.c.member_id == member_id))
            .where(tags.c.member_id == row.member_id)
            .order_by(tags.c.tag)
        )
        found.append(Match(row.member_id, person.external_id, person.display_name, tuple(r.tag for r in common)))
    return found
