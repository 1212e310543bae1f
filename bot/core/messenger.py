"""What cogs may ask a platform to do on their own initiative (not as a reply to a command).

Every platform implements all of it; where a platform has no such thing it does the nearest one
(Slack has no roles: moderators map interests to channels instead). A platform refusal (missing
permission, closed DMs, role above the bot's) raises PlatformError with a reason a moderator can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission, RoleRef
from bot.core.reply import Reply, UserError


class PlatformError(Exception):
    """The platform refused; `reason` says why in words a moderator can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageGone(PlatformError):
    """The message to edit is gone or out of Hearth's reach (deleted, its channel deleted, archived or closed
    to Hearth): nothing will ever edit it, unlike a refusal that may pass (a rate limit, an outage)."""


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do, so a cog refuses at configuration time what would fail later.

    - `roles`: members can be given roles (Discord); else interests map to channels (Slack).
    - `group_dms`: one private conversation with several members (Slack mpim); else one DM each.
    - `named_threads`: threads carry a title (Discord); Slack threads are untitled replies.
    - `files`: replies can carry file attachments (images, exports).
    - `role_sign`: how a role is written in a command and in the examples Hearth shows: `@name` as Discord's role
      option shows it, `&name` in a console script.
    """

    roles: bool
    group_dms: bool
    named_threads: bool
    files: bool
    role_sign: str = "@"


class Messenger(Protocol):
    capabilities: Capabilities

    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        """Post in a channel (in its thread when the ref has `thread_id`); returns the message id."""
        ...

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        """Message a member privately; None when their DMs are closed."""
        ...

    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        """Message a few members privately together (Slack group DM; Discord: a private thread or a DM to
        each). Buttons in the reply must work for every one of them. PlatformError when nobody can be reached."""
        ...

    async def can_post(self, channel: ChannelRef) -> bool:
        """Whether Hearth may post in the channel (checked before a moderator schedules posts there). Only asks."""
        ...

    async def join_channel(self, channel: ChannelRef) -> None:
        """Make sure the channel's messages reach Hearth, before it posts there on a schedule (Slack: join a
        public channel, since Slack tells only members; elsewhere nothing). Failing is logged, not raised."""
        ...

    async def edit(self, channel: ChannelRef, message_id: str, reply: Reply) -> None:
        """Replace the content of a message Hearth posted. Raises MessageGone when the message is gone or out of
        reach, PlatformError for any other refusal."""
        ...

    async def delete(self, channel: ChannelRef, message_id: str) -> None:
        """Take back a message Hearth posted (one it could not go on to record, so that what the member is told,
        "nothing was changed", holds). A message already gone is no error; raises PlatformError for a refusal."""
        ...

    async def start_thread(self, channel: ChannelRef, message_id: str, name: str) -> ChannelRef:
        """A thread under a message (Discord thread, Slack replies); returns the thread's ref."""
        ...

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        """Rename a thread Hearth started (`start_thread`'s ref, `thread_id` set; Discord: an archived one stays
        archived). Nothing to do where threads have no names (Slack). Raises MessageGone when the thread is gone,
        PlatformError for any other refusal."""
        ...

    async def grant_role(self, member: MemberRef, role: RoleRef) -> None:
        """Give a member a role (Discord). Raises PlatformError when the platform refuses."""
        ...

    async def check_grantable(self, role: RoleRef) -> None:
        """Whether Hearth may and will give the role on its own (see `check_can_grant`). Raises PlatformError
        saying why not and what to change: Hearth lacks the permission or sits below it, the role is managed or
        everyone's, or it carries moderator or admin permissions (Discord). Only asks."""
        ...

    async def remove_role(self, member: MemberRef, role: RoleRef) -> None:
        """Take a role from a member (Discord; a level's role when the next level's replaces it). Raises
        PlatformError when the platform refuses."""
        ...

    async def add_to_channel(self, member: MemberRef, channel: ChannelRef) -> None:
        """Add a member to a channel (Slack `conversations.invite`). Raises PlatformError on refusal."""
        ...

    async def member_level(self, member: MemberRef) -> Permission:
        """The member's level as the platform's commands would find it, for a rule about another member (a
        moderator may not lock an admin's giving); MEMBER for someone no longer in the community. Raises
        PlatformError when the platform cannot be asked."""
        ...


class NoMessenger:
    """Until a platform attaches: anything a cog sends is an error, so it is never silently lost."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"no platform is attached (a cog called messenger.{name})")


async def tell_mods(messenger: Messenger, community: CommunityRef, mod_channel: str | None, text: str) -> str | None:
    """Post `text` in the community's `mod_channel`: None once posted, else why it could not be (none is set, or the
    platform refused it: the channel deleted, Hearth no longer allowed there), for the caller's warning line."""
    if not mod_channel:
        return "no mod_channel is set"
    try:
        await messenger.send(ChannelRef(community, mod_channel), Reply(text=text))
    except PlatformError as error:
        return error.reason
    return None


async def check_can_post(messenger: Messenger, channel: ChannelRef) -> None:
    """Refuse (UserError) a channel Hearth may not post in, where a moderator chooses one it will post in: said
    now, rather than each post there failing later."""
    if not await messenger.can_post(channel):
        raise UserError(
            f"I can't post in #{channel.name or channel.external_id}. Give me permission to post there, "
            "or choose another channel."
        )


async def check_can_grant(messenger: Messenger, role: RoleRef) -> None:
    """Refuse (UserError) a role Hearth could not give, or will not give on its own, where a moderator or admin
    chooses one it will give unasked (on a newcomer's click, at a level, on a ladder invitation's accept): said
    now, rather than each grant failing later or, with a role that moderates, every newcomer made a moderator."""
    try:
        await messenger.check_grantable(role)
    except PlatformError as error:
        raise UserError(f"{error.reason} Nothing was changed.") from None


def attached_capabilities(messenger: Messenger) -> Capabilities | None:
    """The attached platform's capabilities; None while no platform is attached (Hearth run in-process, as by a
    benchmark, or a command before the platform's first READY)."""
    return None if isinstance(messenger, NoMessenger) else messenger.capabilities
