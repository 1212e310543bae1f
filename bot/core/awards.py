"""Awards built one way: the community's settings give the time zone that files points under its week
and month, so no cog can forget it."""

from __future__ import annotations

from datetime import datetime

from config.community import CommunitySettings
from storage.kinds import Kind
from storage.ledger import Award


def award(
    settings: CommunitySettings,
    community_id: int,
    member_id: int,
    kind: Kind,
    points: int,
    key: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    reason: str | None = None,
    channel: str | None = None,
) -> Award:
    """One ledger row to be; `key` makes it idempotent (a redelivery records nothing)."""
    return Award(
        community_id,
        member_id,
        kind,
        points,
        key,
        now,
        zone=settings.timezone,
        actor_id=actor_id,
        reason=reason,
        channel=channel,
    )
