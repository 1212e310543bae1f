"""ranks in memory: the board index covers the read of a whole bucket

Each Hearth process keeps the totals of the buckets it ranks in memory (storage/ledger.py `_Boards`) and
reads a bucket whole when it first ranks in it: `ix_member_total_board` becomes (community_id, bucket,
points, member_id), which covers that read (member ids and points without a visit to the table per
member).

Revision ID: 0007_ranks_in_memory
Revises: 0004_totals_visibility
Create Date: 2026-12-01

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_ranks_in_memory"
down_revision: str | Sequence[str] | None = "0004_totals_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_total") as totals:
        totals.drop_index("ix_member_total_board")
        totals.create_index("ix_member_total_board", ["community_id", "bucket", "points", "member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member_total") as totals:
        totals.drop_index("ix_member_total_board")
        totals.create_index("ix_member_total_board", ["community_id", "bucket", "points"], unique=False)
