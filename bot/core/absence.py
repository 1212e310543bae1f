"""Communities Hearth was removed from and not added back to: during `removal_grace` their data is kept (so
adding Hearth back loses nothing), but Hearth sends them nothing — no ritual, reminder, alert or digest.

`Absences` is kept in memory from the `CommunityRemoved`/`CommunityAdded` events (the runtime updates it before
any cog hears the event) and loaded at start from `community_state.removed_at`, which the privacy cog writes.
Another process sharing the database learns of a removal at its next start (each platform tells every process
it serves anyway). `PresentOnly` wraps the platform's messenger so that no cog has to remember to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.core.messenger import Capabilities, Messenger
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.reply import Reply

log = logging.getLogger(__name__)


class Absences:
    """Removed communities, by ref (what a messenger sees) and by our id (what a cog's rows carry)."""

    def __init__(self) -> None:
        self._refs: set[CommunityRef] = set()
        self._ids: set[int] = set()

    def mark(self, community: CommunityRef, community_id: int, *, removed: bool) -> None:
        if removed:
            self._refs.add(community)
            self._ids.add(community_id)
        else:
            self._refs.discard(community)
            self._ids.discard(community_id)

    def __contains__(self, community: CommunityRef | int) -> bool:
        return community in (self._ids if isinstance(community, int) else self._refs)


class PresentOnly:
    """The platform's messenger, silent towards removed communities: a post, DM or group message there is
    dropped (logged at INFO) and answers as if sent, with no message id (""), so no caller has to handle a
    removal. Everything else (role grants, edits, checks) goes to the platform as it is."""

    def __init__(self, inner: Messenger, absent: Absences) -> None:
        self.inner = inner
        self.absent = absent

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def _gone(self, community: CommunityRef, what: str) -> bool:
        if community in self.absent:
            log.info("not sending %s: Hearth was removed from community %s", what, community.external_id)
            return True
        return False

    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        return "" if self._gone(channel.community, "a post") else await self.inner.send(channel, reply)

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        return "" if self._gone(member.community, "a DM") else await self.inner.send_dm(member, reply)

    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        if not (members and self._gone(members[0].community, "a group message")):
            await self.inner.send_group(members, reply)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
