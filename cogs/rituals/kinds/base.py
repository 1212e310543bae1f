"""What every ritual kind implements, and the look-ups they share (the ritual's channel, members' refs)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.reply import Card, Reply
from bot.core.services import Services
from bot.core.wording import points
from config.durations import format_duration
from storage.rituals import RitualRow


@dataclass(frozen=True)
class Posted:
    """What posting a run left behind; `needs_close` when something happens as its window ends."""

    message_id: str | None
    thread_id: str | None = None
    needs_close: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Firing:
    """One run to post: its ritual, claimed run, moment (UTC and the ritual's local time) and rendered prompt."""

    ritual: RitualRow
    run_id: int
    scheduled_for: datetime
    local: datetime
    channel: ChannelRef
    prompt: str


class Places:
    """Refs for ids a ritual keeps: its community, its channel (or a thread in it), its members."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def community(self, community_id: int) -> CommunityRef:
        return (await self.services.identity.community_by_id(community_id)).ref

    async def channel(self, ritual: RitualRow, thread_id: str | None = None) -> ChannelRef:
        community = await self.community(ritual.community_id)
        return ChannelRef(community, ritual.channel, ritual.channel_name, thread_id)

    async def members(self, community_id: int, member_ids: list[int]) -> dict[int, MemberRef]:
        found = await self.services.identity.members_by_id(member_ids)
        return {member_id: member.ref for member_id, member in found.items() if member.community_id == community_id}


class RitualKind(ABC):
    """A kind of ritual: how a run is posted, and what happens when its window ends. The runner keeps
    the lifecycle (arming, claiming, catching up, participation, streaks)."""

    name: ClassVar[str]
    # Whether members take part in a run (answer it, meet their group): a spotlight or a celebration asks
    # nobody to, so `/ritual history` shows no "took part" count for it.
    asks_to_take_part: ClassVar[bool] = True

    def __init__(self, services: Services, places: Places) -> None:
        self.services = services
        self.places = places

    @abstractmethod
    async def post(self, firing: Firing) -> Posted: ...

    async def close(self, ritual: RitualRow, run_id: int, taken: int) -> None:  # noqa: B027 (optional: most kinds end quietly)
        """The run's window has ended (called once, for runs posted with `needs_close`); `taken`: how many
        members took part in the run."""


def prompt_card(ritual: RitualRow, prompt: str, footer: str) -> Reply:
    return Reply(card=Card(title=f"🔔 {ritual.name}", description=prompt, footer=footer))


def reward(ritual: RitualRow) -> str:
    """What taking part earns, after "to take part": ` (+5 points)`, or nothing for a ritual without points ("take
    part (+0 points)" read as a slip)."""
    return f" (+{points(ritual.points)})" if ritual.points else ""


def window_text(ritual: RitualRow) -> str:
    return format_duration(timedelta(seconds=ritual.window_seconds))
