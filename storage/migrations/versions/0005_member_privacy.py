"""members' privacy choices: hidden from public boards, out of health analytics

`/privacy` (members' data rights) sets them; leaderboards, ranks, spotlights and matching skip a
hidden member, and community-health figures count an opted-out member only in anonymous totals.

Revision ID: 0005_member_privacy
Revises: 0001
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_member_privacy"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member") as member:
        member.add_column(sa.Column("hidden_from_boards", sa.Boolean(), nullable=False, server_default=sa.false()))
        member.add_column(sa.Column("health_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("member") as member:
        member.drop_column("health_opt_out")
        member.drop_column("hidden_from_boards")
