"""onboarding and introductions

Revision ID: 0002_onboarding
Revises: 0001
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0002_onboarding"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _community() -> sa.Column:
    return sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False)


def _member(name: str = "member_id", nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("member.id"), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "onboarding_config",
        _community(),
        sa.Column("rules_text", sa.String(length=1500), nullable=False),
        sa.Column("welcome_message", sa.String(length=1000), nullable=False),
        sa.Column("access_kind", sa.String(length=8), nullable=True),
        sa.Column("access_id", sa.String(length=64), nullable=True),
        sa.Column("access_name", sa.String(length=100), nullable=False),
        sa.Column("optional_steps", sa.String(length=100), nullable=False),
        sa.Column("disabled_steps", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "onboarding_interest",
        _community(),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "key"),
    )
    op.create_table(
        "onboarding_journey",
        _member(),
        _community(),
        _time("joined_at"),
        _time("completed_at", nullable=True),
        _member("welcomer_id", nullable=True),
        _time("welcome_queued_at", nullable=True),
        _time("welcomed_at", nullable=True),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_onboarding_journey_open", "onboarding_journey", ["completed_at", "community_id"])
    op.create_table(
        "onboarding_choice",
        _member(),
        sa.Column("interest_key", sa.String(length=60), nullable=False),
        _community(),
        sa.PrimaryKeyConstraint("member_id", "interest_key"),
    )
    op.create_table(
        "onboarding_notice",
        _member(),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        _time("sent_at"),
        sa.PrimaryKeyConstraint("member_id", "step", "kind"),
    )
    op.create_table(
        "welcomer",
        _member(),
        _community(),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("last_assigned_at", nullable=True),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_welcomer_available", "welcomer", ["community_id", "active", "last_assigned_at"])
    op.create_table(
        "intro_field",
        _community(),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=45), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "key"),
    )
    op.create_table(
        "introduction",
        _member(),
        _community(),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        _time("posted_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_introduction_thread", "introduction", ["community_id", "thread_id"])
    op.create_table(
        "intro_answer",
        _member(),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "key"),
    )
    op.create_table(
        "intro_tag",
        _member(),
        sa.Column("tag", sa.String(length=60), nullable=False),
        _community(),
        sa.PrimaryKeyConstraint("member_id", "tag"),
    )
    op.create_index("ix_intro_tag_lookup", "intro_tag", ["community_id", "tag"])
    op.create_table(
        "intro_acquaintance",
        _member(),
        _member("other_id"),
        sa.PrimaryKeyConstraint("member_id", "other_id"),
    )
    op.create_table("match_optout", _member(), sa.PrimaryKeyConstraint("member_id"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("match_optout")
    op.drop_table("intro_acquaintance")
    op.drop_index("ix_intro_tag_lookup", table_name="intro_tag")
    op.drop_table("intro_tag")
    op.drop_table("intro_answer")
    op.drop_index("ix_introduction_thread", table_name="introduction")
    op.drop_table("introduction")
    op.drop_table("intro_field")
    op.drop_index("ix_welcomer_available", table_name="welcomer")
    op.drop_table("welcomer")
    op.drop_table("onboarding_notice")
    op.drop_table("onboarding_choice")
    op.drop_index("ix_onboarding_journey_open", table_name="onboarding_journey")
    op.drop_table("onboarding_journey")
    op.drop_table("onboarding_interest")
    op.drop_table("onboarding_config")
