"""Moderators' onboarding commands: who is stuck, the setup in plain words, and changing it."""

from __future__ import annotations

import re

from bot.core.arguments import typed_option
from bot.core.commands import Option, OptionType
from bot.core.context import Context
from bot.core.messenger import PlatformError, check_can_grant, check_can_post
from bot.core.refs import ChannelRef, Permission, RoleRef
from bot.core.registry import Registry
from bot.core.reply import Card, Reply, UserError, channel_mention, mention
from bot.core.services import Services
from bot.core.wording import plural
from cogs.onboarding.groups import ONBOARDING
from cogs.onboarding.service import (
    DEFAULT_RULES,
    PLACEHOLDERS,
    RULES_LIMIT,
    STEP_LABELS,
    STEP_MODES,
    STEPS,
    WELCOME_LIMIT,
    OnboardingService,
    ago,
    check_welcome_template,
    default_welcome,
    give,
    retargeted,
)
from cogs.onboarding.settings import OnboardingSettings
from config.community import CommunitySettings
from config.durations import format_duration
from storage.onboarding import Interest, Setup, intros_open

MOD = Permission.MODERATOR
CHANNEL_PURPOSES = {
    "welcome": "welcome_channel",
    "intros": "intros_channel",
    "rules": "rules_channel",
    "mods": "mod_channel",
}
# The purposes Hearth posts in (welcomes, intro threads, moderators' alerts); the rules channel is only linked to,
# and read-only is what a rules channel usually is.
POSTED_IN = ("welcome", "intros", "mods")


def _typed_interest(name: str) -> tuple[str, str]:
    """An interest's name as typed back in an example line (quoted when it has a space: `"Board Games"`), and a
    role or channel name made of it (`Board-Games`; `&Board Games` reads as the role `&Board` and a word)."""
    typed = typed_option("name", name)
    slug = re.sub(r"[^\w.\-]+", "-", name).strip("-")
    return (typed.removeprefix("name:") if typed else 'name:"…"'), (slug or "interest")


class ModeratorCommands:
    def __init__(self, services: Services, journeys: OnboardingService) -> None:
        self.services = services
        self.journeys = journeys

    @property
    def _role_sign(self) -> str:
        """How a role is written in the examples shown: as the platform's commands take it."""
        return self.services.messenger.capabilities.role_sign

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        # Built here, not with a decorator: it offers the keys of every loaded section tuned with /onboarding.
        registry.command(
            ONBOARDING.spec(
                "set",
                "Change an onboarding setting (timings, points, DMs, raids)",
                self.set,
                Option(
                    "key", OptionType.CHOICE, "Which setting", choices=self.services.settings.catalog.keys("onboarding")
                ),
                Option("value", OptionType.TEXT, "The new value", max_length=40),
                permission=MOD,
                example="/onboarding set nudge_after 12h",
            )
        )

    @ONBOARDING.command("status", "Who is stuck at which onboarding step", permission=MOD, read_only=True)
    async def status(self, ctx: Context) -> Reply:
        stuck = [p for p in await self.journeys.open_progress(ctx.community.id) if p.current]
        if not stuck:
            # Not "every newcomer has finished": said where there were none at all, or none left after deletions.
            return Reply.private("Nobody is stuck: no newcomer is partway through onboarding. 🎉")
        sent = await self.journeys.notices([p.journey.member_id for p in stuck])
        refs = await self.journeys.member_refs([p.journey.member_id for p in stuck[:25]])
        lines = []
        for progress in stuck[:25]:
            current = progress.current
            assert current is not None
            member_id = progress.journey.member_id
            # "missed": the reminder was due but could not reach them (stored beside its "nudge" claim).
            reminded = (
                "the reminder could not reach them: DMs closed, no welcome channel"
                if (member_id, current.step, "missed") in sent
                else "reminded"
            )
            flags = [
                label
                for kind, label in (("nudge", reminded), ("alert", "mods told"))
                if (member_id, current.step, kind) in sent
            ]
            lines.append(
                f"{mention(refs[member_id])} — {current.label}, for {ago(ctx.now - progress.since)}"
                + (f" ({', '.join(flags)})" if flags else "")
            )
        more = f" · and {len(stuck) - 25} more" if len(stuck) > 25 else ""
        return Reply(
            card=Card(
                title=f"Onboarding: {len(stuck)} on their way in", description="\n".join(lines), footer=more.strip(" ·")
            ),
            ephemeral=True,
        )

    @ONBOARDING.command("show", "How onboarding is set up here, in plain words", permission=MOD, read_only=True)
    async def show(self, ctx: Context) -> Reply:
        setup = await self.journeys.setup(ctx.community.id)
        interests = await self.journeys.interests(ctx.community.id)
        return Reply(card=self._setup_card(ctx, ctx.settings, setup, interests), ephemeral=True)

    def _setup_card(self, ctx: Context, settings: CommunitySettings, setup: Setup, interests: list[Interest]) -> Card:
        def channel(channel_id: str | None) -> str:
            return channel_mention(ChannelRef(ctx.community.ref, channel_id)) if channel_id else "(no channel set)"

        own = settings.of(OnboardingSettings)
        when = "as soon as a newcomer joins" if own.welcome_when == "join" else "when a newcomer finishes onboarding"
        access = "nothing more"
        if setup.access_kind == "role":
            access = f"the role **{setup.access_name or setup.access_id}**"
        elif setup.access_kind == "channel" and setup.access_id:
            access = f"a place in {channel_mention(ChannelRef(ctx.community.ref, setup.access_id, setup.access_name))}"
        steps = []
        for number, step in enumerate(STEPS, start=1):
            mode = "off" if step in setup.disabled_steps else "optional" if step in setup.optional_steps else "required"
            if step == "intro" and mode != "off" and not intros_open(settings):
                mode += (
                    " — ⚠️ skipped: no intros channel is set, so newcomers can't post one "
                    "(`/onboarding channel intros #channel`)"
                    if settings.has("intro_points")
                    else " — ⚠️ skipped: the introductions feature is not loaded"
                )
            steps.append(f"{number}. {STEP_LABELS[step]} — {mode}")
        offered = "; ".join(f"{i.label} → {_target(ctx, i)}" for i in interests) or "none (the step is skipped)"
        welcome_channel = settings.basics.welcome_channel
        if own.welcome_dm:
            checklist = "Newcomers get their checklist by direct message " + (
                f"(or a mention in {channel(welcome_channel)} when their DMs are closed)."
                if welcome_channel
                else "(none when their DMs are closed: no welcome channel is set)."
            )
        elif welcome_channel:
            checklist = f"Newcomers get their checklist as a mention in {channel(welcome_channel)}."
        else:
            checklist = (
                "⚠️ Newcomers get no checklist: `welcome_dm` is no and no welcome channel is set "
                "(`/onboarding channel welcome #channel`). They can still run /onboarding checklist."
            )
        # Without its channel a welcome or an alert goes nowhere: "posted in (no channel set)" read as if it went.
        welcome = (
            f"posted in {channel(welcome_channel)} {when}; when {own.raid_joins} or more arrive within "
            f"{format_duration(own.raid_window)}, one welcome greets them together."
            if welcome_channel
            else "⚠️ none is posted: no welcome channel is set (`/onboarding channel welcome #channel`)."
        )
        mods = (
            f"moderators hear in {channel(settings.basics.mod_channel)} after {format_duration(own.alert_after)}."
            if settings.basics.mod_channel
            else "moderators are not told: no mods channel is set (`/onboarding channel mods #channel`)."
        )
        lines = [
            f"**Welcome**: {welcome}",
            f"**Message**: {setup.welcome_message or default_welcome(settings)}",
            f"**Checklist**: {checklist}",
            *steps,
            ("**Rules**: off." if access == "nothing more" else f"**Rules**: off; newcomers get {access} on joining.")
            if "rules" in setup.disabled_steps
            else f"**Rules**: {setup.rules_text or DEFAULT_RULES} Agreeing gives {access}.",
            f"**Interests**: {offered}",
            f"**Reminders**: one friendly reminder after {format_duration(own.nudge_after)} at a step; {mods}",
            f"**Introductions**: posted in {channel(settings.basics.intros_channel)}. "
            f"Rules channel: {channel(settings.basics.rules_channel)}.",
            f"**Points**: {own.step_points} per step; {own.welcomer_points} to a welcomer whose newcomer finishes"
            + (
                # The introductions cog's values, when it is loaded.
                f"; {settings.describe('intro_points')} for a first intro; {settings.describe('intro_welcome_points')} "
                f"for replying to a new intro within {settings.describe('intro_welcome_window')} "
                f"(up to {settings.describe('intro_welcome_daily_cap')} a day)."
                if settings.has("intro_points")
                else "."
            ),
        ]
        return Card(
            title="Onboarding setup",
            description="\n".join(lines),
            footer="Change it with /onboarding channel, message, rules, access, interest-add, step or set",
        )

    async def _target_of(
        self, role: RoleRef | None, channel: ChannelRef | None, example: str, channel_example: str
    ) -> tuple[str, str, str]:
        """What a grant gives; a role is refused now where the platform has none (not when a newcomer clicks)."""
        roles = self.services.messenger.capabilities.roles
        if (role is None) == (channel is None):
            # Where there are no roles (Slack), an example with one would only be refused next.
            raise UserError(
                f"Give either a role (Discord) or a channel (Slack), like `{example if roles else channel_example}`."
            )
        if role is not None:
            if not roles:
                raise UserError(
                    f"Roles can't be given here (a Slack user group is not a role), so I can't grant "
                    f"{role.name or role.external_id}. Give a channel instead, like `{channel_example}`; "
                    "nothing was changed."
                )
            await check_can_grant(self.services.messenger, role)  # every newcomer who agrees would get it
            return "role", role.external_id, role.name
        assert channel is not None
        return "channel", channel.external_id, channel.name

    async def _changed(self, ctx: Context, text: str) -> Reply:
        return Reply.private(f"{text} (/onboarding show shows the whole setup.)")

    @ONBOARDING.command(
        "channel",
        "Choose the welcome, intros, rules or mods channel",
        Option("purpose", OptionType.CHOICE, "welcome, intros, rules or mods", choices=tuple(CHANNEL_PURPOSES)),
        Option("channel", OptionType.CHANNEL, "The channel (leave it out to have none)", required=False),
        permission=MOD,
    )
    async def channel(self, ctx: Context, purpose: str, channel: ChannelRef | None = None) -> Reply:
        if channel is None:  # as `/config set rules_channel none`, for moderators, who may not use /config
            await self.services.settings.set(ctx.community.id, CHANNEL_PURPOSES[purpose], "none")
            return await self._changed(ctx, f"Done: there is no {purpose} channel now.")
        if purpose in POSTED_IN:
            await check_can_post(self.services.messenger, channel)
        await self.services.settings.set(ctx.community.id, CHANNEL_PURPOSES[purpose], channel.external_id)
        return await self._changed(ctx, f"Done: the {purpose} channel is now {channel_mention(channel)}.")

    @ONBOARDING.command(
        "message",
        # Every placeholder, from the list the template is checked against; within Discord's 100 characters.
        "Public welcome: " + " ".join(f"{{{name}}}" for name in PLACEHOLDERS),
        Option("text", OptionType.TEXT, "The welcome message", max_length=WELCOME_LIMIT),
        permission=MOD,
        # Typed back, the example is the welcome: one built from the option's name would greet newcomers "text".
        example='/onboarding message "Welcome to {community}, {member}! Say hi in {intros_channel}."',
    )
    async def message(self, ctx: Context, text: str) -> Reply:
        check_welcome_template(text)
        await self.journeys.change_setup(ctx.community.id, welcome_message=text)
        return await self._changed(ctx, "Done: the welcome message is changed.")

    @ONBOARDING.command(
        "rules",
        "The rules newcomers agree to",
        Option("text", OptionType.TEXT, "The rules", max_length=RULES_LIMIT),
        permission=MOD,
        example=f'/onboarding rules "{DEFAULT_RULES}"',
    )
    async def rules(self, ctx: Context, text: str) -> Reply:
        await self.journeys.change_setup(ctx.community.id, rules_text=text)
        return await self._changed(ctx, "Done: the rules are changed.")

    @ONBOARDING.command(
        "access",
        "What agreeing to the rules gives: a role (Discord), a channel (Slack), or nothing",
        Option("role", OptionType.ROLE, "The member role (leave both out: nothing)", required=False),
        Option("channel", OptionType.CHANNEL, "A channel to join", required=False),
        permission=MOD,
    )
    async def access(self, ctx: Context, role: RoleRef | None, channel: ChannelRef | None) -> Reply:
        if role is None and channel is None:
            # As `/onboarding channel welcome` without a channel: a role Hearth cannot give would otherwise hold
            # every newcomer at the rules with no way back to "nothing more" than choosing another.
            await self.journeys.change_setup(ctx.community.id, access_kind=None, access_id=None, access_name="")
            return await self._changed(ctx, "Done: agreeing to the rules now gives nothing more.")
        kind, target_id, name = await self._target_of(
            role, channel, f"/onboarding access role:{self._role_sign}member", "/onboarding access channel:#members"
        )
        await self.journeys.change_setup(ctx.community.id, access_kind=kind, access_id=target_id, access_name=name)
        given = (
            f"the role **{name or target_id}**"
            if kind == "role"
            else f"a place in {channel_mention(ChannelRef(ctx.community.ref, target_id, name))}"
        )
        return await self._changed(ctx, f"Done: agreeing to the rules now gives {given}.")

    @ONBOARDING.command(
        "interest-add",
        "Offer an interest, giving a role or a channel",
        Option("name", OptionType.TEXT, "The interest", max_length=60),
        Option("role", OptionType.ROLE, "Role it gives", required=False),
        Option("channel", OptionType.CHANNEL, "Channel it joins", required=False),
        permission=MOD,
    )
    async def interest_add(self, ctx: Context, name: str, role: RoleRef | None, channel: ChannelRef | None) -> Reply:
        name = " ".join(name.split())
        if not name:
            raise UserError(
                "An interest needs a name newcomers can read, like "
                f"`/onboarding interest-add Python role:{self._role_sign}python`."
            )
        typed, slug = _typed_interest(name)
        kind, target_id, target_name = await self._target_of(
            role,
            channel,
            f"/onboarding interest-add {typed} role:{self._role_sign}{slug}",
            f"/onboarding interest-add {typed} channel:#{slug}",
        )
        interest, replaced = await self.journeys.add_interest(ctx.community.id, name, kind, target_id, target_name)
        if replaced == interest:
            return Reply.private(
                f"**{interest.label}** → {_target(ctx, interest)} was offered already; nothing changed."
            )
        # One name gives one thing: saying what was there keeps a mapping from going without a word.
        was = f"; it replaces **{replaced.label}** → {_target(ctx, replaced)}" if replaced else ""
        if retargeted(replaced, interest):
            was += ". Members who had chosen it keep what it gave and can choose it again for the new one"
        return await self._changed(ctx, f"Done: newcomers can now choose **{interest.label}**{was}.")

    @ONBOARDING.command(
        "interest-remove",
        "Stop offering an interest",
        Option("name", OptionType.TEXT, "The interest", max_length=60),
        permission=MOD,
    )
    async def interest_remove(self, ctx: Context, name: str) -> Reply:
        await self.journeys.remove_interest(ctx.community.id, name)
        return await self._changed(ctx, f"Done: **{name}** is no longer offered.")

    @ONBOARDING.command(
        "step",
        "Make a checklist step required, optional or off",
        Option("step", OptionType.CHOICE, "rules, interests, intro or hello", choices=STEPS),
        Option("mode", OptionType.CHOICE, "required, optional or off", choices=STEP_MODES),
        permission=MOD,
    )
    async def step(self, ctx: Context, step: str, mode: str) -> Reply:
        rules_off = (step, mode) == ("rules", "off")
        yet_to_agree = [
            progress.journey.member_id
            for progress in (await self.journeys.open_progress(ctx.community.id) if rules_off else [])
            if progress.has("rules") and not progress.done("rules")
        ]
        await self.journeys.set_step_mode(ctx.community.id, step, mode)
        done = f"Done: “{STEP_LABELS[step]}” is now {mode}."
        if yet_to_agree:
            done += await self._give_access(ctx, yet_to_agree)
        # Said at once, as `/onboarding show` marks it: a step newcomers cannot take is skipped, whatever its mode.
        if mode != "off" and step == "intro" and not intros_open(ctx.settings):
            done += (
                " It stays skipped until an intros channel is set (`/onboarding channel intros #channel`)."
                if ctx.settings.has("intro_points")
                else " It stays skipped while the introductions feature is not loaded."
            )
        elif mode != "off" and step == "interests" and not await self.journeys.interests(ctx.community.id):
            done += " It stays skipped until an interest is added (`/onboarding interest-add name`)."
        return await self._changed(ctx, done)

    async def _give_access(self, ctx: Context, member_ids: list[int]) -> str:
        """With the rules off, newcomers who had not agreed yet never could: they get what agreeing gives now, as
        newcomers joining from now on do. What the moderator is told of it (the first refusal stops it: the
        others would be refused alike)."""
        setup = await self.journeys.setup(ctx.community.id)
        if not (setup.access_kind and setup.access_id):
            return ""
        community = ctx.community.ref
        refs = await self.journeys.member_refs(member_ids)
        if setup.access_kind == "role":
            what = f"the role {setup.access_name or setup.access_id}"
        else:
            what = f"a place in {channel_mention(ChannelRef(community, setup.access_id, setup.access_name))}"
        given = 0
        kind, target_id, name = setup.access_kind, setup.access_id, setup.access_name
        for member_id in member_ids:
            try:
                await give(self.services.messenger, refs[member_id], kind, target_id, name)
            except PlatformError as error:
                left = len(member_ids) - given
                return (
                    f" I couldn't give {what} to {plural(left, 'newcomer')} who had not agreed yet: {error.reason}"
                    " A moderator can give it to them."
                )
            given += 1
        if given == 1:
            return f" The one newcomer who had not agreed yet now has {what}."
        return f" The {plural(given, 'newcomer')} who had not agreed yet now have {what}."

    async def set(self, ctx: Context, key: str, value: str) -> Reply:
        settings = await self.services.settings.set(ctx.community.id, key, value)
        catalog = self.services.settings.catalog
        remark = catalog.remark(settings, key)
        done = f"Done: `{key}` is now {settings.describe(key)}{catalog.unit_note(key, value)}."
        return await self._changed(ctx, f"{done} {remark}" if remark else done)


def _target(ctx: Context, interest: Interest) -> str:
    if interest.target_kind == "role":
        return f"role **{interest.target_name or interest.target_id}**"
    return channel_mention(ChannelRef(ctx.community.ref, interest.target_id, interest.target_name))
