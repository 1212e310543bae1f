"""Moderating recognition as a new moderator types it: ids as Hearth shows them, boards while they are off."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import col

from bot.core.awards import award
from bot.platforms.console import member_ref
from storage import ledger
from storage.kinds import Kind
from storage.models import Contribution, MemberTotal
from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver


async def test_an_id_too_large_for_any_kudos_is_refused_politely(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mo is moderator
        @mo: /recognition void 99999999999999999999999 spam
        @mo: /recognition void 0 spam
        """
    )
    assert "Kudos id must be at most 9,007,199,254,740,992." in said
    assert "Kudos id must be at least 1." in said
    assert "went wrong" not in said


async def test_an_id_of_more_digits_than_python_reads_is_refused_as_too_large_not_echoed(
    console: ConsoleDriver,
) -> None:
    """Past 4,300 digits int() refuses a number: it was answered "must be a whole number, not `999…`", a whole
    number it is, and the thousands of digits typed echoed back (a reply longer than Discord sends)."""
    digits = "9" * 5000
    said = await console.run(
        f"""
        @mo is admin
        @mo: /recognition void "kudos #{digits}" spam
        @mo: /points adjust @bob -{digits} spam
        """
    )
    assert "Kudos id must be at most 9,007,199,254,740,992." in said
    assert "Amount must be at least" in said
    assert digits not in said


async def test_void_takes_the_id_as_the_kudos_footer_shows_it(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mo is moderator
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @alice: /kudos @dana thanks
        @alice: /kudos @erin thanks
        @carol: /kudos @frank thanks
        @carol: /kudos @gina thanks
        @mo: /recognition void #1 wrong
        @mo: /recognition void kudos #3 wrong
        @mo: /recognition void kudos_id:#5 wrong
        @mo: /recognition void "kudos #9" wrong
        @mo: /recognition void kudos_id:"Kudos #11" wrong
        @mo: /recognition void kudos x
        @erin: /leaderboard all
        """
    )
    assert "Kudos #1 to bob are void (wrong)." in said
    assert "Kudos #3 to carol are void (wrong)." in said
    assert "Kudos #5 to dana are void (wrong)." in said
    # Quoted as a whole, as the footer shows it (it was "not a whole number").
    assert "Kudos #9 to frank are void (wrong)." in said
    assert "Kudos #11 to gina are void (wrong)." in said
    assert "`x` is not a whole number for kudos_id." in said
    assert board(said, "all time") == ["🥇 erin — 10 points"]


async def test_kudos_voided_before_givers_voids_existed_are_void_already(console: ConsoleDriver) -> None:
    """A void recorded before 2026-12-01 has no giver's side: voiding it again is refused as void already (it read
    as a new void, as the giver's side was new), and changes nothing."""
    await console.run("@mo is moderator\n@alice: /kudos @bob thanks\n@mo: /recognition void 1 wrong")
    async with console.platform.hearth.db.write() as session:  # as such a void was recorded then
        await session.execute(delete(Contribution).where(col(Contribution.kind) == "kudos_given_void"))
        await session.execute(update(MemberTotal).where(col(MemberTotal.kudos_given) == 0).values(kudos_given=1))
    assert "Kudos given: 1" in await console.run("@alice: /rank")
    said = await console.run("@mo: /recognition void 1 wrong\n@alice: /rank")
    assert "Kudos #1 are void already." in said
    assert "Kudos given: 1" in said


async def test_the_audit_names_an_anonymised_member_as_a_former_member(console: ConsoleDriver) -> None:
    """tester-z1: once a departed member was anonymised, the audit named them by the placeholder stored as their
    id (`adjusted former-e15a06a2cf33f316 +5 by mod`), as `hearth export` did until it said `(former member)`."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set departed_retention 1h
        @admin: /points adjust @gone 5 welcome gift
        @gone: /kudos @bob thanks
        @gone leaves
        @admin leaves
        wait 2h
        @mo is moderator
        @mo: /recognition lock @bob
        @mo: /recognition audit
        """
    )
    audit = said.split("Recognition audit")[1]
    assert "former-" not in audit
    assert "adjusted a former member +5 by a former member — welcome gift" in audit


async def test_a_moderator_locks_only_members_and_never_themselves(console: ConsoleDriver) -> None:
    """A moderator could lock an admin's kudos giving, or their own: refused, and nothing changes. An admin may
    lock a moderator; a moderator cannot then unlock themselves."""
    said = await console.run(
        """
        @mo is moderator
        @mo2 is moderator
        @boss is admin
        @boss2 is admin
        @mo: /recognition lock @boss spam
        @mo: /recognition lock @mo oops
        @mo: /recognition lock @mo2
        @boss: /recognition lock @boss2
        @boss: /recognition lock @boss
        @boss: /kudos @alice thanks
        @mo: /kudos @alice thanks
        @mo2: /kudos @alice thanks
        @boss: /recognition lock @mo too many
        @mo: /recognition unlock @mo
        @mo: /kudos @bob thanks
        @mo: /recognition lock @bob
        """
    )
    assert "Sorry, @boss is an admin: moderators can lock only members' kudos giving. Nothing was changed." in said
    assert "You can't lock your own kudos giving. Nothing was changed." in said
    assert "Sorry, @mo2 is a moderator: moderators can lock only members' kudos giving." in said
    assert "Sorry, @boss2 is an admin: admins can lock only members' and moderators' kudos giving." in said
    assert "You can't lock your own kudos giving. Nothing was changed." in said.split("boss2 is an admin")[1]
    for giver in ("boss", "mo", "mo2"):  # nobody was locked by the refusals
        assert f"@alice received kudos from @{giver}\n" in said
    assert "mo can no longer give kudos, until `/recognition unlock`." in said
    assert "You can't unlock your own kudos giving. Nothing was changed." in said
    assert "A moderator has paused your kudos giving" in said and "@bob received" not in said  # mo stays locked
    assert "bob can no longer give kudos" in said  # a member is locked as before


async def test_an_admin_unlocks_an_admin_locked_before_admins_were_protected(console: ConsoleDriver) -> None:
    """A lock on an admin (made before moderators were refused one) is not kept for good: an admin lifts it, also
    their own; a moderator may not."""
    await console.run("@mo is moderator\n@boss is admin\n@mo: /kudos @al hi")
    services = console.platform.hearth.services
    boss = await services.identity.member(member_ref("boss"))
    settings = await services.settings.get(boss.community_id)
    lock = award(settings, boss.community_id, boss.id, Kind.GIVING_LOCKED, 0, "lock:old", services.clock.now())
    async with console.platform.hearth.db.write() as session:  # as a moderator could lock an admin then
        await ledger.record(session, [lock])
    assert "A moderator has paused your kudos giving" in await console.run("@boss: /kudos @al hi")
    said = await console.run("@mo: /recognition unlock @boss\n@boss: /recognition unlock @boss\n@boss: /kudos @al hi")
    assert "Sorry, @boss is an admin: moderators can unlock only members' kudos giving." in said
    assert "boss can give kudos again." in said
    assert "@al received kudos from @boss" in said


async def test_an_amount_written_with_a_plus_sign_is_read(console: ConsoleDriver) -> None:
    """`+5` was refused ("`+5` is not a whole number for amount"), as people write a gain (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /points adjust @bob +5 welcome gift
        @admin: /points adjust @bob amount:+2 "and more"
        @bob: /rank
        """
    )
    assert "+5 points for bob (welcome gift)" in said
    assert "+2 points for bob (and more)" in said
    assert "Points: 7" in said


async def test_a_void_reason_worded_as_an_automatic_one_is_refused(console: ConsoleDriver) -> None:
    """A moderator voiding kudos with the reason `message deleted` (or `reaction removed`) made the void read as one
    Hearth made on its own: the audit said "(automatic)" without naming the moderator, and the giver got the kudos
    back into their daily allowance, as for kudos taken back by their own giver (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @mo is moderator
        @admin: /config set kudos_daily_limit 1
        @bob: /kudos @alice thanks
        @mo: /recognition void 1 message deleted
        @mo: /recognition void 1 reaction removed
        @bob: /kudos @carol thanks
        @mo: /recognition audit
        @alice: /rank
        """
    )
    assert said.count("is the reason Hearth gives kudos it takes back on its own") == 2
    assert "Kudos #1 to alice are void" not in said and "(automatic)" not in said
    assert "@carol received kudos" not in said  # bob's allowance was not given back
    assert "Nothing adjusted, voided or locked yet." in said
    assert "Points: 10" in said


async def test_the_audit_dates_a_void_as_the_kudos_it_voids(console: ConsoleDriver) -> None:
    """A void is dated as what it voids (so it counts in that week and month): the audit showed that date as when
    the void was made, so kudos voided today read as voided the day they were given, below newer actions listed
    with later dates (a tester's finding)."""
    given = console.platform.hearth.services.clock.now()
    said = await console.run(
        """
        @mo is moderator
        @alice: /kudos @bob thanks
        wait 3d
        @mo: /recognition lock @carol
        @mo: /recognition void 1 mistaken
        @mo: /recognition audit
        """
    )
    locked = given + timedelta(days=3)
    assert said.split("Recognition audit\n")[1].splitlines() == [
        f"  ┃ kudos of `{given:%Y-%m-%d %H:%M}` voided for bob -10 by mo — mistaken",
        f"  ┃ `{locked:%Y-%m-%d %H:%M}` giving locked for carol by mo",
    ]


async def test_a_locked_member_deleting_their_data_stays_locked(console: ConsoleDriver) -> None:
    """tester-a2: `/mydata delete` deleted the lock's row with the member's other rows, so a locked member (with
    nothing to lose) deleted their data and gave kudos again, and the audit showed no lock. The lock holds, the
    audit shows it, and a moderator lifts it as any other."""
    said = await console.run(
        """
        @mo is moderator
        @mo: /recognition lock @mallory kudos spam
        @mallory: /mydata delete
        @mallory clicks "Delete my data"
        @mallory: /kudos @bob thanks
        @mo: /recognition audit @mallory
        @mo: /recognition lock @mallory
        @mo: /recognition unlock @mallory
        @mallory: /kudos @bob thanks again
        """
    )
    refused, _, unlocked = said.partition("mallory can give kudos again.")
    assert "Done: Hearth no longer keeps anything about you" in refused
    assert "A moderator has paused your kudos giving" in refused.split("Done:")[1]
    assert "@bob received kudos" not in refused
    assert "giving locked for mallory — locked before they deleted their data" in refused
    assert "mallory cannot give kudos already." in refused
    assert "@bob received kudos from @mallory" in unlocked
