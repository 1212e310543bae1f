"""Community-health tables: aggregates only (counts per member per day, per channel per day), each newcomer's
first message and first reply (times and ids, never text), and what must happen once (alerts, digests).

Written through the activity write-behind buffer (bot/core/ingest.py) in the same transaction as the ledger.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from storage.models import Contribution

# The ledger's rare kinds by time, for the health figures (kudos reach, ritual participation, the onboarding
# funnel) over a window: partial, so the bulk of the ledger (message rows) never touches it. SQLite uses a
# partial index only for a query that states its condition in these very words (a bound `kind = ?` does not
# imply it), and so does PostgreSQL's generic plan of a prepared statement: queries add PEOPLE_KINDS_SQL.
PEOPLE_KINDS = ("kudos_received", "kudos_given", "ritual_participation", "onboarding_step")
PEOPLE_KINDS_SQL = f"kind IN ({', '.join(repr(kind) for kind in PEOPLE_KINDS)})"
_ledger = Contribution.__table__  # type: ignore[attr-defined]
Index(
    "ix_contribution_people_kinds",
    _ledger.c.community_id,
    _ledger.c.kind,
    _ledger.c.created_at,
    _ledger.c.member_id,
    sqlite_where=text(PEOPLE_KINDS_SQL),
    postgresql_where=text(PEOPLE_KINDS_SQL),
)


class HealthMemberDay(SQLModel, table=True):
    """What one member did on one day of the community's calendar (its time zone)."""

    __tablename__ = "health_member_day"
    # Covering the figures' reads (a day range, grouped by member) so they never visit the table itself.
    __table_args__ = (
        Index(
            "ix_health_member_day_day",
            "community_id",
            "day",
            "member_id",
            "messages",
            "reactions_given",
            "replies_given",
        ),
    )

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    day: date = Field(primary_key=True)
    messages: int = 0
    replies_given: int = 0
    replies_received: int = 0
    reactions_given: int = 0
    reactions_received: int = 0


class HealthChannelDay(SQLModel, table=True):
    __tablename__ = "health_channel_day"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    channel: str = Field(max_length=64, primary_key=True)
    day: date = Field(primary_key=True)
    messages: int = 0
    replies: int = 0
    reactions: int = 0


class HealthNewcomer(SQLModel, table=True):
    """A member Hearth saw join: their first message and the first reply to it by someone else."""

    __tablename__ = "health_newcomer"
    __table_args__ = (
        Index("ix_health_newcomer_joined", "community_id", "joined_at"),
        Index("ix_health_newcomer_unanswered", "first_reply_at", "alerted_at", "first_message_at"),
    )

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    joined_at: datetime
    first_message_at: datetime | None = None
    first_message_id: str | None = Field(default=None, max_length=64)
    first_message_channel: str | None = Field(default=None, max_length=64)
    first_reply_at: datetime | None = None
    first_reply_by: int | None = Field(default=None, foreign_key="member.id")
    alerted_at: datetime | None = None  # the moderators were told the first message went unanswered


class HealthMood(SQLModel, table=True):
    """Opt-in sentiment of a channel on a day: counts and the sum of compound scores, never per member."""

    __tablename__ = "health_mood"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    channel: str = Field(max_length=64, primary_key=True)
    day: date = Field(primary_key=True)
    messages: int = 0
    compound_sum: float = 0.0
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    # How many members wrote in the channel that day: to hide channel-days of fewer than 5 authors. Only the
    # count is kept (who they were stays in memory, `cogs.health.mood.Authors`); a lower bound after a restart.
    authors: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class HealthOutreach(SQLModel, table=True):
    """A moderator reached out to an at-risk member (shown next to them in /health at-risk)."""

    __tablename__ = "health_outreach"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    by_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime


class HealthDigest(SQLModel, table=True):
    """One weekly digest per community and week, claimed under the primary key: posted exactly once."""

    __tablename__ = "health_digest"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    week: date = Field(primary_key=True)
    claimed_at: datetime
    posted: bool = False


class LadderInvitation(SQLModel, table=True):
    """An admin invited a member to a ladder role; the member accepts or declines with buttons."""

    __tablename__ = "ladder_invitation"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=40)
    grant_role_id: str | None = Field(default=None, max_length=64)
    invited_by: int | None = Field(default=None, foreign_key="member.id")
    status: str = Field(default="open", max_length=10)  # open, accepted, declined
    created_at: datetime
    answered_at: datetime | None = None


class LadderVolunteer(SQLModel, table=True):
    __tablename__ = "ladder_volunteer"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    role: str = Field(max_length=40, primary_key=True)
    created_at: datetime
