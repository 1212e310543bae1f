"""The discord.py bot that serves a Hearth runtime: gateway events in, replies and messages out."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.commands import CommandSpec, OptionType
from bot.core.events import (
    CommunitiesListed,
    CommunityAdded,
    CommunityRemoved,
    ComponentClicked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MembersPresent,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.held import HeldEvents
from bot.core.inbound import SORRY, Invocation
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, MemberRef
from bot.core.reply import Form, Reply
from bot.core.runtime import Hearth
from bot.core.scheduling import JOB_TASKS
from bot.platforms.discord.commands import build_app_commands
from bot.platforms.discord.messenger import TOO_LARGE, DiscordMessenger
from bot.platforms.discord.refs import (
    PLATFORM,
    channel_ref,
    channel_ref_by_id,
    community_ref,
    member_ref,
    member_ref_by_id,
    permission_level,
    role_ref,
)
from bot.platforms.discord.render import message_kwargs, modal, unscoped
from config.settings import SettingsError

log = logging.getLogger(__name__)


class DiscordStartupError(SettingsError):
    """Hearth cannot connect to Discord; the message says what the person should change (a configuration
    error: `hearth` prints it in one line and exits with CONFIG_ERROR_EXIT)."""


# Discord drops an interaction not answered within 3 s; past this, Hearth defers and follows up.
DEFER_AFTER_SECONDS = 2.0
# The tasks discord.py runs handlers in: events (`on_message`, `on_interaction`, ...) and app commands; and Hearth's
# scheduled jobs, which post through the same HTTP session (a ritual's run, left "posting…" for ever when it was
# closed under it).
HANDLER_TASKS = ("discord.py: on_", "CommandTree-invoker", JOB_TASKS)
INTENTS = discord.Intents(guilds=True, members=True, messages=True, message_content=True, reactions=True)
# What a member wrote themselves; every other type is a line Discord writes on their behalf (type 7 a join,
# type 6 a pin, boosts, thread creations, ...), which must not count as activity.
SPOKEN = frozenset({discord.MessageType.default, discord.MessageType.reply})
SERVER_ONLY = "Hearth's commands work inside a server, not in direct messages."
DEV_GUILD_HELP = (
    "Discord refused to register Hearth's commands in the server DISCORD_DEV_GUILD_ID={id} ({why}): check that "
    "it is the id of a server Hearth is in (Developer Mode → right-click the server → Copy Server ID) and that "
    "Hearth was invited there with the scopes bot and applications.commands (the invite URL in README.md), or "
    "leave DISCORD_DEV_GUILD_ID empty to register them globally."
)
OUTDATED = (
    "Discord showed you an older version of this command, which Hearth has changed since. Discord updates its "
    "list within the hour; reload Discord (Ctrl+R) to get it sooner, then try again."
)
NOT_IN_SERVER = "I can't tell which server that belongs to any more; please use it from within the server."


# Threads whose starter message's author is remembered (a few hundred bytes each).
_STARTERS_KEPT = 10_000
_TYPED_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
_TYPED_CHANNEL = re.compile(r"<#(\d+)>")


def readable(guild: discord.Guild, text: str) -> str:
    """Mentions typed into text (`<@id>`: what Discord sends when a member picks @Carol inside a text option)
    as the names people read, like Slack's `<@U1|carol>` becomes `@carol`: text never pings, so a raw id
    would only show as an id."""

    def name(match: re.Match[str]) -> str:
        kind, number = match.group(1), int(match.group(2))
        if kind == "#":
            channel = guild.get_channel_or_thread(number)
            return f"#{channel.name}" if channel is not None else "#unknown-channel"
        if kind == "@&":
            role = guild.get_role(number)
            return f"@{role.name}" if role is not None else "@unknown-role"
        member = guild.get_member(number)
        return f"@{member.display_name}" if member is not None else "@unknown-member"

    return _TYPED_MENTION.sub(name, text)


def neutral_value(guild: discord.Guild, value: Any) -> Any:
    """A discord.py option value as the core expects it: refs for members, channels and roles; text with
    typed mentions as names."""
    if isinstance(value, discord.Member | discord.User):
        return member_ref(guild, value)
    if isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread):
        return channel_ref(guild, value)
    if isinstance(value, discord.Role):
        return role_ref(value)
    if isinstance(value, str):
        return readable(guild, value)
    return value


def neutral_options(guild: discord.Guild, spec: CommandSpec, options: dict[str, Any]) -> dict[str, Any]:
    """A command's options as the core expects them (`neutral_value`), given ones only.

    An optional text option holding nothing but one typed channel, where a later channel option was left out, is
    that option: `/config set key:welcome_channel value:#welcome` (Discord's client sends the channel it offered
    as `<#id>`) sets the channel, as Slack's and the console's command lines read the same words; as text it was
    refused, saying `#welcome` is not a channel Hearth can find. Members stay text: a reason that names someone
    (`/kudos member:@bob reason:@carol`) thanks only the members given as members, as on Discord always."""
    neutral = {name: neutral_value(guild, value) for name, value in options.items() if value is not None}
    for index, option in enumerate(spec.options):
        typed = options.get(option.name)
        if option.type is not OptionType.TEXT or option.required or not isinstance(typed, str):
            continue
        match = _TYPED_CHANNEL.fullmatch(typed.strip())
        channel = guild.get_channel_or_thread(int(match.group(1))) if match else None
        later = next((o for o in spec.options[index + 1 :] if o.type is OptionType.CHANNEL), None)
        if channel is not None and later is not None and later.name not in neutral:
            del neutral[option.name]
            neutral[later.name] = channel_ref(guild, channel)
    return neutral


# What each kind of option is as discord.py hands it over (it passes numbers on unchecked): anything else comes
# from an older command list, or a hand-made request.
_OPTION_KINDS: dict[OptionType, tuple[type, ...]] = {
    OptionType.MEMBER: (discord.Member, discord.User),
    OptionType.CHANNEL: (app_commands.AppCommandChannel, app_commands.AppCommandThread),
    OptionType.ROLE: (discord.Role,),
    OptionType.INTEGER: (int,),
}


def _of_kind(value: Any, kinds: tuple[type, ...]) -> bool:
    # A boolean is an int to Python, but another kind of option to Discord.
    return isinstance(value, kinds) and not isinstance(value, bool)


def outdated_options(spec: CommandSpec, options: dict[str, Any]) -> list[str]:
    """The options given as another kind than the command takes (a role or a channel for a member, an id Discord
    left unresolved; for an integer, a number such as 1.5, a boolean or text, which the core would read as 1): sent
    by a client whose command list predates the command's, as an option of that name and another type was there
    once, or by hand."""
    return [
        option.name
        for option in spec.options
        if (kinds := _OPTION_KINDS.get(option.type)) and options.get(option.name) is not None
        if not _of_kind(options[option.name], kinds)
    ]


def form_values(components: Any) -> dict[str, str]:
    """Text inputs of a submitted modal by custom id (inside action rows or labels); what is not an object, or an
    answer that is not text, is none (Discord sends neither)."""
    values: dict[str, str] = {}
    for component in components if isinstance(components, list) else ():
        if not isinstance(component, dict):
            continue
        if isinstance(component.get("custom_id"), str) and isinstance(component.get("value"), str):
            values[component["custom_id"]] = component["value"]
        inner = component.get("components")
        nested = list(inner) if isinstance(inner, list) else []
        if "component" in component:
            nested.append(component["component"])
        values.update(form_values(nested))
    return values


def _focused(options: Any) -> str | None:
    """The option an autocomplete interaction asks about, inside subcommands and groups."""
    for option in options if isinstance(options, list) else ():
        if isinstance(option, dict) and option.get("focused"):
            return str(option.get("name"))
        if isinstance(option, dict) and option.get("type") in (1, 2):  # a subcommand (group): its options
            if found := _focused(option.get("options")):
                return found
    return None


class HearthTree(app_commands.CommandTree):
    """discord.py's command tree, answering what it cannot run instead of leaving the member with Discord's
    "The application did not respond"."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Suggestions asked for an option that has none now (an older command list: `/config set key` was offered
        by autocomplete while there were more than 25 settings), or for a command Hearth no longer has, are none;
        discord.py would log a traceback at every keystroke and the member see "Loading options failed"."""
        if interaction.type is not discord.InteractionType.autocomplete:
            return True
        command = interaction.command
        data: dict[str, Any] = dict(interaction.data or {})
        focused = _focused(data.get("options"))
        parameter = command.get_parameter(focused) if isinstance(command, app_commands.Command) and focused else None
        if parameter is not None and parameter.autocomplete:
            return True
        log.info("a member's client asked for suggestions Hearth does not offer (an outdated command list)")
        try:
            await interaction.response.autocomplete([])
        except discord.HTTPException as refused:
            log.warning("could not answer interaction %s: %s", interaction.id, refused)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        outdated = app_commands.CommandNotFound | app_commands.CommandSignatureMismatch | app_commands.TransformerError
        if isinstance(error, outdated):
            # A command (or its options) as Discord's cached list still shows it after an upgrade or a change of
            # HEARTH_COGS: global changes take Discord up to an hour to reach every client.
            log.info("a member used an outdated version of a command: %s", error)
            text = OUTDATED
        else:
            await super().on_error(interaction, error)  # logged, with its traceback
            text = SORRY
        if interaction.type is discord.InteractionType.autocomplete or interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as refused:
            log.warning("could not answer interaction %s: %s", interaction.id, refused)


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
            tree_cls=HearthTree,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.hearth = hearth
        self.dev_guild_id = dev_guild_id
        self.defer_after = defer_after
        self.messenger = DiscordMessenger(self)
        # Set once Hearth speaks through this bot (see `on_ready`).
        self.attached = asyncio.Event()
        # Events the database refused: the gateway sends none again, so Hearth handles them again itself.
        self.held = HeldEvents(hearth.dispatch, "Discord")
        # The handlers recording the servers found at start (CommunityAdded, their members' join dates).
        self._presence: set[asyncio.Task[Any]] = set()
        # Thread id -> (author, id) of the message the thread was started on, or None (none, or unreadable):
        # fetched once per thread when discord.py's cache does not hold the starter (`_thread_starter`).
        self._starters: OrderedDict[int, tuple[MemberRef, str] | None] = OrderedDict()
        # Message id -> the reaction to it last handed over, or being looked up (`_reaction`).
        self._reacting: dict[int, asyncio.Future[None]] = {}

    async def setup_hook(self) -> None:
        for command in build_app_commands(self.hearth.registry.commands.values(), self._run_command):
            self.tree.add_command(command)
        if self.dev_guild_id is not None:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except (discord.Forbidden, discord.NotFound) as error:
                # A mistyped id, a server Hearth is not in, or one it was invited to without the
                # applications.commands scope: said in one line, as a token Discord rejects is.
                raise DiscordStartupError(DEV_GUILD_HELP.format(id=self.dev_guild_id, why=error.text)) from None
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
            # READY lists every server the bot is in (one unavailable in an outage too): one Hearth knew and is not
            # among them removed it while it was not connected, and Discord sends no GUILD_DELETE for that.
            task = asyncio.current_task()
            if task is not None:  # start-up is done once this is recorded (`wait_until_attached`)
                self._presence.add(task)
                task.add_done_callback(self._presence.discard)
            listed = tuple(community_ref(guild) for guild in self.guilds)
            await self._dispatch(CommunitiesListed(f"listed:{datetime.now(UTC).isoformat()}", PLATFORM, listed))

    async def close(self) -> None:
        """On SIGTERM/SIGINT (bot/core/lifecycle.py), as on Slack: no new events are read (the gateway
        reader was cancelled), the handlers already running finish while the HTTP session they reply
        through is still open, then discord.py closes the gateway and the session."""
        if self.hearth.lifecycle.stopping:
            await self.hearth.lifecycle.drain(HANDLER_TASKS)
        await self.held.close()
        await super().close()

    async def wait_until_attached(self) -> None:
        """Until Hearth speaks through this bot, its start hooks have run and the servers it found at start
        are recorded (their members' join dates)."""
        await self._until_hearth_ready()
        while self._presence:
            await asyncio.gather(*self._presence, return_exceptions=True)

    async def _until_hearth_ready(self) -> None:
        """Until Hearth is attached and its start hooks have run. An event that arrives between READY and
        on_ready (discord.py waits for every server first) would reach cogs that cannot answer yet; one that
        arrives during the start-up catch-up would race it (a reply to the missed ritual run being posted
        would not count). Both wait, in the order they came."""
        await self.attached.wait()
        await self.hearth.hooks_done()

    async def _dispatch(self, event: Event) -> None:
        await self._until_hearth_ready()
        await self.held.deliver(event)

    # -- interactions ----------------------------------------------------------------------------
    def _invocation(
        self, interaction: discord.Interaction, guild: discord.Guild, person: discord.abc.User
    ) -> Invocation:
        return Invocation(
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
        if stale := outdated_options(spec, options):
            log.info("a member used an outdated version of /%s: %s of another kind", spec.path, ", ".join(stale))
            await interaction.response.send_message(OUTDATED, ephemeral=True)
            return
        invocation = self._invocation(interaction, guild, interaction.user)
        raw = neutral_options(guild, spec, options)
        await self._answer(
            interaction, guild, invocation, self.hearth.inbound.command(invocation, spec.path, raw), spec.slow
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons, menus and modals, routed by custom id: no view state, so they survive restarts.

        In a DM (a newcomer's checklist) the server comes from the custom id (see `render.scoped`).
        """
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        guild = interaction.guild
        custom_id = str(data.get("custom_id", ""))
        if interaction.guild_id is None:
            guild_id, custom_id = unscoped(custom_id)
            guild = self.get_guild(guild_id) if guild_id is not None else None
        if guild is None:
            await interaction.response.send_message(NOT_IN_SERVER, ephemeral=True)
            return
        person = guild.get_member(interaction.user.id) or interaction.user
        invocation = self._invocation(interaction, guild, person)
        member, channel = invocation.author, invocation.channel
        work: Awaitable[Reply | None]
        if interaction.type is discord.InteractionType.component:
            message_id = str(interaction.message.id) if interaction.message else None
            values = tuple(str(value) for value in data.get("values", []))
            clicked = ComponentClicked(str(interaction.id), member, channel, custom_id, values, message_id)
            work = self.hearth.inbound.click(invocation, clicked)
        else:
            answers = {key: readable(guild, text) for key, text in form_values(data.get("components", [])).items()}
            submitted = FormSubmitted(str(interaction.id), member, channel, custom_id, answers)
            work = self.hearth.inbound.submit(invocation, submitted)
        await self._answer(interaction, guild, invocation, work)

    async def _answer(
        self,
        interaction: discord.Interaction,
        guild: discord.Guild,
        invocation: Invocation,
        work: Awaitable[Reply | None],
        defer_at_once: bool = False,
    ) -> None:
        """Reply within Discord's 3 s: at once when the work is quick, else defer and follow up.

        A deferred command shows a public "thinking…" placeholder; an ephemeral reply then replaces it
        privately (the placeholder is deleted), since the work decides visibility only when it is done.
        """
        task = asyncio.ensure_future(self._when_ready(work))
        done, _ = await asyncio.wait({task}, timeout=0 if defer_at_once else self.defer_after)
        # Components answered into a DM name their server, like those the Messenger sends there.
        outbox = DiscordOutbox(interaction, None if interaction.guild_id else guild.id)
        try:
            if task not in done:
                await outbox.defer()
            await self.hearth.inbound.deliver(invocation, outbox, await task)
        except discord.HTTPException as error:
            # Typically the same interaction delivered twice: Discord accepts only one answer.
            log.warning("could not answer interaction %s: %s", interaction.id, error)

    async def _when_ready(self, work: Awaitable[Reply | None]) -> Reply | None:
        await self._until_hearth_ready()  # as for events (`_dispatch`); the deferral covers the wait
        return await work

    # -- gateway events --------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        guild = message.guild
        if guild is None or (self.user is not None and message.author.id == self.user.id):
            return  # DMs are not community activity; our own replies earn nothing
        if message.type not in SPOKEN or message.webhook_id is not None:
            return  # Discord's own lines ("carol joined", "alice pinned a message") and webhooks are not speech
        known = await self._known_channel(guild, message.channel)
        channel = channel_ref(guild, known)
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
            *await self._answered(guild, message, known),
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

    async def _answered(
        self, guild: discord.Guild, message: discord.Message, where: Any
    ) -> tuple[MemberRef | None, str | None]:
        """Whom a message answers, and which message: a reply's `referenced_message` (Discord sends it with the
        reply), else a message in a thread started on a message (the thread's id is that message's id); `where`:
        the message's channel or thread, as `_known_channel` found it."""
        reference = message.reference
        if reference is not None and reference.message_id is not None:
            resolved = reference.resolved
            author = member_ref(guild, resolved.author) if isinstance(resolved, discord.Message) else None
            return author, str(reference.message_id)
        if isinstance(where, discord.Thread) and where.id != message.id:
            starter = await self._thread_starter(guild, where)
            if starter is not None:
                return starter
        return None, None

    async def _thread_starter(self, guild: discord.Guild, thread: discord.Thread) -> tuple[MemberRef, str] | None:
        """The author and id of the message a thread was started on: from discord.py's message cache, else
        fetched once per thread (the starter of a thread older than this process, or pushed out of the cache)
        and remembered for the last `_STARTERS_KEPT` threads; None for a thread started on no message (or one
        Hearth may not read: no Read Message History)."""
        cached = thread.starter_message
        if cached is not None:
            return member_ref(guild, cached.author), str(cached.id)
        if thread.id in self._starters:
            self._starters.move_to_end(thread.id)
            return self._starters[thread.id]
        parent = thread.parent
        # A forum post's starter is the thread's own first message; any other thread's is in its parent.
        source: discord.abc.Messageable = (
            thread
            if isinstance(parent, discord.ForumChannel)
            else parent
            if isinstance(parent, discord.abc.Messageable)
            else self.get_partial_messageable(thread.parent_id, guild_id=guild.id)
        )
        try:
            fetched = await source.fetch_message(thread.id)
        except (discord.NotFound, discord.Forbidden):
            found = None  # started on no message, or one Hearth cannot read: not worth asking again
        except discord.HTTPException as error:
            log.warning("could not fetch the message thread %s was started on: %s", thread.id, error)
            return None  # asked again at the thread's next message
        else:
            found = (member_ref(guild, fetched.author), str(fetched.id))
        self._starters[thread.id] = found
        if len(self._starters) > _STARTERS_KEPT:
            self._starters.popitem(last=False)
        return found

    async def on_member_join(self, member: discord.Member) -> None:
        joined = member.joined_at or datetime.now(UTC)
        event_id = f"join:{member.guild.id}:{member.id}:{joined.isoformat()}"
        await self._dispatch(MemberJoined(event_id, member_ref(member.guild, member), member.joined_at))

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """A member's name changed (a server nickname, their display name): boards and cards show the new one from
        now on; until 2026-12-02 only from their next message or command, so someone seen only on a board kept the
        old name. Handed over as the member present (as at start), which also brings back one Hearth saw leave."""
        if before.display_name == after.display_name or after.bot or after.joined_at is None:
            return
        await self._renamed(after, after.joined_at)

    async def on_user_update(self, before: discord.User, after: discord.User) -> None:
        """A member's own Discord name changed (their display name, `global_name`, or username): the name of every
        member of theirs without a server nickname. discord.py reports it only here: the member it passes to
        `on_member_update` before and after share one account, already changed (until 2026-12-02 a member without
        a nickname who changed their display name kept the old one on boards and cards)."""
        if before.display_name == after.display_name or after.bot:
            return
        for guild in self.guilds:
            member = guild.get_member(after.id)
            if member is not None and member.nick is None and member.joined_at is not None:
                await self._renamed(member, member.joined_at)

    async def _renamed(self, member: discord.Member, joined_at: datetime) -> None:
        event_id = f"renamed:{member.guild.id}:{member.id}:{datetime.now(UTC).isoformat()}"
        await self._dispatch(MembersPresent(event_id, ((member_ref(member.guild, member), joined_at),)))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._guild_present(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._guild_present(guild)

    async def _guild_present(self, guild: discord.Guild) -> None:
        """Hearth is in the guild (at start, or added again): a pending deletion of its data is cancelled,
        members who were there before Hearth get their true join dates (GUILD_CREATE's joined_at), and, once the
        member list is complete (`chunked`: as many members as the guild counts), members it leaves out left while
        Hearth was away. An incomplete list (chunks that timed out) says nothing about who left."""
        task = asyncio.current_task()
        if task is not None:
            self._presence.add(task)
            task.add_done_callback(self._presence.discard)
        now = datetime.now(UTC).isoformat()
        await self._dispatch(CommunityAdded(f"added:{guild.id}:{now}", community_ref(guild)))
        present = tuple(
            (member_ref(guild, member), member.joined_at)
            for member in guild.members
            if member.joined_at is not None and not member.bot
        )
        everyone_in = community_ref(guild) if guild.chunked else None
        if present or everyone_in is not None:
            await self._dispatch(MembersPresent(f"present:{guild.id}:{now}", present, everyone_in))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked from the guild, or the guild deleted. An outage's unavailable guild is not this: discord.py
        reports that as `on_guild_unavailable`, and nothing is deleted for it."""
        event_id = f"removed:{guild.id}:{datetime.now(UTC).isoformat()}"
        await self._dispatch(CommunityRemoved(event_id, community_ref(guild)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        guild = self.get_guild(payload.guild_id)
        if guild is None:
            return
        # Discord gives a leave no id or time of its own: the moment we heard of it stands in.
        event_id = f"leave:{guild.id}:{payload.user.id}:{datetime.now(UTC).isoformat()}"
        await self._dispatch(MemberLeft(event_id, member_ref(guild, payload.user)))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        # Raw: the message may be older than discord.py's cache. Its author is known only when it was cached.
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        if guild is None:
            return
        cached = payload.cached_message
        author = member_ref(guild, cached.author) if cached is not None else None
        channel = await self._deleted_in(guild, payload.channel_id)
        event = MessageDeleted(f"delete:{payload.message_id}", channel, str(payload.message_id), author)
        await self._dispatch(event)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        # A moderator's purge: each message voids what it earned, as a single deletion would.
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        if guild is None:
            return
        channel = await self._deleted_in(guild, payload.channel_id)
        for message_id in sorted(payload.message_ids):
            await self._dispatch(MessageDeleted(f"delete:{message_id}", channel, str(message_id)))

    @staticmethod
    async def _deleted_in(guild: discord.Guild, channel_id: int) -> ChannelRef:
        """Where deleted messages were: a thread is its parent channel plus the thread, as when its messages were
        posted (what they earned is keyed by the parent). discord.py drops an archived thread from its cache (a
        thread archives itself after a day of quiet), so a thread it does not hold is looked up once."""
        if guild.get_channel_or_thread(channel_id) is None:
            try:
                found = await guild.fetch_channel(channel_id)
            except discord.HTTPException:
                pass
            else:
                return channel_ref(guild, found) or channel_ref_by_id(guild, channel_id)
        return channel_ref_by_id(guild, channel_id)

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
        # Handed over in the order they came, though an addition may look its message up first (`_reacted_author`):
        # a reaction taken back at once is handled after its addition.
        earlier = self._reacting.get(payload.message_id)
        handed = asyncio.get_running_loop().create_future()
        self._reacting[payload.message_id] = handed
        try:
            if earlier is not None:
                await asyncio.shield(earlier)
            member = member_ref(guild, payload.member) if payload.member else member_ref_by_id(guild, payload.user_id)
            author = await self._reacted_author(guild, payload) if payload.message_author_id else None
            emoji = str(payload.emoji)
            # Stable per (message, member, emoji): reacting, unreacting and reacting again awards once.
            event_id = f"{payload.event_type}:{payload.message_id}:{payload.user_id}:{emoji}"
            channel = channel_ref_by_id(guild, payload.channel_id)
            await self._dispatch(kind(event_id, member, channel, str(payload.message_id), emoji, author))
        finally:
            handed.set_result(None)
            if self._reacting.get(payload.message_id) is handed:
                del self._reacting[payload.message_id]

    async def _reacted_author(self, guild: discord.Guild, payload: discord.RawReactionActionEvent) -> MemberRef | None:
        """Whose the reacted-to message is. Discord names its author by id only; one who is no member of the server
        is a webhook (a feed, PluralKit's proxy: a bot's, which earns nothing), or someone who is not here: their
        message is read from discord.py's cache, else from Discord, to say which. Until 2026-12-02 a webhook's id was
        thanked as a member, and shown by its id on /leaderboard. None: the message is gone (nothing to thank)."""
        author_id = int(payload.message_author_id or 0)
        if (cached := guild.get_member(author_id)) is not None:
            return member_ref(guild, cached)
        message = discord.utils.get(self.cached_messages, id=payload.message_id)
        if message is None:
            try:
                channel = self.get_partial_messageable(payload.channel_id, guild_id=guild.id)
                message = await channel.fetch_message(payload.message_id)
            except discord.NotFound:
                return None
            except discord.HTTPException as error:  # no Read Message History there, Discord failing
                log.warning("could not read the message %s reacted to: %s", payload.message_id, error)
                return member_ref_by_id(guild, author_id)
        if message.webhook_id is not None:
            return MemberRef(community_ref(guild), str(author_id), message.author.display_name, is_bot=True)
        return member_ref(guild, message.author)


class DiscordOutbox:
    """Answers to one interaction: the first answer is its response; after a deferral, follow-ups."""

    def __init__(self, interaction: discord.Interaction, scope: int | None) -> None:
        self.interaction = interaction
        self.scope = scope
        self.deferred = False
        self.thinking = interaction.type is discord.InteractionType.application_command

    async def defer(self) -> None:
        await self.interaction.response.defer(thinking=self.thinking)
        self.deferred = True

    async def modal(self, form: Form) -> bool:
        if self.deferred or self.interaction.response.is_done():
            return False  # a modal can only be the first answer
        await self.interaction.response.send_modal(modal(form, self.scope))
        return True

    async def ephemeral(self, reply: Reply) -> None:
        await self._send(reply, ephemeral=True)

    async def public(self, reply: Reply) -> None:
        await self._send(reply, ephemeral=False)

    async def quiet(self) -> None:
        if not self.deferred:
            await self.interaction.response.defer()
        elif self.thinking:
            await self.interaction.delete_original_response()

    async def _send(self, reply: Reply, *, ephemeral: bool) -> None:
        """The answer, its files too large for Discord a PlatformError (the core answers without them)."""
        try:
            await self._reply(reply, ephemeral=ephemeral)
        except discord.HTTPException as error:
            if error.status == 413:
                raise PlatformError(TOO_LARGE) from None
            raise

    async def _reply(self, reply: Reply, *, ephemeral: bool) -> None:
        kwargs = message_kwargs(reply, scope=self.scope)
        if not self.deferred and not self.interaction.response.is_done():
            await self.interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            return
        if self.thinking and self.deferred:
            self.deferred = False  # the placeholder is answered once; anything after is a follow-up
            if not ephemeral:
                await self.interaction.edit_original_response(**message_kwargs(reply, editing=True, scope=self.scope))
                return
            await self.interaction.delete_original_response()
        await self.interaction.followup.send(ephemeral=ephemeral, **kwargs)
