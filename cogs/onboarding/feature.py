"""Onboarding: the newcomer's checklist (DM on join), rules and interests, nudges, welcomes, welcomers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.context import Context
from bot.core.events import Contributed, MemberJoined, MemberLeft, MessagePosted
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef, Permission, RoleRef
from bot.core.registry import Registry
from bot.core.reply import (
    Button,
    ButtonStyle,
    Card,
    CardField,
    Reply,
    Select,
    SelectOption,
    UserError,
    channel_mention,
    mention,
)
from bot.core.services import Services
from cogs.onboarding.service import (
    DEFAULT_RULES,
    DEFAULT_WELCOME,
    RULES_LIMIT,
    STEP_LABELS,
    STEP_MODES,
    STEPS,
    WELCOME_LIMIT,
    OnboardingService,
    Progress,
    StepOutcome,
    check_welcome_template,
    render_welcome,
)
from config.community import CommunitySettings, describe_setting
from config.durations import format_duration
from storage.onboarding import Interest, Journey, Setup

log = logging.getLogger(__name__)

GROUP = {"group": "onboarding", "group_description": "Onboarding: your checklist, and how newcomers are welcomed"}
SWEEP_JOB = "onboarding:sweep"
SWEEP_EVERY = timedelta(minutes=30)
# What `/onboarding set` may change (the introductions cog reads the intro_* ones).
TUNABLE_KEYS = (
    "welcome_dm",
    "welcome_when",
    "nudge_after",
    "alert_after",
    "step_points",
    "welcomer_points",
    "raid_joins",
    "raid_window",
    "intro_points",
    "intro_welcome_points",
    "intro_welcome_daily_cap",
    "intro_welcome_window",
)
CHANNEL_PURPOSES = {
    "welcome": "welcome_channel",
    "intros": "intros_channel",
    "rules": "rules_channel",
    "mods": "mod_channel",
}
BATCH_MENTIONS = 50
HELLO_RELOAD_SECONDS = 60.0


class OnboardingFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.service = OnboardingService(services)
        # Per community, who still has "say hello" open, loaded in one query and kept for a minute of real
        # time (a member who joined through another process is seen at the next load): no read per message.
        self._hello_open: dict[int, tuple[float, set[int]]] = {}

    # -- declarations --------------------------------------------------------------------------------------------
    def register(self, registry: Registry) -> None:
        mod = Permission.MODERATOR
        commands = [
            CommandSpec("checklist", "Your onboarding checklist and progress", self.checklist),
            CommandSpec("status", "Who is stuck at which onboarding step", self.status, permission=mod),
            CommandSpec("show", "How onboarding is set up here, in plain words", self.show, permission=mod),
            CommandSpec(
                "channel",
                "Choose the welcome, intros, rules or mods channel",
                self.channel,
                options=(
                    Option(
                        "purpose", OptionType.CHOICE, "welcome, intros, rules or mods", choices=tuple(CHANNEL_PURPOSES)
                    ),
                    Option("channel", OptionType.CHANNEL, "The channel"),
                ),
                permission=mod,
            ),
            CommandSpec(
                "message",
                "The public welcome; placeholders {member} {community} {rules_channel} {intros_channel} {welcomer}",
                self.message,
                options=(Option("text", OptionType.TEXT, "The welcome message", max_length=WELCOME_LIMIT),),
                permission=mod,
            ),
            CommandSpec(
                "rules",
                "The rules newcomers agree to",
                self.rules,
                options=(Option("text", OptionType.TEXT, "The rules", max_length=RULES_LIMIT),),
                permission=mod,
            ),
            CommandSpec(
                "access",
                "What agreeing to the rules gives: a role (Discord) or a channel (Slack)",
                self.access,
                options=(
                    Option("role", OptionType.ROLE, "The member role", required=False),
                    Option("channel", OptionType.CHANNEL, "A channel to join", required=False),
                ),
                permission=mod,
            ),
            CommandSpec(
                "interest-add",
                "Offer an interest, giving a role or a channel",
                self.interest_add,
                options=(
                    Option("name", OptionType.TEXT, "The interest", max_length=60),
                    Option("role", OptionType.ROLE, "Role it gives", required=False),
                    Option("channel", OptionType.CHANNEL, "Channel it joins", required=False),
                ),
                permission=mod,
            ),
            CommandSpec(
                "interest-remove",
                "Stop offering an interest",
                self.interest_remove,
                options=(Option("name", OptionType.TEXT, "The interest", max_length=60),),
                permission=mod,
            ),
            CommandSpec(
                "step",
                "Make a checklist step required, optional or off",
                self.step,
                options=(
                    Option("step", OptionType.CHOICE, "rules, interests, intro or hello", choices=STEPS),
                    Option("mode", OptionType.CHOICE, "required, optional or off", choices=STEP_MODES),
                ),
                permission=mod,
            ),
            CommandSpec(
                "set",
                "Change an onboarding setting (timings, points, DMs, raids)",
                self.set,
                options=(
                    Option("key", OptionType.CHOICE, "Which setting", choices=TUNABLE_KEYS),
                    Option("value", OptionType.TEXT, "The new value", max_length=40),
                ),
                permission=mod,
            ),
        ]
        for spec in commands:
            registry.command(replace(spec, **GROUP))  # type: ignore[arg-type]
        welcomer = {"group": "welcomer", "group_description": "Volunteer to welcome newcomers"}
        registry.command(CommandSpec("join", "Volunteer to welcome newcomers", self.welcomer_join, **welcomer))  # type: ignore[arg-type]
        registry.command(CommandSpec("leave", "Stop welcoming newcomers", self.welcomer_leave, **welcomer))  # type: ignore[arg-type]
        registry.component("onb", self.on_click)
        registry.home(self.home)
        registry.on(MemberJoined, self.on_join)
        registry.on(MemberLeft, self.on_leave)
        registry.on(MessagePosted, self.on_message)
        registry.on(Contributed, self.on_contributed)
        # Re-armed at every start; the notices it sends are claimed in the database, so never twice.
        # start_date from our clock: APScheduler would start from the wall clock, not the virtual one.
        every = IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), start_date=self.services.clock.now())
        self.services.scheduler.add(SWEEP_JOB, every, self.sweep)

    # -- the checklist -------------------------------------------------------------------------------------------
    async def _checklist_reply(self, progress: Progress, community: CommunityRef, text: str = "") -> Reply:
        setup = await self.service.setup(progress.journey.community_id)
        interests = await self.service.interests(progress.journey.community_id)
        chosen = set(await self.service.choices(progress.journey.member_id))
        lines = []
        for state in progress.steps:
            mark = "✅" if state.done_at else "⬜"
            extra = "" if state.required else " (optional)"
            if state.step == "interests" and chosen:
                extra += ": " + ", ".join(i.label for i in interests if i.key in chosen)
            lines.append(f"{mark} {state.label}{extra}")
        done = sum(1 for s in progress.steps if s.done_at)
        fields: tuple[CardField, ...] = ()
        buttons: tuple[Button, ...] = ()
        if progress.has("rules") and not progress.done("rules"):
            fields = (CardField("Rules", setup.rules_text or DEFAULT_RULES, inline=False),)
            buttons = (Button("I agree to the rules", "onb:agree", ButtonStyle.PRIMARY),)
        select = None
        if progress.has("interests"):
            select = Select(
                "onb:interests",
                tuple(SelectOption(i.label, i.key) for i in interests),
                placeholder="Choose your interests",
                max_values=len(interests),
            )
        return Reply(
            text=text,
            card=Card(
                title=f"Your way into {community.name or 'the community'}",
                description="\n".join(lines),
                fields=fields,
                footer=f"{done} of {len(progress.steps)} steps done · /onboarding checklist shows this again",
                color=0x57F287,
            ),
            buttons=buttons,
            select=select,
        )

    async def checklist(self, ctx: Context) -> Reply:
        progress = await self.service.progress(ctx.author.id)
        if progress is None:
            return Reply.private("You have no onboarding checklist: you were here before it began. Welcome anyway!")
        reply = await self._checklist_reply(progress, ctx.community.ref)
        return replace(reply, ephemeral=True)

    async def home(self, ctx: Context) -> Reply | None:
        """The checklist on a member's personal page (Slack App Home), while they are on their way in."""
        progress = await self.service.progress(ctx.author.id)
        if progress is None or progress.journey.completed_at is not None:
            return None
        return await self._checklist_reply(progress, ctx.community.ref)

    async def _reach(self, member: MemberRef, settings: CommunitySettings, reply: Reply) -> bool:
        """DM the member; when their DMs are closed (or DMs are off), mention them in the welcome channel."""
        if settings.welcome_dm and await self.services.messenger.send_dm(member, reply) is not None:
            return True
        if not settings.welcome_channel:
            log.info("could not reach %s: DMs closed and no welcome channel", member.external_id)
            return False
        why = "I couldn't send you a direct message, so" if settings.welcome_dm else "Hi!"
        text = f"{mention(member)}, {why} here is your checklist (the buttons work for you)." + (
            f"\n{reply.text}" if reply.text else ""
        )
        await self.services.messenger.send(
            ChannelRef(member.community, settings.welcome_channel), replace(reply, text=text)
        )
        return True

    # -- joining -------------------------------------------------------------------------------------------------
    async def on_join(self, event: MemberJoined) -> None:
        if event.member.is_bot:
            return
        member = await self.services.identity.rejoined(event.member)
        settings = await self.services.config.get(member.community_id)
        now = self.services.clock.now()
        new, welcomer_id = await self.service.start(member, settings, now)
        if not new:
            return
        progress = await self.service.progress(member.id)
        assert progress is not None
        if progress.has("hello") and member.community_id in self._hello_open:
            self._hello_open[member.community_id][1].add(member.id)
        welcomer = await self._ref(member.ref.community, welcomer_id) if welcomer_id else None
        greeting = f"Welcome to {member.ref.community.name or 'the community'}, {mention(member)}! 👋"
        if welcomer:
            greeting += f" {mention(welcomer)} is your welcomer: ask them anything."
        await self._reach(member.ref, settings, await self._checklist_reply(progress, member.ref.community, greeting))
        if welcomer:
            await self.services.messenger.send_dm(
                welcomer,
                Reply(
                    text=f"👋 {mention(member)} just joined and you are their welcomer. "
                    "Say hi and help them find their way!"
                ),
            )
        if settings.welcome_when == "join":
            await self._public_welcome(member, settings, welcomer, now)

    async def on_leave(self, event: MemberLeft) -> None:
        await self.services.identity.left(event.member)

    async def _ref(self, community: CommunityRef, member_id: int) -> MemberRef:
        external_id, name = (await self.service.names([member_id]))[member_id]
        return MemberRef(community, external_id, name)

    # -- public welcomes and raids -------------------------------------------------------------------------------
    async def _welcome_text(self, community_id: int, community: CommunityRef, members: str, welcomer: str) -> str:
        setup = await self.service.setup(community_id)
        settings = await self.services.config.get(community_id)

        def channel(channel_id: str | None, fallback: str) -> str:
            return channel_mention(ChannelRef(community, channel_id)) if channel_id else fallback

        return render_welcome(
            setup.welcome_message or DEFAULT_WELCOME,
            {
                "member": members,
                "community": community.name or "the community",
                "rules_channel": channel(settings.rules_channel, "the rules"),
                "welcome_channel": channel(settings.welcome_channel, "here"),
                "intros_channel": channel(settings.intros_channel, "the introductions channel"),
                "welcomer": welcomer,
            },
        )

    async def _public_welcome(
        self, member: Member, settings: CommunitySettings, welcomer: MemberRef | None, now: datetime
    ) -> None:
        if not settings.welcome_channel:
            return
        community = member.ref.community
        if not await self.service.welcome_now_or_queue(member, settings, now):
            job_id = f"onboarding:welcome-batch:{member.community_id}"
            if self.services.scheduler.next_run(job_id) is None:
                self.services.scheduler.add(
                    job_id,
                    DateTrigger(run_date=now + settings.raid_window),
                    lambda scheduled: self._post_batch(member.community_id, community, scheduled),
                )
            return
        text = await self._welcome_text(
            member.community_id, community, mention(member), mention(welcomer) if welcomer else "everyone"
        )
        await self.services.messenger.send(ChannelRef(community, settings.welcome_channel), Reply(text=text))

    async def _post_batch(self, community_id: int, community: CommunityRef, queued_before: datetime) -> None:
        """One welcome for everyone who arrived in a raid, instead of a flood."""
        member_ids = await self.service.take_batch(community_id, queued_before, self.services.clock.now())
        if not member_ids:
            return
        settings = await self.services.config.get(community_id)
        if not settings.welcome_channel:
            return
        names = await self.service.names(member_ids)
        shown = [mention(MemberRef(community, *names[mid])) for mid in member_ids[:BATCH_MENTIONS]]
        more = len(member_ids) - len(shown)
        everyone = ", ".join(shown) + (f" and {more} more" if more else "")
        text = await self._welcome_text(community_id, community, everyone, "everyone")
        await self.services.messenger.send(
            ChannelRef(community, settings.welcome_channel),
            Reply(text=f"🎉 {len(member_ids)} new members arrived together!\n{text}"),
        )

    # -- steps ---------------------------------------------------------------------------------------------------
    async def on_click(self, ctx: Context, action: str, values: tuple[str, ...]) -> Reply:
        progress = await self.service.progress(ctx.author.id)
        if progress is None:
            return Reply.private("This checklist is for newcomers, and you're already one of us. 🙂")
        if action == "agree":
            return await self._agree(ctx, progress)
        if action == "interests":
            return await self._choose(ctx, progress, values)
        return Reply.private("That button no longer does anything.")

    async def _grant(self, ctx: Context, kind: str, target_id: str, name: str) -> None:
        """Give a role (Discord) or join a channel (Slack); a refusal tells the mods and the member why."""
        community = ctx.community.ref
        try:
            if kind == "role":
                await self.services.messenger.grant_role(ctx.author.ref, RoleRef(community, target_id, name))
            else:
                await self.services.messenger.add_to_channel(ctx.author.ref, ChannelRef(community, target_id, name))
        except PlatformError as error:
            what = f"the role {name or target_id}" if kind == "role" else f"access to #{name or target_id}"
            if ctx.settings.mod_channel:
                await self.services.messenger.send(
                    ChannelRef(community, ctx.settings.mod_channel),
                    Reply(text=f"⚠️ I couldn't give {mention(ctx.author)} {what}: {error.reason}"),
                )
            raise UserError(
                f"I couldn't give you {what}: {error.reason} The moderators have been told; nothing was "
                "changed, so please try again later."
            ) from None

    async def _agree(self, ctx: Context, progress: Progress) -> Reply:
        if not progress.has("rules"):
            return Reply.private("There are no rules to agree to here.")
        if progress.done("rules"):
            return Reply.private("You already agreed to the rules. 👍")
        setup = await self.service.setup(ctx.community.id)
        if setup.access_kind and setup.access_id:
            await self._grant(ctx, setup.access_kind, setup.access_id, setup.access_name)
        outcome = await self.service.complete_step(ctx.author, "rules", ctx.settings, ctx.now)
        return await self._after_step(ctx, outcome, "Thanks for agreeing to the rules!")

    async def _choose(self, ctx: Context, progress: Progress, values: tuple[str, ...]) -> Reply:
        if not progress.has("interests"):
            return Reply.private("There are no interests to choose here.")
        offered = {i.key: i for i in await self.service.interests(ctx.community.id)}
        unknown = [value for value in values if value not in offered]
        if unknown:
            names = ", ".join(i.label for i in offered.values())
            raise UserError(f"`{unknown[0]}` is not an interest offered here (any more). Choose from: {names}.")
        if not values:
            raise UserError("Choose at least one interest.")
        already = set(await self.service.choices(ctx.author.id))
        for key in values:
            if key not in already:
                interest = offered[key]
                await self._grant(ctx, interest.target_kind, interest.target_id, interest.target_name)
        outcome = await self.service.complete_step(ctx.author, "interests", ctx.settings, ctx.now, chosen=list(values))
        chosen = ", ".join(offered[key].label for key in values)
        return await self._after_step(ctx, outcome, f"Interests saved: {chosen}.")

    async def _after_step(self, ctx: Context, outcome: StepOutcome, text: str) -> Reply:
        if outcome.completed:
            await self._completed(ctx.author, ctx.settings, outcome)
            text += " 🎉 You're all set — welcome aboard!"
        progress = await self.service.progress(ctx.author.id)
        assert progress is not None
        return replace(await self._checklist_reply(progress, ctx.community.ref, text), ephemeral=True)

    async def _completed(self, member: Member, settings: CommunitySettings, outcome: StepOutcome) -> None:
        welcomer = await self._ref(member.ref.community, outcome.welcomer_id) if outcome.welcomer_id else None
        if welcomer:
            await self.services.messenger.send_dm(
                welcomer,
                Reply(
                    text=f"🎉 {mention(member)} finished onboarding. Thanks for welcoming them! "
                    f"+{settings.welcomer_points} points"
                ),
            )
        if settings.welcome_when == "completion":
            await self._public_welcome(member, settings, welcomer, self.services.clock.now())

    async def _step_done_elsewhere(self, member: Member, step: str) -> None:
        """A step done outside the checklist (an intro, a message): record it and say so privately."""
        settings = await self.services.config.get(member.community_id)
        outcome = await self.service.complete_step(member, step, settings, self.services.clock.now())
        if not outcome.recorded:
            return
        if outcome.completed:
            await self._completed(member, settings, outcome)
            await self.services.messenger.send_dm(
                member.ref, Reply(text=f"✅ {STEP_LABELS[step]} — done. 🎉 You're all set — welcome aboard!")
            )

    async def on_contributed(self, event: Contributed) -> None:
        if event.kind == "intro":
            await self._step_done_elsewhere(await self.services.identity.member(event.member), "intro")

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot:
            return
        member = await self.services.identity.member(event.author)
        now = asyncio.get_running_loop().time()
        loaded, hello_open = self._hello_open.get(member.community_id, (None, set()))
        if loaded is None or now - loaded > HELLO_RELOAD_SECONDS:
            hello_open = {
                progress.journey.member_id
                for progress in await self.service.open_progress(member.community_id)
                if progress.has("hello") and not progress.done("hello")
            }
            self._hello_open[member.community_id] = (now, hello_open)
        if member.id in hello_open:
            hello_open.discard(member.id)
            await self._step_done_elsewhere(member, "hello")

    # -- nudges, alerts, batches ---------------------------------------------------------------------------------
    async def sweep(self, scheduled: datetime) -> None:
        """Nudge members stuck past nudge_after once, tell mods about those past alert_after once."""
        now = self.services.clock.now()
        for progress in await self.service.open_progress():
            current = progress.current
            if current is None:
                continue
            journey = progress.journey
            settings = await self.services.config.get(journey.community_id)
            waited = now - progress.since
            if waited >= settings.nudge_after:
                await self._notify_once(journey, current.step, "nudge", now, partial(self._nudge, progress, settings))
            if waited >= settings.alert_after and settings.mod_channel:
                await self._notify_once(
                    journey, current.step, "alert", now, partial(self._alert, progress, settings, waited)
                )
        for community_id in await self.service.communities_with_batches():
            settings = await self.services.config.get(community_id)
            ref = await self.service.community_ref(community_id)
            await self._post_batch(community_id, ref, now - settings.raid_window)

    async def _notify_once(
        self, journey: Journey, step: str, kind: str, now: datetime, send: Callable[[], Awaitable[None]]
    ) -> None:
        """Claim first, then send: a second sweep or process finds the claim and sends nothing."""
        if not await self.service.claim_notice(journey.member_id, step, kind, now):
            return
        try:
            await send()
        except Exception:
            await self.service.release_notice(journey.member_id, step, kind)
            raise

    async def _nudge(self, progress: Progress, settings: CommunitySettings) -> None:
        current = progress.current
        assert current is not None
        member = _member(progress.journey)
        text = f"Hi {mention(member)}! Your next step is **{current.label}** — it only takes a minute. 🙂"
        await self._reach(member, settings, await self._checklist_reply(progress, member.community, text))

    async def _alert(self, progress: Progress, settings: CommunitySettings, waited: timedelta) -> None:
        current = progress.current
        assert current is not None and settings.mod_channel
        member = _member(progress.journey)
        await self.services.messenger.send(
            ChannelRef(member.community, settings.mod_channel),
            Reply(
                text=f"🧭 {mention(member)} has been stuck at **{current.label}** for {_ago(waited)}. "
                "A personal hello might help."
            ),
        )

    # -- moderator commands --------------------------------------------------------------------------------------
    async def status(self, ctx: Context) -> Reply:
        stuck = [p for p in await self.service.open_progress(ctx.community.id) if p.current]
        if not stuck:
            return Reply.private("Nobody is stuck: every newcomer has finished onboarding. 🎉")
        sent = await self.service.notices([p.journey.member_id for p in stuck])
        lines = []
        for progress in stuck[:25]:
            current = progress.current
            assert current is not None
            member_id = progress.journey.member_id
            flags = [
                label
                for kind, label in (("nudge", "reminded"), ("alert", "mods told"))
                if (member_id, current.step, kind) in sent
            ]
            lines.append(
                f"{mention(_member(progress.journey))} — {current.label}, for {_ago(ctx.now - progress.since)}"
                + (f" ({', '.join(flags)})" if flags else "")
            )
        more = f" · and {len(stuck) - 25} more" if len(stuck) > 25 else ""
        return Reply(
            card=Card(
                title=f"Onboarding: {len(stuck)} on their way in", description="\n".join(lines), footer=more.strip(" ·")
            ),
            ephemeral=True,
        )

    async def show(self, ctx: Context) -> Reply:
        setup = await self.service.setup(ctx.community.id)
        interests = await self.service.interests(ctx.community.id)
        return Reply(card=self._setup_card(ctx, ctx.settings, setup, interests), ephemeral=True)

    def _setup_card(self, ctx: Context, settings: CommunitySettings, setup: Setup, interests: list[Interest]) -> Card:
        def channel(channel_id: str | None) -> str:
            return channel_mention(ChannelRef(ctx.community.ref, channel_id)) if channel_id else "(no channel set)"

        when = (
            "as soon as a newcomer joins" if settings.welcome_when == "join" else "when a newcomer finishes onboarding"
        )
        access = "nothing more"
        if setup.access_kind == "role":
            access = f"the role **{setup.access_name or setup.access_id}**"
        elif setup.access_kind == "channel" and setup.access_id:
            access = f"a place in {channel_mention(ChannelRef(ctx.community.ref, setup.access_id, setup.access_name))}"
        steps = []
        for number, step in enumerate(STEPS, start=1):
            mode = "off" if step in setup.disabled_steps else "optional" if step in setup.optional_steps else "required"
            steps.append(f"{number}. {STEP_LABELS[step]} — {mode}")
        offered = "; ".join(f"{i.label} → {_target(ctx, i)}" for i in interests) or "none (the step is skipped)"
        dm = (
            "Newcomers get their checklist by direct message"
            if settings.welcome_dm
            else "Newcomers get their checklist"
        )
        lines = [
            f"**Welcome**: posted in {channel(settings.welcome_channel)} {when}; when {settings.raid_joins} or more "
            f"arrive within {format_duration(settings.raid_window)}, one welcome greets them together.",
            f"**Message**: {setup.welcome_message or DEFAULT_WELCOME}",
            f"**Checklist**: {dm} (or a mention in {channel(settings.welcome_channel)} when DMs are closed).",
            *steps,
            f"**Rules**: {setup.rules_text or DEFAULT_RULES} Agreeing gives {access}.",
            f"**Interests**: {offered}",
            f"**Reminders**: one friendly reminder after {format_duration(settings.nudge_after)} at a step; "
            f"moderators hear in {channel(settings.mod_channel)} after {format_duration(settings.alert_after)}.",
            f"**Introductions**: posted in {channel(settings.intros_channel)}. "
            f"Rules channel: {channel(settings.rules_channel)}.",
            f"**Points**: {settings.step_points} per step; {settings.welcomer_points} to a welcomer whose "
            f"newcomer finishes; {settings.intro_points} for a first intro; {settings.intro_welcome_points} for "
            f"replying to a new intro within {format_duration(settings.intro_welcome_window)} "
            f"(up to {settings.intro_welcome_daily_cap} a day).",
        ]
        return Card(
            title="Onboarding setup",
            description="\n".join(lines),
            footer="Change it with /onboarding channel, message, rules, access, interest-add, step or set",
        )

    async def _changed(self, ctx: Context, text: str) -> Reply:
        return Reply.private(f"{text} (/onboarding show shows the whole setup.)")

    async def channel(self, ctx: Context, purpose: str, channel: ChannelRef) -> Reply:
        await self.services.config.set(ctx.community.id, CHANNEL_PURPOSES[purpose], channel.external_id)
        return await self._changed(ctx, f"Done: the {purpose} channel is now {channel_mention(channel)}.")

    async def message(self, ctx: Context, text: str) -> Reply:
        check_welcome_template(text)
        await self.service.change_setup(ctx.community.id, welcome_message=text)
        return await self._changed(ctx, "Done: the welcome message is changed.")

    async def rules(self, ctx: Context, text: str) -> Reply:
        await self.service.change_setup(ctx.community.id, rules_text=text)
        return await self._changed(ctx, "Done: the rules are changed.")

    async def access(self, ctx: Context, role: RoleRef | None, channel: ChannelRef | None) -> Reply:
        kind, target_id, name = _target_of(role, channel, "/onboarding access role:&member")
        await self.service.change_setup(ctx.community.id, access_kind=kind, access_id=target_id, access_name=name)
        return await self._changed(ctx, "Done: agreeing to the rules now gives that.")

    async def interest_add(self, ctx: Context, name: str, role: RoleRef | None, channel: ChannelRef | None) -> Reply:
        kind, target_id, target_name = _target_of(role, channel, f"/onboarding interest-add {name} role:&{name}")
        interest = await self.service.add_interest(ctx.community.id, name, kind, target_id, target_name)
        return await self._changed(ctx, f"Done: newcomers can now choose **{interest.label}**.")

    async def interest_remove(self, ctx: Context, name: str) -> Reply:
        await self.service.remove_interest(ctx.community.id, name)
        return await self._changed(ctx, f"Done: **{name}** is no longer offered.")

    async def step(self, ctx: Context, step: str, mode: str) -> Reply:
        await self.service.set_step_mode(ctx.community.id, step, mode)
        return await self._changed(ctx, f"Done: “{STEP_LABELS[step]}” is now {mode}.")

    async def set(self, ctx: Context, key: str, value: str) -> Reply:
        settings = await self.services.config.set(ctx.community.id, key, value)
        return await self._changed(ctx, f"Done: `{key}` is now {describe_setting(settings, key)}.")

    # -- welcomers -----------------------------------------------------------------------------------------------
    async def welcomer_join(self, ctx: Context) -> Reply:
        if not await self.service.volunteer(ctx.author, True):
            return Reply.private("You're already a welcomer. Thank you! 💛")
        return Reply.private("Thank you! You'll be paired with newcomers, and earn points when they finish onboarding.")

    async def welcomer_leave(self, ctx: Context) -> Reply:
        if not await self.service.volunteer(ctx.author, False):
            return Reply.private("You weren't a welcomer; nothing changed.")
        return Reply.private("Done: you won't be paired with newcomers any more. Thanks for all the welcomes!")


def _community(journey: Journey) -> CommunityRef:
    return CommunityRef(journey.platform, journey.community_external_id, journey.community_name)


def _member(journey: Journey) -> MemberRef:
    return MemberRef(_community(journey), journey.external_id, journey.display_name)


def _target_of(role: RoleRef | None, channel: ChannelRef | None, example: str) -> tuple[str, str, str]:
    if (role is None) == (channel is None):
        raise UserError(f"Give either a role (Discord) or a channel (Slack), like `{example}`.")
    if role is not None:
        return "role", role.external_id, role.name
    assert channel is not None
    return "channel", channel.external_id, channel.name


def _target(ctx: Context, interest: Interest) -> str:
    if interest.target_kind == "role":
        return f"role **{interest.target_name or interest.target_id}**"
    return channel_mention(ChannelRef(ctx.community.ref, interest.target_id, interest.target_name))


def _ago(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    return f"{hours}h" if hours else f"{max(1, int(delta.total_seconds() // 60))}m"
