"""Introductions on the console: /intro, its thread, welcome points, /whois and /match."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from cogs.introductions.service import IntroductionService, normalise_tag, tags_of
from tests.conftest import START, ConsoleDriver, hearth_instance, ledger_rows

SETUP = "@mod is moderator\n@mod: /onboarding channel intros #intros\n"


def _intro(member: str, interests: str, name: str | None = None) -> str:
    return (
        f"@{member}: /intro\n"
        f"@{member} submits name={name or member.title()}; location=Earth; about=Hi; interests={interests}\n"
    )


@pytest.mark.parametrize(
    ("typed", "tag"),
    [
        ("Board  Games", "board game"),
        ("board-game", "board game"),
        ("board_games", "board game"),
        ("HIKING", "hiking"),
        ("hobbies", "hobby"),
        ("movies", "movie"),
        ("chess", "chess"),
        ("CHESSES", "chess"),
        ("games", "game"),
        ("boxes", "box"),
        ("watches", "watch"),
        ("glass", "glass"),
        ("glasses", "glass"),
        ("Bus", "bus"),
        ("tennis", "tennis"),
        ("physics", "physics"),
        ("news", "news"),
        ("photos", "photo"),
        # tester-b: `#chess` (a hashtag, as members write them) never matched `chess`.
        ("#Chess", "chess"),
        ("#board-games", "board game"),
        ("C#", "c#"),
        ("#", ""),
    ],
)
def test_tags_are_normalised(typed: str, tag: str) -> None:
    assert normalise_tag(typed) == tag


def test_tags_are_split_and_deduplicated() -> None:
    assert tags_of("Python, python , board games,, Board Game") == ["python", "board game"]
    # tester3 #7: stored as `chess, chesse, board game, board-game` before.
    assert tags_of("Chess, chess, CHESSES, Board Games, board-game, , ,") == ["chess", "board game"]


async def test_the_card_shows_each_interest_once_and_match_folds_plurals_and_hyphens(console: ConsoleDriver) -> None:
    """tester3 #7: the card showed `Chess, chess, CHESSES, Board Games, board-game, , ,`; `board-game` never
    matched `board game`, and `CHESSES` was stored as `chesse`."""
    said = await console.run(
        SETUP + _intro("alice", "Chess, chess, CHESSES, Board Games, board-game, , ,") + _intro("bob", "board_game")
    )
    assert "Interests: Chess, Board Games" in said
    assert ", ," not in said and "CHESSES" not in said
    await console.run(_intro("carol", "chesses"))
    said = await console.run("@bob: /match\n@carol: /match")
    lines = [line for line in said.splitlines() if " — " in line]
    assert lines == ["  ┃ @alice — board game", "  ┃ @alice — chess"]


async def test_match_says_it_is_off_when_the_form_asks_no_interests(console: ConsoleDriver) -> None:
    """tester3 #7: with the interests field removed, /match told members to do what they cannot."""
    said = await console.run(
        SETUP
        + "@alice: /intro\n@alice submits name=Ali; location=Earth; about=Hi; interests=chess\n"
        + "@mod: /onboarding intro-field-remove interests\n"
        + "@bob: /match\n@alice: /match"
    )
    assert said.count("Matching is off here: this community's intro form doesn't ask for interests") == 2
    assert "with /intro first" not in said


async def test_intro_is_posted_with_a_thread_and_edited_when_run_again(console: ConsoleDriver) -> None:
    said = await console.run(SETUP + "@alice: /intro")
    assert '[only @alice]   form "Introduce yourself":' in said
    assert "interests — Interests (comma-separated) (required, up to 200)" in said
    said = await console.run(
        "@alice submits name=Ali; location=Lisbon; about=Sailing; interests=Boats, sun; fun_fact=I juggle"
    )
    assert "[#intros] 👋 Meet Ali" in said
    assert "Where are you?: Lisbon" in said
    # The card shows the member's own words under the label without the form's hint; tags match normalised.
    assert "Interests: Boats, sun" in said and "comma-separated" not in said and "boat, sun" not in said
    assert '[#intros] thread "Welcome, Ali!" started' in said
    assert "[only @alice] Your introduction is posted in #intros (+20 points)." in said

    said = await console.run("@alice: /intro\n@alice submits location=Porto")
    assert 'form "Edit your introduction"' in said
    assert "[edited in #intros] 👋 Meet Ali" in said
    assert "Where are you?: Porto" in said and "A fun fact about you: I juggle" in said
    assert "[only @alice] Your introduction in #intros is updated." in said
    said = await console.run("@alice: /rank\n@bob: /whois @alice")
    assert "Points: 20" in said  # the first intro only
    assert "[only @bob] 👋 Meet Ali" in said and "Where are you?: Porto" in said
    assert "Interests: Boats, sun" in said


async def test_an_intro_submitted_after_leaving_posts_nothing(console: ConsoleDriver) -> None:
    """A tester: the form, open when alice left, still posted her card, opened its thread and gave her +20 points."""
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding channel intros #intros\n@alice joins\n@alice: /intro\n@alice leaves\n"
        "@alice submits name=Alice; location=Earth; about=Hi; interests=Chess"
    )
    assert "[only @alice] You're no longer a member of Console, so your introduction was not posted." in said
    assert "[#intros]" not in said
    assert await ledger_rows(console.platform.hearth, "intro") == []


async def test_bad_intros_are_refused_and_post_nothing(console: ConsoleDriver) -> None:
    said = await console.run("@alice: /intro")
    assert "Introductions aren't set up yet" in said
    said = await console.run(
        SETUP + f"@alice: /intro\n@alice submits name={'x' * 61}; location=a; about=b; interests=c"
    )
    assert "[only @alice] “What should we call you?” is 61 characters long; the limit is 60." in said
    assert "Nothing was posted" in said
    said = await console.run("@alice: /intro\n@alice submits name=Al; location=; about=b; interests=c")
    assert "[only @alice] “Where are you?” needs an answer." in said
    said = await console.run("@alice: /whois @alice\n@alice: /rank\n@bob: /whois @alice")
    assert "[only @alice] You haven't introduced yourself yet: `/intro` takes a minute." in said  # not "alice hasn't"
    assert "[only @bob] alice hasn't introduced themselves yet" in said
    assert "[#intros]" not in said and "Points: 0" in said


async def test_thread_replies_earn_welcome_points_once_within_the_window(console: ConsoleDriver) -> None:
    quiet = "@root is admin\n@root: /config set message_points 0\n"  # only welcome points count here
    await console.run(SETUP + quiet + "@mod: /onboarding set intro_welcome_daily_cap 2\n" + _intro("alice", "boats"))
    await console.run(
        """
        @bob in #intros thread: welcome Alice!
        @bob in thread of @alice: and welcome again
        @alice in thread of @alice: thanks bob
        """
    )
    said = await console.run("@root: /rank @bob\n@root: /rank @alice")
    bob, alice = said.split("[#general] alice's standing")
    assert "Points: 2" in bob  # one welcome, however many replies
    assert "Points: 20" in alice  # her intro; her own replies earn no welcome points

    await console.run(_intro("carol", "sun") + _intro("dan", "sun") + _intro("erin", "sun"))
    await console.run(
        """
        @bob in thread of @carol: hi carol
        @bob in thread of @dan: hi dan
        @bob in thread of @erin: hi erin
        """
    )
    said = await console.run("@bob: /rank")
    assert "Points: 4" in said  # capped at 2 welcomes a day
    await console.run("wait 49h\n@fay in thread of @carol: late hello")
    said = await console.run("@fay: /rank")
    assert "Points: 0" in said  # the 48 h window is over


async def test_match_suggests_by_shared_interests_and_respects_opt_outs(console: ConsoleDriver) -> None:
    await console.run(
        SETUP
        + _intro("alice", "Board Games, hiking, Python, chess")
        + _intro("bob", "board game, Hiking, python")
        + _intro("carol", "python")
        + _intro("dan", "chess, hikes")
        + _intro("erin", "knitting")
        + _intro("fay", "boardgames, python, chess")
    )
    said = await console.run("@alice: /match")
    lines = [line for line in said.splitlines() if " — " in line]
    assert lines == [
        "  ┃ @bob — board game, hiking, python",
        "  ┃ @fay — chess, python",
        "  ┃ @carol — python",
    ]
    said = await console.run("@bob: /match optout\n@bob: /match optout\n@alice: /match")
    assert "[only @bob] Done: you won't be suggested by /match." in said
    assert "[only @bob] You're already hidden." in said
    assert "@bob —" not in said and "@dan — chess" in said
    # Meeting in an intro thread makes them acquainted: no longer suggested to each other.
    said = await console.run("@fay in thread of @alice: hello fellow chess fan\n@alice: /match")
    assert "@fay —" not in said
    said = await console.run("@erin: /match\n@gus: /match")
    assert "Nobody new shares your interests yet" in said
    assert "[only @gus] /match uses the interests in your introduction: write one with /intro first." in said


async def test_moderators_shape_the_intro_form(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /onboarding intro-field pronouns "Your pronouns" 30 no
        @mod: /onboarding intro-field-remove fun_fact
        @mod: /onboarding intro-field pronouns "Your pronouns" 30 no
        @mod: /onboarding intro-field-remove nope
        @mod: /onboarding intro-field pronouns "Your pronouns" 30 no
        @mod: /onboarding intro-field extra Extra
        @alice: /onboarding intro-field x y
        @alice: /intro
        """
    )
    assert "The intro form holds at most 5 fields; remove one first." in said
    assert "`pronouns` — Your pronouns (up to 30, optional)" in said
    assert "The intro form has no field `nope`." in said
    assert "[only @alice] Sorry, `/onboarding intro-field` is for moderators" in said
    assert "pronouns — Your pronouns (optional, up to 30)" in said.split('form "Introduce yourself"')[1]
    assert "fun_fact" not in said.split('form "Introduce yourself"')[1]


async def test_removing_a_question_deletes_the_answers_to_it(console: ConsoleDriver) -> None:
    """What no card shows any more is not kept: until 2026-12-01 the answers stayed, and came back on the cards
    when a field of the same key was added again."""
    said = await console.run(
        SETUP
        + "@alice: /intro\n@alice submits name=Ali; location=Earth; about=Hi; interests=chess; fun_fact=I juggle\n"
        + "@bob: /intro\n@bob submits name=Bo; location=Mars; about=Yo; interests=go; fun_fact=I sail\n"
        + "@carol: /intro\n@carol submits name=Cy; location=Venus; about=Hey; interests=tea\n"
        + "@mod: /onboarding intro-field-remove fun_fact\n"
        + '@mod: /onboarding intro-field fun_fact "A fun fact about you" 200 no\n'
        + "@carol: /whois @alice\n@alice: /mydata export"
    )
    assert "The 2 answers members gave to it are deleted; intros already posted stay as they are." in said
    card = said.split("[only @carol] 👋 Meet Ali")[1]
    assert "Where are you?: Earth" in card and "I juggle" not in card
    assert said.count("I juggle") == 1  # the intro posted before, as it was posted


async def test_removing_the_interests_question_deletes_the_interests_match_reads(console: ConsoleDriver) -> None:
    """The interests are kept twice, as the answer and as the tags /match compares: until 2026-12-01 removing the
    question deleted the answer only, and once it was asked again /match still suggested members by interests
    no card showed any more."""
    said = await console.run(
        SETUP
        + _intro("alice", "chess, go")
        + "@mod: /onboarding intro-field-remove interests\n"
        + '@mod: /onboarding intro-field interests "Interests (comma-separated)" 200 no\n'
        + _intro("carol", "chess")
        + "@carol: /match"
    )
    assert "The answer a member gave to it is deleted" in said
    assert "@alice —" not in said
    assert "[only @carol] Nobody new shares your interests yet" in said


async def test_the_thread_name_and_card_title_drop_markup_and_pings_alike(console: ConsoleDriver) -> None:
    """tester3 #10: the thread was named `Welcome, @everyone <@&123> **bold** `code`!` while the card's title
    dropped only the `**`; a thread's name shows it all raw (and must ping nobody)."""
    said = await console.run(SETUP + _intro("alice", "chess", name="@everyone <@&123> **bold** `code` dana_k"))
    assert '[#intros] thread "Welcome, everyone bold code dana_k!" started' in said
    assert "[#intros] 👋 Meet everyone bold code dana_k" in said
    assert "@everyone" not in said and "<@&123>" not in said


async def test_deleting_a_members_data_takes_down_their_intro_card(console: ConsoleDriver) -> None:
    """tester-a: after `/mydata delete` (whose question lists "your introduction") the card still showed the
    member's name, place and story in the intros channel, and Hearth no longer knew where it was to take it down."""
    await console.run(SETUP + _intro("zed", "trains", name="Zed Zedson") + "@zed: /mydata delete")
    said = await console.run('@zed clicks "Delete my data"')
    assert "[edited in #intros] This introduction was removed: its author's data was deleted." in said
    assert "no longer keeps anything" in said
    card = said.split("[edited in #intros]", 1)[1].split("\n[", 1)[0]
    assert "Zed" not in card and "Earth" not in card and "trains" not in card
    # The thread under it was named after them ("Welcome, Zed Zedson!"): renamed (until 2026-12-01 it stayed).
    assert 'renamed "Introduction removed"' in said


async def test_anonymising_a_departed_member_takes_down_their_intro_card(console: ConsoleDriver) -> None:
    await console.run(SETUP + _intro("zed", "trains", name="Zed Zedson") + "@zed leaves")
    said = await console.run("wait 31d")
    assert "[edited in #intros] This introduction was removed: its author's data was deleted." in said
    assert 'renamed "Introduction removed"' in said


def saving_refused_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next intro's save fails as SQLite's "database is locked" does once busy_timeout ran out (a real lock is
    tested on Slack, tests/platforms/test_slack_outage.py); the one after goes through."""
    save = IntroductionService.save

    async def locked_once(self: IntroductionService, *args: Any) -> Any:
        monkeypatch.setattr(IntroductionService, "save", save)
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(IntroductionService, "save", locked_once)


async def test_an_intro_that_could_not_be_recorded_takes_its_card_back(
    console: ConsoleDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posted but not recorded (the database locked by another program): the member is told nothing was changed,
    and it is so. Until 2026-12-01 the card stayed, and trying again posted a second one."""
    saving_refused_once(monkeypatch)
    said = await console.run(SETUP + _intro("alice", "chess"))
    assert "nothing was changed" in said
    assert "message" in said and "deleted" in said
    said = await console.run(_intro("alice", "chess"))
    assert "Your introduction is posted in #intros" in said
    cards = [posted for posted in console.platform.state.messages if posted.reply and posted.reply.card]
    assert [posted.channel for posted in cards] == ["intros"]  # the second one only


async def test_an_intro_edit_that_could_not_be_recorded_puts_the_card_back(
    console: ConsoleDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edited but not recorded: until 2026-12-01 the card showed the new answers while `/whois` and `/match` read the
    old ones, and the member was told nothing was changed (tester-h)."""
    await console.run(SETUP + _intro("alice", "chess"))
    saving_refused_once(monkeypatch)
    said = await console.run(_intro("alice", "knitting"))
    assert "nothing was changed" in said
    edits = [block for block in said.split("\n[") if block.startswith("edited in #intros]")]
    assert len(edits) == 2 and "knitting" in edits[0] and "chess" in edits[1] and "knitting" not in edits[1]


async def test_a_welcome_through_a_process_that_had_not_seen_the_welcomer_counts(database_url: str) -> None:
    """Two Hearth processes on one PostgreSQL database: bob first spoke through one after the other had loaded the
    community, and his first message through the other is a welcome in alice's intro thread. It earned nothing and
    the log had a foreign-key traceback: it was recorded under the id the other process had just given him."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    quiet = "@root is admin\n@root: /config set message_points 0\n"  # only welcome points count here
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await other.run("@carol: hi")  # the other process has loaded the community
        await one.run(SETUP + quiet + _intro("alice", "boats") + "@bob: hello")
        await one.platform.hearth.services.activity.flush()  # bob's row, written by the first
        other.platform.state.threads.extend(one.platform.state.threads)  # the platform shows the thread to both
        async with other.platform.hearth.db.read() as session:
            await session.execute(select(1))
        await other.run("@bob in #intros thread: welcome Alice!")
        assert "Points: 2" in await one.run("@bob: /rank")
