"""The Messenger protocol on Discord: what cogs do on their own initiative."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import aiohttp
import discord

from bot.core.messenger import Capabilities, MessageGone, PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission, RoleRef
from bot.core.reply import Reply
from bot.platforms.discord.refs import permission_level
from bot.platforms.discord.render import message_kwargs

log = logging.getLogger(__name__)

ROLES_SETTINGS = "Server Settings → Roles"
# Permissions that moderate or administer a server (Manage Messages is what makes a moderator in Hearth's own
# eyes, bot/platforms/discord/refs.py): a role Hearth gives unasked holds none of them.
_MODERATING = (
    ("Administrator", "administrator"),
    ("Manage Server", "manage_guild"),
    ("Manage Roles", "manage_roles"),
    ("Manage Channels", "manage_channels"),
    ("Manage Webhooks", "manage_webhooks"),
    ("Kick Members", "kick_members"),
    ("Ban Members", "ban_members"),
    ("Timeout Members", "moderate_members"),
    ("Manage Messages", "manage_messages"),
)
UNAVAILABLE = "Discord did not answer ({why}); please try again in a moment."
# 413 (40005 Request entity too large): the message's files are over what Discord lets a bot upload (10 MiB).
TOO_LARGE = "it is larger than Discord lets Hearth send."


@contextmanager
def _outage() -> Iterator[None]:
    """Discord failing (a 5xx once discord.py's own retries are spent, a dropped connection) as a PlatformError,
    like a refusal: what was being sent is reported as not sent, and nothing else is cut short (the other
    members of a pairing still get their DMs; a welcome still follows a welcomer's DM that failed)."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound):
        raise  # each caller says what they mean there
    except discord.HTTPException as error:
        if error.status == 413:
            raise PlatformError(TOO_LARGE) from None
        if error.status < 500:
            raise PlatformError(f"Discord refused ({error.status}: {error.text or error.response.reason}).") from None
        raise PlatformError(UNAVAILABLE.format(why=f"{error.status} {error.response.reason}")) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise PlatformError(UNAVAILABLE.format(why=type(error).__name__)) from None


class DiscordMessenger:
    # Bots cannot open group DMs on Discord.
    capabilities = Capabilities(roles=True, group_dms=False, named_threads=True, files=True)

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        try:
            with _outage():
                message = await self._messageable(channel).send(**message_kwargs(reply))
        except (discord.Forbidden, discord.NotFound):
            raise PlatformError(
                f"I may not post in <#{channel.external_id}>: give Hearth View Channel and Send Messages there."
            ) from None
        return str(message.id)

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        user_id = int(member.external_id)
        try:
            with _outage():
                user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
                # The DM's buttons name the server, since a click in a DM comes with no server of its own.
                message = await user.send(**message_kwargs(reply, scope=int(member.community.external_id)))
        except (discord.Forbidden, discord.NotFound):
            return None  # DMs closed (50007), no server in common any more, or the account is gone
        return str(message.id)

    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        """Bots cannot open group DMs on Discord: each member gets the message (and its buttons) by DM; one
        that fails (Discord down a moment) does not keep it from the others."""
        reached: list[str | None] = []
        failed: list[str] = []
        for member in members:
            try:
                reached.append(await self.send_dm(member, reply))
            except PlatformError as error:
                log.warning("could not message %s: %s", member.external_id, error.reason)
                failed.append(error.reason)
        if not any(reached):
            names = ", ".join(member.display_name or member.external_id for member in members)
            raise PlatformError(failed[0] if failed else f"I could not message any of {names}: their DMs are closed.")

    async def can_post(self, channel: ChannelRef) -> bool:
        guild = self.client.get_guild(int(channel.community.external_id))
        found = guild.get_channel_or_thread(int(channel.external_id)) if guild else None
        # A category or a forum takes no messages, whatever the permissions say.
        if guild is None or not isinstance(found, discord.abc.Messageable):
            return False
        allowed = found.permissions_for(guild.me)
        return allowed.view_channel and allowed.send_messages

    async def join_channel(self, channel: ChannelRef) -> None:
        """A bot sees every channel it may view on Discord: nothing to join."""

    async def edit(self, channel: ChannelRef, message_id: str, reply: Reply) -> None:
        message = discord.PartialMessage(channel=self._messageable(channel), id=int(message_id))  # type: ignore[arg-type]
        try:
            with _outage():
                await message.edit(**message_kwargs(reply, editing=True))
        except (discord.Forbidden, discord.NotFound):
            raise MessageGone(f"I can no longer edit that message in <#{channel.external_id}>.") from None

    async def delete(self, channel: ChannelRef, message_id: str) -> None:
        message = discord.PartialMessage(channel=self._messageable(channel), id=int(message_id))  # type: ignore[arg-type]
        try:
            with _outage():
                await message.delete()
        except discord.NotFound:
            return  # gone already
        except discord.Forbidden:
            raise PlatformError(f"I may not delete my message in <#{channel.external_id}>.") from None

    async def start_thread(self, channel: ChannelRef, message_id: str, name: str) -> ChannelRef:
        target = self._messageable(channel, thread=False)
        message = discord.PartialMessage(channel=target, id=int(message_id))  # type: ignore[arg-type]
        try:
            with _outage():
                thread = await message.create_thread(name=name[:100] or "Thread")
        except (discord.Forbidden, discord.NotFound):
            raise PlatformError(
                f"I may not start threads in <#{channel.external_id}>: give Hearth Create Public Threads there."
            ) from None
        return ChannelRef(channel.community, channel.external_id, channel.name, thread_id=str(thread.id))

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        guild = self._guild(thread.community)
        thread_id = int(thread.thread_id or 0)
        try:
            with _outage():
                # Fetched, not read from discord.py's cache: an archived thread leaves it, and whether it is
                # archived decides the calls (a rename is rare: a member's data deleted).
                found = await guild.fetch_channel(thread_id)
                if not isinstance(found, discord.Thread):
                    raise MessageGone(f"{thread_id} is not a thread.")
                if found.archived:
                    # Discord takes no other change to an archived thread: it is opened to be renamed, then closed.
                    await found.edit(name=name[:100], archived=False)
                    await found.edit(archived=True)
                else:
                    await found.edit(name=name[:100])
        except discord.NotFound:
            raise MessageGone(f"The thread {thread_id} is gone.") from None
        except discord.Forbidden:
            raise PlatformError(
                f"I may not rename a thread in <#{thread.external_id}>: give Hearth Manage Threads there."
            ) from None

    async def grant_role(self, member: MemberRef, role: RoleRef) -> None:
        guild = self._guild(member.community)
        target_role = self._manageable(guild, role, "give")
        target = await self._member(guild, member)
        try:
            with _outage():
                await target.add_roles(target_role, reason="Hearth")
        except discord.Forbidden as error:
            raise self._refused(target_role, "give", error) from None

    async def check_grantable(self, role: RoleRef) -> None:
        target_role = self._manageable(self._guild(role.community), role, "give")
        powers = [label for label, flag in _MODERATING if getattr(target_role.permissions, flag)]
        if powers:
            raise PlatformError(
                f"@{target_role.name} has {', '.join(powers)}: Hearth gives roles on its own (to newcomers, at "
                "levels, on an invitation's accept), so never one that moderates or administers the server. Choose "
                "a role without those permissions."
            )

    async def remove_role(self, member: MemberRef, role: RoleRef) -> None:
        guild = self._guild(member.community)
        target_role = self._manageable(guild, role, "take")
        target = await self._member(guild, member)
        try:
            with _outage():
                await target.remove_roles(target_role, reason="Hearth")
        except discord.Forbidden as error:
            raise self._refused(target_role, "take", error) from None

    def _manageable(self, guild: discord.Guild, role: RoleRef, verb: str) -> discord.Role:
        """The role, when Hearth may give or take it (`verb`); else PlatformError saying what to change."""
        target_role = guild.get_role(int(role.external_id))
        if target_role is None:
            raise PlatformError(f"The role {role.name or role.external_id} no longer exists.")
        me = guild.me
        if not me.guild_permissions.manage_roles:
            raise PlatformError(
                f"I need the Manage Roles permission to {verb} @{target_role.name}: turn it on for Hearth's role "
                f"in {ROLES_SETTINGS}."
            )
        if target_role.managed or target_role.is_default():
            raise PlatformError(f"@{target_role.name} is managed by Discord or an integration; nobody can {verb} it.")
        if target_role >= me.top_role:
            raise PlatformError(
                f"@{target_role.name} is not below my highest role @{me.top_role.name}: drag Hearth's role "
                f"above it in {ROLES_SETTINGS}."
            )
        return target_role

    @staticmethod
    def _refused(target_role: discord.Role, verb: str, error: discord.Forbidden) -> PlatformError:
        # Our cache said yes (permissions or positions changed since): say what Discord said, and the fix.
        return PlatformError(
            f"Discord refused to {verb} @{target_role.name} ({error.text or 'Missing Permissions'}): Hearth's "
            f"role needs Manage Roles and must sit above @{target_role.name} in {ROLES_SETTINGS}."
        )

    async def add_to_channel(self, member: MemberRef, channel: ChannelRef) -> None:
        """A permission overwrite that lets the member see and write in the channel."""
        guild = self._guild(member.community)
        target = guild.get_channel(int(channel.external_id))
        if target is None:
            raise PlatformError(f"The channel #{channel.name or channel.external_id} no longer exists.")
        person = await self._member(guild, member)
        try:
            with _outage():
                await target.set_permissions(
                    person, view_channel=True, send_messages=True, read_message_history=True, reason="Hearth"
                )
        except discord.Forbidden:
            raise PlatformError(
                f"I may not change who sees <#{target.id}>: give Hearth Manage Permissions (Manage Roles) on that "
                "channel, and View Channel there."
            ) from None

    async def member_level(self, member: MemberRef) -> Permission:
        guild = self._guild(member.community)
        found = guild.get_member(int(member.external_id))
        if found is None:
            try:
                with _outage():
                    found = await guild.fetch_member(int(member.external_id))
            except discord.NotFound:
                return Permission.MEMBER  # not in the server: they hold no permissions there
        return permission_level(found)

    # -- lookups ---------------------------------------------------------------------------------
    def _guild(self, community: CommunityRef) -> discord.Guild:
        guild = self.client.get_guild(int(community.external_id))
        if guild is None:
            raise PlatformError(f"Hearth is no longer in the server {community.name or community.external_id}.")
        return guild

    async def _member(self, guild: discord.Guild, member: MemberRef) -> discord.Member:
        found = guild.get_member(int(member.external_id))
        if found is not None:
            return found
        try:
            with _outage():
                return await guild.fetch_member(int(member.external_id))
        except discord.NotFound:
            raise PlatformError(f"{member.display_name or member.external_id} is no longer in the server.") from None

    def _messageable(self, channel: ChannelRef, *, thread: bool = True) -> discord.abc.Messageable:
        """The cached channel (or thread), else a partial one: sending needs no lookup round-trip."""
        channel_id = int(channel.thread_id if thread and channel.thread_id else channel.external_id)
        found = self.client.get_channel(channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        guild_id = int(channel.community.external_id)
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id)
