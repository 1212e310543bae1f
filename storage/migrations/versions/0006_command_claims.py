"""command claims: a state-changing command runs once per invocation id

A replayed request (the same Discord interaction, Slack slash command or console delivery) finds its
invocation id claimed and changes nothing. Only ids and times are kept, pruned after a day.

Revision ID: 0006_command_claims
Revises: 0001
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_command_claims"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "command_claim",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("invocation_id", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("community_id", "invocation_id", name="uq_command_claim"),
    )
    op.create_index("ix_command_claim_time", "command_claim", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_command_claim_time", table_name="command_claim")
    op.drop_table("command_claim")
