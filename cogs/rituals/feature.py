"""`/ritual ...` and `/birthday ...` commands, the pairing buttons and participation; Replies only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.commands import Group, Option, OptionType
from bot.core.context import Context
from bot.core.events import MessagePosted, id_number
from bot.core.refs import ChannelRef, Permission
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, UserError, channel_mention, mention
from bot.core.services import Services
from bot.core.wording import points
from cogs.rituals.kinds import KINDS, TAKEN_PART_IN
from cogs.rituals.runner import RitualRunner
from cogs.rituals.schedule import reads_as_schedule
from cogs.rituals.service import NAME_LIMIT, PROMPT_LIMIT, Changes, Preview, RitualService
from config.durations import format_duration

RITUAL = Group("ritual", "Recurring community rituals")
BIRTHDAY = Group("birthday", "Share your birthday for celebrations")
MODERATOR = Permission.MODERATOR
# A ritual's name is one word (`service._checked_name`): the words after it are other options
# (`/ritual edit standup daily at 10:00`).
_NAME_OPTION = Option(
    "name", OptionType.TEXT, "The ritual's name", max_length=NAME_LIMIT, reads=lambda text: len(text.split()) == 1
)
_STATUS_WORDS = {
    "posted": "posted",
    "posting": "posting…",
    "missed": "missed (Hearth was not running)",
    "failed": "failed",
}


def _settings_options(creating: bool) -> tuple[Option, ...]:
    """Options shared by create and edit (all optional when editing)."""
    return (
        Option("channel", OptionType.CHANNEL, "Where it is posted", required=creating),
        Option(
            "schedule",
            OptionType.TEXT,
            'e.g. "every wednesday at 10:00" or cron',
            required=creating,
            max_length=100,
            reads=reads_as_schedule,
        ),
        Option(
            "prompt",
            OptionType.TEXT,
            "Text to post; {date}, {week}, {name} are filled in",
            required=False,
            max_length=PROMPT_LIMIT,
        ),
        *(
            (Option("kind", OptionType.CHOICE, "What it does", required=False, choices=KINDS, default="prompt"),)
            if creating
            else ()
        ),
        Option("tz", OptionType.TIMEZONE, "IANA time zone (default: the community's)", required=False),
        Option("window", OptionType.DURATION, "How long replies count (default 24h)", required=False),
        Option(
            "points",
            OptionType.INTEGER,
            "Points for taking part (default 5)",
            required=False,
            min_value=0,
            max_value=1000,
        ),
        Option("start", OptionType.TEXT, "First day of the series, YYYY-MM-DD", required=False, max_length=10),
        Option(
            "recap",
            OptionType.CHOICE,
            "Recap when the window ends (default on)",
            required=False,
            choices=("on", "off"),
            noun="choice for recap",
        ),
        Option(
            "frequent",
            OptionType.CHOICE,
            "Admins: allow more often than hourly",
            required=False,
            choices=("yes", "no"),
            noun="choice for frequent",
        ),
    )


class RitualsFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.runner = RitualRunner(services)
        self.rituals = RitualService(services, self.runner)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.component("ritual", self.click)
        registry.on(MessagePosted, self.on_message)
        registry.on_start(self.runner.start)
        registry.on_stop(self.runner.stop)

    # -- moderators -----------------------------------------------------------------------------------
    @RITUAL.command(
        "create",
        "Create a recurring ritual",
        _NAME_OPTION,
        *_settings_options(True),
        permission=MODERATOR,
        example='/ritual create standup #general "weekdays at 09:30" prompt:"What are you working on today?"',
    )
    async def create(
        self,
        ctx: Context,
        name: str,
        channel: ChannelRef,
        schedule: str,
        prompt: str | None,
        kind: str,
        tz: str | None,
        window: timedelta | None,
        points: int | None,
        start: str | None,
        recap: str | None,
        frequent: str | None,
    ) -> Reply:
        changes = Changes(channel, schedule, prompt, tz, window, points, start, recap, frequent)
        preview = await self.rituals.create(ctx, name, kind, changes)
        return Reply(text=f"Ritual **{preview.ritual.name}** is set.", card=self._card(ctx, preview), ephemeral=True)

    @RITUAL.command(
        "edit",
        "Change a ritual",
        _NAME_OPTION,
        *_settings_options(False),
        permission=MODERATOR,
        example='/ritual edit standup schedule:"weekdays at 10:00"',
    )
    async def edit(
        self,
        ctx: Context,
        name: str,
        channel: ChannelRef | None,
        schedule: str | None,
        prompt: str | None,
        tz: str | None,
        window: timedelta | None,
        points: int | None,
        start: str | None,
        recap: str | None,
        frequent: str | None,
    ) -> Reply:
        changes = Changes(channel, schedule, prompt, tz, window, points, start, recap, frequent)
        preview = await self.rituals.edit(ctx, name, changes)
        return Reply(
            text=f"Ritual **{preview.ritual.name}** is changed.", card=self._card(ctx, preview), ephemeral=True
        )

    @RITUAL.command("pause", "Pause a ritual", _NAME_OPTION, permission=MODERATOR)
    async def pause(self, ctx: Context, name: str) -> Reply:
        ritual = await self.rituals.pause(ctx, name)
        return Reply.private(f"Paused **{ritual.name}**. Resume it with `/ritual resume {ritual.name}`.")

    @RITUAL.command("resume", "Resume a paused ritual", _NAME_OPTION, permission=MODERATOR)
    async def resume(self, ctx: Context, name: str) -> Reply:
        preview = await self.rituals.resume(ctx, name)
        return Reply(text=f"Resumed **{preview.ritual.name}**.", card=self._card(ctx, preview), ephemeral=True)

    @RITUAL.command("delete", "Delete a ritual and its history", _NAME_OPTION, permission=MODERATOR)
    async def delete(self, ctx: Context, name: str) -> Reply:
        ritual = await self.rituals.delete(ctx, name)
        return Reply.private(f"Deleted **{ritual.name}** and its history (points already earned stay).")

    @RITUAL.command("run-now", "Run a ritual now, once", _NAME_OPTION, permission=MODERATOR)
    async def run_now(self, ctx: Context, name: str) -> Reply:
        ritual, note, instead_of = await self.rituals.run_now(ctx, name)
        # Standing for today's run still to come, it takes that run's place: the schedule posts nothing then.
        if ritual.paused:
            # Nothing of its schedule posts while it is paused: "unchanged" would promise the next run.
            schedule = "it stays paused: `/ritual resume` starts its schedule again"
        elif instead_of is not None:
            schedule = (
                f"it stands for today's run at {_wall_clock(instead_of, ZoneInfo(ritual.timezone)):%H:%M}, "
                "which will not post again; the rest of its schedule is unchanged"
            )
        else:
            schedule = "its schedule is unchanged"
        if note is not None:
            reason = note.rstrip(".")  # a platform's reason is a sentence of its own ("That channel is archived.")
            return Reply.private(
                f"Ran **{ritual.name}** now, and posted nothing: {reason}. {schedule[0].upper()}{schedule[1:]}."
            )
        return Reply.private(f"Ran **{ritual.name}** now; {schedule}.")

    # -- everyone -------------------------------------------------------------------------------------
    @RITUAL.command("list", "The community's rituals", read_only=True)
    async def list(self, ctx: Context) -> Reply:
        previews = await self.rituals.all(ctx)
        if not previews:
            return Reply.private("No rituals yet. Moderators create them with `/ritual create`.")
        lines = []
        for preview in previews:
            ritual = preview.ritual
            state = (
                "paused"
                if ritual.paused
                else "next " + (_local(preview.next_runs[0], ctx) if preview.next_runs else "never")
            )
            where = _channel(ctx, ritual.channel, ritual.channel_name)
            lines.append(f"**{ritual.name}** ({ritual.kind}) — {preview.words} in {where} · {state}")
        return Reply(card=Card(title="Rituals", description="\n".join(lines)), ephemeral=True)

    @RITUAL.command("show", "A ritual's settings and next runs", _NAME_OPTION, read_only=True)
    async def show(self, ctx: Context, name: str) -> Reply:
        ritual = await self.rituals.find(ctx, name)
        return Reply(card=self._card(ctx, self.rituals.preview(ritual, ctx)), ephemeral=True)

    @RITUAL.command("history", "A ritual's recent runs", _NAME_OPTION, read_only=True)
    async def history(self, ctx: Context, name: str) -> Reply:
        ritual, runs = await self.rituals.history(ctx, name)
        if not runs:
            return Reply.private(f"**{ritual.name}** has not run yet.")
        lines = []
        for summary in runs:
            run = summary.run
            status = _STATUS_WORDS.get(run.status, run.status)
            if run.status == "posted" and run.message_id is None:
                # A run that had nothing to post (a celebration with nobody to celebrate) ran, but "posted"
                # would claim a message nobody saw.
                status = f"{run.note}, nothing posted" if run.note else "nothing posted"
            elif run.note:
                status += f": {run.note}"
            # A celebration or spotlight asks nobody to take part, so "0 took part" would only read as a failure.
            counted = run.status == "posted" and ritual.kind in TAKEN_PART_IN
            taking_part = f" · {summary.participants} took part" if counted else ""
            extra = "extra run, " if run.extra else ""  # a run-now standing for no scheduled run
            lines.append(f"{_local(run.scheduled_for, ctx)} — {extra}{status}{taking_part}")
        return Reply(card=Card(title=f"{ritual.name}: recent runs", description="\n".join(lines)), ephemeral=True)

    @RITUAL.command("streaks", "Who has taken part most often in a row", _NAME_OPTION, read_only=True)
    async def streaks(self, ctx: Context, name: str) -> Reply:
        ritual, ranked = await self.rituals.streaks(ctx, name)
        if not ranked and await self.rituals.anyone_took_part(ritual):  # streaks ran, and all are broken now
            return Reply.private(f"No streak is running in **{ritual.name}** now — take part when it next runs!")
        if not ranked:
            return Reply.private(f"No streaks in **{ritual.name}** yet — take part when it next runs!")
        lines = [
            f"{position}. **{member}** — {count} in a row"
            for position, (member, count) in enumerate(ranked[:10], start=1)
        ]
        return Reply(card=Card(title=f"🔥 {ritual.name} streaks", description="\n".join(lines)), ephemeral=True)

    @RITUAL.command("join", "Opt in to a pairing ritual", _NAME_OPTION)
    async def join(self, ctx: Context, name: str) -> Reply:
        ritual, added = await self.rituals.join(ctx, name)
        if not added:
            return Reply.private(f"You're already in **{ritual.name}**.")
        return Reply.private(f"You're in! You'll be paired when **{ritual.name}** next runs.")

    @RITUAL.command("leave", "Opt out of a pairing ritual", _NAME_OPTION)
    async def leave(self, ctx: Context, name: str) -> Reply:
        ritual, removed = await self.rituals.leave(ctx, name)
        if not removed:
            return Reply.private(f"You weren't in **{ritual.name}**.")
        return Reply.private(f"You've left **{ritual.name}**; you won't be paired any more.")

    @BIRTHDAY.command(
        "set",
        "Share your birthday (no year) to be celebrated",
        Option("date", OptionType.TEXT, "Month and day: MM-DD, May 5 or 5 May (a year is not kept)", max_length=30),
        example="/birthday set 07-14",
    )
    async def birthday_set(self, ctx: Context, date: str) -> Reply:
        day, had_year, celebrated = await self.rituals.set_birthday(ctx, date)
        dropped = " (only day and month are kept, not the year)" if had_year else ""
        if celebrated:
            return Reply.private(
                f"Saved: we'll celebrate you on {day.day} {day:%B}{dropped}. Remove it with `/birthday remove`."
            )
        # Promising a celebration no ritual will post would be a promise broken on the day.
        return Reply.private(
            f"Saved: {day.day} {day:%B}{dropped}. No celebration ritual runs here yet, so it will be celebrated "
            "once moderators set one up (`/ritual create` with `kind:celebration`). Remove it with `/birthday remove`."
        )

    @BIRTHDAY.command("remove", "Stop sharing your birthday")
    async def birthday_remove(self, ctx: Context) -> Reply:
        if await self.rituals.remove_birthday(ctx):
            return Reply.private("Your birthday is no longer shared.")
        return Reply.private("You hadn't shared a birthday.")

    async def click(self, ctx: Context, action: str, _values: tuple[str, ...]) -> Reply:
        verb, _, rest = action.partition(":")
        run_text, _, group_text = rest.partition(":")
        run_id, group_no = id_number(run_text), id_number(group_text)
        if run_id is None or group_no is None:
            raise UserError("That button no longer does anything.")
        if verb == "skip":
            answer = await self.rituals.skip(ctx, run_id, group_no)
            if answer.taken_back:
                are = "is" if answer.taken_back == 1 else "are"
                return Reply.private(
                    f"Thanks for letting us know — the {points(answer.taken_back)} your group's yes gave you "
                    f"{are} taken back. Maybe next round!"
                )
            return Reply.private("Thanks for letting us know — maybe next round!")
        answer = await self.rituals.met(ctx, run_id, group_no)
        if answer.declined:
            return Reply.private("You told us you did not meet this round, so it brings no points.")
        if not answer.recorded:
            return Reply.private("Already noted — glad you met!")
        if not answer.ritual.points:  # nothing to credit anyone with ("+0 points each" read as a slip)
            return Reply.private("Wonderful! Thanks for meeting up.")
        if answer.everyone:
            return Reply.private(f"Wonderful! +{points(answer.ritual.points)} each for meeting up.")
        # Someone in the group said no, or left: name who the yes credited, so nobody reads points as theirs.
        refs = await self.runner.places.members(ctx.community.id, answer.credited)
        names = " and ".join(mention(refs[member]) for member in answer.credited)
        each = " each" if len(answer.credited) > 1 else ""
        return Reply.private(f"Wonderful! +{points(answer.ritual.points)}{each} for {names} for meeting up.")

    async def on_message(self, event: MessagePosted) -> None:
        await self.runner.on_message(event.author, event.channel, event.thread_id)

    def _card(self, ctx: Context, preview: Preview) -> Card:
        ritual = preview.ritual
        upcoming = "; ".join(_local(moment, ctx) for moment in preview.next_runs) or "none (paused)"
        fields = [
            CardField("Kind", ritual.kind),
            CardField("Channel", _channel(ctx, ritual.channel, ritual.channel_name)),
            CardField("Schedule", preview.words, inline=False),
            CardField("Next runs", upcoming, inline=False),
        ]
        if ritual.kind in ("prompt", "thread", "pairing"):
            fields.append(CardField("Window", format_duration(timedelta(seconds=ritual.window_seconds))))
            fields.append(CardField("Points", str(ritual.points)))
        if ritual.kind in ("prompt", "thread"):
            fields.append(CardField("Recap", "on" if ritual.recap else "off"))
        if ritual.prompt:
            fields.append(CardField("Prompt", ritual.prompt, inline=False))
        return Card(
            title=f"🗓 {ritual.name}" + (" (paused)" if ritual.paused else ""),
            fields=tuple(fields),
            footer=f"Times in the community's time zone, {ctx.settings.timezone}",
        )


def _local(moment: datetime, ctx: Context) -> str:
    local = _wall_clock(moment, ctx.settings.zone())
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


def _wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` as the clocks in `zone` show it. Through UTC: a schedule's time the clocks skip (02:30 on the
    spring night, run an hour later) comes from APScheduler in the ritual's zone with the offset from before the
    change (`02:30 EST`), and astimezone() to the zone it is already in would show it so, not as `03:30 EDT`."""
    return moment.astimezone(UTC).astimezone(zone)


def _channel(ctx: Context, external_id: str, name: str) -> str:
    return channel_mention(ChannelRef(ctx.community.ref, external_id, name))
