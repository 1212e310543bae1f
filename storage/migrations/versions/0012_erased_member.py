"""erased member: keyed digests of the platform ids of members whose data was deleted or anonymised

A points import naming such a member does not create them again (cogs/recognition/importer.py). Members erased
before this revision are not known: an import may still name them.

Revision ID: 0012_erased_member
Revises: 0011_tag_buckets
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_erased_member"
down_revision: str | Sequence[str] | None = "0011_tag_buckets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_member",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "digest"),
    )


def downgrade() -> None:
    op.drop_table("erased_member")
