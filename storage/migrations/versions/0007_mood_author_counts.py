"""mood: a channel-day's distinct authors kept as a count on its mood row; who wrote is no longer stored

Revision ID: 0007_mood_author_counts
Revises: 0006_health
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_mood_author_counts"
down_revision: str | Sequence[str] | None = "0006_health"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("health_mood", sa.Column("authors", sa.Integer(), nullable=False, server_default="0"))
    # What was kept becomes its count, and the member ids go.
    op.execute(
        "UPDATE health_mood SET authors = (SELECT count(*) FROM health_mood_author AS a"
        " WHERE a.community_id = health_mood.community_id AND a.channel = health_mood.channel"
        " AND a.day = health_mood.day)"
    )
    op.drop_table("health_mood_author")


def downgrade() -> None:
    op.create_table(
        "health_mood_author",
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
    )
    with op.batch_alter_table("health_mood") as batch:
        batch.drop_column("authors")
