"""level announced: the highest level announced for each member, so a level is announced once

A member whose points drop below a level and come back (an adjustment undone and redone) is not told again;
kept in the database so a restart does not forget it (cogs/recognition/levelups.py).

Revision ID: 0008_level_announced
Revises: 0006_recognition_boards
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_level_announced"
down_revision: str | Sequence[str] | None = "0006_recognition_boards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "level_announced",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("level_announced")
