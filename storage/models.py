"""SQLModel tables. All times are naive UTC. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel


class Community(SQLModel, table=True):
    """A Discord guild, a Slack workspace or the console, mapped once to our integer id."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_community_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime


# Off the boards: hidden by the member's choice, or gone. Also the condition of a partial index, which SQLite
# uses only for a query that states it in these very words.
OFF_BOARDS_SQL = "member.hidden_from_boards OR member.left_at IS NOT NULL"


class Member(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("community_id", "external_id", name="uq_member_ref"),
        # The few members off the boards (hidden or gone): a rank subtracts those ahead instead of joining
        # every total to its member (storage/ledger.py). With the condition's columns it answers the count alone,
        # so that SQLite's planner, with no statistics, prefers it to `ix_member_community_id` (migration 0015).
        Index(
            "ix_member_off_boards",
            "community_id",
            "hidden_from_boards",
            "left_at",
            sqlite_where=text(OFF_BOARDS_SQL),
            postgresql_where=text(OFF_BOARDS_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    is_bot: bool = False
    joined_at: datetime
    left_at: datetime | None = None
    # The member's own privacy choices (`/privacy`): off public boards, spotlights and matching; out of
    # community-health figures except anonymous totals.
    hidden_from_boards: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    health_opt_out: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # When the platform says they joined (Discord's joined_at, a join Hearth saw); None when unknown, and then
    # no anniversary is celebrated. `joined_at` is when Hearth first saw them.
    platform_joined_at: datetime | None = None


class CommunityState(SQLModel, table=True):
    """When Hearth was removed from a community (its data goes after a grace period unless it is re-added),
    and the key of the stable pseudonyms a member's export gives other members."""

    __tablename__ = "community_state"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    removed_at: datetime | None = None
    pseudonym_key: str = Field(max_length=64)


class ErasedMember(SQLModel, table=True):
    """A member whose data was deleted (`/mydata delete`) or anonymised after they left, as a keyed digest of their
    platform id (HMAC-SHA256 under the community's `pseudonym_key`, hex): a points import naming them does not
    bring them back (cogs/recognition/importer.py). No id, name or date: the digest tells nobody without the key
    who it was, and with it only whether a given id was erased. The same table keeps, as digests of the id and a
    fact (`lifecycle.keep_marks`), what of their giving must outlive their data: a lock, today's kudos used."""

    __tablename__ = "erased_member"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    digest: str = Field(max_length=64, primary_key=True)


class IdHighWater(SQLModel, table=True):
    """The highest id a table ever gave whose row is gone (`member`: a member deleted, or their community). SQLite
    numbers after the highest id stored, so after a restart the next newcomer took a deleted member's id, and the
    keys other members' rows keep with it (`welcomer:<id>`) counted that newcomer's awards as done already.
    PostgreSQL's sequences never go back; only SQLite reads this (storage/identity.py `reserve_member_ids`)."""

    __tablename__ = "id_high_water"

    name: str = Field(max_length=32, primary_key=True)
    highest: int = Field(sa_column=Column(BigInteger(), nullable=False))  # a PostgreSQL member id is a BIGINT


# The longest reason kept (a command's own limit is lower; a deleted member's name made `@former member` may
# lengthen one, see storage/lifecycle.py).
REASON_LENGTH = 500


class Contribution(SQLModel, table=True):
    """The append-only ledger. A duplicate idempotency key inserts nothing and awards nothing. Only a member's
    data rights change rows (storage/lifecycle.py `forget_mentions`, cogs/recognition/member_data.py)."""

    __table_args__ = (
        UniqueConstraint("community_id", "idempotency_key", name="uq_contribution_key"),
        Index("ix_contribution_member_kind_time", "community_id", "member_id", "kind", "created_at"),
    )

    # BIGINT on PostgreSQL; SQLite needs exactly INTEGER for its rowid primary key.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    )
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=32)
    points: int = 0
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str | None = Field(default=None, max_length=REASON_LENGTH)
    channel: str | None = Field(default=None, max_length=64)
    created_at: datetime
    idempotency_key: str = Field(max_length=160)


class MemberTotal(SQLModel, table=True):
    """Running totals per member and period bucket (`all`, `week:2026-11-23`, `month:2026-11`, `quarter:2026-Q4`,
    `year:2026`), overall and per category (`week:2026-11-23~kudos`).

    Written in the same transaction as the ledger rows, so leaderboards and ranks never scan the ledger.
    """

    __tablename__ = "member_total"
    # A bucket's board by points, covering the read of a whole bucket into memory for ranks (storage/ledger.py
    # `_Boards`).
    __table_args__ = (Index("ix_member_total_board", "community_id", "bucket", "points", "member_id"),)

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    # `quarter:2026-Q4~tag:` and a value tag of up to 30 characters: 50 (migration 0011_tag_buckets).
    bucket: str = Field(max_length=64, primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    points: int = 0
    kudos_received: int = 0
    kudos_given: int = 0
    messages: int = 0


class ReactionKudos(SQLModel, table=True):
    """Which member's reaction gave kudos on which message: a deleted message finds the kudos it earned by
    this key (the ledger keys are opaque strings). The kudos itself is the ledger's row `ledger_key`."""

    __tablename__ = "reaction_kudos"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    channel: str = Field(max_length=64, primary_key=True)
    message_id: str = Field(max_length=64, primary_key=True)
    giver_id: int = Field(foreign_key="member.id", primary_key=True)
    receiver_id: int = Field(foreign_key="member.id")
    ledger_key: str = Field(max_length=160)
    created_at: datetime


class LevelAnnounced(SQLModel, table=True):
    """The highest level announced for a member: a level is announced once per member, not again after their
    points drop below it and come back (an adjustment undone and redone), nor after a restart."""

    __tablename__ = "level_announced"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    level: int


class Season(SQLModel, table=True):
    """A named stretch of a community's history. Its board is the all-time totals at its end less those at its
    start (`member_total` buckets `at:<id>`, copied when it starts; `season:<id>` once it is closed)."""

    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_season_name"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=50)
    started_at: datetime
    closed_at: datetime | None = None


class CommunitySetting(SQLModel, table=True):
    """One typed per-community setting; keys and types are declared in config/community.py."""

    __tablename__ = "community_setting"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    # As long as the longest value `/config set` takes (`level_roles`, 2,000 characters): PostgreSQL refuses a
    # longer one, so 25 level titles or a 22nd Discord level role failed there.
    value: str = Field(default="", max_length=2000)


# -- onboarding ------------------------------------------------------------------------------------------------
# Which steps a newcomer completed lives in the ledger (`onboarding_step` rows, reason = the step), so the
# funnel is one query; these tables hold configuration and what must happen exactly once.


class OnboardingConfig(SQLModel, table=True):
    """A community's texts and checklist shape (scalar settings live in community_setting)."""

    __tablename__ = "onboarding_config"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    rules_text: str = Field(default="", max_length=1500)
    welcome_message: str = Field(default="", max_length=1000)
    access_kind: str | None = Field(default=None, max_length=8)  # "role" or "channel"
    access_id: str | None = Field(default=None, max_length=64)
    access_name: str = Field(default="", max_length=100)
    optional_steps: str = Field(default="", max_length=100)  # comma-separated step names
    disabled_steps: str = Field(default="", max_length=100)


class OnboardingInterest(SQLModel, table=True):
    """An interest a newcomer may choose, mapped to a role (Discord) or a channel (Slack)."""

    __tablename__ = "onboarding_interest"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(max_length=60, primary_key=True)
    label: str = Field(max_length=60)
    target_kind: str = Field(max_length=8)
    target_id: str = Field(max_length=64)
    target_name: str = Field(default="", max_length=100)


class OnboardingJourney(SQLModel, table=True):
    """One newcomer's way in: when they joined, their welcomer, their public welcome, completion."""

    __tablename__ = "onboarding_journey"
    __table_args__ = (Index("ix_onboarding_journey_open", "completed_at", "community_id"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    joined_at: datetime
    completed_at: datetime | None = None
    welcomer_id: int | None = Field(default=None, foreign_key="member.id")
    welcome_queued_at: datetime | None = None  # waiting for a (batched) public welcome
    welcomed_at: datetime | None = None  # public welcome posted


class OnboardingChoice(SQLModel, table=True):
    __tablename__ = "onboarding_choice"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    interest_key: str = Field(max_length=60, primary_key=True)
    community_id: int = Field(foreign_key="community.id")


class OnboardingNotice(SQLModel, table=True):
    """A nudge or moderator alert, claimed before it is sent: never twice, also across restarts."""

    __tablename__ = "onboarding_notice"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    step: str = Field(max_length=16, primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # "nudge" or "alert"
    sent_at: datetime


class Welcomer(SQLModel, table=True):
    __table_args__ = (Index("ix_welcomer_available", "community_id", "active", "last_assigned_at"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    active: bool = True
    last_assigned_at: datetime | None = None


# -- introductions ---------------------------------------------------------------------------------------------


class IntroField(SQLModel, table=True):
    """A question of the community's intro form; none stored means the defaults."""

    __tablename__ = "intro_field"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(max_length=32, primary_key=True)
    position: int = 0
    label: str = Field(max_length=45)
    max_length: int = 200
    required: bool = True


class Introduction(SQLModel, table=True):
    __table_args__ = (Index("ix_introduction_thread", "community_id", "thread_id"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    posted_at: datetime
    updated_at: datetime


class IntroAnswer(SQLModel, table=True):
    __tablename__ = "intro_answer"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    key: str = Field(max_length=32, primary_key=True)
    value: str = Field(max_length=1000)


class IntroTag(SQLModel, table=True):
    """A normalised interest tag of an introduction, for /match."""

    __tablename__ = "intro_tag"
    __table_args__ = (Index("ix_intro_tag_lookup", "community_id", "tag"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    tag: str = Field(max_length=60, primary_key=True)
    community_id: int = Field(foreign_key="community.id")


class IntroAcquaintance(SQLModel, table=True):
    """Two members met in an intro thread (stored both ways), so /match does not suggest them again."""

    __tablename__ = "intro_acquaintance"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    other_id: int = Field(foreign_key="member.id", primary_key=True)


class MatchOptOut(SQLModel, table=True):
    __tablename__ = "match_optout"

    member_id: int = Field(foreign_key="member.id", primary_key=True)


# -- rituals ---------------------------------------------------------------------------------------------------


class Ritual(SQLModel, table=True):
    """A recurring community tradition: the source of truth the scheduler is rebuilt from.

    `revision` grows with every change, so a job armed for an older version knows it is stale;
    `active_since` is when the current schedule began to count (creation, resume, schedule change; after a
    change, today's next occurrence when a run already posted stands for it): firings up to it are neither run
    nor recorded as missed.
    """

    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_ritual_name"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    name: str = Field(max_length=50)
    kind: str = Field(max_length=16)
    channel: str = Field(max_length=64)
    channel_name: str = Field(default="", max_length=100)
    schedule: str = Field(max_length=100)
    timezone: str = Field(max_length=64)
    starts_on: date
    prompt: str = Field(default="", max_length=1000)
    window_seconds: int
    points: int = 0
    recap: bool = True
    paused: bool = False
    revision: int = 1
    active_since: datetime
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime


class RitualRun(SQLModel, table=True):
    """One firing. The unique (ritual, scheduled_for) claim makes a firing happen exactly once."""

    __tablename__ = "ritual_run"
    __table_args__ = (
        UniqueConstraint("ritual_id", "scheduled_for", name="uq_ritual_run_slot"),
        Index("ix_ritual_run_open", "closed_at", "window_ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ritual_id: int = Field(foreign_key="ritual.id")
    scheduled_for: datetime
    status: str = Field(max_length=16)  # posting, posted, missed, failed
    claimed_at: datetime
    window_ends_at: datetime
    message_id: str | None = Field(default=None, max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = None
    note: str | None = Field(default=None, max_length=300)
    # A moderator's extra run (`/ritual run-now` standing for no scheduled occurrence): it neither breaks nor
    # extends a streak, unless the member took part in it (cogs/rituals/rules.py:streaks).
    extra: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class RitualParticipation(SQLModel, table=True):
    __tablename__ = "ritual_participation"

    run_id: int = Field(foreign_key="ritual_run.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    created_at: datetime


class RitualMilestone(SQLModel, table=True):
    """A streak milestone a member reached; the primary key makes each one celebrated once."""

    __tablename__ = "ritual_milestone"

    ritual_id: int = Field(foreign_key="ritual.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    milestone: int = Field(primary_key=True)
    run_id: int = Field(foreign_key="ritual_run.id")
    created_at: datetime


class RitualMember(SQLModel, table=True):
    """An opt-in to a pairing ritual (`/ritual join`)."""

    __tablename__ = "ritual_member"

    ritual_id: int = Field(foreign_key="ritual.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    joined_at: datetime


class RitualPairing(SQLModel, table=True):
    """Who was grouped with whom in a pairing run (`group_no` numbers the pairs and trios), and who answered
    "Not this time" (`declined`: a group mate's "Yes, we met" gives them no points)."""

    __tablename__ = "ritual_pairing"

    run_id: int = Field(foreign_key="ritual_run.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    group_no: int
    declined: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Birthday(SQLModel, table=True):
    """A birthday a member chose to share (`/birthday set MM-DD`); no year is kept."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    month: int
    day: int


class CommandClaim(SQLModel, table=True):
    """A state-changing command's invocation id, claimed before its handler runs: a replayed request (the
    same Discord interaction, Slack trigger, console delivery) finds it taken and changes nothing.

    Only ids and a time: never what the command said. No foreign key to community, so removing a community
    is never blocked by claims; they are pruned after a day anyway (bot/core/claims.py)."""

    __tablename__ = "command_claim"
    __table_args__ = (
        UniqueConstraint("community_id", "invocation_id", name="uq_command_claim"),
        Index("ix_command_claim_time", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int
    invocation_id: str = Field(max_length=128)
    claimed_at: datetime


import storage.health_models  # noqa: E402, F401  (the community-health tables, on the same metadata)
