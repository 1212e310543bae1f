"""setting value length: a setting's value holds the 2,000 characters `/config set` takes

`level_titles` takes up to 1,000 characters, `value_tags` 700 and `level_roles` 2,000, but the column kept 500:
PostgreSQL refused a longer value (25 level titles, a 22nd Discord level role), and the admin was told that
something went wrong. SQLite kept any length already.

Revision ID: 0014_setting_value_length
Revises: 0013_id_high_water
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_setting_value_length"
down_revision: str | Sequence[str] | None = "0013_id_high_water"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("community_setting") as settings:
        settings.alter_column("value", type_=sa.String(2000), existing_type=sa.String(500), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("community_setting") as settings:
        settings.alter_column("value", type_=sa.String(500), existing_type=sa.String(2000), existing_nullable=False)
