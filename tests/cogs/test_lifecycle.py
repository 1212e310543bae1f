"""Members who come and go, and their data rights, on the console: what members and admins see, and what
is left in the database afterwards."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from bot.core.runtime import Hearth
from storage.health_models import HealthNewcomer
from storage.models import Community, Contribution, IdHighWater, LevelAnnounced, Member, MemberTotal, ReactionKudos
from tests.conftest import ConsoleDriver, NewRuntime, console_driver, ledger_rows

INTROS = """
@mod is moderator
@mod: /onboarding channel intros #intros
"""
ROLES = """
@mod is moderator
@mod: /onboarding rules Be kind.
@mod: /onboarding access role:&member
@mod: /onboarding interest-add Python role:&python
"""


def files(console: ConsoleDriver) -> list[Path]:
    folder = console.platform.files_dir
    return sorted(folder.iterdir()) if folder.exists() else []


async def member_row(hearth: Hearth, external_id: str) -> Member | None:
    async with hearth.db.read() as session:
        found = await session.execute(select(Member).where(col(Member.external_id) == external_id))
        return found.scalar_one_or_none()


# -- fault 1: departed members ------------------------------------------------------------------------
async def test_kudos_to_a_departed_member_are_refused_politely(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@bob: /kudos @alice thanks\n@alice leaves")
    said = await console.run("@bob: /kudos @alice thanks again")
    assert "alice is no longer a member" in said
    assert [who for who, _, _ in await ledger_rows(hearth, "kudos_received")] == ["alice"]  # history kept
    said = await console.run("@alice joins\n@bob: /kudos @alice welcome back")
    assert "you got kudos from @bob" in said


async def test_departed_members_are_not_ranked_or_spotlighted(console: ConsoleDriver) -> None:
    await console.run(
        """
        @mod is admin
        @mod: /ritual create spotlight #general "every friday at 16:00" kind:spotlight
        @bob: /kudos @alice thanks
        @bob: /kudos @alice thanks
        @bob: /kudos @carol thanks
        @alice leaves
        """
    )
    board = await console.run("@bob: /leaderboard")
    assert "carol" in board and "alice" not in board and "10 points" in board
    assert "#1 of 1" in await console.run("@bob: /rank @carol")
    spotlight = await console.run("wait 3d")
    assert "carol" in spotlight and "alice" not in spotlight


# -- fault 2: rejoining ---------------------------------------------------------------------------------
async def test_a_member_who_comes_back_keeps_points_and_gets_roles_back(console: ConsoleDriver) -> None:
    await console.run(ROLES + "@mod: /onboarding channel welcome #welcome\n@bob joins")
    said = await console.run('@bob clicks "I agree to the rules"\n@bob picks "Python"\n@carol: /kudos @bob thanks')
    assert "[roles] @bob now has the role &member" in said
    await console.run("@bob leaves")
    said = await console.run("@bob joins")
    assert "[roles] @bob now has the role &member" in said
    assert "[roles] @bob now has the role &python" in said
    assert "Welcome back to Console, @bob! Your points are as you left them and your roles are back." in said
    assert "[#welcome]" not in said  # no second public welcome
    assert "Points: 20" in await console.run("@bob: /rank")  # 10 (kudos) + 5 (rules) + 5 (interests)


async def test_a_member_who_left_before_agreeing_gets_a_working_checklist(console: ConsoleDriver) -> None:
    await console.run(ROLES + "@bob joins\n@bob leaves")
    said = await console.run("@bob joins")
    assert "Welcome back" in said and "[I agree to the rules]" in said
    assert "[roles]" not in said  # nothing was earned yet
    said = await console.run('@bob clicks "I agree to the rules"')
    assert "[roles] @bob now has the role &member" in said


async def test_a_member_back_after_days_away_is_not_reported_stuck_for_the_time_away(console: ConsoleDriver) -> None:
    """tester-f: a newcomer who left on their first day and came back a week later was, within half an hour of
    the welcome back, reminded again by DM and reported to the moderators as "stuck at a step for over a week":
    their time at the step counted the days they were not a member. It counts from their return."""
    await console.run(ROLES + "@mod: /onboarding channel mods #mods\n@bob joins\nwait 2h\n@bob leaves\nwait 8d")
    said = await console.run("@bob joins\nwait 1h\n@mod: /onboarding status")
    assert "Welcome back" in said and "[I agree to the rules]" in said
    assert "Your next step" not in said and "[#mods]" not in said
    assert "@bob — Accept the rules, for 1 hour" in said
    said = await console.run("wait 1d")
    assert said.count("[dm @bob] Hi @bob! Your next step is Accept the rules") == 1
    said = await console.run("wait 2d")
    assert "[#mods] 🧭 @bob has been stuck at Accept the rules for 3 days." in said


async def test_joining_twice_in_a_row_is_no_return(console: ConsoleDriver) -> None:
    await console.run(ROLES + "@bob joins")
    assert "Welcome back" not in await console.run("@bob joins")


# -- fault 3: true join dates ---------------------------------------------------------------------------
async def test_anniversaries_count_from_the_true_join_date_only(console: ConsoleDriver) -> None:
    await console.run(
        """
        @mod is admin
        @old: hi, I was here before Hearth
        @ann joined 2025-03-05
        @mod: /kudos @quiet thanks
        @newbie joins
        @mod: /ritual create party #general "daily at 08:00" kind:celebration
        """
    )
    said = await console.run("wait 1d")  # 2026-03-05: ann joined a year ago, as the platform says
    assert "@ann joined us 1 year ago today" in said
    assert "@old" not in said and "@quiet" not in said and "@mod" not in said
    said = await console.run("wait 364d")  # 2027-03-04: the newbie's first anniversary
    celebrated = [line for line in said.splitlines() if "anniversary" in line]
    assert celebrated == ["  ┃ 🎉 @newbie joined us 1 year ago today — happy anniversary!"]


async def test_a_later_join_date_does_not_replace_a_known_one(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@ann joined 2025-03-05\n@ann leaves\n@ann joins")
    row = await member_row(hearth, "ann")
    assert row is not None and row.platform_joined_at is not None
    assert row.platform_joined_at.year == 2025


# -- /privacy -------------------------------------------------------------------------------------------
async def test_privacy_hides_from_matching_and_celebrations(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(
        INTROS
        + """
        @ann joined 2025-03-05
        @ann: /intro
        @ann submits name=Ann; location=Rome; about=Hi; interests=chess, go
        @bob: /intro
        @bob submits name=Bob; location=Oslo; about=Hi; interests=chess
        """
    )
    assert "@ann —" in await console.run("@bob: /match")
    said = await console.run("@ann: /privacy boards:hide health:out")
    assert "Saved." in said and "hidden" in said and "out of" in said
    row = await member_row(hearth, "ann")
    assert row is not None and row.hidden_from_boards and row.health_opt_out
    assert "@ann" not in await console.run("@bob: /match")
    said = await console.run('@mod is admin\n@mod: /ritual create party #general "daily at 08:00" kind:celebration')
    assert "anniversary" not in await console.run("wait 1d")
    said = await console.run("@ann: /privacy boards:show")
    assert "shown" in said and "out of" in said  # the other choice is kept
    assert "@ann —" in await console.run("@bob: /match")


# -- /mydata export ---------------------------------------------------------------------------------------
async def test_export_holds_exactly_the_members_rows_with_others_pseudonymised(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(
        """
        @bob: /kudos @alice for the review
        @carol: /kudos @alice thanks
        @alice: /kudos @bob you too
        @carol: /kudos @bob hi
        """
    )
    said = await console.run("@alice: /mydata export")
    assert "[dm @alice]" in said and "everything Hearth keeps about you" in said
    [path] = files(console)
    document = json.loads(path.read_text())
    assert document["member"]["external_id"] == "alice"
    rows = document["data"]["recognition"]["contribution"]
    async with hearth.db.read() as session:
        alice = (await session.execute(select(col(Member.id)).where(col(Member.external_id) == "alice"))).scalar_one()
        bob = (await session.execute(select(col(Member.id)).where(col(Member.external_id) == "bob"))).scalar_one()
        mine = (
            await session.execute(
                select(func.count()).where(
                    (col(Contribution.member_id) == alice) | (col(Contribution.actor_id) == alice)
                )
            )
        ).scalar_one()
    # her own rows (kudos received from bob and carol, given to bob) and the rows naming her as the other
    # party (bob's kudos received from her; bob's and carol's kudos given, to her)
    assert len(rows) == mine == 6
    assert sum(row["member_id"] == alice for row in rows) == 3
    text_of_export = path.read_text()
    assert '"bob"' not in text_of_export and '"carol"' not in text_of_export
    actors = {row["actor_id"] for row in rows if row["member_id"] == alice}
    others = {row["member_id"] for row in rows if row["member_id"] != alice}
    assert others <= actors  # bob and carol have the same pseudonyms wherever they appear
    assert all(str(actor).startswith("member-") for actor in actors) and len(actors) == 2
    assert str(bob) not in {str(actor) for actor in actors}
    # the same person has the same pseudonym in a later export
    await console.run("@alice: /mydata export")
    later = json.loads(files(console)[-1].read_text())
    assert {
        row["actor_id"] for row in later["data"]["recognition"]["contribution"] if row["member_id"] == alice
    } == actors


# -- /mydata delete ---------------------------------------------------------------------------------------
SENTINEL = "zz_sentinel_9f3c"


async def file_bytes(path: Path) -> bytes:
    """The database file's bytes once the WAL is written back and free pages are dropped (VACUUM): what a
    copy of the file would give away."""

    def compact() -> bytes:
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    return await asyncio.to_thread(compact)


async def totals_match_ledger(hearth: Hearth) -> None:
    async with hearth.db.read() as session:
        totals = {
            (m, p)
            for m, p in (
                await session.execute(
                    select(col(MemberTotal.member_id), col(MemberTotal.points)).where(col(MemberTotal.bucket) == "all")
                )
            ).all()
        }
        sums = {
            (m, int(p))
            for m, p in (
                await session.execute(
                    select(col(Contribution.member_id), func.sum(col(Contribution.points))).group_by(
                        col(Contribution.member_id)
                    )
                )
            ).all()
        }
    assert totals == sums


async def test_delete_removes_every_trace_and_keeps_totals_consistent(
    console: ConsoleDriver, hearth: Hearth, database_url: str
) -> None:
    await console.run(
        ROLES
        + INTROS
        + f"""
        @{SENTINEL} joins
        @{SENTINEL} clicks "I agree to the rules"
        @{SENTINEL}: /intro
        @{SENTINEL} submits name=Sentinel {SENTINEL}; location=Rome; about=Hi; interests=chess
        @bob: /kudos @{SENTINEL} thanks
        @{SENTINEL}: /kudos @bob for the help
        @{SENTINEL}: hello everyone
        """
    )
    said = await console.run(f"@{SENTINEL}: /mydata delete")
    assert "cannot be undone" in said and "[Delete my data]" in said
    assert "Nothing was deleted" in await console.run(f'@{SENTINEL} clicks "Keep it"')
    assert await member_row(hearth, SENTINEL) is not None
    await console.run(f"@{SENTINEL}: /mydata delete")  # keeping spent that question: they ask again
    said = await console.run(f'@{SENTINEL} clicks "Delete my data"')
    assert "no longer keeps anything about you" in said
    assert await member_row(hearth, SENTINEL) is None
    # kudos they gave stay with bob, without the giver; kudos they received are gone
    assert ("bob", 10, "for the help") in await ledger_rows(hearth, "kudos_received")
    assert [who for who, _, _ in await ledger_rows(hearth, "kudos_received")] == ["bob"]
    await totals_match_ledger(hearth)
    assert "Points: 10" in await console.run("@bob: /rank")
    if hearth.db.is_sqlite:
        path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
        await hearth.db.checkpointed()  # Hearth's own background checkpoint, which a compaction racing it found busy
        assert SENTINEL.encode() not in await file_bytes(path)
    # seen again, they are someone new
    assert "Points: 0" in await console.run(f"@{SENTINEL}: /rank")


async def test_a_deletion_leaves_no_copy_of_the_member_in_the_write_ahead_log(
    console: ConsoleDriver, hearth: Hearth, database_url: str
) -> None:
    """The file was zeroed (`secure_delete`) but `hearth.db-wal` kept earlier copies of the changed pages, with
    the member's name, until SQLite next emptied it: a copy of the two files gave it away."""
    if not hearth.db.is_sqlite:
        return
    await console.run(f"@{SENTINEL}: hello everyone\n@bob: /kudos @{SENTINEL} thanks\n@{SENTINEL}: /mydata delete")
    await console.run(f'@{SENTINEL} clicks "Delete my data"')
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))

    def as_left() -> tuple[bytes, bytes]:  # the two files as a copy would take them: no checkpoint, no VACUUM
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes(), wal.read_bytes() if wal.exists() else b""

    database, log = await asyncio.to_thread(as_left)
    assert SENTINEL.encode() not in log
    assert SENTINEL.encode() not in database


async def test_only_the_member_themselves_can_confirm(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@alice: /kudos @bob thanks\n@alice: /mydata delete")
    said = await console.run('@bob clicks "Delete my data"')  # the question was private to alice
    assert said == '[only @bob] No message you can see has a "Delete my data" button, so nothing was pressed.'
    assert await member_row(hearth, "alice") is not None


# -- retention after leaving -----------------------------------------------------------------------------
async def test_departed_members_are_anonymised_after_the_retention_not_before(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(INTROS + "@bob: /kudos @alice thanks\n@alice: /intro")
    await console.run("@alice submits name=Al; location=X; about=Y; interests=go\n@bob: /intro")
    await console.run("@bob submits name=Bob; location=X; about=Y; interests=go")
    assert "@alice —" in await console.run("@bob: /match")
    await console.run("@alice leaves\nwait 29d")
    assert await member_row(hearth, "alice") is not None
    await console.run("wait 2d")
    assert await member_row(hearth, "alice") is None
    async with hearth.db.read() as session:
        anonymous = (await session.execute(select(Member).where(col(Member.external_id).like("former-%")))).scalar_one()
    assert anonymous.display_name == ""
    # her points stay in the community's history, her introduction is gone
    assert (await ledger_rows(hearth, "kudos_received"))[0][1] == 10
    assert "@alice" not in await console.run("@bob: /match")
    await totals_match_ledger(hearth)


async def test_anonymising_deletes_the_ledger_cogs_data_beyond_the_ledger(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """Anonymising left the whole recognition cog's data alone, not only the ledger: which of her messages a
    reaction thanked (channel and message ids, which name her on the platform) and the level announced to her
    stayed (a tester's finding). Her contributions stay, the community's history."""
    await console.run(
        "@mod is admin\n@alice: my first post\n@bob reacts 🙌 to @alice\n@mod: /points adjust @alice 100 moved"
    )
    alice = await member_row(hearth, "alice")
    assert alice is not None

    async def rows_of_alice() -> dict[str, int]:
        async with hearth.db.read() as session:
            return {
                table.name: (await session.execute(select(func.count()).where(column == alice.id))).scalar_one()
                for table, column in (
                    (ReactionKudos.__table__, ReactionKudos.__table__.c.receiver_id),  # type: ignore[attr-defined]
                    (LevelAnnounced.__table__, LevelAnnounced.__table__.c.member_id),  # type: ignore[attr-defined]
                    (Contribution.__table__, Contribution.__table__.c.member_id),  # type: ignore[attr-defined]
                )
            }

    assert await rows_of_alice() == {"reaction_kudos": 1, "level_announced": 1, "contribution": 2}
    await console.run("@alice leaves\nwait 31d")  # her message's point is written by then
    assert await rows_of_alice() == {"reaction_kudos": 0, "level_announced": 0, "contribution": 3}
    await totals_match_ledger(hearth)


async def test_an_anonymised_members_kept_rows_name_none_of_their_messages(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """A tester found a departed member's ledger keys still held their messages' platform ids (and channels): on
    Discord or Slack anyone who can read the channel finds the author from them."""
    await console.run("@alice joins\n@alice: hello, I am new here\n@bob reacts 🙌 to @alice\n@alice leaves")
    alice = await member_row(hearth, "alice")
    assert alice is not None
    await hearth.services.activity.flush()
    async with hearth.db.read() as session:
        newcomer = (
            await session.execute(select(HealthNewcomer).where(col(HealthNewcomer.member_id) == alice.id))
        ).scalar_one()
        assert newcomer.first_message_id is not None  # kept while she may come back
    await console.run("wait 31d")
    async with hearth.db.read() as session:
        keys = (
            await session.execute(
                select(col(Contribution.idempotency_key), col(Contribution.id)).where(
                    col(Contribution.member_id) == alice.id
                )
            )
        ).all()
        newcomer = (
            await session.execute(select(HealthNewcomer).where(col(HealthNewcomer.member_id) == alice.id))
        ).scalar_one()
    assert sorted(key for key, _ in keys) == sorted(f"former:{row_id}" for _, row_id in keys)
    assert len(keys) == 4  # her onboarding steps, her message's point, bob's kudos: the history stays
    assert (newcomer.first_message_id, newcomer.first_message_channel) == (None, None)
    assert newcomer.first_message_at is not None  # when, for time to first response: not which message
    await totals_match_ledger(hearth)


async def test_coming_back_before_the_retention_keeps_everything(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@bob: /kudos @alice thanks\n@alice leaves\nwait 20d\n@alice joins\nwait 40d")
    assert await member_row(hearth, "alice") is not None
    assert "Points: 10" in await console.run("@alice: /rank")


async def test_retention_off_keeps_departed_members(console: ConsoleDriver, hearth: Hearth) -> None:
    said = await console.run("@mod is admin\n@mod: /config set departed_retention off")
    assert "departed_retention" in said
    await console.run("@alice: hi\n@alice leaves\nwait 400d")
    assert await member_row(hearth, "alice") is not None
    said = await console.run("@mod: /config set departed_retention soon")
    assert "not a valid value" in said


async def test_retention_zero_is_off_as_every_zero_duration_is(console: ConsoleDriver, hearth: Hearth) -> None:
    """`0` is off in any unit (README), and off keeps departed members' data; `departed_retention 0` read as no
    time at all anonymised them at the next hourly sweep, and the reply said `0 seconds` (a tester's finding)."""
    said = await console.run("@mod is admin\n@mod: /config set departed_retention 0")
    assert "Done: `departed_retention` 30 days → off." in said
    said = await console.run("@mod: /config set departed_retention 0d")
    assert "`departed_retention` was off already; nothing changed." in said
    await console.run("@alice: hi\n@alice leaves\nwait 2h")
    assert await member_row(hearth, "alice") is not None


# -- community removal -----------------------------------------------------------------------------------
async def test_a_removed_community_is_deleted_after_the_grace_period(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(
        ROLES
        + INTROS
        + """
        @mod is admin
        @bob joins
        @bob clicks "I agree to the rules"
        @bob: /intro
        @bob submits name=Bob; location=Oslo; about=Hi; interests=chess
        @mod: /ritual create coffee #general "daily at 09:00" kind:pairing
        @bob: /ritual join coffee
        @alice: /ritual join coffee
        @alice: /birthday set 03-06
        wait 1d
        @bob: /kudos @alice thanks
        hearth is removed
        wait 29d
        """
    )
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Community))).scalar_one() == 1
    await console.run("wait 2d")
    async with hearth.db.read() as session:
        for table in SQLModel.metadata.sorted_tables:  # whatever a cog wrote, nothing is left
            if table.name == IdHighWater.__tablename__:
                continue  # the highest member id given: one number, nobody's and no community's
            assert (await session.execute(select(func.count()).select_from(table))).scalar_one() == 0, table.name


async def test_re_adding_hearth_cancels_the_deletion(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@bob: /kudos @alice thanks\nhearth is removed\nwait 10d\nhearth is added\nwait 60d")
    assert "Points: 10" in await console.run("@alice: /rank")


async def test_a_removed_community_hears_nothing_until_hearth_is_added_back(
    console: ConsoleDriver, new_runtime: NewRuntime
) -> None:
    """During `removal_grace` the data is kept, but no ritual, reminder, moderator alert or digest is sent there
    (also from a process started meanwhile); once Hearth is added back, everything goes on."""
    await console.run(
        """
        @you is admin
        @you: /ritual create daily #general "daily at 13:00" prompt:"Hi {date}"
        @you: /config set health_digest yes
        @you: /onboarding channel mods #mods
        @newbie joins
        hearth is removed
        """
    )
    said = await console.run("wait 3d")
    assert said == ""
    later = console_driver(await new_runtime())  # a restart while removed: still silent
    assert await later.run("wait 2d") == ""
    said = await console.run("hearth is added\nwait 1d")
    assert "[#general] 🔔 daily" in said


async def test_while_removed_nothing_from_the_community_reaches_hearth(console: ConsoleDriver, hearth: Hearth) -> None:
    """As on Discord and Slack, which deliver nothing to an app no longer there: commands go unanswered, and
    messages, reactions, joins and clicks are not recorded; the console says so in one line each."""
    await console.run("@alice: hello\n@bob: /leaderboard")
    said = await console.run(
        """
        hearth is removed
        @alice: /rank
        @bob: /kudos @alice thanks
        @alice: hello while removed
        @bob reacts 🙌 to @alice
        @carol joins
        @bob clicks "Next"
        """
    )
    assert said.splitlines() == ["[console] (hearth is not in this community)"] * 6
    said = await console.run("hearth is added\n@alice: /rank\n@carol: /onboarding checklist")
    assert "Points: 1\n" in said and "Kudos received: 0" in said  # only the hello from before
    assert "You have no onboarding checklist" in said  # her join never arrived


# -- /export ---------------------------------------------------------------------------------------------
async def test_admins_export_the_contribution_history_as_csv(console: ConsoleDriver) -> None:
    assert "admin" in (await console.run("@bob: /export")).lower()
    await console.run("@bob: /kudos @alice thanks\nwait 10d\n@carol: /kudos @alice again\n@mod is admin")
    said = await console.run("@mod: /export")
    assert "4 rows" in said
    rows = list(csv.DictReader(io.StringIO(files(console)[-1].read_text())))
    assert [(r["member"], r["kind"], r["points"]) for r in rows] == [
        ("alice", "kudos_received", "10"),
        ("bob", "kudos_given", "0"),
        ("alice", "kudos_received", "10"),
        ("carol", "kudos_given", "0"),
    ]
    assert "2 rows" in await console.run("@mod: /export period:week")


async def test_a_deleted_members_id_is_not_given_to_a_newcomer_after_a_restart(
    console: ConsoleDriver, new_runtime: NewRuntime
) -> None:
    """SQLite numbered new members after the highest id stored: after a restart the next newcomer took zed's id,
    and wally's welcomer points for them counted as given already (the key `welcomer:<id>` kept from zed)."""
    setup = "@mod is moderator\n@mod: /onboarding step hello off\n@mod: /onboarding step interests off\n"
    setup += "@mod: /onboarding step intro off\n@wally: /welcomer join\n"
    await console.run(setup + '@zed joins\n@zed clicks "I agree to the rules"')
    assert "Points: 15" in await console.run("@wally: /rank")
    await console.run('@zed: /mydata delete\n@zed clicks "Delete my data"')
    later = console_driver(await new_runtime())  # a restart
    await later.run('@amy joins\n@amy clicks "I agree to the rules"')
    assert "Points: 30" in await later.run("@wally: /rank")
