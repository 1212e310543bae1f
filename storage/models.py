"""SQLModel tables. All times are naive UTC. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


class Community(SQLModel, table=True):
    """A Discord guild, a Slack workspace or the console, mapped once to our integer id."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_community_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "external_id", name="uq_member_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    is_bot: bool = False
    joined_at: datetime
    left_at: datetime | None = None


class Contribution(SQLModel, table=True):
    """The append-only ledger. A duplicate idempotency key inserts nothing and awards nothing."""

    __table_args__ = (
        UniqueConstraint("community_id", "idempotency_key", name="uq_contribution_key"),
        Index("ix_contribution_member_kind_time", "community_id", "member_id", "kind", "created_at"),
    )

    # BIGINT on PostgreSQL; SQLite needs exactly INTEGER for its rowid primary key.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    )
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=32)
    points: int = 0
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str | None = Field(default=None, max_length=500)
    channel: str | None = Field(default=None, max_length=64)
    created_at: datetime
    idempotency_key: str = Field(max_length=160)


class MemberTotal(SQLModel, table=True):
    """Running totals per member and period bucket (`all`, `week:2026-11-23`, `month:2026-11`).

    Written in the same transaction as the ledger rows, so leaderboards and ranks never scan the ledger.
    """

    __tablename__ = "member_total"
    __table_args__ = (Index("ix_member_total_board", "community_id", "bucket", "points"),)

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    bucket: str = Field(max_length=24, primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    points: int = 0
    kudos_received: int = 0
    kudos_given: int = 0
    messages: int = 0


class CommunitySetting(SQLModel, table=True):
    """One typed per-community setting; keys and types are declared in config/community.py."""

    __tablename__ = "community_setting"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(default="", max_length=500)
