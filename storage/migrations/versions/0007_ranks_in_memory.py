"""ranks in memory: the board index covers a bucket's read; on PostgreSQL changes to member_total are announced

Each Hearth process keeps the totals of the buckets it ranks in memory (storage/ledger.py `_Boards`) and
reads a bucket whole when it first ranks in it: `ix_member_total_board` becomes (community_id, bucket,
points, member_id), which covers that read (member ids and points without a visit to the table per
member).

Each process follows its own writes. On PostgreSQL several processes (and other programs) may write the
same tables: statement-level triggers announce, at commit, which communities' totals a statement changed,
so that every other process reads those boards again. One notification per statement (a whole write-behind batch), not
per row; the payload is the communities' ids, comma-separated, or `*` when they would not fit in one
notification (8,000 bytes). SQLite has one process per file and needs none of this.

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

# The channel storage/ledger.py listens on.
CHANNEL = "hearth_totals"
_EVENTS = {"insert": "NEW", "update": "NEW", "delete": "OLD"}


def upgrade() -> None:
    with op.batch_alter_table("member_total") as totals:
        totals.drop_index("ix_member_total_board")
        totals.create_index("ix_member_total_board", ["community_id", "bucket", "points", "member_id"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION hearth_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            communities text;
        BEGIN
            SELECT string_agg(DISTINCT community_id::text, ',') INTO communities FROM changed;
            IF communities IS NOT NULL THEN
                PERFORM pg_notify('{CHANNEL}', CASE WHEN length(communities) > 7900 THEN '*' ELSE communities END);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for event, table in _EVENTS.items():
        op.execute(
            f"CREATE TRIGGER member_total_{event}_notify AFTER {event.upper()} ON member_total"
            f" REFERENCING {table} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hearth_totals_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER member_total_{event}_notify ON member_total")
        op.execute("DROP FUNCTION hearth_totals_changed()")
    with op.batch_alter_table("member_total") as totals:
        totals.drop_index("ix_member_total_board")
        totals.create_index("ix_member_total_board", ["community_id", "bucket", "points"], unique=False)
