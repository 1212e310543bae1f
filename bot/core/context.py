"""What a command, click or form handler knows about who asked, where, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.refs import ChannelRef, Community, Member, Permission
from config.community import CommunitySettings


@dataclass(frozen=True)
class Context:
    community: Community
    author: Member
    channel: ChannelRef | None
    level: Permission
    invocation_id: str
    now: datetime
    settings: CommunitySettings
