"""id high water: the highest member id given whose row is gone, so SQLite never gives it again

SQLite numbered new members after the highest id stored: after a restart, a newcomer took the id of a member
deleted before (`/mydata delete`), and the keys other members' rows keep with it (`welcomer:<id>`) counted the
newcomer's awards as done already. Members deleted before this revision are not known: starts empty.

Revision ID: 0013_id_high_water
Revises: 0012_erased_member
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_id_high_water"
down_revision: str | Sequence[str] | None = "0012_erased_member"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "id_high_water",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("highest", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("id_high_water")
