"""rituals: rituals, their runs, participation, streak milestones, pairing opt-ins and pairs, birthdays

Revision ID: 0003_rituals
Revises: 0001
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003_rituals"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ritual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=100), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("prompt", sa.String(length=1000), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("recap", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("active_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "name", name="uq_ritual_name"),
    )
    op.create_table(
        "ritual_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ritual_id", sa.Integer(), sa.ForeignKey("ritual.id"), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ritual_id", "scheduled_for", name="uq_ritual_run_slot"),
    )
    op.create_index("ix_ritual_run_open", "ritual_run", ["closed_at", "window_ends_at"])
    op.create_table(
        "ritual_participation",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("ritual_run.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "member_id"),
    )
    op.create_table(
        "ritual_milestone",
        sa.Column("ritual_id", sa.Integer(), sa.ForeignKey("ritual.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("ritual_run.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ritual_id", "member_id", "milestone"),
    )
    op.create_table(
        "ritual_member",
        sa.Column("ritual_id", sa.Integer(), sa.ForeignKey("ritual.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ritual_id", "member_id"),
    )
    op.create_table(
        "ritual_pairing",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("ritual_run.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "member_id"),
    )
    op.create_table(
        "birthday",
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("birthday")
    op.drop_table("ritual_pairing")
    op.drop_table("ritual_member")
    op.drop_table("ritual_milestone")
    op.drop_table("ritual_participation")
    op.drop_index("ix_ritual_run_open", table_name="ritual_run")
    op.drop_table("ritual_run")
    op.drop_table("ritual")
