"""tag buckets: the totals' bucket column widens from 40 to 64 characters for value tags' boards

A value tag's boards are buckets `<period>~tag:<tag>`: `quarter:2026-Q4~tag:` is 20 characters and a tag up to
30, so a tag of 21 characters or more did not fit in 40 (PostgreSQL refused the kudos naming it; SQLite does not
enforce a VARCHAR's length).

Revision ID: 0011_tag_buckets
Revises: 0008_level_announced
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_tag_buckets"
down_revision: str | Sequence[str] | None = "0008_level_announced"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_total") as totals:
        totals.alter_column("bucket", type_=sa.String(64), existing_type=sa.String(40), existing_nullable=False)


def downgrade() -> None:
    # The boards of tags longer than 20 characters do not fit any more: their totals go (the ledger keeps them).
    op.execute("DELETE FROM member_total WHERE length(bucket) > 40")
    with op.batch_alter_table("member_total") as totals:
        totals.alter_column("bucket", type_=sa.String(40), existing_type=sa.String(64), existing_nullable=False)
