"""What cogs may ask a platform to do on their own initiative (not as a reply to a command)."""

from __future__ import annotations

from typing import Protocol

from bot.core.refs import ChannelRef, MemberRef
from bot.core.reply import Reply


class Messenger(Protocol):
    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        """Post in a channel (or a thread, when the ref has one); returns the message id."""
        ...

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        """Message a member privately; None when their DMs are closed."""
        ...


class NoMessenger:
    """Until a platform attaches: anything a cog sends is an error, so it is never silently lost."""

    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        raise RuntimeError("no platform is attached to send messages")

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        raise RuntimeError("no platform is attached to send messages")
