"""`/mydata delete`'s confirmation is answered once, and a member deleted or anonymised is no longer named in
other members' kudos reasons: what the member sees, and what is left in the database afterwards."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.runtime import Hearth
from cogs.privacy import service
from cogs.privacy.service import DataRights, pseudonym
from storage import ledger
from storage.lifecycle import delete_member_row, forget_mentions, mentions_in
from storage.models import CommunityState, Contribution, Member
from tests.conftest import START, ConsoleDriver, hearth_instance, ledger_rows

KEPT = "You chose to keep your data"
ALREADY_DELETED = "Your data was already deleted."


async def member_row(hearth: Hearth, external_id: str) -> Member | None:
    async with hearth.db.read() as session:
        found = await session.execute(select(Member).where(col(Member.external_id) == external_id))
        return found.scalar_one_or_none()


async def reasons(hearth: Hearth) -> list[str]:
    async with hearth.db.read() as session:
        rows = await session.execute(
            select(col(Contribution.reason)).where(col(Contribution.reason).is_not(None)).order_by(col(Contribution.id))
        )
        return [str(reason) for reason in rows.scalars()]


# -- the confirmation is spent by its first answer ---------------------------------------------------------
async def test_delete_after_keep_it_deletes_nothing(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /kudos @carol thanks\n@zed: /mydata delete")
    assert "Nothing was deleted" in await console.run('@zed clicks "Keep it"')
    said = await console.run('@zed clicks "Delete my data"')
    assert KEPT in said and "/mydata delete" in said and "Done" not in said
    assert await member_row(hearth, "zed") is not None
    assert KEPT in await console.run('@zed clicks "Keep it"')
    # a new question is answered afresh
    await console.run("@zed: /mydata delete")
    assert "no longer keeps anything" in await console.run('@zed clicks "Delete my data"')
    assert await member_row(hearth, "zed") is None


async def test_a_click_after_the_deletion_says_it_was_done(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /kudos @carol thanks\n@zed: /mydata delete")
    assert "no longer keeps anything" in await console.run('@zed clicks "Delete my data"')
    for button in ("Delete my data", "Keep it"):
        said = await console.run(f'@zed clicks "{button}"')
        assert ALREADY_DELETED in said and "This button is for" not in said
    assert ("carol", 10, "thanks") in await ledger_rows(hearth, "kudos_received")


CONSOLE = CommunityRef("console", "console", "Console")  # the console's one community


async def say(hearth: Hearth, number: int, *authors: str) -> None:
    """Each of `authors` posts a message in #general, as the console's members."""
    general = ChannelRef(CONSOLE, "general", "general")
    for author in authors:
        key = f"{author}-{number}"
        await hearth.dispatch(
            MessagePosted(
                event_id=key, author=MemberRef(CONSOLE, author, author), channel=general, message_id=key, text=key
            )
        )


async def test_activity_arriving_during_a_deletion_neither_spoils_it_nor_comes_back(
    console: ConsoleDriver, hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zed wrote while their deletion ran: the message's point, written between the deletion's steps, made the last
    step fail ('Sorry, something went wrong'), and zed's data stayed."""
    await console.run("@zed: hello there\n@carol: hi all\n@zed: /mydata delete\nwait 2m")
    every_cogs_rows = service.delete_member

    async def meanwhile(hooks: Any, member_id: int) -> None:
        await every_cogs_rows(hooks, member_id)
        await say(hearth, 1, "zed", "carol", "newcomer")  # zed's message, and others' beside it
        await hearth.services.activity.flush()

    monkeypatch.setattr(service, "delete_member", meanwhile)
    assert "no longer keeps anything" in await console.run('@zed clicks "Delete my data"')
    await hearth.services.activity.flush()
    assert await ledger_rows(hearth, "message") == [("carol", 1, None), ("carol", 1, None), ("newcomer", 1, None)]
    assert await member_row(hearth, "zed") is None


async def test_a_batch_naming_a_member_deleted_elsewhere_is_written_without_them(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """Another process deleted zed (`/mydata delete` there) while zed's point waited in this one: the database refused
    the whole batch, carol's and a newcomer's points with it, at every retry and at shutdown."""
    await console.run("@zed: hello there\n@carol: hi all\nwait 2m")
    await say(hearth, 1, "zed", "carol", "newcomer")  # waiting in memory
    zed = await member_row(hearth, "zed")
    assert zed is not None and zed.id is not None
    # The other process's deletion: every cog's rows of zed, then the member row (`DataRights.delete` there).
    await service.delete_member(hearth.registry.member_data_hooks(), zed.id)
    async with hearth.db.write() as session:
        await delete_member_row(session, zed.id)
    await hearth.services.activity.flush()
    assert await ledger_rows(hearth, "message") == [("carol", 1, None), ("carol", 1, None), ("newcomer", 1, None)]
    assert "Points: 2" in await console.run("@carol: /rank")


async def test_a_deletion_through_one_process_is_followed_by_another_sharing_the_database(database_url: str) -> None:
    """Two Hearth processes on one PostgreSQL database both know zed, who deletes their data through the first. The
    second forgets them too, so zed speaking there again, or being thanked there, is someone new: until 2026-12-02
    it kept zed's deleted id, their messages there earned nothing (dropped as if sent during the deletion), and
    `/kudos @zed` and zed's own commands answered "Sorry, something went wrong" until it restarted."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await one.run("@zed: hi\n@ann: hi")
        await one.platform.hearth.services.activity.flush()
        assert "Points: 1" in await other.run("@zed: /rank")  # the second process knows zed's row
        await one.run('@zed: /mydata delete\n@zed clicks "Delete my data"')
        async with other.platform.hearth.db.read() as session:  # a round trip: what the first announced arrives
            await session.execute(select(1))

        said = await other.run("@zed: I'm back\n@ann: /kudos @zed welcome back")
        assert "+10 points for zed" in said
        await other.platform.hearth.services.activity.flush()
        said = await other.run("@zed: /rank\n@zed: /mydata export")
        assert "Points: 11" in said and "Sorry" not in said


async def test_an_old_question_expires(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /mydata delete\nwait 1h")
    said = await console.run('@zed clicks "Delete my data"')
    assert "expired" in said and "/mydata delete" in said
    assert await member_row(hearth, "zed") is not None


async def test_a_newcomer_who_deleted_their_data_before_agreeing_can_still_agree(console: ConsoleDriver) -> None:
    """tester-v: carol deleted her data before agreeing to the rules, so her journey went with it: her checklist
    said "you were here before it began", and she could never agree nor get the access role agreeing gives."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding access &member\n@carol joins\n@carol: /mydata delete\n"
        '@carol clicks "Delete my data"'
    )
    said = await console.run("@carol: /onboarding checklist")
    assert "here before it began" not in said
    assert "[I agree to the rules]" in said
    said = await console.run('@carol clicks "I agree to the rules"')
    assert "[roles] @carol now has the role &member" in said
    # Someone there before onboarding began still has no checklist.
    assert "you were here before it began" in await console.run("@old: hi\n@old: /onboarding checklist")


# -- mentions in other members' reasons ---------------------------------------------------------------------
async def test_deleting_a_member_takes_their_name_out_of_others_reasons(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(
        """
        @alice: /kudos @carol thanks @zed for Marmaladeotter help
        @bob: /kudos @carol for pairing with @Zed, and @zed's notes
        @bob: /kudos @alice thanks @zed-fan and @zedd
        @zed: /mydata delete
        @zed clicks "Delete my data"
        """
    )
    everything = await reasons(hearth)
    assert "thanks @former member for Marmaladeotter help" in everything
    assert "for pairing with @former member, and @former member's notes" in everything
    assert "thanks @zed-fan and @zedd" in everything  # other members' names are theirs
    assert not any("@zed " in reason or "@Zed," in reason for reason in everything)


async def test_anonymising_a_departed_member_takes_their_name_out_of_reasons(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run("@alice: /kudos @carol thanks @zed for Marmaladeotter\n@zed: hello\n@zed leaves\nwait 31d")
    assert await member_row(hearth, "zed") is None
    assert ("carol", 10, "thanks @former member for Marmaladeotter") in await ledger_rows(hearth, "kudos_received")


async def test_a_longer_name_that_begins_with_theirs_is_left_to_its_member(hearth: Hearth) -> None:
    """Deleting "Zed" leaves "@Zed Smith" alone (it read "@former member Smith")."""
    community = CommunityRef("slack", "T1", "Team")
    reason = "thanks @Zed Smith, @zed and <@U1>"
    zed = await hearth.services.identity.member(MemberRef(community, "U1", "Zed"))
    smith = await hearth.services.identity.member(MemberRef(community, "U2", "Zed Smith"))
    award = ledger.Award(smith.community_id, smith.id, "kudos_received", 10, "k1", START, reason=reason)
    async with hearth.db.write() as session:
        await ledger.record(session, [award])
        await forget_mentions(session, zed.id)
    assert await reasons(hearth) == ["thanks @Zed Smith, @former member and @former member"]


# -- /mydata export and /export -----------------------------------------------------------------------------
def newest_file(console: ConsoleDriver) -> str:
    """The text of the latest file Hearth sent."""
    return max(console.platform.files_dir.iterdir(), key=lambda path: path.stat().st_mtime_ns).read_text()


def exported(console: ConsoleDriver) -> dict[str, Any]:
    return dict(json.loads(newest_file(console)))


async def pseudonym_of(hearth: Hearth, external_id: str) -> str:
    """The pseudonym an export in the member's community gives them."""
    row = await member_row(hearth, external_id)
    assert row is not None and row.id is not None
    async with hearth.db.read() as session:
        query = select(col(CommunityState.pseudonym_key)).where(col(CommunityState.community_id) == row.community_id)
        key = (await session.execute(query)).scalar_one()
    return pseudonym(key, row.id)


async def test_an_export_holds_the_messages_still_in_the_activity_buffer(console: ConsoleDriver) -> None:
    await console.run("@alice: hello there friends\n@alice: /mydata export")
    data = exported(console)["data"]
    assert [row["kind"] for row in data["recognition"]["contribution"]] == ["message"]
    assert len(data["health"]["health_member_day"]) == 1
    await console.run("wait 2h\n@alice: and now something else\nwait 2h\n@alice: /mydata export")
    assert len(exported(console)["data"]["recognition"]["contribution"]) == 2


async def test_the_admins_export_holds_the_messages_still_in_the_activity_buffer(console: ConsoleDriver) -> None:
    said = await console.run("@bob is admin\n@alice: hello there friends\n@carol: hi all\n@bob: /export")
    assert "Contribution history (all time): 2 rows." in said
    rows = list(csv.DictReader(io.StringIO(newest_file(console))))
    assert [(row["member"], row["kind"]) for row in rows] == [("alice", "message"), ("carol", "message")]


async def test_the_admins_export_counts_one_row_in_the_singular(console: ConsoleDriver) -> None:
    said = await console.run("@bob is admin\n@alice: hello there friends\n@bob: /export")
    assert "Contribution history (all time): 1 row." in said


async def test_an_export_names_other_members_in_reasons_by_their_pseudonyms(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(
        """
        @carol: hi
        @zed: hi
        @zed-fan: hi
        @alice: /kudos @bob thanks for the help @carol and <@!zed>
        @bob: /kudos @alice thanks @Alice, @zed-fan and carol
        @alice: /mydata export
        """
    )
    text = newest_file(console)
    reasons = {row["reason"] for row in json.loads(text)["data"]["recognition"]["contribution"]}
    carol, zed, fan = [await pseudonym_of(hearth, name) for name in ("carol", "zed", "zed-fan")]
    # her own name stays as written; a plain word is nobody's mention
    assert reasons == {f"thanks for the help @{carol} and @{zed}", f"thanks @Alice, @{fan} and carol"}
    assert "@carol" not in text and "zed>" not in text


async def test_an_export_gives_no_other_members_id_in_its_keys(console: ConsoleDriver, hearth: Hearth) -> None:
    """tester-f: an export named others by pseudonym in `member_id` and `actor_id`, and by their id in the same
    row's key (`intro_welcome:4:5`, `reaction:general:…:5`), which undid the pseudonym: their id read off beside it."""
    await console.run(
        """
        @mod is admin
        @mod: /onboarding channel intros #intros
        @alice: /intro
        @alice submits name=Alice; location=Paris; about=hi; interests=chess
        @bob in thread of @alice: welcome alice
        @alice: nice to be here
        @bob reacts 🙌 to @alice
        @alice: /mydata export
        """
    )
    document = json.loads(newest_file(console))
    bob = await member_row(hearth, "bob")
    assert bob is not None and bob.id is not None
    keys = {row["kind"]: row["idempotency_key"] for row in document["data"]["recognition"]["contribution"]}
    alice = document["member"]["id"]
    bob_pseudonym = await pseudonym_of(hearth, "bob")
    assert keys["intro_welcome"] == f"intro_welcome:{alice}:{bob_pseudonym}"
    assert keys["kudos_received"].endswith(f":{bob_pseudonym}")
    [reaction] = document["data"]["recognition"]["reaction_kudos"]
    assert reaction["ledger_key"] == keys["kudos_received"]
    values = [row[c] for rows in document["data"].values() for table in rows.values() for row in table for c in row]
    assert str(bob.id) not in {part for value in values if isinstance(value, str) for part in value.split(":")}


async def test_an_export_names_the_longer_of_two_names_that_begin_alike(hearth: Hearth) -> None:
    """`@Zed Smith` is Zed Smith's, not Zed's followed by "Smith"; `<@U1|zed>` is Zed's."""
    community = CommunityRef("slack", "T1", "Team")
    alice = await hearth.services.identity.member(MemberRef(community, "U0", "Alice"))
    for external_id, name in (("U1", "Zed"), ("U2", "Zed Smith")):
        await hearth.services.identity.member(MemberRef(community, external_id, name))
    reason = "thanks @Zed Smith, @zed and <@U1|zed>"
    award = ledger.Award(alice.community_id, alice.id, "kudos_received", 10, "k1", START, reason=reason)
    async with hearth.db.write() as session:
        await ledger.record(session, [award])
    document = json.loads(await DataRights(hearth.services, hearth.registry.member_data_hooks).export(alice))
    [row] = document["data"]["recognition"]["contribution"]
    zed, smith = await pseudonym_of(hearth, "U1"), await pseudonym_of(hearth, "U2")
    assert row["reason"] == f"thanks @{smith}, @{zed} and @{zed}"


async def test_an_export_reads_only_the_members_its_reasons_may_name(hearth: Hearth) -> None:
    """Mentions in an export's reasons are matched against the members whose names begin with a word written after
    `@` (or whose id a raw mention gives), not the whole community."""
    community = CommunityRef("slack", "T2", "Team")
    named = {}
    for external_id, name in (("U1", "Zed"), ("U2", "Zed Smith"), ("U3", "bob"), ("U4", "carol"), ("U5", "dana")):
        named[name] = await hearth.services.identity.member(MemberRef(community, external_id, name))
    texts = ["thanks @Zed Smith's and @bob.", "<@U4> helped", "no mention here, nor in the address dana@bob"]
    async with hearth.db.write():  # first-seen members are written with the next transaction
        pass
    async with hearth.db.read() as session:
        said = await mentions_in(session, named["Zed"].community_id, texts, named["bob"].id)
    assert said is not None
    assert set(said.by_external_id.values()) == {named[name].id for name in ("Zed", "Zed Smith", "bob", "carol")}
    assert said.replace(texts[2], lambda member, _: f"[{member}]") == texts[2]  # an e-mail address names nobody
    assert said.replace(texts[0], lambda member, _: f"[{member}]") == (
        f"thanks [{named['Zed Smith'].id}]'s and [{named['bob'].id}]."
    )


async def test_a_privacy_choice_refused_reads_as_a_sentence(console: ConsoleDriver) -> None:
    """`/privacy boards:maybe` answered "`maybe` is not a boards; use show or hide."."""
    said = await console.run("@alice: /privacy boards:maybe\n@alice: /privacy health:whatever\n@alice: /privacy maybe")
    assert "[only @alice] `maybe` is not a choice for boards; use show or hide." in said
    assert "[only @alice] `whatever` is not a choice for health; use in or out." in said
    assert "is not a boards" not in said and "is not a health" not in said
    assert "Saved" not in said


async def test_a_health_choice_given_alone_by_position_is_read_as_meant(console: ConsoleDriver) -> None:
    """tester-l: `/privacy out` was refused as "`out` is not a choice for boards", though `boards` may be left out
    and `out` is one of `health`'s choices (as `/onboarding interest-add Games #games` skips the role for a channel)."""
    said = await console.run("@alice: /privacy out\n@alice: /privacy hide in")
    assert "[only @alice] Saved. 👀 You are shown on leaderboards" in said
    assert "📉 You are out of community-health figures" in said
    assert "[only @alice] Saved. 🙈 You are hidden from leaderboards" in said
    assert "📈 You are in community-health figures." in said
    assert "is not a choice" not in said


async def test_privacy_without_options_offers_the_choices_that_change_something(console: ConsoleDriver) -> None:
    """A member hidden and out of health figures was told "Change with `/privacy boards:hide` or `/privacy
    health:out` (and back)": what they had chosen already."""
    said = await console.run("@alice: /privacy\n@alice: /privacy hide out\n@alice: /privacy")
    assert "Change with `/privacy boards:hide` or `/privacy health:out`." in said
    assert "Change with `/privacy boards:show` or `/privacy health:in`." in said
    assert "(and back)" not in said


async def test_an_export_names_others_by_pseudonym_in_the_members_own_words(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """A ritual's prompt and intro answers the member wrote named other members as typed (tester-f), where a
    reason naming them gave their pseudonym."""
    await console.run(
        """
        @bob: hello
        @mod is admin
        @mod: /onboarding channel intros #intros
        @mod: /ritual create standup #general "daily at 09:00" prompt:"Ask @bob for the notes"
        @mod: /intro
        @mod submits name=Mo; location=Paris; about=I run things with @bob; interests=chess
        @mod: /mydata export
        """
    )
    text = newest_file(console)
    bob = await pseudonym_of(hearth, "bob")
    assert f"Ask @{bob} for the notes" in text
    assert f"I run things with @{bob}" in text
    assert "@bob" not in text
