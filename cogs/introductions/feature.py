"""Introductions: `/intro` (a form, posted as a card with a thread), `/whois`, `/match`, intro-thread welcomes."""

from __future__ import annotations

import asyncio
import logging

from bot.core.commands import Group, Option, OptionType, command
from bot.core.context import Context
from bot.core.events import Contributed, MessagePosted
from bot.core.messenger import MessageGone, PlatformError
from bot.core.refs import ChannelRef, Member, MemberRef, Permission
from bot.core.registry import Registry
from bot.core.reply import (
    Card,
    CardField,
    Form,
    FormField,
    Reply,
    UserError,
    channel_mention,
    literal,
    mention,
    unmarked,
)
from bot.core.services import Services
from bot.core.wording import number, points
from cogs.introductions.service import (
    DEFAULT_FIELD_LENGTH,
    FIELD_LIMIT,
    INTERESTS_FIELD,
    LABEL_LIMIT,
    IntroductionService,
    card_label,
    interests_of,
    tags_of,
)
from cogs.introductions.settings import IntroductionSettings
from storage.introductions import FieldRow, IntroRow
from storage.kinds import Kind

log = logging.getLogger(__name__)

# The onboarding cog owns /onboarding (and its description); the intro form's questions are verbs of it.
ONBOARDING = Group("onboarding")
_LONG = 200  # answers allowed to be longer than this get a paragraph box


def _offered(answer: str, max_length: int) -> str:
    """An earlier answer as the form offers it again: cut to what the field takes now, with `…` showing where, when a
    moderator shortened the field since. Discord and Slack refuse to open a form offering more (the member could
    never edit their intro again), and the answer would be refused as too long anyway."""
    return answer if len(answer) <= max_length else answer[: max_length - 1] + "…"


class IntroductionsFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.intros = IntroductionService(services)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.form("intro", self.on_form)
        registry.on(MessagePosted, self.on_message)

    # -- /intro --------------------------------------------------------------------------------------------------
    @command("intro", "Introduce yourself (run it again to edit)")
    async def intro(self, ctx: Context) -> Reply:
        if not ctx.settings.basics.intros_channel:
            raise UserError(
                "Introductions aren't set up yet: a moderator can choose a channel with "
                "`/onboarding channel intros #channel`."
            )
        fields = await self.intros.fields(ctx.community.id)
        existing = await self.intros.intro(ctx.author.id)
        answers = existing.answers if existing else {}
        return Reply(
            form=Form(
                "intro:",
                "Edit your introduction" if existing else "Introduce yourself",
                tuple(
                    FormField(
                        row.key,
                        row.label,
                        max_length=row.max_length,
                        required=row.required,
                        long=row.max_length > _LONG,
                        default=_offered(answers.get(row.key, ""), row.max_length),
                    )
                    for row in fields
                ),
            )
        )

    async def on_form(self, ctx: Context, _state: str, values: dict[str, str]) -> Reply:
        if not ctx.settings.basics.intros_channel:
            raise UserError("Introductions aren't set up yet; nothing was posted.")
        if self.services.identity.departed(ctx.author.id):
            # A form left open outlives membership: until 2026-12-02 it posted a card for someone no longer there,
            # opened its thread and gave them the intro's points.
            raise UserError(
                f"You're no longer a member of {ctx.community.ref.name or 'the community'}, so your introduction was "
                "not posted. If you come back, you can introduce yourself then."
            )
        fields = await self.intros.fields(ctx.community.id)
        answers = self.intros.check_answers(fields, values)
        card = Reply(card=self._card(ctx.author.ref, fields, answers, ctx.community.ref.name))
        existing = await self.intros.intro(ctx.author.id)
        messenger = self.services.messenger
        post: tuple[str, str, str | None] | None = None
        if existing:
            channel = ChannelRef(ctx.community.ref, existing.channel_id)
            try:
                await messenger.edit(channel, existing.message_id, card)
                post = (existing.channel_id, existing.message_id, existing.thread_id)
            except MessageGone:
                # The card is gone (a moderator deleted it, its channel too) or out of Hearth's reach: a new one
                # goes to today's intros channel, or the member could never introduce themselves again.
                pass
            except PlatformError as error:  # a refusal that may pass (a rate limit): the card stays, edited later
                raise UserError(f"I couldn't update your introduction: {error.reason}") from None
        if post is None:
            channel = ChannelRef(ctx.community.ref, ctx.settings.basics.intros_channel)
            try:
                message_id = await messenger.send(channel, card)
                # The card's name, without markup or pings: a thread's name shows them raw.
                name = self._name(ctx.author.ref, answers)
                thread = await messenger.start_thread(channel, message_id, f"Welcome, {name}!"[:100])
            except PlatformError as error:
                raise UserError(f"I couldn't post your introduction: {error.reason}") from None
            post = (channel.external_id, message_id, thread.thread_id)
            try:
                saved = await self.intros.save(ctx.author, post, answers, ctx.settings, ctx.now)
            except BaseException:
                # Not recorded (the database locked or out of reach, a stop): the member is told nothing was
                # changed, and trying again would post a second card beside this one, whose thread earns nothing.
                await asyncio.shield(self._take_back(channel, message_id))
                raise
        else:
            try:
                saved = await self.intros.save(ctx.author, post, answers, ctx.settings, ctx.now)
            except BaseException:
                if existing is not None:
                    # Not recorded: the card, edited already, goes back to the answers kept (the member is told
                    # nothing was changed; `/whois` and `/match` read the kept ones).
                    kept = Reply(card=self._card(ctx.author.ref, fields, existing.answers, ctx.community.ref.name))
                    await asyncio.shield(self._restore(channel, existing.message_id, kept))
                raise
        if existing and post[1] != existing.message_id:
            return Reply.private(
                f"Your introduction is posted again in {channel_mention(channel)}: I could no longer edit the "
                "earlier one. Members can say hi in its thread."
            )
        if saved.first:
            await self.services.publish(Contributed(f"intro:{ctx.author.id}", ctx.author.ref, Kind.INTRO))
            return Reply.private(
                f"Your introduction is posted in {channel_mention(channel)} "
                f"(+{points(ctx.settings.of(IntroductionSettings).intro_points)}). "
                "Members can say hi in its thread."
            )
        if existing:
            await self._rename_thread(channel, existing, ctx.author.ref, answers)
        return Reply.private(f"Your introduction in {channel_mention(channel)} is updated.")

    async def _rename_thread(
        self, channel: ChannelRef, existing: IntroRow, member: MemberRef, answers: dict[str, str]
    ) -> None:
        """Name the thread under an edited card as its title when the name changed (`Welcome, Alice!`, not the
        name first given); a thread Hearth can no longer rename (deleted, out of reach) is only logged."""
        name = self._name(member, answers)
        if (
            existing.thread_id is None
            or not self.services.messenger.capabilities.named_threads
            or name == self._name(member, existing.answers)
        ):
            return
        thread = ChannelRef(channel.community, existing.channel_id, thread_id=existing.thread_id)
        try:
            await self.services.messenger.rename_thread(thread, f"Welcome, {name}!"[:100])
        except PlatformError as error:
            log.warning("could not rename an intro thread in channel %s: %s", existing.channel_id, error.reason)

    async def _restore(self, channel: ChannelRef, message_id: str, card: Reply) -> None:
        """Edit a card back to what is recorded; a platform refusing is logged (the card then shows the new words)."""
        try:
            await self.services.messenger.edit(channel, message_id, card)
        except PlatformError as error:
            log.warning(
                "an introduction card edited but not recorded stays so in %s: %s", channel.external_id, error.reason
            )

    async def _take_back(self, channel: ChannelRef, message_id: str) -> None:
        """Delete a card posted but not recorded; a platform refusing is logged (the card then stays)."""
        try:
            await self.services.messenger.delete(channel, message_id)
        except PlatformError as error:
            log.warning("an introduction card not recorded stays in %s: %s", channel.external_id, error.reason)

    def _card(
        self, member: MemberRef | Member, fields: list[FieldRow], answers: dict[str, str], community: str
    ) -> Card:
        ref = member.ref if isinstance(member, Member) else member
        shown = []
        for row in fields:
            if row.key == "name" or row.key not in answers:
                continue
            # The member's own words: tags are normalised only for matching, never on the card. Interests saved
            # before empty items and repeats were dropped on saving are shown without them too.
            value = answers[row.key]
            if row.key == INTERESTS_FIELD:
                value = ", ".join(interests_of(value))
            if not value:
                continue
            label = card_label(row.label)
            shown.append(CardField(label, value, inline=len(value) < 40))
        return Card(
            title=f"👋 Meet {literal(self._name(ref, answers))}",
            description=f"{mention(ref)} joined {community or 'us'}.",
            fields=tuple(shown),
            footer="Say welcome in the thread!",
            color=0xFEE75C,
        )

    @staticmethod
    def _name(ref: MemberRef, answers: dict[str, str]) -> str:
        """What the intro calls the member, in its card's title and its thread's name alike."""
        return unmarked(answers.get("name", "")) or unmarked(ref.display_name or "") or ref.external_id

    # -- thread replies ------------------------------------------------------------------------------------------
    async def on_message(self, event: MessagePosted) -> None:
        if event.thread_id is None or event.author.is_bot:
            return
        member = await self.services.identity.member(event.author)
        settings = await self.services.settings.get(member.community_id)
        await self.intros.welcome_reply(member, event.thread_id, settings, self.services.clock.now())

    # -- /whois and /match ---------------------------------------------------------------------------------------
    @command(
        "whois", "A member's introduction", Option("member", OptionType.MEMBER, "Whose introduction"), read_only=True
    )
    async def whois(self, ctx: Context, member: Member) -> Reply:
        found = await self.intros.intro(member.id)
        if found is None:
            if member.id == ctx.author.id:
                return Reply.private("You haven't introduced yourself yet: `/intro` takes a minute.")
            return Reply.private(f"{member.name} hasn't introduced themselves yet. Maybe say hi?")
        fields = await self.intros.fields(ctx.community.id)
        return Reply(card=self._card(member, fields, found.answers, ctx.community.ref.name), ephemeral=True)

    @command(
        "match",
        "Up to 3 members who share your interests; `optout` hides you from suggestions, `optin` undoes it",
        Option("setting", OptionType.CHOICE, "optout or optin", required=False, choices=("optout", "optin")),
    )
    async def match(self, ctx: Context, setting: str | None) -> Reply:
        if setting is not None:
            hidden = setting == "optout"
            changed = await self.intros.set_optout(ctx.author, hidden)
            if hidden:
                return Reply.private("Done: you won't be suggested by /match." if changed else "You're already hidden.")
            return Reply.private("Done: /match may suggest you again." if changed else "You're already suggested.")
        fields = await self.intros.fields(ctx.community.id)
        if not any(row.key == INTERESTS_FIELD for row in fields):
            # Nobody can give interests, so asking the member to write them would send them nowhere.
            return Reply.private(
                "Matching is off here: this community's intro form doesn't ask for interests, "
                "and /match suggests members by shared interests."
            )
        mine = await self.intros.intro(ctx.author.id)
        if mine is None:
            return Reply.private("/match uses the interests in your introduction: write one with /intro first.")
        if not tags_of(mine.answers.get(INTERESTS_FIELD, "")):
            return Reply.private("/match uses the interests in your introduction: add some with /intro.")
        found = await self.intros.matches(ctx.author)
        if not found:
            return Reply.private(
                "Nobody new shares your interests yet. Check again when more people have introduced themselves!"
            )
        refs = await self.services.identity.members_by_id([m.member_id for m in found])
        lines = [f"{mention(refs[m.member_id].ref)} — {', '.join(m.shared)}" for m in found if m.member_id in refs]
        return Reply(
            card=Card(
                title="People you might like to meet",
                description="\n".join(lines),
                footer="Say hi in their intro thread!",
            ),
            ephemeral=True,
        )

    # -- moderators ----------------------------------------------------------------------------------------------
    def _fields_text(self, fields: list[FieldRow]) -> str:
        return "\n".join(
            f"`{f.key}` — {f.label} (up to {f.max_length}, {'required' if f.required else 'optional'})" for f in fields
        )

    @ONBOARDING.command(
        "intro-field",
        "Add or change a question of the intro form (at most 5)",
        Option("key", OptionType.TEXT, "Short lowercase name, like pronouns", max_length=32),
        Option(
            "label", OptionType.TEXT, "The question (needed for a new field)", required=False, max_length=LABEL_LIMIT
        ),
        Option(
            "max_length",
            OptionType.INTEGER,
            f"Longest answer (a new field: {DEFAULT_FIELD_LENGTH})",
            required=False,
            min_value=1,
            max_value=FIELD_LIMIT,
        ),
        Option(
            "required",
            OptionType.CHOICE,
            "yes or no (a new field: yes)",
            required=False,
            choices=("yes", "no"),
            noun="choice for required",
        ),
        permission=Permission.MODERATOR,
        example='/onboarding intro-field location "Where are you based?"',
    )
    async def field_set(
        self, ctx: Context, key: str, label: str | None, max_length: int | None, required: str | None
    ) -> Reply:
        """A new field gets the defaults for what was left out; an existing one changes only what was given."""
        needed = None if required is None else required == "yes"
        fields = await self.intros.set_field(ctx.community.id, key.lower(), label, max_length, needed)
        return Reply.private(f"Done. The intro form now asks:\n{self._fields_text(fields)}")

    @ONBOARDING.command(
        "intro-field-remove",
        "Remove a question from the intro form",
        Option("key", OptionType.TEXT, "The field's key", max_length=32),
        permission=Permission.MODERATOR,
    )
    async def field_remove(self, ctx: Context, key: str) -> Reply:
        fields, deleted = await self.intros.remove_field(ctx.community.id, key.lower())
        answers = (
            "The answer a member gave to it is"
            if deleted == 1
            else f"The {number(deleted)} answers members gave to it are"
        )
        gone = f"\n{answers} deleted; intros already posted stay as they are." if deleted else ""
        return Reply.private(f"Done. The intro form now asks:\n{self._fields_text(fields)}{gone}")
