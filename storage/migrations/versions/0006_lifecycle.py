"""members' true join dates; a community's removal and its pseudonym key

`member.platform_joined_at` is when the platform says the member joined (Discord's joined_at, a join
Hearth witnessed, a console `joined` line); NULL when nobody knows, and then no anniversary is celebrated
(`member.joined_at` stays the moment Hearth first saw them). `community_state` holds when Hearth was removed
from a community (its data is deleted after a grace period unless it is re-added) and the key that makes a
member's export name other members by stable pseudonyms.

Revision ID: 0006_lifecycle
Revises: 0001
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_lifecycle"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member") as member:
        member.add_column(sa.Column("platform_joined_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "community_state",
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), primary_key=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pseudonym_key", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("community_state")
    with op.batch_alter_table("member") as member:
        member.drop_column("platform_joined_at")
