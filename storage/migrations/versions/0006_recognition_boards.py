"""recognition boards: quarter and year totals, totals per category, reaction kudos by message

A contribution now also counts in its quarter and year (in the community's time zone) and in its
category's buckets (`week:2026-11-30~kudos`), so those boards are index reads like the others. The
bucket column widens to 40 characters for the category suffix. Totals already kept are backfilled
here from the ledger, once, so the new boards show the community's whole history.

Revision ID: 0006_recognition_boards
Revises: 0005_member_privacy
Create Date: 2026-12-01

"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006_recognition_boards"
# After 0005: the off-boards index names member.hidden_from_boards.
down_revision: str | Sequence[str] | None = "0005_member_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = {"kudos_received": "kudos_received", "kudos_given": "kudos_given", "message": "messages"}


def upgrade() -> None:
    # The ledger's own rules, imported here (not copied) so that the backfill files rows exactly as
    # `record()` does; the migration runs with the package importable.
    from storage.ledger import CATEGORY_OF, buckets_for, category_bucket

    with op.batch_alter_table("member_total") as totals:
        totals.alter_column("bucket", type_=sa.String(40), existing_type=sa.String(24), existing_nullable=False)
    op.create_table(
        "reaction_kudos",
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("giver_id", sa.Integer(), sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("receiver_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("ledger_key", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "season",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("community_id", "name", name="uq_season_name"),
    )
    op.create_index("ix_season_community_id", "season", ["community_id"])
    op.create_index(
        "ix_member_off_boards",
        "member",
        ["community_id"],
        sqlite_where=sa.text("member.hidden_from_boards OR member.left_at IS NOT NULL"),
        postgresql_where=sa.text("member.hidden_from_boards OR member.left_at IS NOT NULL"),
    )
    bind = op.get_bind()
    zones: dict[int, str] = dict(
        bind.execute(sa.text("SELECT community_id, value FROM community_setting WHERE key = 'timezone'")).all()
    )
    added: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    rows = bind.execute(sa.text("SELECT community_id, member_id, kind, points, created_at FROM contribution"))
    for community_id, member_id, kind, points, created_at in rows:
        moment = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(str(created_at))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        periods = buckets_for(moment, zones.get(community_id) or "UTC")
        new = list(periods[3:])  # quarter, year: all, week and month are kept already
        if category := CATEGORY_OF.get(kind):
            new += [category_bucket(bucket, category) for bucket in periods]
        counter = ("kudos_received", "kudos_given", "messages").index(_COUNTERS[kind]) if kind in _COUNTERS else None
        for bucket in new:
            row = added[(community_id, bucket, member_id)]
            row[0] += points
            if counter is not None:
                row[1 + counter] += 1
    insert = sa.text(
        "INSERT INTO member_total (community_id, bucket, member_id, points, kudos_received, kudos_given, messages)"
        " VALUES (:community_id, :bucket, :member_id, :points, :kudos_received, :kudos_given, :messages)"
    )
    batch = [
        {
            "community_id": key[0],
            "bucket": key[1],
            "member_id": key[2],
            "points": value[0],
            "kudos_received": value[1],
            "kudos_given": value[2],
            "messages": value[3],
        }
        for key, value in added.items()
    ]
    for start in range(0, len(batch), 1000):
        bind.execute(insert, batch[start : start + 1000])


def downgrade() -> None:
    op.drop_index("ix_season_community_id", "season")
    op.drop_table("season")
    op.drop_index("ix_member_off_boards", "member")
    op.drop_table("reaction_kudos")
    op.execute("DELETE FROM member_total WHERE bucket LIKE 'quarter:%' OR bucket LIKE 'year:%' OR bucket LIKE '%~%'")
    with op.batch_alter_table("member_total") as totals:
        totals.alter_column("bucket", type_=sa.String(24), existing_type=sa.String(40), existing_nullable=False)
