"""community health: daily aggregates, newcomers' first message and reply, mood, outreach, digest, ladder

Revision ID: 0006_health
Revises: 0001
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_health"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _community() -> sa.Column:
    return sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), primary_key=True)


_PEOPLE_KINDS = "kind IN ('kudos_received', 'kudos_given', 'ritual_participation', 'onboarding_step')"


def upgrade() -> None:
    # The ledger's rare kinds by time, for the figures over a window; message rows never touch it.
    op.create_index(
        "ix_contribution_people_kinds",
        "contribution",
        ["community_id", "kind", "created_at", "member_id"],
        sqlite_where=sa.text(_PEOPLE_KINDS),
        postgresql_where=sa.text(_PEOPLE_KINDS),
    )
    op.create_table(
        "health_member_day",
        _community(),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("messages", "replies_given", "replies_received", "reactions_given", "reactions_received")
        ),
    )
    # Covering the figures' reads (a day range, grouped by member) so they never visit the table itself.
    op.create_index(
        "ix_health_member_day_day",
        "health_member_day",
        ["community_id", "day", "member_id", "messages", "reactions_given", "replies_given"],
    )
    op.create_table(
        "health_channel_day",
        _community(),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ("messages", "replies", "reactions")),
    )
    op.create_table(
        "health_newcomer",
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_message_id", sa.String(64), nullable=True),
        sa.Column("first_message_channel", sa.String(64), nullable=True),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_reply_by", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_health_newcomer_joined", "health_newcomer", ["community_id", "joined_at"])
    op.create_index(
        "ix_health_newcomer_unanswered", "health_newcomer", ["first_reply_at", "alerted_at", "first_message_at"]
    )
    op.create_table(
        "health_mood",
        _community(),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("compound_sum", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ("positive", "neutral", "negative")),
    )
    op.create_table(
        "health_mood_author",
        _community(),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
    )
    op.create_table(
        "health_outreach",
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "health_digest",
        _community(),
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "ladder_invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("grant_role_id", sa.String(64), nullable=True),
        sa.Column("invited_by", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_ladder_invitation_member_id", "ladder_invitation", ["member_id"])
    op.create_table(
        "ladder_volunteer",
        _community(),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "ladder_volunteer",
        "ladder_invitation",
        "health_digest",
        "health_outreach",
        "health_mood_author",
        "health_mood",
        "health_newcomer",
        "health_channel_day",
        "health_member_day",
    ):
        op.drop_table(table)
    op.drop_index("ix_contribution_people_kinds", "contribution")
