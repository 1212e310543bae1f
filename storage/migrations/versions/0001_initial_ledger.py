"""initial ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "community",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id", name="uq_community_ref"),
    )
    op.create_table(
        "community_setting",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("community_id", "key"),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "external_id", name="uq_member_ref"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_community_id"), ["community_id"], unique=False)

    op.create_table(
        "contribution",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "idempotency_key", name="uq_contribution_key"),
    )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contribution_member_kind_time", ["community_id", "member_id", "kind", "created_at"], unique=False
        )

    op.create_table(
        "member_total",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("kudos_received", sa.Integer(), nullable=False),
        sa.Column("kudos_given", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("community_id", "bucket", "member_id"),
    )
    with op.batch_alter_table("member_total", schema=None) as batch_op:
        batch_op.create_index("ix_member_total_board", ["community_id", "bucket", "points"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("member_total", schema=None) as batch_op:
        batch_op.drop_index("ix_member_total_board")

    op.drop_table("member_total")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_member_kind_time")

    op.drop_table("contribution")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_community_id"))

    op.drop_table("member")
    op.drop_table("community_setting")
    op.drop_table("community")
