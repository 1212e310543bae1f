"""off-board members' index covers its own condition: SQLite's planner takes it on any database

The partial index of members off the boards (hidden or gone) was on `community_id` alone, as is the plain index on
`member.community_id`. With no statistics (SQLite databases are never analysed), the planner could not tell them
apart and took whichever the file happened to list later: on about half of the databases built (the models' index
order is not fixed) a rank in a 20,000-member community walked every member of it to find the few off the board,
5-6 ms instead of 0.3 (`bench.pg_reads`). With the condition's columns in the index, it alone answers the count
without reading the table, and the planner takes it whatever the order.

Revision ID: 0015_off_boards_covering
Revises: 0014_setting_value_length
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_off_boards_covering"
down_revision: str | Sequence[str] | None = "0014_setting_value_length"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OFF_BOARDS = sa.text("member.hidden_from_boards OR member.left_at IS NOT NULL")


def _off_boards_index(columns: list[str]) -> None:
    op.drop_index("ix_member_off_boards", "member")
    op.create_index("ix_member_off_boards", "member", columns, sqlite_where=_OFF_BOARDS, postgresql_where=_OFF_BOARDS)


def upgrade() -> None:
    _off_boards_index(["community_id", "hidden_from_boards", "left_at"])


def downgrade() -> None:
    _off_boards_index(["community_id"])
