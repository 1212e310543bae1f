"""The discord.py bot that serves a Hearth runtime: gateway events in, replies and messages out."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.commands import CommandSpec
from bot.core.context import Context
from bot.core.events import (
    ComponentClicked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.reply import Reply
from bot.core.runtime import SORRY, Hearth
from bot.platforms.discord.commands import build_app_commands
from bot.platforms.discord.messenger import DiscordMessenger
from bot.platforms.discord.refs import (
    channel_ref,
    channel_ref_by_id,
    member_ref,
    member_ref_by_id,
    permission_level,
    role_ref,
)
from bot.platforms.discord.render import message_kwargs, modal, unscoped

log = logging.getLogger(__name__)

# Discord drops an interaction not answered within 3 s; past this, Hearth defers and follows up.
DEFER_AFTER_SECONDS = 2.0
INTENTS = discord.Intents(guilds=True, members=True, messages=True, message_content=True, reactions=True)
SERVER_ONLY = "Hearth's commands work inside a server, not in direct messages."
NOT_IN_SERVER = "I can't tell which server that belongs to any more; please use it from within the server."


def neutral_value(guild: discord.Guild, value: Any) -> Any:
    """A discord.py option value as the core expects it: refs for members, channels and roles."""
    if isinstance(value, discord.Member | discord.User):
        return member_ref(guild, value)
    if isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread):
        return channel_ref(guild, value)
    if isinstance(value, discord.Role):
        return role_ref(value)
    return value


def form_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """Text inputs of a submitted modal by custom id (inside action rows or labels)."""
    values: dict[str, str] = {}
    for component in components:
        if "custom_id" in component and "value" in component:
            values[component["custom_id"]] = component["value"]
        nested = list(component.get("components", []))
        if "component" in component:
            nested.append(component["component"])
        values.update(form_values(nested))
    return values


class HearthBot(commands.Bot):
    def __init__(
        self,
        hearth: Hearth,
        *,
        dev_guild_id: int | None = None,
        defer_after: float = DEFER_AFTER_SECONDS,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.hearth = hearth
        self.dev_guild_id = dev_guild_id
        self.defer_after = defer_after
        self.messenger = DiscordMessenger(self)
        # Set once Hearth speaks through this bot (see `on_ready`).
        self.attached = asyncio.Event()

    async def setup_hook(self) -> None:
        for command in build_app_commands(self.hearth.registry.commands.values(), self._run_command):
            self.tree.add_command(command)
        if self.dev_guild_id is not None:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development server %s", len(synced), self.dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally (Discord may take a while to show them)", len(synced))

    async def on_ready(self) -> None:
        """Attach Hearth only now that the bot is logged in and knows its servers: the start hooks that
        run on attaching may post (a ritual firing missed while down) or check channel permissions.
        Discord sends READY again after a reconnect; Hearth is attached once."""
        if not self.attached.is_set():
            log.info("connected to Discord as %s, in %d servers", self.user, len(self.guilds))
            self.hearth.attach(self.messenger)
            self.attached.set()

    async def wait_until_attached(self) -> None:
        """Until Hearth speaks through this bot and its start hooks have run."""
        await self.attached.wait()
        await self.hearth.hooks_done()

    async def _dispatch(self, event: Event) -> None:
        # An event that arrives between READY and on_ready (discord.py waits for every server first) waits
        # for Hearth to be attached, rather than reaching cogs that cannot answer yet.
        await self.attached.wait()
        await self.hearth.dispatch(event)

    # -- interactions ----------------------------------------------------------------------------
    async def _context(
        self, interaction: discord.Interaction, guild: discord.Guild, person: discord.abc.User
    ) -> Context:
        return await self.hearth.context(
            member_ref(guild, person),
            # In a DM the conversation is no channel of the community.
            channel_ref(guild, interaction.channel) if interaction.guild_id else None,
            permission_level(person),
            str(interaction.id),  # a redelivered interaction has the same id: the ledger awards once
        )

    async def _run_command(self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
        guild = interaction.guild
        if guild is None:
            await interaction.response.send_message(SERVER_ONLY, ephemeral=True)
            return

        async def work() -> Reply | None:
            ctx = await self._context(interaction, guild, interaction.user)
            raw = {name: neutral_value(guild, value) for name, value in options.items() if value is not None}
            return await self.hearth.run_command(ctx, spec.path, raw)

        await self._answer(interaction, guild, work, defer_at_once=spec.slow)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons, menus and modals, routed by custom id: no view state, so they survive restarts.

        In a DM (a newcomer's checklist) the server comes from the custom id (see `render.scoped`).
        """
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        guild = interaction.guild
        custom_id = str(data["custom_id"])
        if interaction.guild_id is None:
            guild_id, custom_id = unscoped(custom_id)
            guild = self.get_guild(guild_id) if guild_id is not None else None
        if guild is None:
            await interaction.response.send_message(NOT_IN_SERVER, ephemeral=True)
            return
        person = guild.get_member(interaction.user.id) or interaction.user
        member = member_ref(guild, person)
        channel = channel_ref(guild, interaction.channel) if interaction.guild_id else None
        event: ComponentClicked | FormSubmitted
        if interaction.type is discord.InteractionType.component:
            message_id = str(interaction.message.id) if interaction.message else None
            values = tuple(str(value) for value in data.get("values", []))
            event = ComponentClicked(str(interaction.id), member, channel, custom_id, values, message_id)
        else:
            event = FormSubmitted(
                str(interaction.id), member, channel, custom_id, form_values(data.get("components", []))
            )

        async def work() -> Reply | None:
            assert guild is not None
            ctx = await self._context(interaction, guild, person)
            if isinstance(event, ComponentClicked):
                return await self.hearth.click(ctx, event)
            return await self.hearth.submit(ctx, event)

        await self._answer(interaction, guild, work)

    async def _answer(
        self,
        interaction: discord.Interaction,
        guild: discord.Guild,
        work: Callable[[], Awaitable[Reply | None]],
        defer_at_once: bool = False,
    ) -> None:
        """Reply within Discord's 3 s: at once when the work is quick, else defer and follow up.

        A deferred command shows a public "thinking…" placeholder; an ephemeral reply then replaces it
        privately (the placeholder is deleted), since the work decides visibility only when it is done.
        """
        task = asyncio.ensure_future(self._safely(work))
        done, _ = await asyncio.wait({task}, timeout=0 if defer_at_once else self.defer_after)
        # Components answered into a DM name their server, like those the Messenger sends there.
        scope = None if interaction.guild_id else guild.id
        try:
            if task in done:
                await self._respond(interaction, guild, task.result(), scope)
                return
            await interaction.response.defer(thinking=interaction.type is discord.InteractionType.application_command)
            await self._follow_up(interaction, guild, await task, scope)
        except discord.HTTPException as error:
            # Typically the same interaction delivered twice: Discord accepts only one answer.
            log.warning("could not answer interaction %s: %s", interaction.id, error)

    async def _safely(self, work: Callable[[], Awaitable[Reply | None]]) -> Reply | None:
        try:
            await self.attached.wait()  # as for events (`_dispatch`); the deferral covers the wait
            return await work()
        except Exception:
            log.exception("an interaction failed")
            return Reply.private(SORRY)

    async def _respond(
        self, interaction: discord.Interaction, guild: discord.Guild, reply: Reply | None, scope: int | None
    ) -> None:
        if reply is None:
            await interaction.response.defer()
            return
        if reply.form is not None:
            await interaction.response.send_modal(modal(reply.form, scope))
            return
        if reply.dm:
            reply = await self._dm(interaction, guild, reply)
        await interaction.response.send_message(ephemeral=reply.ephemeral, **message_kwargs(reply, scope=scope))

    async def _follow_up(
        self, interaction: discord.Interaction, guild: discord.Guild, reply: Reply | None, scope: int | None
    ) -> None:
        if reply is None:
            if interaction.type is discord.InteractionType.application_command:
                await interaction.delete_original_response()
            return
        if reply.form is not None:
            # A modal can only be the first answer, and the deferral already was.
            reply = Reply.private("That took me too long to open the form. Please try again.")
        if reply.dm:
            reply = await self._dm(interaction, guild, reply)
        thinking = interaction.type is discord.InteractionType.application_command
        if thinking and not reply.ephemeral:
            await interaction.edit_original_response(**message_kwargs(reply, editing=True, scope=scope))
            return
        if thinking:
            await interaction.delete_original_response()
        await interaction.followup.send(ephemeral=reply.ephemeral, **message_kwargs(reply, scope=scope))

    async def _dm(self, interaction: discord.Interaction, guild: discord.Guild, reply: Reply) -> Reply:
        """Send a `dm` reply privately; what the invoker sees in the channel is a private note."""
        sent = await self.messenger.send_dm(member_ref(guild, interaction.user), reply)
        if sent is not None:
            return Reply.private("I've sent you a direct message.")
        note = "\n\n*(Your direct messages are closed, so here it is.)*"
        return dataclasses.replace(reply, text=reply.text + note, dm=False, ephemeral=True)

    # -- gateway events --------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        guild = message.guild
        if guild is None or (self.user is not None and message.author.id == self.user.id):
            return  # DMs are not community activity; our own replies earn nothing
        channel = channel_ref(guild, await self._known_channel(guild, message.channel))
        if channel is None:
            return
        event = MessagePosted(
            str(message.id),
            member_ref(guild, message.author),
            channel,
            str(message.id),
            message.content,
            channel.thread_id,
            tuple(member_ref(guild, user) for user in message.mentions),
        )
        await self._dispatch(event)

    @staticmethod
    async def _known_channel(guild: discord.Guild, channel: Any) -> Any:
        """A channel missing from discord.py's cache (a thread archived and woken by this very message) is
        looked up, so that a reply in a thread is known as one (intro-thread welcomes depend on it)."""
        if not isinstance(channel, discord.PartialMessageable):
            return channel
        try:
            return await guild.fetch_channel(channel.id)
        except discord.HTTPException:
            return channel

    async def on_member_join(self, member: discord.Member) -> None:
        joined = member.joined_at or datetime.now(UTC)
        event_id = f"join:{member.guild.id}:{member.id}:{joined.isoformat()}"
        await self._dispatch(MemberJoined(event_id, member_ref(member.guild, member)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        guild = self.get_guild(payload.guild_id)
        if guild is None:
            return
        # Discord gives a leave no id or time of its own: the moment we heard of it stands in.
        event_id = f"leave:{guild.id}:{payload.user.id}:{datetime.now(UTC).isoformat()}"
        await self._dispatch(MemberLeft(event_id, member_ref(guild, payload.user)))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, ReactionAdded)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, ReactionRemoved)

    async def _reaction(
        self, payload: discord.RawReactionActionEvent, kind: type[ReactionAdded] | type[ReactionRemoved]
    ) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        if guild is None:
            return
        member = member_ref(guild, payload.member) if payload.member else member_ref_by_id(guild, payload.user_id)
        author = member_ref_by_id(guild, payload.message_author_id) if payload.message_author_id else None
        emoji = str(payload.emoji)
        # Stable per (message, member, emoji): reacting, unreacting and reacting again awards once.
        event_id = f"{payload.event_type}:{payload.message_id}:{payload.user_id}:{emoji}"
        channel = channel_ref_by_id(guild, payload.channel_id)
        await self._dispatch(kind(event_id, member, channel, str(payload.message_id), emoji, author))
