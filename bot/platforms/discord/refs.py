"""Neutral refs and permission levels from discord.py objects."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission, RoleRef

PLATFORM = "discord"


def community_ref(guild: discord.Guild) -> CommunityRef:
    return CommunityRef(PLATFORM, str(guild.id), guild.name or "")


def member_ref(guild: discord.Guild, user: discord.abc.User) -> MemberRef:
    return MemberRef(community_ref(guild), str(user.id), user.display_name, user.bot)


def member_ref_by_id(guild: discord.Guild, user_id: int) -> MemberRef:
    """A member known only by id (a raw event about someone not in the cache)."""
    cached = guild.get_member(user_id)
    return member_ref(guild, cached) if cached else MemberRef(community_ref(guild), str(user_id))


Channelish = discord.abc.GuildChannel | discord.Thread | app_commands.AppCommandChannel | app_commands.AppCommandThread


def channel_ref(guild: discord.Guild, channel: Channelish | discord.abc.Messageable | None) -> ChannelRef | None:
    """A thread is its parent channel plus `thread_id`, like a Slack thread under its channel."""
    if channel is None or not hasattr(channel, "id"):
        return None
    community = community_ref(guild)
    if isinstance(channel, discord.Thread | app_commands.AppCommandThread):
        parent = guild.get_channel(channel.parent_id)
        name = parent.name if parent else ""
        return ChannelRef(community, str(channel.parent_id), name, thread_id=str(channel.id))
    return ChannelRef(community, str(channel.id), getattr(channel, "name", "") or "")


def channel_ref_by_id(guild: discord.Guild, channel_id: int) -> ChannelRef:
    found = guild.get_channel_or_thread(channel_id)
    return channel_ref(guild, found) or ChannelRef(community_ref(guild), str(channel_id))


def role_ref(role: discord.Role) -> RoleRef:
    return RoleRef(community_ref(role.guild), str(role.id), role.name)


def permission_level(user: discord.abc.User) -> Permission:
    """From guild permissions, whatever `default_member_permissions` let through: the core refuses."""
    if not isinstance(user, discord.Member):
        return Permission.MEMBER
    permissions = user.guild_permissions
    if permissions.administrator or permissions.manage_guild:
        return Permission.ADMIN
    if permissions.manage_messages or permissions.moderate_members:
        return Permission.MODERATOR
    return Permission.MEMBER
