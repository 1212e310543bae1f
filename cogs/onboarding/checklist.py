"""The newcomer's checklist: sent on join (by DM, else in the welcome channel), rules and interests with
the roles or channels they grant, steps done elsewhere (an intro, a first message), completion."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from bot.core.context import Context
from bot.core.events import Contributed, MemberJoined, MessagePosted
from bot.core.messenger import PlatformError, tell_mods
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef, RoleRef
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
from bot.core.wording import plural, points
from cogs.onboarding.groups import ONBOARDING
from cogs.onboarding.service import (
    DEFAULT_RULES,
    JOURNEY_STARTED,
    STEP_LABELS,
    OnboardingService,
    Progress,
    StepOutcome,
    give,
)
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.welcomes import Welcomes
from config.community import CommunitySettings
from storage.kinds import Kind
from storage.onboarding import Interest

log = logging.getLogger(__name__)


# How long a community's open "say hello" steps are trusted before they are read again (real seconds).
HELLO_RELOAD_SECONDS = 60.0
# A journey completed because no required step is left (steps switched off) goes without a public welcome or a
# word to the welcomer when it began longer ago than this.
QUIET_AFTER = timedelta(days=7)
# What a member is told about a role or access the platform refused them: whether `mod_channel` heard of it.
TOLD = "the moderators have been told"
UNTOLD = "please let a moderator know (I could not tell them)"


class NotGiven(PlatformError):
    """A role or access the platform refused a member; `told`: whether the moderators heard of it in `mod_channel`
    (none is set, or Hearth may not post there), so that the member is never told they were when they were not."""

    def __init__(self, reason: str, told: bool) -> None:
        super().__init__(reason)
        self.told = told


class Checklist:
    def __init__(self, services: Services, journeys: OnboardingService, welcomes: Welcomes) -> None:
        self.services = services
        self.journeys = journeys
        self.welcomes = welcomes
        # Who still has "say hello" open, every community's loaded together and kept for a minute of real
        # time, or until another process (PostgreSQL) says a journey began there (`_heard`): no read per message,
        # nor one per community when a stream spreads over many.
        # By platform id, not member id: a newcomer who joined through another process (PostgreSQL) may be known here
        # under an id given in memory, and their stored id is learnt only by writing them (not done on first sight).
        self._hello_open: dict[int, set[str]] = {}
        self._hello_loaded_at: float | None = None
        services.db.on_notice(self._heard)

    def _heard(self, notice: str) -> None:
        """Another process began a newcomer's journey: who still has to say hello is read again at the next message
        (their hello may come here; until 2026-12-02 it went uncounted for up to a minute)."""
        if notice == JOURNEY_STARTED:
            self._hello_loaded_at = None

    async def reply(self, progress: Progress, community: CommunityRef, text: str = "") -> Reply:
        setup = await self.journeys.setup(progress.journey.community_id)
        interests = await self.journeys.interests(progress.journey.community_id)
        chosen = set(await self.journeys.choices(progress.journey.member_id))
        lines = []
        for state in progress.steps:
            mark = "✅" if state.done_at else "⬜"
            extra = "" if state.required else " (optional)"
            labels = [i.label for i in interests if i.key in chosen]  # those still offered
            if state.step == "interests" and labels:
                extra += ": " + ", ".join(labels)
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
                tuple(SelectOption(i.label, i.key, default=i.key in chosen) for i in interests),
                placeholder="Choose your interests",
                max_values=len(interests),
            )
        return Reply(
            text=text,
            card=Card(
                title=f"Your way into {community.name or 'the community'}",
                description="\n".join(lines),
                fields=fields,
                footer=f"{done} of {plural(len(progress.steps), 'step')} done · /onboarding checklist shows this again",
                color=0x57F287,
            ),
            buttons=buttons,
            select=select,
        )

    @ONBOARDING.command("checklist", "Your onboarding checklist and progress", read_only=True)
    async def checklist(self, ctx: Context) -> Reply:
        progress = await self.journeys.progress(ctx.author.id)
        if progress is None:
            progress = await self.journeys.start_again(ctx.author, ctx.settings, ctx.now)
        if progress is None:
            return Reply.private("You have no onboarding checklist: you were here before it began. Welcome anyway!")
        if not progress.steps:
            return Reply.private("There is nothing to do to get started here: every onboarding step is off. Welcome!")
        reply = await self.reply(progress, ctx.community.ref)
        return replace(reply, ephemeral=True)

    async def home(self, ctx: Context) -> Reply | None:
        """The checklist on a member's personal page (Slack App Home), while they are on their way in."""
        progress = await self.journeys.progress(ctx.author.id)
        if progress is None or progress.journey.completed_at is not None or not progress.steps:
            return None
        return await self.reply(progress, ctx.community.ref)

    async def reach(self, member: MemberRef, settings: CommunitySettings, reply: Reply) -> bool:
        """DM the member; when their DMs are closed (or DMs are off), mention them in the welcome channel."""
        welcome_dm = settings.of(OnboardingSettings).welcome_dm
        welcome_channel = settings.basics.welcome_channel
        # After the platform's "@name, ": "@ann, here is ...", never "@ann, Hi! here is ...".
        why = "I couldn't send you a direct message, so " if welcome_dm else ""
        try:
            return await self.services.notify_member(
                member,
                reply,
                fallback=ChannelRef(member.community, welcome_channel) if welcome_channel else None,
                lead=f"{why}here is your checklist (the buttons work for you).",
                dm=welcome_dm,
            )
        except PlatformError as error:
            # `welcome_channel` refused too (deleted, closed to Hearth): not reached, as with none set. Until
            # 2026-12-02 this stopped the join's handling with a traceback: the welcomer was never told, and the
            # public welcome never posted.
            log.warning("could not reach %s with their checklist: %s", member.external_id, error.reason)
            return False

    async def on_join(self, event: MemberJoined) -> None:
        if event.member.is_bot:
            return
        member = await self.services.identity.member(event.member)  # the runtime recorded the (re)join
        settings = await self.services.settings.get(member.community_id)
        now = self.services.clock.now()
        new, welcomer_id = await self.journeys.start(member, settings, now)
        if not new:
            if self.services.identity.take_return(member.id):
                await self._welcome_back(member, settings)
            return
        progress = await self.journeys.progress(member.id)
        assert progress is not None
        if progress.has("hello") and self._hello_loaded_at is not None:
            self._hello_open.setdefault(member.community_id, set()).add(member.ref.external_id)
        await self._access_without_rules(member, settings, progress)
        welcomer = await self.welcomes.member_ref(member.ref.community, welcomer_id) if welcomer_id else None
        greeting = f"Welcome to {member.ref.community.name or 'the community'}, {mention(member)}! 👋"
        if welcomer:
            greeting += f" {mention(welcomer)} is your welcomer: ask them anything."
        if progress.steps:  # every step off: no checklist to send ("0 of 0 steps done" helps nobody)
            await self.reach(member.ref, settings, await self.reply(progress, member.ref.community, greeting))
        if welcomer:
            await self._tell_welcomer(
                welcomer,
                f"👋 {mention(member)} just joined and you are their welcomer. Say hi and help them find their way!",
            )
        if settings.of(OnboardingSettings).welcome_when == "join":
            await self.welcomes.public_welcome(member, settings, welcomer, now)
        # Every step off or optional: nothing holds them, so they are in (a welcome at completion is posted now).
        await self.finish_if_nothing_left(progress, settings)

    async def _access_without_rules(self, member: Member, settings: CommunitySettings, progress: Progress) -> None:
        """With the rules step off nobody can agree, so what agreeing gives comes with joining (as it comes back to a
        member returning): a newcomer would otherwise never get the access role. A refusal is the moderators' to
        fix (they are told); the checklist and the welcome still go out."""
        setup = await self.journeys.setup(member.community_id)
        if progress.has("rules") or not (setup.access_kind and setup.access_id):
            return
        try:
            await self._grant_to(member, settings, setup.access_kind, setup.access_id, setup.access_name)
        except PlatformError:
            pass

    async def finish_if_nothing_left(self, progress: Progress, settings: CommunitySettings) -> None:
        """Complete a journey no required step is left in, as its last step would have: the welcomer's points and
        thanks, the welcome at completion. A journey older than QUIET_AFTER (left open since before steps were
        switched off) is completed without a word: a public welcome then would greet someone long here."""
        now = self.services.clock.now()
        if not await self.journeys.finish_if_nothing_left(progress, settings, now):
            return
        if now - progress.journey.joined_at > QUIET_AFTER:
            return
        member_id = progress.journey.member_id
        member = (await self.services.identity.members_by_id([member_id])).get(member_id)
        if member is not None:
            await self._completed(member, settings, StepOutcome(True, True, progress.journey.welcomer_id))

    async def on_click(self, ctx: Context, action: str, values: tuple[str, ...]) -> Reply:
        progress = await self.journeys.progress(ctx.author.id)
        if progress is None and not self.services.identity.departed(ctx.author.id):
            if await self.journeys.away(ctx.author):
                # Anonymised after they left, clicking the checklist their DMs kept: until 2026-12-02 it began a
                # journey for someone not there, recorded the step and its points, and told the moderators.
                return Reply.private(
                    f"You're no longer a member of {ctx.community.ref.name or 'the community'}, so your checklist "
                    "does nothing now. If you come back, you'll get a new one."
                )
            progress = await self.journeys.start_again(ctx.author, ctx.settings, ctx.now)  # a checklist's old DM
        if progress is None:
            return Reply.private("This checklist is for newcomers, and you're already one of us. 🙂")
        if self.services.identity.departed(ctx.author.id):
            # A checklist in a DM outlives membership (Discord keeps the DM): no role, step or points for someone
            # no longer there. Coming back gives them their checklist again.
            return Reply.private(
                f"You're no longer a member of {ctx.community.ref.name or 'the community'}, so your checklist does "
                "nothing now. If you come back, it carries on where you left it."
            )
        if action == "agree":
            return await self._agree(ctx, progress)
        if action == "interests":
            return await self._choose(ctx, progress, values)
        return Reply.private("That button no longer does anything.")

    async def _welcome_back(self, member: Member, settings: CommunitySettings) -> None:
        """A member who left and came back keeps their points and gets no second public welcome. Leaving
        strips roles on Discord, so what they had earned (access after the rules, their interests) is given
        back; with steps still open, their checklist comes again, its buttons working, and their wait at the step
        starts again (the reminder and the moderators' alert count from their return, not their first arrival)."""
        await self.journeys.restart(member, self.services.clock.now())
        progress = await self.journeys.progress(member.id)
        if progress is None:
            return
        setup = await self.journeys.setup(member.community_id)
        grants: list[tuple[str, str, str]] = []
        if setup.access_kind and setup.access_id and (not progress.has("rules") or progress.done("rules")):
            grants.append((setup.access_kind, setup.access_id, setup.access_name))
        chosen = set(await self.journeys.choices(member.id))
        grants += [
            (i.target_kind, i.target_id, i.target_name)
            for i in await self.journeys.interests(member.community_id)
            if i.key in chosen
        ]
        failed: list[NotGiven] = []
        for kind, target_id, name in grants:
            try:
                await self._grant_to(member, settings, kind, target_id, name)
            except NotGiven as refused:
                failed.append(refused)  # the member's checklist below says so too
        text = f"👋 Welcome back to {member.ref.community.name or 'the community'}, {mention(member)}!"
        text += " Your points are as you left them" + (" and your roles are back." if grants and not failed else ".")
        if failed:
            told = all(refused.told for refused in failed)
            text += f" I couldn't give back everything you had; {TOLD if told else UNTOLD}."
        if progress.current is None:
            await self.services.notify_member(member.ref, Reply(text=text), dm=True)
        else:
            await self.reach(member.ref, settings, await self.reply(progress, member.ref.community, text))

    async def _grant_to(
        self, member: Member, settings: CommunitySettings, kind: str, target_id: str, name: str
    ) -> None:
        """Give a role (Discord) or join a channel (Slack); a refusal is told to the mods and raised as NotGiven, with
        the platform's reason for the refusal (never the reason the mods could not be told)."""
        try:
            await give(self.services.messenger, member.ref, kind, target_id, name)
        except PlatformError as error:
            what = f"the role {name or target_id}" if kind == "role" else f"access to #{name or target_id}"
            told = await self._tell_mods(member, settings, what, error.reason)
            raise NotGiven(error.reason, told) from None

    async def _tell_mods(self, member: Member, settings: CommunitySettings, what: str, reason: str) -> bool:
        """Tell `mod_channel` that `member` was not given `what`; False (and a warning line, so that a refusal is
        never silent) when there is none or the platform refuses that too."""
        text = f"⚠️ I couldn't give {mention(member)} {what}: {reason}"
        unsent = await tell_mods(self.services.messenger, member.ref.community, settings.basics.mod_channel, text)
        if unsent is not None:
            log.warning(
                "member %s was not given %s (%s), and the moderators could not be told: %s",
                member.id,
                what,
                reason,
                unsent,
            )
        return unsent is None

    async def _grant(self, ctx: Context, kind: str, target_id: str, name: str, given: Sequence[str] = ()) -> None:
        """Give a role or access; a refusal tells the mods and the member why (and, when this choice already gave
        them the interests `given`, that those went through though the choice is not saved)."""
        try:
            await self._grant_to(ctx.author, ctx.settings, kind, target_id, name)
        except NotGiven as error:
            what = f"the role {name or target_id}" if kind == "role" else f"access to #{name or target_id}"
            told = TOLD if error.told else UNTOLD
            told = told[0].upper() + told[1:]
            if given:
                raise UserError(
                    f"I couldn't give you {what}: {error.reason} {told}. {', '.join(given)}"
                    " went through, but your interests are not saved yet: please choose them again later."
                ) from None
            raise UserError(
                f"I couldn't give you {what}: {error.reason} {told}; nothing was changed, so please try again later."
            ) from None

    async def _agree(self, ctx: Context, progress: Progress) -> Reply:
        if not progress.has("rules"):
            return Reply.private("There are no rules to agree to here.")
        if progress.done("rules"):
            return Reply.private("You already agreed to the rules. 👍")
        setup = await self.journeys.setup(ctx.community.id)
        if setup.access_kind and setup.access_id:
            await self._grant(ctx, setup.access_kind, setup.access_id, setup.access_name)
        outcome = await self.journeys.complete_step(ctx.author, "rules", ctx.settings, ctx.now)
        return await self._after_step(ctx, outcome, "Thanks for agreeing to the rules!")

    async def _choose(self, ctx: Context, progress: Progress, values: tuple[str, ...]) -> Reply:
        if not progress.has("interests"):
            return Reply.private("There are no interests to choose here.")
        offered = {i.key: i for i in await self.journeys.interests(ctx.community.id)}
        # Picked in a menu sent before a moderator removed them: the rest of the choice still stands.
        unknown = [value for value in values if value not in offered]
        values = tuple(value for value in values if value in offered)
        if unknown and not values:
            names = ", ".join(i.label for i in offered.values())
            raise UserError(f"`{unknown[0]}` is not an interest offered here (any more). Choose from: {names}.")
        if not values:
            raise UserError("Choose at least one interest.")
        already = set(await self.journeys.choices(ctx.author.id))
        given: list[str] = []
        for key in values:
            if key not in already:
                interest = offered[key]
                await self._grant(ctx, interest.target_kind, interest.target_id, interest.target_name, given)
                given.append(interest.label)
        outcome = await self.journeys.complete_step(ctx.author, "interests", ctx.settings, ctx.now, chosen=list(values))
        chosen = ", ".join(offered[key].label for key in values)
        text = f"Interests saved: {chosen}."
        if unknown:
            gone = ", ".join(f"`{value}`" for value in unknown)
            verb, pronoun = ("is", "it") if len(unknown) == 1 else ("are", "them")
            text += f" ({gone} {verb} no longer offered here, so I left {pronoun} out.)"
        dropped = [offered[key] for key in sorted(already - set(values)) if key in offered]
        if dropped:
            text += await self._take_back(ctx, dropped, [offered[key] for key in values])
        return await self._after_step(ctx, outcome, text)

    async def _take_back(self, ctx: Context, dropped: list[Interest], kept: list[Interest]) -> str:
        """An interest no longer chosen takes its role back (unless a chosen one, or agreeing, gives it too), as
        a role menu does; a channel stays joined, the member's to leave. What the member is told about it."""
        setup = await self.journeys.setup(ctx.community.id)
        keep = {(i.target_kind, i.target_id) for i in kept}
        if setup.access_kind and setup.access_id:
            keep.add((setup.access_kind, setup.access_id))
        channels: list[str] = []
        failed: list[str] = []
        for interest in dropped:
            if (interest.target_kind, interest.target_id) in keep:
                continue
            if interest.target_kind != "role":
                channels.append(
                    channel_mention(ChannelRef(ctx.community.ref, interest.target_id, interest.target_name))
                )
                continue
            role = RoleRef(ctx.community.ref, interest.target_id, interest.target_name)
            try:
                await self.services.messenger.remove_role(ctx.author.ref, role)
            except PlatformError:
                failed.append(interest.target_name or interest.target_id)
            keep.add((interest.target_kind, interest.target_id))  # one removal per role
        text = ""
        if channels:
            text += f" You're still in {', '.join(channels)}: leave it there whenever you like."
        if failed:
            text += f" I couldn't take back the role {', '.join(failed)}; a moderator can."
        return text

    async def _after_step(self, ctx: Context, outcome: StepOutcome, text: str) -> Reply:
        if outcome.completed:
            await self._completed(ctx.author, ctx.settings, outcome)
            text += " 🎉 You're all set — welcome aboard!"
        progress = await self.journeys.progress(ctx.author.id)
        assert progress is not None
        return replace(await self.reply(progress, ctx.community.ref, text), ephemeral=True)

    async def _completed(self, member: Member, settings: CommunitySettings, outcome: StepOutcome) -> None:
        welcomer = (
            await self.welcomes.member_ref(member.ref.community, outcome.welcomer_id) if outcome.welcomer_id else None
        )
        if welcomer:
            await self._tell_welcomer(
                welcomer,
                f"🎉 {mention(member)} finished onboarding. Thanks for welcoming them! "
                f"+{points(settings.of(OnboardingSettings).welcomer_points)}",
            )
        if settings.of(OnboardingSettings).welcome_when == "completion":
            await self.welcomes.public_welcome(member, settings, welcomer, self.services.clock.now())

    async def _tell_welcomer(self, welcomer: MemberRef, text: str) -> None:
        """A note to the welcomer, by DM; the platform failing it (down a moment) spoils nothing else: the
        newcomer's public welcome and the step they took still go through."""
        try:
            await self.services.messenger.send_dm(welcomer, Reply(text=text))
        except PlatformError as error:
            log.warning("could not tell welcomer %s: %s", welcomer.external_id, error.reason)

    async def _step_done_elsewhere(self, member: Member, step: str) -> None:
        """A step done outside the checklist (an intro, a message): record it and say so privately."""
        settings = await self.services.settings.get(member.community_id)
        outcome = await self.journeys.complete_step(member, step, settings, self.services.clock.now())
        if not outcome.recorded:
            return
        if outcome.completed:
            await self._completed(member, settings, outcome)
            await self.services.messenger.send_dm(
                member.ref, Reply(text=f"✅ {STEP_LABELS[step]} — done. 🎉 You're all set — welcome aboard!")
            )

    async def on_contributed(self, event: Contributed) -> None:
        if event.kind == Kind.INTRO:
            await self._step_done_elsewhere(await self.services.identity.member(event.member), "intro")

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot:
            return
        member = await self.services.identity.member(event.author)
        now = asyncio.get_running_loop().time()
        if self._hello_loaded_at is None or now - self._hello_loaded_at > HELLO_RELOAD_SECONDS:
            hello: dict[int, set[str]] = {}
            for progress in await self.journeys.open_progress():
                if progress.has("hello") and not progress.done("hello"):
                    hello.setdefault(progress.journey.community_id, set()).add(progress.journey.external_id)
            self._hello_open, self._hello_loaded_at = hello, now
        hello_open = self._hello_open.get(member.community_id, set())
        if member.ref.external_id in hello_open:
            hello_open.discard(member.ref.external_id)
            # Their stored id: another process (PostgreSQL) may have written them, with their journey, under another
            # one than this process gave them on first sight.
            await self._step_done_elsewhere(await self.services.identity.stored(member), "hello")
