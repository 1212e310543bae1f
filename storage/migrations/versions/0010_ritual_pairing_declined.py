"""ritual pairing declined: a member's own "Not this time" in a pairing group

A group mate's "Yes, we met" credits those who met, not a member who said they did not. Pairings made
before this revision read as not declined.

Revision ID: 0010_ritual_pairing_declined
Revises: 0009_ritual_extra_runs
Create Date: 2027-03-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ritual_pairing_declined"
down_revision: str | Sequence[str] | None = "0009_ritual_extra_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ritual_pairing") as ritual_pairing:
        ritual_pairing.add_column(sa.Column("declined", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ritual_pairing") as ritual_pairing:
        ritual_pairing.drop_column("declined")
