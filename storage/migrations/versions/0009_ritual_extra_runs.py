"""ritual extra runs: mark a moderator's run-now that stands for no scheduled occurrence

Such a run neither breaks nor extends a streak unless the member took part in it (cogs/rituals/rules.py).
Runs made before this revision read as scheduled.

Revision ID: 0009_ritual_extra_runs
Revises: 0003_rituals
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_ritual_extra_runs"
down_revision: str | Sequence[str] | None = "0003_rituals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ritual_run") as ritual_run:
        ritual_run.add_column(sa.Column("extra", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ritual_run") as ritual_run:
        ritual_run.drop_column("extra")
