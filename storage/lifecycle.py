"""Members' data rights and the end of things: privacy choices, a member's own row, departed members past
their retention, communities Hearth was removed from, and a community's contribution history for export."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import String, Table, bindparam, case, cast, delete, false, func, literal, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from storage.dialect import Compiled, fetch, upsert_insert
from storage.health_models import HealthNewcomer
from storage.models import (
    REASON_LENGTH,
    Community,
    CommunityState,
    Contribution,
    ErasedMember,
    IdHighWater,
    Member,
)
from storage.times import as_utc


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined]


_MEMBER, _STATE, _LEDGER = _table(Member), _table(CommunityState), _table(Contribution)
_ERASED, _HIGH_WATER = _table(ErasedMember), _table(IdHighWater)


@dataclass(frozen=True)
class Privacy:
    hidden_from_boards: bool
    health_opt_out: bool


async def privacy(session: AsyncSession, member_id: int) -> Privacy:
    row = (
        await session.execute(
            select(_MEMBER.c.hidden_from_boards, _MEMBER.c.health_opt_out).where(_MEMBER.c.id == member_id)
        )
    ).one()
    return Privacy(bool(row.hidden_from_boards), bool(row.health_opt_out))


async def set_privacy(session: AsyncSession, member_id: int, **choices: bool) -> None:
    await session.execute(update(_MEMBER).where(_MEMBER.c.id == member_id).values(**choices))


async def member_row(session: AsyncSession, member_id: int) -> dict[str, Any]:
    """What the member table says about one member (for their export)."""
    row = (await session.execute(select(_MEMBER).where(_MEMBER.c.id == member_id))).one()
    return dict(row._mapping)


async def delete_member_row(session: AsyncSession, member_id: int) -> None:
    """The member's own row, once every cog has deleted (or forgotten them in) what refers to it; its id is never
    given again (`IdHighWater`)."""
    await _keep_high_water(session, member_id)
    await session.execute(delete(_MEMBER).where(_MEMBER.c.id == member_id))


async def _keep_high_water(session: AsyncSession, member_id: int | None) -> None:
    """Raise the member ids' high-water mark to `member_id` (the highest of rows about to be deleted)."""
    if member_id is None:
        return
    upsert = upsert_insert(session, _HIGH_WATER).values(name="member", highest=member_id)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["name"],
            set_={
                "highest": case(
                    (upsert.excluded.highest > _HIGH_WATER.c.highest, upsert.excluded.highest),
                    else_=_HIGH_WATER.c.highest,
                )
            },
        )
    )


async def member_high_water(session: AsyncSession) -> int:
    """The highest member id ever given whose row is gone (0: none)."""
    found = await session.execute(select(_HIGH_WATER.c.highest).where(_HIGH_WATER.c.name == "member"))
    return int(found.scalar() or 0)


# The mark of a member anonymised after they left (`remember_erased(away=True)`): seen again without having come
# back (a click on the checklist a DM kept), they are someone gone, not a member whose data was deleted.
AWAY = "away"


async def remember_erased(session: AsyncSession, member_id: int, *, away: bool = False) -> None:
    """Before the member row is deleted or anonymised: keep the keyed digest of their platform id (`ErasedMember`),
    so that a points import naming them does not create them again; `away` (anonymised after leaving), the mark
    AWAY too, which a deletion of theirs (they are here) drops."""
    row = (
        await session.execute(select(_MEMBER.c.community_id, _MEMBER.c.external_id).where(_MEMBER.c.id == member_id))
    ).first()
    if row is None or anonymised(row.external_id):
        return
    digest = _erased_digest(await pseudonym_key(session, row.community_id), row.external_id)
    await session.execute(
        upsert_insert(session, _ERASED)
        .values(community_id=row.community_id, digest=digest)
        .on_conflict_do_nothing(index_elements=["community_id", "digest"])
    )
    if away:
        await keep_marks(session, row.community_id, row.external_id, [AWAY])
    else:
        await drop_marks(session, row.community_id, row.external_id, [AWAY])


async def erased(session: AsyncSession, community_id: int, external_ids: Iterable[str]) -> set[str]:
    """Which of these platform ids (as member rows keep them) belong to members whose data was erased
    (`remember_erased`)."""
    key = await _stored_key(session, community_id)
    if key is None:  # nobody erased: remembering one makes the key
        return set()
    by_digest = {_erased_digest(key, external_id): external_id for external_id in external_ids}
    digests = list(by_digest)
    found: set[str] = set()
    for start in range(0, len(digests), _ERASED_CHUNK):
        rows = await session.execute(
            select(_ERASED.c.digest).where(
                _ERASED.c.community_id == community_id, _ERASED.c.digest.in_(digests[start : start + _ERASED_CHUNK])
            )
        )
        found |= {by_digest[digest] for digest in rows.scalars()}
    return found


_ERASED_CHUNK = 500  # digests per query (SQLite's bound parameters)


async def keep_marks(session: AsyncSession, community_id: int, external_id: str, marks: Iterable[str]) -> None:
    """Keep facts about a member whose data is being erased that must outlive it (a moderator's lock on their
    giving, the kudos they used today), each as a keyed digest of the platform id and the fact in `ErasedMember`:
    nobody can read them back, only ask whether the same member comes with the same fact (`kept_marks`)."""
    key = await pseudonym_key(session, community_id)
    for mark in dict.fromkeys(marks):
        await session.execute(
            upsert_insert(session, _ERASED)
            .values(community_id=community_id, digest=_erased_digest(key, _marked(external_id, mark)))
            .on_conflict_do_nothing(index_elements=["community_id", "digest"])
        )


async def kept_marks(session: AsyncSession, community_id: int, external_id: str, marks: Iterable[str]) -> set[str]:
    """Which of `marks` were kept (`keep_marks`) for this platform id when its member's data was erased."""
    key = await _stored_key(session, community_id)
    if key is None:  # nobody erased: remembering one makes the key
        return set()
    by_digest = {_erased_digest(key, _marked(external_id, mark)): mark for mark in marks}
    rows = await session.execute(
        select(_ERASED.c.digest).where(_ERASED.c.community_id == community_id, _ERASED.c.digest.in_(list(by_digest)))
    )
    return {by_digest[digest] for digest in rows.scalars()}


async def drop_marks(session: AsyncSession, community_id: int, external_id: str, marks: Iterable[str]) -> None:
    """Forget marks kept for this platform id (a kept lock, once recorded again as the member's own)."""
    key = await _stored_key(session, community_id)
    if key is None:
        return
    digests = [_erased_digest(key, _marked(external_id, mark)) for mark in marks]
    await session.execute(delete(_ERASED).where(_ERASED.c.community_id == community_id, _ERASED.c.digest.in_(digests)))


def _marked(external_id: str, mark: str) -> str:
    """What a mark's digest is made of: never a platform id alone (NUL is in no id), so no mark reads as an
    erased member for `erased`."""
    return f"{external_id}\x00{mark}"


def _erased_digest(key: str, external_id: str) -> str:
    return hmac.new(key.encode(), external_id.encode(), hashlib.sha256).hexdigest()


# An anonymised member's `external_id` is this prefix and a random token: no platform's id, no name.
ANONYMISED = "former-"


def anonymised(external_id: str) -> bool:
    """Whether a member row's platform id is the placeholder anonymisation left (README, Retention)."""
    return external_id.startswith(ANONYMISED)


# What other members' reasons say instead of a member deleted or anonymised (`thanks @zed` -> `thanks @former
# member`), in the words the contribution history uses for them.
FORMER_MEMBER = "@former member"
# After a name, what goes on naming someone else (`@zed-fan`, `@zed.smith`, `@zedd`); punctuation ending the
# sentence and a possessive (`@zed.`, `@zed's`) are the member's, as kudos parsing reads them.
# An `@` that starts a mention, not one inside a word (`x@alice`, an e-mail address).
_MENTION_AT = r"(?<![\w.+-])@"
_NAME_GOES_ON = r"(?![\w-]|\.[\w-])"


@dataclass(frozen=True)
class Mentions:
    """How reasons name a set of members, and which member each mention names.

    A reason names a member as stored: `@name` for their display name or, on the console, their id (Discord's
    and Slack's typed mentions are kept as `@display name`), or a platform's raw mention of their id
    (`<@123>`, `<@!123>`, `<@U123|zed>`), case aside. The longer of two names that begin alike is tried first
    (`@Zed Smith` is Zed Smith's, not Zed's followed by "Smith"); a plain word is nobody's mention."""

    pattern: re.Pattern[str]
    by_name: dict[str, int]  # casefolded name -> member id
    by_external_id: dict[str, int]

    def replace(self, text: str, by: Callable[[int, str], str]) -> str:
        """`text` with each mention replaced by `by(member id, the mention as written)`."""

        def one(found: re.Match[str]) -> str:
            external_id, name = found.group("id"), found.group("name")
            member = self.by_external_id[external_id.casefold()] if external_id else self.by_name[name.casefold()]
            return by(member, found.group())

        return self.pattern.sub(one, text)


def mentions(members: Iterable[tuple[int, str, str | None]], prefer: int | None = None) -> Mentions | None:
    """The mentions of `members` (id, external id, display name); None for no member. Where two members share
    a name, `prefer` (the member the caller is about) is the one it names, so nothing of theirs is missed;
    else the older member (the lower id), the same in every call."""
    by_name: dict[str, int] = {}
    by_external_id: dict[str, int] = {}
    for member_id, external_id, display_name in sorted(members, key=lambda m: (m[0] == prefer, -m[0])):
        by_external_id[external_id.casefold()] = member_id
        for name in (external_id, display_name):
            if name:
                by_name[name.casefold()] = member_id
    if not by_name:
        return None
    names = "|".join(map(re.escape, sorted(by_name, key=len, reverse=True)))
    ids = "|".join(map(re.escape, sorted(by_external_id, key=len, reverse=True)))
    pattern = re.compile(
        rf"<@!?(?P<id>{ids})(?:\|[^>]*)?>|{_MENTION_AT}(?P<name>{names}){_NAME_GOES_ON}", re.IGNORECASE
    )
    return Mentions(pattern, by_name, by_external_id)


# What may start a mention in a text: a raw platform mention's id, or the first word after `@` (a name may go on
# with more words, `@Zed Smith`, so members are looked up by the names that begin with it).
_MENTION_START = re.compile(rf"<@!?([^>|\s]+)|{_MENTION_AT}([^\s@<>]+)")
# What may follow a name in the same word: a possessive, the sentence's punctuation.
_WORD_END = re.compile(r"(?:['’]s?|[.,;:!?)\"])+$")


async def mentions_in(session: AsyncSession, community_id: int, texts: Iterable[str], prefer: int) -> Mentions | None:
    """The mentions of the community's members that `texts` (an export's reasons) may hold: only members whose id
    is mentioned or whose name begins with a word written after `@` are read, not the whole community (100,000
    members would make a pattern of 200,000 names)."""
    ids: set[str] = set()
    words: set[str] = set()
    for text in texts:
        for raw_id, word in _MENTION_START.findall(text):
            if raw_id:
                ids.add(raw_id)
            else:
                words.add(_WORD_END.sub("", word).casefold())
    words.discard("")
    if not ids and not words:
        return None
    found: dict[int, tuple[int, str, str | None]] = {}
    candidates = sorted(words)
    for start in range(0, max(len(candidates), 1), _WORDS_PER_READ):
        chunk = candidates[start : start + _WORDS_PER_READ]
        rows = await session.execute(
            select(_MEMBER.c.id, _MEMBER.c.external_id, _MEMBER.c.display_name).where(
                _MEMBER.c.community_id == community_id,
                or_(
                    _MEMBER.c.external_id.in_(sorted(ids)) if start == 0 and ids else false(),
                    *(
                        column.istartswith(word, autoescape=True)
                        for word in chunk
                        for column in (_MEMBER.c.external_id, _MEMBER.c.display_name)
                    ),
                ),
            )
        )
        found.update((int(i), (int(i), str(e), d)) for i, e, d in rows)
    return mentions(found.values(), prefer)


_WORDS_PER_READ = 200  # `LIKE` terms per statement (two each: id and display name), within SQLite's limits


async def forget_mentions(session: AsyncSession, member_id: int) -> None:
    """Every reason in the member's community that names them (as `Mentions` reads it) names a former member
    instead. Call it before the member row loses their names (deleted or anonymised).

    SQL finds the candidate rows on SQLite and PostgreSQL alike (SQLite has no regular expressions); the
    replacement, which needs word boundaries, is made here and written back by id in the same transaction.
    Reasons are the only free text in the ledger; rows are not otherwise changed."""
    who = (
        await session.execute(
            select(_MEMBER.c.community_id, _MEMBER.c.external_id, _MEMBER.c.display_name).where(
                _MEMBER.c.id == member_id
            )
        )
    ).one()
    names = {name for name in (who.external_id, who.display_name) if name}
    # Only other members whose names begin with theirs can be mistaken for them (`@Zed Smith` beside `@Zed`).
    others = await session.execute(
        select(_MEMBER.c.id, _MEMBER.c.external_id, _MEMBER.c.display_name).where(
            _MEMBER.c.community_id == who.community_id,
            _MEMBER.c.id != member_id,
            or_(
                *(
                    column.istartswith(name, autoescape=True)
                    for name in names
                    for column in (_MEMBER.c.external_id, _MEMBER.c.display_name)
                )
            ),
        )
    )
    said = mentions(
        [(member_id, who.external_id, who.display_name), *((int(i), str(e), d) for i, e, d in others)], member_id
    )
    assert said is not None  # the member themself is one
    # `@<id>` also finds `<@id>` and `<@id|name>`; `@!<id>` Discord's older nickname mention.
    needles = [f"@{name}" for name in sorted(names)] + [f"@!{who.external_id}"]
    candidates = await session.execute(
        select(_LEDGER.c.id, _LEDGER.c.reason).where(
            _LEDGER.c.community_id == who.community_id,
            or_(*(_LEDGER.c.reason.icontains(needle, autoescape=True) for needle in needles)),
        )
    )

    def former(found: int, written: str) -> str:
        return FORMER_MEMBER if found == member_id else written

    changed = [
        {"row": row_id, "new_reason": _fitted(new)}
        for row_id, reason in candidates
        if (new := said.replace(reason, former)) != reason
    ]
    if changed:
        await session.execute(
            update(_LEDGER).where(_LEDGER.c.id == bindparam("row")).values(reason=bindparam("new_reason")),
            changed,
        )


def _fitted(reason: str) -> str:
    """`@former member` is longer than most names: a reason it lengthened past the column (which PostgreSQL
    enforces) loses its end."""
    return reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 1] + "…"


async def _stored_key(session: AsyncSession, community_id: int) -> str | None:
    """The community's pseudonym key, None before anyone needed one (one trip to the driver: `/kudos` asks it)."""
    dialect = (await session.connection()).dialect
    found = await fetch(session, _key_of(dialect), {"community_id": community_id})
    return str(found[0][0]) if found else None


@lru_cache(maxsize=2)
def _key_of(dialect: Dialect) -> Compiled:
    key = select(_STATE.c.pseudonym_key).where(_STATE.c.community_id == bindparam("community_id"))
    return Compiled.of(key, dialect)


async def pseudonym_key(session: AsyncSession, community_id: int) -> str:
    """The community's secret for stable pseudonyms, made on first use."""
    await session.execute(
        upsert_insert(session, _STATE)
        .values(community_id=community_id, pseudonym_key=secrets.token_hex(32))
        .on_conflict_do_nothing(index_elements=["community_id"])
    )
    key = await _stored_key(session, community_id)
    assert key is not None  # written just above, or by whoever came first
    return key


async def mark_removed(session: AsyncSession, community_id: int, when: datetime | None) -> None:
    """Hearth was removed from the community at `when` (None: it is back)."""
    await pseudonym_key(session, community_id)
    await session.execute(update(_STATE).where(_STATE.c.community_id == community_id).values(removed_at=when))


async def removed_communities(session: AsyncSession) -> list[tuple[int, datetime]]:
    rows = await session.execute(
        select(_STATE.c.community_id, _STATE.c.removed_at).where(_STATE.c.removed_at.is_not(None))
    )
    return [(int(community_id), as_utc(removed)) for community_id, removed in rows]


async def departed(session: AsyncSession) -> list[tuple[int, int, datetime]]:
    """(member, community, left at) of every member who left, has not come back and is not anonymised yet."""
    rows = await session.execute(
        select(_MEMBER.c.id, _MEMBER.c.community_id, _MEMBER.c.left_at).where(
            _MEMBER.c.left_at.is_not(None), _MEMBER.c.external_id.not_like("former-%")
        )
    )
    return [(int(member_id), int(community_id), as_utc(left)) for member_id, community_id, left in rows]


async def delete_community(session: AsyncSession, community_id: int) -> None:
    """Every row of one community, whatever cog wrote it: rows carrying `community_id`, rows hanging off
    those (a ritual's runs, a run's pairs) and finally the community. Walks the schema, so a table a cog
    adds later is covered without naming it here."""
    highest = await session.execute(select(func.max(_MEMBER.c.id)).where(_MEMBER.c.community_id == community_id))
    await _keep_high_water(session, highest.scalar())
    tables = SQLModel.metadata.sorted_tables
    owned: dict[str, Any] = {}  # table name -> a subquery of that table's ids in the community
    for table in tables:
        if "community_id" in table.c and "id" in table.c:
            owned[table.name] = select(table.c.id).where(table.c.community_id == community_id)
    for table in reversed(tables):  # children before the rows they point to
        if table.name == "community":
            continue
        if "community_id" in table.c:
            await session.execute(delete(table).where(table.c.community_id == community_id))
            continue
        for column in table.c:
            for key in column.foreign_keys:
                parent = key.column.table.name
                if parent in owned and key.column.name == "id":
                    await session.execute(delete(table).where(column.in_(owned[parent])))
    await session.execute(delete(_table(Community)).where(_table(Community).c.id == community_id))


@dataclass(frozen=True)
class HistoryRow:
    created_at: datetime
    member_external_id: str | None
    member_name: str
    kind: str
    points: int
    channel: str | None


async def history(session: AsyncSession, community_id: int, since: datetime | None) -> list[HistoryRow]:
    """The community's contribution history, oldest first (no reasons: those are people's words)."""
    query = (
        select(
            _LEDGER.c.created_at,
            _MEMBER.c.external_id,
            _MEMBER.c.display_name,
            _LEDGER.c.kind,
            _LEDGER.c.points,
            _LEDGER.c.channel,
        )
        .join(_MEMBER, _MEMBER.c.id == _LEDGER.c.member_id)
        .where(_LEDGER.c.community_id == community_id)
        .order_by(_LEDGER.c.created_at, _LEDGER.c.id)
    )
    if since is not None:
        query = query.where(_LEDGER.c.created_at >= since)
    rows = await session.execute(query)
    return [HistoryRow(as_utc(r[0]), r[1], r[2] or "", r[3], int(r[4]), r[5]) for r in rows]


async def community_id_of(session: AsyncSession, community_id: int) -> int | None:
    found = await session.execute(select(_table(Community).c.id).where(_table(Community).c.id == community_id))
    value = found.scalar_one_or_none()
    return None if value is None else int(value)


async def anonymise_member_row(session: AsyncSession, member_id: int) -> None:
    """Nothing left that says who the member was: a random id, no name, and one date, the day they joined (in
    `joined_at`, as first seen is for others). Their contributions stay with this anonymous row (the community's
    history); a person who comes back is someone new.

    Nor do the rows kept name their messages: a ledger key (`message:C0GENERAL:1700000000.000100`) and a
    newcomer's first message are the platform's message ids, by which anyone who can read the channel finds
    the author. Each key becomes `former:<row id>`: a key only tells a redelivered event from a new one, and
    nothing of a departed member's is delivered any more."""
    # Who was a member when is the community's history (health's member counts and states): the day they truly
    # joined, when the platform said, is folded into the one date kept, in place of first seen.
    joined = case(
        (_MEMBER.c.platform_joined_at < _MEMBER.c.joined_at, _MEMBER.c.platform_joined_at),
        else_=_MEMBER.c.joined_at,
    )
    await session.execute(
        update(_MEMBER)
        .where(_MEMBER.c.id == member_id)
        .values(
            external_id=f"{ANONYMISED}{secrets.token_hex(8)}",
            display_name="",
            # That same date, not another, where the platform had said when they joined: a known join is what makes
            # a member "new" in health's states, and a past period's newcomer who left turned "active" once
            # anonymised (until 2026-12-02).
            platform_joined_at=case((_MEMBER.c.platform_joined_at.is_(None), None), else_=joined),
            joined_at=joined,
        )
    )
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(ledger)
        .where(ledger.c.member_id == member_id)
        .values(idempotency_key=literal("former:").concat(cast(ledger.c.id, String)))
    )
    newcomer = HealthNewcomer.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(newcomer)
        .where(newcomer.c.member_id == member_id)
        .values(first_message_id=None, first_message_channel=None)
    )
