"""Recognition rules: who may thank whom, how often, and what it is worth."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.awards import award
from bot.core.messenger import PlatformError
from bot.core.refs import Member, Permission
from bot.core.reply import UserError, mention
from bot.core.services import Services
from bot.core.standings import Leader, Measure
from cogs.recognition import report
from cogs.recognition.repeats import Repeats
from cogs.recognition.settings import RecognitionSettings, tag_list, tags_in
from config.community import CommunitySettings
from config.durations import format_duration
from storage import identity, ledger, lifecycle, recognition, seasons
from storage.kinds import Kind
from storage.ledger import Award, Standing

PERIODS = ledger.PERIODS
CATEGORIES = ("all", *ledger.CATEGORIES)
REASON_LIMIT = 300


@dataclass(frozen=True)
class KudosOutcome:
    points: int
    remaining_today: int
    duplicate: bool = False
    kudos_id: int | None = None  # the ledger row's id: `/recognition void ID` names it
    kudos_ids: tuple[int, ...] = ()  # one per receiver, in the order given


def next_local_midnight(now: datetime, settings: CommunitySettings) -> datetime:
    local = now.astimezone(settings.zone())
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=settings.zone())


def _until(delta: timedelta) -> str:
    """How long until a limit lifts, in words to the minute (`2 days`, `18 hours 29 minutes`, at least
    `1 minute`): as /config shows durations (config/durations.py)."""
    minutes = max(1, -(-int(delta.total_seconds()) // 60))  # rounded up: never "in 0 minutes"
    return format_duration(timedelta(minutes=minutes))


_VOID_OF = {Kind.KUDOS_RECEIVED: Kind.KUDOS_VOID, Kind.MESSAGE: Kind.MESSAGE_VOID}


# Why kudos were taken back without a moderator: the giver's reaction removed within `reaction_grace`, or the message
# thanked deleted. Such kudos use up none of the giver's daily allowance and start no pair cooldown (until
# 2026-12-01 they did: an unreact within seconds cost a kudos); a moderator's void still counts against both.
REACTION_REMOVED, MESSAGE_DELETED = "reaction removed", "message deleted"
UNDONE = (REACTION_REMOVED, MESSAGE_DELETED)

LOCKED = "A moderator has paused your kudos giving (recognition lock). Ask them if unsure why."
# What of a member's giving outlives their data (`/mydata delete`, or anonymising after they left): a moderator's
# lock, and the kudos they used of the day's allowance, kept as marks by keyed digest (`lifecycle.keep_marks`).
# Until 2026-12-02 deleting one's data lifted the lock and gave a fresh allowance, as often as one liked: an account
# with nothing to lose gave any number of kudos a day. A lock kept so is recorded as the member's again (a
# `giving_locked` row with this reason, shown in the audit) when it first refuses them or a moderator looks.
KEPT_LOCK = "giving_locked"
KEPT_LOCK_REASON = "locked before they deleted their data"


def _used_mark(day: date, n: int) -> str:
    """The mark that `n` or more kudos of `day`'s allowance (the community's calendar day) were used."""
    return f"kudos_used:{day.isoformat()}:{n}"


class _KeptLock(Exception):
    """A kept lock refused the giver: recorded as theirs in a transaction of its own, the refusal's rolled back."""


def _voids(community_id: int, row: ledger.Row, settings: CommunitySettings, why: str) -> list[Award]:
    """The rows taking `row` back: its points (counted in the periods `row` counted in: its time), and for kudos
    the giver's `kudos_given` count too. Their keys make it happen once, however often the removal or deletion
    is delivered. Tagged kudos leave their tags' boards too (the tags read from the reason, against today's tag
    list)."""
    if row.kind != Kind.KUDOS_RECEIVED:
        return [_untagged_void(community_id, row, settings, why)]
    taken = replace(
        _untagged_void(community_id, row, settings, why), tags=tags_in(row.reason, settings.of(RecognitionSettings))
    )
    if row.actor_id is None:  # the giver's data was deleted, their `kudos_given` row with it
        return [taken]
    given = award(
        settings,
        community_id,
        row.actor_id,
        Kind.KUDOS_GIVEN_VOID,
        0,
        f"void:{row.idempotency_key}:given",
        row.created_at,
        actor_id=row.member_id,
        reason=why,
        channel=row.channel,
    )
    return [taken, given]


def _untagged_void(community_id: int, row: ledger.Row, settings: CommunitySettings, why: str) -> Award:
    return award(
        settings,
        community_id,
        row.member_id,
        _VOID_OF.get(Kind(row.kind), Kind.KUDOS_VOID),
        -row.points,
        f"void:{row.idempotency_key}",
        row.created_at,
        actor_id=row.actor_id,
        reason=why,
        channel=row.channel,
    )


class RecognitionService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._last_activity: dict[int, datetime] = {}
        self._repeats = Repeats()
        # Members whose platform id no deletion left marks for (`_kept`): the common case, asked once per member.
        self._unmarked: set[int] = set()

    async def give_kudos(
        self,
        giver: Member,
        receiver: Member | list[Member],
        reason: str | None,
        settings: CommunitySettings,
        key: str,
        channel: str | None,
        now: datetime,
    ) -> KudosOutcome:
        """Record kudos (two ledger rows per receiver) and commit; a refusal raises UserError and writes nothing.
        Several receivers are all-or-nothing: each gets full points and uses one of the giver's allowance."""
        receivers = receiver if isinstance(receiver, list) else [receiver]
        return await self._kudos(giver, receivers, reason, settings, f"kudos:{key}", channel, now)

    @staticmethod
    def _refuse_receiver(giver: Member, receiver: Member, departed: bool) -> None:
        if receiver.id == giver.id:
            raise UserError("You can't give kudos to yourself — but thank someone who helped you instead!")
        if receiver.is_bot:
            raise UserError("Bots don't collect kudos. Thank the person behind the help instead!")
        if departed:
            # Their history stays, but departed members are not thanked, ranked or spotlighted.
            name = receiver.ref.display_name or receiver.ref.external_id
            raise UserError(f"{name} is no longer a member, so they can't receive kudos. Thank someone who is here!")

    async def _kudos(
        self,
        giver: Member,
        receivers: list[Member],
        reason: str | None,
        settings: CommunitySettings,
        key: str,
        channel: str | None,
        now: datetime,
        message_id: str | None = None,
    ) -> KudosOutcome:
        """The one way kudos are given (command or reaction): the limits, then two ledger rows per receiver
        under `key` (the first receiver's; the others' add `:n`, so a retry records nothing twice).
        With `message_id` (a reaction), which message earned it is remembered, so deleting it voids them."""
        for receiver in receivers:
            self._refuse_receiver(giver, receiver, self.services.identity.departed(receiver.id))
        own = settings.of(RecognitionSettings)
        limit = own.kudos_daily_limit
        if limit == 0:
            raise UserError("Kudos are switched off in this community (kudos_daily_limit is 0).")
        tags = tags_in(reason, own)
        known = tag_list(own)
        if own.value_tags_mode == "required" and known and not tags and message_id is None:
            # Reactions have no reason to tag: the requirement is the command's.
            raise UserError(
                "Say which value they showed: put one of the community's tags in your reason ("
                + ", ".join(f"#{tag}" for tag in known)
                + ")."
            )
        try:
            return await self._record_kudos(giver, receivers, reason, settings, key, channel, now, message_id, tags)
        except _KeptLock:
            async with self.services.db.write() as session:
                await self._take_kept_lock(session, self.services.identity.settled(giver), settings, now)
            raise UserError(LOCKED) from None

    async def _record_kudos(
        self,
        giver: Member,
        receivers: list[Member],
        reason: str | None,
        settings: CommunitySettings,
        key: str,
        channel: str | None,
        now: datetime,
        message_id: str | None,
        tags: tuple[str, ...],
    ) -> KudosOutcome:
        """`_kudos` once its receivers and reason are checked: the limits and the rows, in one transaction."""
        own = settings.of(RecognitionSettings)
        limit = own.kudos_daily_limit
        keys = [key if n == 0 else f"{key}:{n}" for n in range(len(receivers))]
        async with self.services.db.write() as session:
            # The transaction wrote giver and receivers if they were first seen here (a reaction's): one that
            # another process wrote first (PostgreSQL) is recorded under that row's id.
            giver = self.services.identity.settled(giver)
            receivers = [self.services.identity.settled(receiver) for receiver in receivers]
            # Serialises one giver's kudos on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
            await identity.lock_member(session, giver.id)
            used = await self._used_today(session, giver, settings, now, limit)
            for receiver in receivers:
                await self._check_limits(session, giver, receiver, own, now, limit - used)
            if used + len(receivers) > limit:
                # A redelivery of a kudos that used the last of the allowance is not a refusal. (Below the
                # limit, `record` skips a known key by itself: no look-up on the common path.)
                if await ledger.exists(session, giver.community_id, key):
                    return KudosOutcome(own.kudos_points, 0, duplicate=True)
                resets = next_local_midnight(now, settings)
                if used < limit:
                    raise UserError(
                        f"You have {limit - used} kudos left today, not enough for {len(receivers)} members: "
                        "thank fewer at once."
                    )
                allowance = f"all {limit} of your kudos" if limit > 1 else "your only kudos"  # not "all 1"
                raise UserError(
                    f"You've given {allowance} for today. They reset at midnight "
                    f"({settings.timezone}), in {_until(resets - now)}."
                )
            rows: list[Award] = []
            for receiver, receiver_key in zip(receivers, keys, strict=True):
                received = award(
                    settings,
                    giver.community_id,
                    receiver.id,
                    Kind.KUDOS_RECEIVED,
                    own.kudos_points,
                    receiver_key,
                    now,
                    actor_id=giver.id,
                    reason=reason,
                    channel=channel,
                )
                received = replace(received, tags=tags)
                given = replace(
                    received,
                    member_id=giver.id,
                    kind=Kind.KUDOS_GIVEN,
                    points=0,
                    idempotency_key=f"{receiver_key}:given",
                    actor_id=receiver.id,
                    tags=(),
                )
                rows += [received, given]
            recorded = await ledger.record(session, rows)
            if recorded and message_id is not None and channel is not None:
                await recognition.remember_reaction(
                    session, giver.community_id, channel, message_id, giver.id, receivers[0].id, key, now
                )
            kudos_ids = (
                tuple([await recognition.row_id(session, giver.community_id, k) for k in keys]) if recorded else ()
            )
        if not recorded:
            return KudosOutcome(own.kudos_points, 0, duplicate=True)
        return KudosOutcome(
            own.kudos_points,
            limit - used - len(receivers),
            kudos_id=kudos_ids[0],
            kudos_ids=tuple(i for i in kudos_ids if i is not None),
        )

    # -- admin tools: every change a new ledger row -------------------------------------------------------
    async def adjust(
        self, admin: Member, member: Member, amount: int, reason: str, settings: CommunitySettings, key: str
    ) -> bool:
        """Points added or taken (an `adjustment` row, counted now). False for a retried command."""
        now = self.services.clock.now()
        row = award(
            settings,
            member.community_id,
            member.id,
            Kind.ADJUSTMENT,
            amount,
            f"adjust:{key}",
            now,
            actor_id=admin.id,
            reason=reason,
        )
        async with self.services.db.write() as session:
            return bool(await ledger.record(session, [row]))

    async def void_kudos(
        self, admin: Member, kudos_id: int, reason: str, settings: CommunitySettings
    ) -> tuple[str, Award]:
        """Void kudos by their id (the recipient's row); returns the recipient's name and the void (for its level
        check). UserError when there is no such kudos or it is void already, or when `reason` is worded as an automatic
        void's (UNDONE): the void would read as one (the audit's "(automatic)", naming no moderator) and give the giver
        the kudos back into their daily allowance."""
        if reason.strip() in UNDONE:
            raise UserError(
                f"`{reason.strip()}` is the reason Hearth gives kudos it takes back on its own, which the audit shows "
                "as automatic: say why you void them in other words (`the thanked message was deleted`). "
                "Nothing was changed."
            )
        async with self.services.db.write() as session:
            key = await recognition.key_of(session, admin.community_id, kudos_id, Kind.KUDOS_RECEIVED)
            found = await ledger.rows_by_keys(session, admin.community_id, [key] if key else [])
            if not found:
                raise UserError(f"There are no kudos #{kudos_id} in this community.")
            taken, *given = _voids(admin.community_id, found[0], settings, reason)
            void = replace(taken, actor_id=admin.id)
            # Void already when the receiver's void was, also one from before givers' voids existed (whose giver's
            # side alone would be new): refused, and the transaction with it.
            if void not in await ledger.record(session, [void, *given]):
                raise UserError(f"Kudos #{kudos_id} are void already.")
        names = await self.services.identity.members_by_id([found[0].member_id])
        return (names[found[0].member_id].name if found[0].member_id in names else "the member"), void

    async def set_lock(
        self,
        admin: Member,
        level: Permission,
        member: Member,
        locked: bool,
        reason: str | None,
        settings: CommunitySettings,
        key: str,
    ) -> bool:
        """Stop (or allow again) a member's giving, as `admin` (of `level`); False when it already was so.
        Raises UserError, changing nothing, when `admin` may not (`check_lock_rank`)."""
        await self.check_lock_rank(admin, level, member, locked)
        now = self.services.clock.now()
        kind = Kind.GIVING_LOCKED if locked else Kind.GIVING_UNLOCKED
        async with self.services.db.write() as session:
            await self._take_kept_lock(session, member, settings, now)
            if await recognition.giving_locked(session, member.community_id, member.id) == locked:
                return False
            row = award(
                settings, member.community_id, member.id, kind, 0, f"lock:{key}", now, actor_id=admin.id, reason=reason
            )
            return bool(await ledger.record(session, [row]))

    async def check_lock_rank(self, actor: Member, level: Permission, member: Member, locking: bool) -> None:
        """Raises UserError unless `actor` (of `level`) may lock or unlock `member`: only members below them, so
        never themselves (a moderator locks members, an admin members and moderators). An admin may unlock
        anyone: a lock on an admin can only be one made before admins were protected, and would otherwise stay."""
        verb = "lock" if locking else "unlock"
        if member.id == actor.id and not (level == Permission.ADMIN and not locking):
            raise UserError(f"You can't {verb} your own kudos giving. Nothing was changed.")
        if not locking and level == Permission.ADMIN:
            return
        try:
            target = await self.services.messenger.member_level(member.ref)
        except PlatformError as error:  # the platform out of reach a moment: refused, not guessed
            raise UserError(f"{error.reason} Nothing was changed.") from None
        if target >= level:
            whose = "members'" if level == Permission.MODERATOR else "members' and moderators'"
            article = "an" if target == Permission.ADMIN else "a"
            raise UserError(
                # A mention, not the bare name: a member called `you` read "Sorry, you is an admin".
                f"Sorry, {mention(member)} is {article} {target.label}: {level.label}s can {verb} only {whose} "
                "kudos giving. Nothing was changed."
            )

    async def audit(self, community_id: int, member: Member | None) -> list[recognition.AuditRow]:
        if member is not None:
            async with self.services.db.read() as session:
                kept = await lifecycle.kept_marks(session, community_id, member.ref.external_id, [KEPT_LOCK])
            if kept:  # the lock they had before deleting their data, which still holds, is shown
                settings = await self.services.settings.get(community_id)
                async with self.services.db.write() as session:
                    await self._take_kept_lock(session, member, settings, self.services.clock.now())
        async with self.services.db.read() as session:
            return await recognition.audit(session, community_id, member.id if member else None)

    async def report(self, community_id: int, now: datetime) -> report.Findings:
        """The kudos patterns of the last `report.WINDOW` (cogs/recognition/report.py), analysed in a worker thread:
        a large community's month of kudos is a few tens of thousands."""
        async with self.services.db.read() as session:
            kudos = await recognition.kudos_since(session, community_id, now - report.WINDOW)
        return await asyncio.to_thread(report.analyse, kudos)

    async def _used_today(
        self, session: AsyncSession, giver: Member, settings: CommunitySettings, now: datetime, limit: int
    ) -> int:
        """How many of today's kudos the giver used: those they gave (less those taken back by a removed reaction
        or a deleted message), and those they gave before deleting their data today (up to `limit`)."""
        since = settings.day_start(now)
        used = await ledger.kudos_left_given(session, giver.community_id, giver.id, since, UNDONE)
        day = since.date()
        marks = [_used_mark(day, n) for n in range(1, limit + 1)]
        return used + len(await self._kept(session, giver, marks))

    async def _kept(self, session: AsyncSession, member: Member, marks: list[str]) -> set[str]:
        """Which of `marks` a deletion of the member's data kept (`keep_giving`). Marks are kept only for a platform
        id whose data was erased, before the row it has now was made: a member whose id was never erased has none
        for as long as their row lives, which is asked once (every kudos read the marks: two round trips each)."""
        if member.id in self._unmarked:
            return set()
        if not await lifecycle.erased(session, member.community_id, [member.ref.external_id]):
            self._unmarked.add(member.id)
            return set()
        return await lifecycle.kept_marks(session, member.community_id, member.ref.external_id, marks)

    async def _take_kept_lock(
        self, session: AsyncSession, member: Member, settings: CommunitySettings, now: datetime
    ) -> None:
        """A lock kept from before the member deleted their data becomes theirs again: a `giving_locked` row (no
        moderator named: the one who locked them was forgotten with their data), and the mark goes."""
        external_id = member.ref.external_id
        if not await lifecycle.kept_marks(session, member.community_id, external_id, [KEPT_LOCK]):
            return
        await lifecycle.drop_marks(session, member.community_id, external_id, [KEPT_LOCK])
        if await recognition.giving_locked(session, member.community_id, member.id):
            return
        row = award(
            settings,
            member.community_id,
            member.id,
            Kind.GIVING_LOCKED,
            0,
            f"lock:kept:{member.id}",
            now,
            reason=KEPT_LOCK_REASON,
        )
        await ledger.record(session, [row])

    async def keep_giving(self, member_id: int) -> None:
        """Before the member's data is deleted or anonymised: keep what must outlive it of their giving (their
        lock, the kudos of today's allowance they used; see KEPT_LOCK), by keyed digest of their platform id."""
        member = (await self.services.identity.members_by_id([member_id])).get(member_id)
        if member is None or lifecycle.anonymised(member.ref.external_id):
            return
        settings = await self.services.settings.get(member.community_id)
        now = self.services.clock.now()
        async with self.services.db.write() as session:
            marks = []
            if await recognition.giving_locked(session, member.community_id, member_id) or await lifecycle.kept_marks(
                session, member.community_id, member.ref.external_id, [KEPT_LOCK]
            ):
                marks.append(KEPT_LOCK)
            limit = settings.of(RecognitionSettings).kudos_daily_limit
            used = await self._used_today(session, member, settings, now, limit)
            marks += [_used_mark(settings.day_start(now).date(), n) for n in range(1, used + 1)]
            await lifecycle.keep_marks(session, member.community_id, member.ref.external_id, marks)

    async def _check_limits(
        self,
        session: AsyncSession,
        giver: Member,
        receiver: Member,
        own: RecognitionSettings,
        now: datetime,
        remaining: int,
    ) -> None:
        """The limits besides the daily allowance, each refusal naming the limit, what remains and when."""
        left = f"You have {max(0, remaining) or 'no'} kudos left today."
        if await recognition.giving_locked(session, giver.community_id, giver.id):
            raise UserError(LOCKED)
        if await self._kept(session, giver, [KEPT_LOCK]):
            raise _KeptLock
        if own.kudos_min_member_age:
            # A member with no known join date is not held back: on a fresh Slack or console install that is
            # everyone already there, and first sight is not when they joined (README, "Limits").
            joined = await recognition.joined_at(session, giver.id)
            if joined is None and await lifecycle.erased(session, giver.community_id, [giver.ref.external_id]):
                # Whose data was deleted (`/mydata delete`) is someone new from their next sight: held back from
                # then (until 2026-12-02 a deletion made the join unknown, so it lifted the limit on Slack and the
                # console).
                joined = await recognition.first_seen(session, giver.id)
            if joined is not None and now - joined < own.kudos_min_member_age:
                raise UserError(
                    f"New members can give kudos once they have been here {format_duration(own.kudos_min_member_age)}"
                    f" (kudos_min_member_age): you can in {_until(joined + own.kudos_min_member_age - now)}."
                )
        if own.kudos_pair_cooldown:
            last = await recognition.last_kudos_between(
                session, giver.community_id, giver.id, receiver.id, now - own.kudos_pair_cooldown, UNDONE
            )
            if last is not None:
                again = _until(last + own.kudos_pair_cooldown - now)
                raise UserError(
                    f"You thanked {receiver.name} less than {format_duration(own.kudos_pair_cooldown)} ago "
                    f"(kudos_pair_cooldown): you can thank them again in {again}. {left}"
                )

    async def react(
        self,
        giver: Member,
        author: Member,
        channel: str,
        message_id: str,
        settings: CommunitySettings,
        now: datetime,
    ) -> KudosOutcome:
        """Kudos by reaction: once per (message, giver), whatever is removed and added again."""
        key = f"reaction:{channel}:{message_id}:{giver.id}"
        return await self._kudos(giver, [author], None, settings, key, channel, now, message_id=message_id)

    async def take_back(
        self, giver: Member, channel: str, message_id: str, settings: CommunitySettings, now: datetime
    ) -> list[Award]:
        """A kudos reaction removed within `reaction_grace` is voided (a new row); later it stands. The void
        recorded, if any (for the level check)."""
        grace = settings.of(RecognitionSettings).reaction_grace
        key = f"reaction:{channel}:{message_id}:{giver.id}"
        async with self.services.db.write() as session:
            found = await ledger.rows_by_keys(session, giver.community_id, [key])
            if not found or now - found[0].created_at > grace:
                return []
            return await ledger.record(session, _voids(giver.community_id, found[0], settings, REACTION_REMOVED))

    async def message_deleted(
        self, community_id: int, channel: str, message_id: str, settings: CommunitySettings
    ) -> list[Award]:
        """A deleted message voids the kudos reactions gave it and its activity point. The voids recorded (for
        the level checks)."""
        await self.services.activity.flush()  # its activity point may still be on its way
        async with self.services.db.write() as session:
            keys = await recognition.reaction_keys(session, community_id, channel, message_id)
            found = await ledger.rows_by_keys(session, community_id, [*keys, f"message:{channel}:{message_id}"])
            voids = [
                void for row in found if row.points for void in _voids(community_id, row, settings, MESSAGE_DELETED)
            ]
            return await ledger.record(session, voids)

    def activity_award(
        self,
        member: Member,
        message_id: str,
        channel: str,
        settings: CommunitySettings,
        now: datetime,
        text: str = "",
    ) -> Award | None:
        """Points for a message when the member is past their cooldown and it does not repeat one of their last
        few messages (both checked in memory)."""
        own = settings.of(RecognitionSettings)
        if member.is_bot or own.message_points == 0:
            return None
        last = self._last_activity.get(member.id)
        if last is not None and now - last < own.activity_cooldown:
            # Earns nothing either way: remembered for the comparisons to come, not compared (most of a busy
            # member's messages come within the cooldown).
            self._repeats.remember(member.id, text)
            return None
        if self._repeats.seen(member.id, text):
            return None  # nor does it restart the cooldown: the next new message earns as it would have
        self._last_activity[member.id] = now
        return award(
            settings,
            member.community_id,
            member.id,
            Kind.MESSAGE,
            own.message_points,
            # Message ids are unique within a channel (Slack ts), so the channel is part of the key.
            f"message:{channel}:{message_id}",
            now,
            channel=channel,
        )

    async def start_season(self, community_id: int, name: str, now: datetime) -> seasons.SeasonRow | None:
        """Close the running season into an archive and start `name`; returns the closed one."""
        await self.services.activity.flush()  # what was earned before the boundary counts before it
        async with self.services.db.write() as session:
            if (existing := await seasons.by_name(session, community_id, name)) is not None:
                raise UserError(f"There is a season called {existing.name} already: choose another name.")
            closed, _ = await seasons.start(session, community_id, name, now)
            return closed

    async def leaders(
        self, community_id: int, period: str, at: datetime, zone: str, limit: int, measure: Measure = "points"
    ) -> list[Leader]:
        """The Standings port (services.standings) other cogs read leaders through: members above 0 only. A board
        ranks a total below 0 too (an adjustment took more than was earned), but such a member leads nothing: a
        spotlight listed them under "Top contributors", with a medal when among the first three."""
        await self.services.activity.flush()
        bucket = ledger.period_bucket(period, at, zone)
        async with self.services.db.read() as session:
            rows = await ledger.top(session, community_id, bucket, limit, measure=measure)
        return [Leader(row.member_id, row.rank, row.points) for row in rows if row.points > 0]

    async def standings(self, member: Member, settings: CommunitySettings, now: datetime) -> tuple[Standing, Standing]:
        """All-time and this-week standing of one member."""
        await self.services.activity.flush()
        all_time, week = ledger.buckets_for(now, settings.timezone)[:2]
        async with self.services.db.read() as session:
            return (
                await ledger.standing(session, member.community_id, all_time, member.id),
                await ledger.standing(session, member.community_id, week, member.id),
            )

    async def all_time_points(self, member: Member) -> int:
        async with self.services.db.read() as session:
            return (await ledger.standing(session, member.community_id, ledger.ALL_TIME, member.id)).points

    async def members_with_points(self, community_id: int) -> list[tuple[int, int]]:
        """(member id, all-time points) of every member with points, most first, hidden from boards or not (for
        `/levels sync`: a hidden member's level roles are theirs all the same)."""
        await self.services.activity.flush()
        async with self.services.db.read() as session:
            return await recognition.members_with_points(session, community_id)

    async def by_category(self, member: Member) -> dict[str, int]:
        """A member's all-time points per category (one index read each, the totals' own buckets)."""
        async with self.services.db.read() as session:
            return {
                category: (
                    await ledger.standing(
                        session, member.community_id, ledger.category_bucket(ledger.ALL_TIME, category), member.id
                    )
                ).points
                for category in ledger.CATEGORIES
            }

    async def off_boards(self, member: Member) -> bool:
        """The member asked to be hidden from boards (`/privacy`) or has left the community."""
        async with self.services.db.read() as session:
            return await recognition.off_boards(session, member.id)
