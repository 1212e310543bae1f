"""Ritual configuration rules: what a moderator may create or change, and what each member may do.

Every refusal raises UserError before anything is written, so a refused command changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.messenger import check_can_post
from bot.core.refs import ChannelRef, Permission
from bot.core.reply import UserError
from bot.core.services import Services
from cogs.rituals.kinds import TAKEN_PART_IN
from cogs.rituals.runner import RitualRunner
from cogs.rituals.schedule import Schedule, ScheduleError, fire_times, parse_schedule, shortest_gap
from config.durations import format_duration
from storage import rituals as store
from storage.kinds import Kind
from storage.rituals import RitualRow, RunSummary

NAME_LIMIT = 50
PROMPT_LIMIT = 1000
MIN_GAP = timedelta(hours=1)
WINDOW_MIN = timedelta(minutes=5)
WINDOW_MAX = timedelta(days=30)
DEFAULT_WINDOW = timedelta(hours=24)
_MONTH_NAMES = "january february march april may june july august september october november december".split()
_DAYS_IN = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February's in a leap year: a birthday may be 02-29
# Full English month names and their first three letters (and `sept`), case aside.
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])} | {"sept": 9}
_MONTH = "(?P<month>[a-z]+)\\.?"
_DAY = "(?P<day>\\d{1,2})(?:st|nd|rd|th)?"
_YEAR = "(?:,?\\s+(?P<year>\\d{4}))?"
# Every accepted spelling of a birthday; a year, where given, only has to make the date a real one.
_BIRTHDAYS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^(?P<month>\d{1,2})-(?P<day>\d{1,2})$",  # MM-DD
        r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$",  # ISO 8601, YYYY-MM-DD
        rf"^{_MONTH}\s+{_DAY}{_YEAR}$",  # May 5, May 5th, May 5 1990, May 5, 1990
        rf"^{_DAY}(?:\s+of)?\s+{_MONTH}{_YEAR}$",  # 5 May, 5th of May, 5 May 1990
    )
)
BIRTHDAY_FORMATS = "MM-DD (`07-14`), YYYY-MM-DD (`1990-07-14`), `July 14` or `14 July`"


class NoSuchDay(ValueError):
    """A day its month never has (`31 April`), or its year does not (`2023-02-29`, then `in_year`); the message
    says so."""

    def __init__(self, message: str, *, in_year: bool = False) -> None:
        super().__init__(message)
        self.in_year = in_year


def parse_birthday(text: str) -> tuple[date, bool]:
    """A birthday as typed → (the day in the leap year 2000, so 02-29 exists; whether a year was given).

    Accepts MM-DD, ISO 8601 YYYY-MM-DD, `May 5` and `5 May` (English month names or their first three
    letters, case aside; `5th`, `5th of May` and a trailing year too). A year is checked (the date must
    exist in it) and then dropped: only day and month are celebrated. Raises NoSuchDay for a day its month
    or year does not have (a ValueError saying which), ValueError for anything else.
    """
    cleaned = " ".join(text.split())
    for pattern in _BIRTHDAYS:
        found = pattern.match(cleaned)
        if found is None:
            continue
        month_text = found.group("month")
        month = int(month_text) if month_text.isdecimal() else _MONTHS.get(month_text.lower())
        if month is None:
            raise ValueError(text)
        year = found.groupdict().get("year")
        day = int(found.group("day"))
        if 1 <= month <= 12 and day >= 1 and day > _DAYS_IN[month - 1]:
            most = " at most" if month == 2 else ""
            raise NoSuchDay(f"{_MONTH_NAMES[month - 1].capitalize()} has {_DAYS_IN[month - 1]} days{most}")
        birthday = date(2000, month, day)  # ValueError for what is no day at all (13-01, 05-00)
        if year is not None:
            if int(year) == 0:  # no such year in the calendar (1 BC is followed by AD 1)
                raise NoSuchDay(f"there is no year {year}", in_year=True)
            try:
                date(int(year), month, day)
            except ValueError:
                leap = " (it is not a leap year)" if (month, day) == (2, 29) else ""
                raise NoSuchDay(f"{birthday:%B} {day} does not exist in {year}{leap}", in_year=True) from None
        return birthday, year is not None
    raise ValueError(text)


_DEFAULT_PROMPTS = {"pairing": "Find a time to meet this week and say hello!"}


@dataclass(frozen=True)
class Preview:
    """A ritual with its schedule in plain words and its next run times (what a moderator checks)."""

    ritual: RitualRow
    words: str
    next_runs: list[datetime]


@dataclass(frozen=True)
class Changes:
    channel: ChannelRef | None = None
    schedule: str | None = None
    prompt: str | None = None
    tz: str | None = None
    window: timedelta | None = None
    points: int | None = None
    start: str | None = None
    recap: str | None = None
    frequent: str | None = None


class RitualService:
    def __init__(self, services: Services, runner: RitualRunner) -> None:
        self.services = services
        self.runner = runner

    # -- moderators -----------------------------------------------------------------------------------
    async def create(self, ctx: Context, name: str, kind: str, changes: Changes) -> Preview:
        name = _checked_name(name)
        assert changes.channel is not None and changes.schedule is not None
        zone = changes.tz or ctx.settings.timezone
        starts_on = _start_date(changes.start) if changes.start else ctx.now.astimezone(ZoneInfo(zone)).date()
        schedule = self._checked_schedule(ctx, changes.schedule, zone, starts_on, changes.frequent)
        prompt = _checked_prompt(kind, _DEFAULT_PROMPTS.get(kind, "") if changes.prompt is None else changes.prompt)
        _check_takes_part(kind, changes)
        window = _checked_window(DEFAULT_WINDOW if changes.window is None else changes.window)
        await self._check_channel(changes.channel)
        async with self.services.db.write() as session:
            # The unique index compares names as stored; `STRASSE` and `straße` are one name all the same.
            if taken := await store.by_name(session, ctx.community.id, name):
                raise _name_taken(taken.name)
            ritual_id = await store.create(
                session,
                {
                    "community_id": ctx.community.id,
                    "name": name,
                    "kind": kind,
                    "channel": changes.channel.external_id,
                    "channel_name": changes.channel.name,
                    "schedule": schedule.text,
                    "timezone": zone,
                    "starts_on": starts_on,
                    "prompt": prompt,
                    "window_seconds": int(window.total_seconds()),
                    "points": changes.points if changes.points is not None else 5,
                    "recap": changes.recap != "off",
                    "paused": False,
                    "revision": 1,
                    "active_since": ctx.now,
                    "created_by": ctx.author.id,
                    "created_at": ctx.now,
                },
            )
            if ritual_id is None:  # created by another command since by_name looked
                raise _name_taken(name)
            ritual = await store.get(session, ritual_id)
        assert ritual is not None
        self.runner.arm(ritual)
        return self.preview(ritual, ctx)

    async def edit(self, ctx: Context, name: str, changes: Changes) -> Preview:
        ritual = await self.find(ctx, name)
        values: dict[str, object] = {}
        zone = changes.tz or ritual.timezone
        starts_on = _start_date(changes.start) if changes.start else ritual.starts_on
        if changes.schedule or changes.tz or changes.start:
            # A schedule kept as it was keeps the frequency an admin allowed when it was set (`frequent:yes`):
            # another time zone or start asks for that allowance no more.
            schedule = self._checked_schedule(
                ctx, changes.schedule or ritual.schedule, zone, starts_on, changes.frequent, bool(changes.schedule)
            )
            # A run already posted today may stand for the moved occurrence: the edit does not post today's again.
            since = await self.runner.counting_from(ritual.id, schedule, zone, starts_on)
            values.update(schedule=schedule.text, timezone=zone, starts_on=starts_on, active_since=since)
        if changes.channel is not None:
            await self._check_channel(changes.channel)
            values.update(channel=changes.channel.external_id, channel_name=changes.channel.name)
        if changes.prompt is not None:
            values["prompt"] = _checked_prompt(ritual.kind, changes.prompt)
        _check_takes_part(ritual.kind, changes)
        if changes.window is not None:
            values["window_seconds"] = int(_checked_window(changes.window).total_seconds())
        if changes.points is not None:
            values["points"] = changes.points
        if changes.recap is not None:
            values["recap"] = changes.recap == "on"
        if not values:
            raise UserError(f'Tell me what to change, e.g. `/ritual edit {ritual.name} schedule:"daily at 10:00"`.')
        return await self._change(ctx, ritual, values)

    async def pause(self, ctx: Context, name: str) -> RitualRow:
        ritual = await self.find(ctx, name)
        if ritual.paused:
            raise UserError(f"`{ritual.name}` is already paused.")
        return (await self._change(ctx, ritual, {"paused": True})).ritual

    async def resume(self, ctx: Context, name: str) -> Preview:
        ritual = await self.find(ctx, name)
        if not ritual.paused:
            raise UserError(f"`{ritual.name}` is not paused.")
        # Firings during the pause are neither run nor recorded as missed, and a run posted today before the pause
        # stands for today's occurrence as after an edit (the schedule may have changed while paused).
        schedule = parse_schedule(ritual.schedule)
        since = await self.runner.counting_from(ritual.id, schedule, ritual.timezone, ritual.starts_on)
        return await self._change(ctx, ritual, {"paused": False, "active_since": since})

    async def delete(self, ctx: Context, name: str) -> RitualRow:
        ritual = await self.find(ctx, name)
        async with self.services.db.write() as session:
            await store.remove(session, ritual.id)
        self.runner.disarm(ritual.id)
        self.runner.forget(ritual)
        return ritual

    async def run_now(self, ctx: Context, name: str) -> tuple[RitualRow, str | None, datetime | None]:
        """Run it once now; with why nothing was posted, when nothing was (nobody to celebrate today), and the
        occurrence later today it stood for, if any (`RitualRunner.run_now`)."""
        ritual = await self.find(ctx, name)
        await self._check_channel(await self.runner.places.channel(ritual))
        run_id, instead_of = await self.runner.run_now(ritual)
        if run_id is None:
            raise UserError(f"`{ritual.name}` has just run; try again in a moment.")
        async with self.services.db.read() as session:
            run = await store.get_run(session, run_id)
        if run is not None and run.message_id is None:
            return ritual, run.note or run.status, instead_of
        return ritual, None, instead_of

    async def _change(self, ctx: Context, ritual: RitualRow, values: dict[str, object]) -> Preview:
        async with self.services.db.write() as session:
            await store.change(session, ritual.id, values)
            changed = await store.get(session, ritual.id)
        assert changed is not None
        self.runner.arm(changed)
        self.runner.forget(changed)
        return self.preview(changed, ctx)

    def _checked_schedule(
        self, ctx: Context, text: str, zone: str, starts_on: date, frequent: str | None, new: bool = True
    ) -> Schedule:
        """The schedule read; refused when unreadable, or more often than hourly without an admin's `frequent:yes`
        (checked only when `new`: a schedule kept as it was has its allowance)."""
        try:
            schedule = parse_schedule(text)
        except ScheduleError as error:
            raise UserError(str(error)) from None
        if frequent == "yes" and ctx.level < Permission.ADMIN:
            raise UserError("Only an admin may allow a ritual to run more often than once an hour.")
        gap = shortest_gap(schedule.trigger(zone, starts_on), ctx.now, ZoneInfo(zone)) if new else None
        if gap is not None and gap < MIN_GAP and frequent != "yes":
            minutes = int(gap.total_seconds() // 60)
            raise UserError(
                f"`{text}` would run every {minutes} minutes; rituals run at most once an hour. "
                "An admin can allow it with `frequent:yes`."
            )
        return schedule

    async def _check_channel(self, channel: ChannelRef) -> None:
        await check_can_post(self.services.messenger, channel)
        await self.services.messenger.join_channel(channel)

    # -- everyone --------------------------------------------------------------------------------------
    async def find(self, ctx: Context, name: str) -> RitualRow:
        if not ritual_name(name):
            raise UserError("Which ritual? Give its name; see them all with `/ritual list`.")
        async with self.services.db.read() as session:
            ritual = await store.by_name(session, ctx.community.id, ritual_name(name))
        if ritual is None:
            raise UserError(f"There is no ritual called `{name}`. See them all with `/ritual list`.")
        return ritual

    async def all(self, ctx: Context) -> list[Preview]:
        async with self.services.db.read() as session:
            rituals = await store.in_community(session, ctx.community.id)
        return [self.preview(ritual, ctx, runs=1) for ritual in rituals]

    def preview(self, ritual: RitualRow, ctx: Context, runs: int = 3) -> Preview:
        schedule = parse_schedule(ritual.schedule)
        # After an edit, the schedule may count from later today (today's run was already posted).
        after = max(ctx.now, ritual.active_since)
        upcoming = (
            [] if ritual.paused else fire_times(schedule.trigger(ritual.timezone, ritual.starts_on), after, limit=runs)
        )
        return Preview(ritual, schedule.describe(ritual.timezone), upcoming)

    async def history(self, ctx: Context, name: str) -> tuple[RitualRow, list[RunSummary]]:
        ritual = await self.find(ctx, name)
        async with self.services.db.read() as session:
            return ritual, await store.history(session, ritual.id)

    async def streaks(self, ctx: Context, name: str) -> tuple[RitualRow, list[tuple[str, int]]]:
        """Current streaks, longest first, with display names."""
        ritual = await self.find(ctx, name)
        current = await self.runner.streaks(ritual, limit=500)
        async with self.services.db.read() as session:
            # Who left is not ranked (README, Leaving and coming back), nor who is hidden from boards (`/privacy`);
            # nor, in a pairing, who left the ritual.
            staying = await store.on_boards(session, list(current))
            if ritual.kind == "pairing":
                staying &= set(await store.opted_in(session, ritual.id))
        current = {member: count for member, count in current.items() if member in staying}
        refs = await self.runner.places.members(ctx.community.id, list(current))
        ranked = sorted(current.items(), key=lambda item: (-item[1], refs[item[0]].display_name))
        return ritual, [(refs[member].display_name or refs[member].external_id, count) for member, count in ranked]

    async def anyone_took_part(self, ritual: RitualRow) -> bool:
        """Whether anyone took part in one of the ritual's posted runs (its last 500, as streaks count)."""
        async with self.services.db.read() as session:
            runs = await store.posted_runs(session, ritual.id, 500)
            taken = await store.participants(session, [run.id for run in runs])
        return any(taken.values())

    async def join(self, ctx: Context, name: str) -> tuple[RitualRow, bool]:
        ritual = await self._pairing(ctx, name)
        async with self.services.db.write() as session:
            return ritual, await store.opt_in(session, ritual.id, ctx.author.id, ctx.now)

    async def leave(self, ctx: Context, name: str) -> tuple[RitualRow, bool]:
        ritual = await self._pairing(ctx, name)
        async with self.services.db.write() as session:
            return ritual, await store.opt_out(session, ritual.id, ctx.author.id)

    async def _pairing(self, ctx: Context, name: str) -> RitualRow:
        ritual = await self.find(ctx, name)
        if ritual.kind != "pairing":
            raise UserError(f"`{ritual.name}` is a {ritual.kind} ritual: just take part when it runs, no need to join.")
        return ritual

    async def met(self, ctx: Context, run_id: int, group_no: int) -> Answer:
        """The author says their group met: those of it still in the ritual who did not answer "Not this
        time" take part, with the ritual's points."""
        ritual, group = await self._group(ctx, run_id, group_no)
        async with self.services.db.read() as session:
            declined = await store.declined(session, run_id)
            staying = set(await store.opted_in(session, ritual.id))
        if ctx.author.id in declined:
            return Answer(ritual, declined=True)
        # Who left the community or the ritual since the pairing is not credited; nor who said no.
        met = [member for member in group if member in staying and member not in declined]
        if ctx.author.id not in met:
            raise UserError(f"You've left **{ritual.name}**, so this round's answer is no longer yours to give.")
        recorded = await self.runner.take_part(ritual, run_id, met, Kind.RITUAL_PAIRING_MET)
        return Answer(ritual, recorded=recorded, credited=met, everyone=len(met) == len(group))

    async def skip(self, ctx: Context, run_id: int, group_no: int) -> Answer:
        """The author did not meet: no points for them this round, also from a group mate's yes (before or
        after). A no is final for the round: points it took back are not given again."""
        ritual, _ = await self._group(ctx, run_id, group_no)
        taken_back = await self.runner.decline(ritual, run_id, ctx.author.id, Kind.RITUAL_PAIRING_MET)
        return Answer(ritual, taken_back=taken_back)

    async def _group(self, ctx: Context, run_id: int, group_no: int) -> tuple[RitualRow, list[int]]:
        async with self.services.db.read() as session:
            run = await store.get_run(session, run_id)
            ritual = await store.get(session, run.ritual_id) if run else None
            group = (await store.groups_of(session, [run_id])).get(run_id, {}).get(group_no, [])
        if ritual is None or not group:
            raise UserError("That pairing no longer exists.")
        if ctx.author.id not in group:
            raise UserError("This question is for the members of that pair.")
        return ritual, group

    async def set_birthday(self, ctx: Context, text: str) -> tuple[date, bool, bool]:
        """Store the member's birthday (month and day only) → (the day, whether a year was typed and dropped,
        whether a celebration ritual that is not paused will celebrate it); UserError for a day that is none."""
        try:
            day, had_year = parse_birthday(text)
        except NoSuchDay as error:
            year = " A birthday needs no year: `MM-DD`." if error.in_year else ""
            raise UserError(f"`{text}` is not a birthday: {error}.{year}") from None
        except ValueError:
            raise UserError(f"`{text}` is not a birthday; write it as {BIRTHDAY_FORMATS}.") from None
        async with self.services.db.write() as session:
            await store.set_birthday(session, ctx.community.id, ctx.author.id, day.month, day.day)
            rituals = await store.in_community(session, ctx.community.id)
        celebrated = any(ritual.kind == "celebration" and not ritual.paused for ritual in rituals)
        return day, had_year, celebrated

    async def remove_birthday(self, ctx: Context) -> bool:
        async with self.services.db.write() as session:
            return await store.remove_birthday(session, ctx.community.id, ctx.author.id)


@dataclass(frozen=True)
class Answer:
    """What a pairing answer did: who was newly credited and who the yes spoke for (`everyone`: the whole
    group), whether the author had already said no, whether a no took points back."""

    ritual: RitualRow
    recorded: list[int] = field(default_factory=list)
    credited: list[int] = field(default_factory=list)
    everyone: bool = True
    declined: bool = False
    taken_back: int = 0  # points a no took back from a group mate's earlier yes


def ritual_name(text: str) -> str:
    """A ritual name as kept and looked up: trimmed, lowercase, its accents composed (`é` typed as `e` and a
    combining accent is `é`); a dotted capital I is the Turkish `i` (`lower()` alone leaves a combining dot)."""
    return unicodedata.normalize("NFC", text.strip().replace("İ", "i")).lower()


def _name_char(char: str) -> bool:
    # Letters and digits of any script with their combining marks (a Devanagari vowel sign belongs to its letter).
    return char in "-_" or unicodedata.category(char)[0] in "LNM"


def _checked_name(name: str) -> str:
    """`ritual_name(name)` when it is up to NAME_LIMIT letters of any script, digits, `-` and `_`, starting with a
    letter or digit (`standup`, `café`, `読書会`); UserError otherwise."""
    cleaned = ritual_name(name)
    if not (
        0 < len(cleaned) <= NAME_LIMIT
        and unicodedata.category(cleaned[0])[0] in "LN"
        and all(_name_char(char) for char in cleaned)
    ):
        raise UserError(
            f"`{name}` can't be a ritual name: use up to {NAME_LIMIT} letters, digits, `-` or `_`, like `standup`."
        )
    return cleaned


def _name_taken(name: str) -> UserError:
    return UserError(f"There is already a ritual called `{name}`. Pick another name or `/ritual edit {name}`.")


def _check_takes_part(kind: str, changes: Changes) -> None:
    """UserError for points or a window given to a kind nobody takes part in (a celebration, a spotlight): they
    were kept and never used, and the card, which shows neither for such a kind, gave no sign of it."""
    if kind not in TAKEN_PART_IN and (changes.points is not None or changes.window is not None):
        given = [name for name, value in (("points", changes.points), ("window", changes.window)) if value is not None]
        raise UserError(
            f"A {kind} is not something members take part in, so it gives no points and has no answer window:"
            f" leave out {' and '.join(given)}."
        )


def _checked_prompt(kind: str, text: str) -> str:
    """The prompt as kept: trimmed, and `none` (any case, as `/config set` clears a setting) for none, which only a
    kind that may go without one takes (a celebration, spotlight or pairing: `none` was kept as the word, and a
    celebration opened with it); UserError for a prompt or thread ritual without its text."""
    prompt = "" if text.strip().lower() == "none" else text.strip()
    if kind in ("prompt", "thread") and not prompt:
        raise UserError(f'A {kind} ritual needs the prompt text to post, e.g. `prompt:"What are you working on?"`.')
    return prompt


def _checked_window(window: timedelta) -> timedelta:
    if not WINDOW_MIN <= window <= WINDOW_MAX:
        raise UserError(
            f"The participation window must be between {format_duration(WINDOW_MIN)} and {format_duration(WINDOW_MAX)}."
        )
    return window


# Years a series may start in: at either end of Python's dates a firing, moved to UTC, falls outside them.
START_YEARS = (1970, 9000)


def _start_date(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"`{text}` is not a start date; write it like 2026-03-09.") from None
    first, last = START_YEARS
    if not first <= day.year <= last:
        raise UserError(
            f"`{text}` is too far off for a start date: give a day in the years {first} to {last}, like 2026-03-09."
        )
    return day
