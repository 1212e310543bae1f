"""Community health on the console, against hand-computed scenarios on the virtual clock."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.core.clock import VirtualClock
from bot.core.runtime import Hearth
from storage.health_models import (
    HealthChannelDay,
    HealthDigest,
    HealthMemberDay,
    HealthMood,
    HealthNewcomer,
    LadderInvitation,
)
from tests.conftest import START, ConsoleDriver, NewRuntime, console_driver, hearth_instance

# START (tests/conftest.py) is Wednesday 2026-03-04 12:00 UTC; the community's zone is UTC.
WEEK = """
@mod is moderator
@alice: hello
@bob: hi
@carol: hey
@dan joins
@erin joins
wait 1h
@dan: hi all, I'm new
wait 30m
@alice replies to @dan: welcome dan!
wait 1d
@erin: hello?
wait 5h
@bob replies to @erin: hi erin
@dan: second
@dan: third
@alice reacts 👍 to @bob
@frank joins
@carol leaves
@bob: /kudos @alice thanks
wait 5d
"""


def files_in(said: str) -> list[Path]:
    return [Path(path) for path in re.findall(r"(/\S+\.png)", said)]


async def test_a_scripted_week_gives_the_hand_computed_figures(console: ConsoleDriver) -> None:
    await console.run(WEEK)
    said = await console.run("@mod: /health show 7d")
    # Window Wed 04 Mar to Tue 10 Mar. Members: alice bob dan erin frank mod (carol left on the 5th).
    assert "Members 6 · joined 3 · left 1 · active 5" in said
    # Active days in the last 28: alice 2, bob 2, carol 1, dan 2, erin 1 = 8; 8/28 = 0.29; 0.29/5 = 6%.
    assert "DAU 0.3 · WAU 5 · MAU 5 · stickiness (DAU/MAU) 6%" in said
    # dan wrote 3 messages in his first week, erin 1, frank none.
    assert "3 newcomers: ≥1 message in 7 days 67% (2/3) · ≥3 messages 33% (1/3) · finished onboarding 0% (0/3)" in said
    # The checklist's steps that are on: rules (no interests to choose, no intros channel: those steps are off).
    assert "joined 3 → rules 0 → first message 2 → first reply 2" in said
    # dan answered after 30 min, erin after 5 h: median 2 h 45; 9 messages, 2 of them replies.
    assert (
        "median time to first response 2 hours 45 minutes · answered within 1 h 50% (1/2) · within 24 h 100% (2/2)"
        in said
    )
    assert "replies 22% (2/9) of messages" in said
    # alice was thanked (1 of the 5 active); bob gave.
    assert "recognised 20% (1/5) of active members · 1 distinct giver · ritual participation 0% (0/5)" in said
    # dan, erin and frank joined in the week of Mon 02 Mar; none was active in the week of 09 Mar.
    assert "02 Mar (3): 0% · · · · ·" in said
    pngs = files_in(said)
    assert len(pngs) == 3
    assert all(path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for path in pngs)


async def test_a_trace_of_daily_activity_reads_below_a_tenth_not_zero(console: ConsoleDriver) -> None:
    """One member active one day in 28 read `DAU 0.0` beside `stickiness 4%` (a tester's finding)."""
    said = await console.run(
        """
        @mod is moderator
        @alice: hello
        @mod: /health show 30d
        """
    )
    # DAU 1 member-day / 28 days = 0.036; MAU 1 (mod's command is no message); stickiness 3.6%, shown 4%.
    assert "DAU <0.1 · WAU 1 · MAU 1 · stickiness (DAU/MAU) 4%" in said


async def test_halves_round_up_as_by_hand(console: ConsoleDriver) -> None:
    """7 active member-days in 28 read `DAU 0.2`, and 1 reply of 8 messages 12% (Python rounds a half to even)."""
    said = await console.run(
        """
        @mod is moderator
        @alice: one
        @bob replies to @alice: hi
        wait 1d
        @alice: two
        wait 1d
        @alice: three
        wait 1d
        @alice: four
        wait 1d
        @alice: five
        wait 1d
        @alice: six
        @alice: seven
        @mod: /health show 7d
        """
    )
    # alice active on 6 days and bob on 1: 7 member-days / 28 = 0.25; MAU 2, stickiness 0.25 / 2 = 12.5%.
    assert "DAU 0.3 · WAU 2 · MAU 2 · stickiness (DAU/MAU) 13%" in said
    assert "replies 13% (1/8) of messages" in said


async def test_aggregates_are_counts_and_no_text_is_stored(hearth: Hearth, console: ConsoleDriver) -> None:
    sentinel = "SENTINEL-7f3a-never-store-me"
    await console.run(
        f"@mod is admin\n@mod: /health sentiment on\n@alice: {sentinel}\n@bob replies to @alice: {sentinel} too"
    )
    await hearth.services.activity.flush()
    async with hearth.db.read() as session:
        days = (await session.execute(select(func.sum(HealthMemberDay.messages)))).scalar()
        replies = (await session.execute(select(func.sum(HealthChannelDay.replies)))).scalar()
    assert (days, replies) == (2, 1)
    await hearth.db.dispose()  # everything on disk
    url = hearth.db.engine.url
    if url.get_backend_name() == "sqlite":  # the database file and its WAL, byte by byte
        path = Path(url.database or "")
        files = list(path.parent.glob(path.name + "*"))
        assert path in files
        for file in files:
            assert sentinel.encode() not in file.read_bytes()


async def test_a_newcomers_first_reply_is_the_first_answer_to_any_of_their_posts(
    hearth: Hearth, console: ConsoleDriver
) -> None:
    await console.run(
        "@dan joins\n@erin joins\n@fay joins\nwait 10m\n@dan: first\nwait 10m\n"
        "@dan replies to @dan: bump\n"  # his own reply: never an answer (and now his latest message)
        "wait 5m\n@amy replies to @dan: welcome\n"  # to "bump": a welcome all the same, 15 min after his first
        "@erin: hi\nwait 15m\n@amy replies to @erin: welcome erin\nwait 1h\n@bob replies to @erin: hi\n"
        "@fay: hello\n@fay replies to @fay: anyone?"  # only her own reply: unanswered
    )
    await hearth.services.activity.flush()
    async with hearth.db.read() as session:
        rows = {row.member_id: row for row in (await session.execute(select(HealthNewcomer))).scalars()}
    names = {m.id: m.name for m in (await hearth.services.identity.members_by_id(list(rows))).values()}
    by_name = {names[i]: row for i, row in rows.items()}
    assert by_name["fay"].first_message_at is not None and by_name["fay"].first_reply_at is None
    dan = by_name["dan"]
    assert dan.first_message_at is not None and dan.first_reply_at is not None
    assert (dan.first_reply_at - dan.first_message_at).total_seconds() == 15 * 60
    erin = by_name["erin"]
    assert erin.first_message_at is not None and erin.first_reply_at is not None
    assert (erin.first_reply_at - erin.first_message_at).total_seconds() == 15 * 60
    replier = await hearth.services.identity.members_by_id([erin.first_reply_by or 0])
    assert [m.name for m in replier.values()] == ["amy"]


async def test_a_reaction_taken_back_and_given_again_counts_once(console: ConsoleDriver) -> None:
    """As on Discord (the reaction keyed by message, member and emoji): on Slack and the console each reaction had an
    id of its own, and "used to: … 2 reactions" counted one reaction twice."""
    await console.run(
        "@mod is moderator\n@alice: hi\n@bob: hello\n@alice reacts 👍 to @bob\n@alice removes 👍 from @bob\n"
        "@alice reacts 👍 to @bob\nwait 20d\n@bob: still here"
    )
    assert "@alice — last seen 04 Mar; used to: 1 message, 0 replies, 1 reaction on 1 day" in await console.run(
        "@mod: /health at-risk"
    )


async def test_at_risk_lists_the_quiet_regular_with_what_they_used_to_do(
    hearth: Hearth, console: ConsoleDriver
) -> None:
    await console.run("@mod is moderator\n@alice: hi\n@alice reacts 👍 to @alice\n@bob: hi\n@carol: hi\n@carol leaves")
    await console.run("wait 20d\n@bob: still here")
    said = await console.run("@mod: /health at-risk")
    # Tue 24 Mar: alice was last active on 04 Mar (inside the 30 days before the last 14); carol left.
    assert "1 member active in the previous 30 days, silent for 14" in said
    assert "@alice — last seen 04 Mar; used to: 1 message, 0 replies, 1 reaction on 1 day" in said
    assert "@bob" not in said.split("silent for 14", 1)[1] and "@carol" not in said
    await console.run("@mod: /health reached-out @alice")
    said = await console.run("@mod: /health at-risk")
    assert "on 1 day · reached out 24 Mar" in said
    said = await console.run("@mod: /health show 30d")
    # States on 24 Mar: bob active, alice at risk, mod dormant (never active, here 20 days); on 22 Feb nobody was.
    assert (
        "new 0 (+0), consistently active 0 (+0), active 1 (+1), returned 0 (+0), paused 0 (+0), at risk 1 (+1), "
        "dormant 1 (+1)"
    ) in said


async def test_member_states_count_from_the_day_members_joined_not_the_day_hearth_first_saw_them(
    console: ConsoleDriver,
) -> None:
    """A tester gave members history (`joined DATE` lines) and levels, and `/health show` called them all new."""
    await console.run(
        """
        @mod is moderator
        @alice joined 2025-01-10
        @bob joined 2026-02-25
        @alice: hello
        @bob: hi
        wait 20d
        @alice: still here
        @carol joins
        @carol: hi, new here
        @dora joined 2026-03-18
        """
    )
    said = await console.run("@mod: /health show 7d")
    # Tue 24 Mar, the period 18-24 Mar. mod: named by a script line (join date unknown), never active: dormant.
    # alice (joined 2025) active today and on 4 Mar: active. bob (joined 25 Feb, 27 days ago) active only on
    # 4 Mar: at risk. carol joined today and dora on the 18th: new. On 17 Mar, the day before the period:
    # alice and bob had been active 13 days before (paused), mod dormant, carol and dora not yet members.
    assert "Members 5 · joined 1 · left 0 · active 2" in said
    assert (
        "new 2 (+2), consistently active 0 (+0), active 1 (+1), returned 0 (+0), paused 0 (-2), at risk 1 (+1), "
        "dormant 1 (+0)"
    ) in said


async def test_a_join_date_counts_as_that_day_west_of_utc(console: ConsoleDriver) -> None:
    """tester-l: in Los Angeles, a member of `@dora joined 2026-03-05` was no longer new on 18 Mar, the 14th day:
    the date, kept as midnight UTC, read as the afternoon of 4 Mar there."""
    await console.run(
        "@admin is admin\n@admin: /config set timezone America/Los_Angeles\nwait 1d\n@dora joined 2026-03-05\nwait 13d"
    )
    said = await console.run("@admin: /health show 7d")
    # Wed 18 Mar (05:00 in Los Angeles): new is joined on 5-18 Mar, so dora is new, as she was on 11 Mar.
    assert "(12 Mar – 18 Mar)" in said
    assert (
        "new 1 (+0), consistently active 0 (+0), active 0 (+0), returned 0 (+0), paused 0 (+0), at risk 0 (+0), "
        "dormant 1 (+0)"
    ) in said


async def test_members_who_joined_the_same_evening_are_new_alike_across_a_clock_change(
    console: ConsoleDriver,
) -> None:
    """A tester's two members joined on Wed 4 Mar in New York, at 07:00 and 23:30 EST; on Wed 18 Mar (EDT since
    the 8th) the one of 23:30 was still new and the other not: 14 days of UTC hours back from midnight ended at
    23:00 EST on the 4th."""
    await console.run(
        """
        @admin is admin
        @admin: /config set timezone America/New_York
        @yan joins
        wait 16h30m
        @xia joins
        wait 13d13h30m
        """
    )
    said = await console.run("@admin: /health show 7d")
    # Wed 18 Mar, the period 12-18 Mar. New: joined on one of the last 14 days, 5-18 Mar; both joined on the 4th,
    # so both are dormant, with admin (never active). On Wed 11 Mar, the day before the period, both were new.
    assert "(12 Mar – 18 Mar)" in said
    assert (
        "new 0 (-2), consistently active 0 (+0), active 0 (+0), returned 0 (+0), paused 0 (+0), at risk 0 (+0), "
        "dormant 3 (+2)"
    ) in said


async def test_an_unanswered_first_post_alerts_the_moderators_once(console: ConsoleDriver) -> None:
    await console.run("@mod is admin\n@mod: /config set mod_channel channel:#mods\n@dan joins\n@erin joins")
    await console.run("@dan: hello? anyone?\n@erin: hi!\n@erin: I'm erin\nwait 1h\n@amy replies to @erin: welcome erin")
    assert "[#mods]" not in await console.run("wait 2h")
    said = await console.run("wait 1h\nwait 2d")
    assert said.count("[#mods]") == 1
    assert "@dan's first post in #general has had no reply for 4 hours" in said


async def test_a_late_unanswered_alert_says_how_long_the_post_has_really_waited(console: ConsoleDriver) -> None:
    """A tester set `mod_channel` three weeks after two newcomers' unanswered hellos: both alerts said their posts
    had had no reply "for 4 hours"."""
    await console.run("@mod is admin\n@dan joins\n@dan: hello?\nwait 14d\n@erin joins\n@erin: hi?\nwait 6d")
    said = await console.run("@mod: /config set mod_channel channel:#mods\nwait 20m")
    assert re.findall(r"^\[#mods\] .*first post.*", said, re.MULTILINE) == [
        # erin's, 6 days old, alerted on its own with its true wait; past STALE (a week), listed together after.
        "[#mods] 👋 @erin's first post in #general has had no reply for 6 days. "
        "A welcome from someone would make a difference.",
        # One post alone is a newcomer's ("1 first post of newcomers" read as a slip).
        "[#mods] 👋 1 first post of a newcomer waited over a week with no reply: @dan in #general (20 days). "
        "A late welcome still counts.",
    ]
    # Alerts switched off while fay's hello waited 7 hours, then on again: hours; gus's, on time: the setting.
    said = await console.run(
        "@mod: /config set unanswered_after 0s\n@fay joins\n@fay: anyone?\nwait 7h\n"
        "@mod: /config set unanswered_after 4h\n@gus joins\n@gus: hey\nwait 4h15m"  # the sweep: every 15 min
    )
    assert "@fay's first post in #general has had no reply for 7 hours." in said
    assert "@gus's first post in #general has had no reply for 4 hours." in said


async def test_a_moderators_channel_set_up_late_gets_one_message_for_old_unanswered_posts(
    console: ConsoleDriver,
) -> None:
    """Twelve hellos unanswered for weeks when `mod_channel` is first set: one message, not twelve alerts; every
    post is reported once (none again at the next sweeps)."""
    names = [f"n{number:02}" for number in range(12)]
    await console.run("@mod is admin\n" + "".join(f"@{name} joins\n@{name}: hello?\nwait 1h\n" for name in names))
    said = await console.run("wait 20d\n@mod: /config set mod_channel channel:#mods\nwait 1h")
    oldest_first = ", ".join(f"@{name} in #general (20 days)" for name in names[:10])
    assert re.findall(r"^\[#mods\] .*first post.*", said, re.MULTILINE) == [
        f"[#mods] 👋 12 first posts of newcomers waited over a week with no reply: {oldest_first} and 2 more. "
        "A late welcome still counts."
    ]
    assert "first post" not in await console.run("wait 1d")


async def test_no_unanswered_alert_names_a_newcomer_who_opted_out_or_left(console: ConsoleDriver) -> None:
    await console.run("@mod is admin\n@mod: /config set mod_channel channel:#mods")
    await console.run("@dan joins\n@erin joins\n@fay joins\n@gus joins")
    await console.run("@dan: hello? anyone?\n@erin: hi!\n@fay: hey there\n@gus: morning")
    # erin opts out of health figures and fay leaves before their posts are due; gus opts out after
    # (the alert is still unsent then, so he is not named either).
    await console.run("@erin: /privacy health:out\nwait 1h\n@fay leaves\nwait 2h30m\n@gus: /privacy health:out")
    said = await console.run("wait 1h\nwait 2d")
    assert re.findall(r"^\[#mods\] .*", said, re.MULTILINE) == [
        "[#mods] 👋 @dan's first post in #general has had no reply for 4 hours. "
        "A welcome from someone would make a difference."
    ]


async def test_a_first_post_that_completes_no_step_is_alerted_all_the_same(console: ConsoleDriver) -> None:
    """tester-s: on the console, a newcomer's first post made while the sweep had nothing to wait for (the `hello`
    step off, so the post wrote nothing at once) was never alerted: the sweep slept until the next write."""
    await console.run("@mod is admin\n@mod: /config set mod_channel channel:#mods\n@mod: /onboarding step hello off")
    said = await console.run("wait 1h\n@dan joins\nwait 1h\n@dan: hi, anyone here?\nwait 5h")
    assert re.findall(r"^\[#mods\] .*", said, re.MULTILINE) == [
        "[#mods] 👋 @dan's first post in #general has had no reply for 4 hours. "
        "A welcome from someone would make a difference."
    ]


async def test_a_first_post_deleted_before_any_reply_is_not_the_one_awaiting_it(console: ConsoleDriver) -> None:
    """tester-s: a newcomer's first post deleted (a spam post a moderator removed, a hello its author took back) still
    had the moderators told, hours later, that it "has had no reply", pointing at nothing; their next post is the one
    awaiting a reply now, in the alert and in time to first response."""
    await console.run("@mod is admin\n@mod: /config set mod_channel channel:#mods\n@dan joins\n@erin joins")
    await console.run("@dan: BUY CHEAP COINS\n@mod deletes last message of @dan\n@erin: hi\n@erin deletes last message")
    assert "[#mods]" not in await console.run("wait 5h")
    said = await console.run("@erin in #intros: hello, I'm erin\nwait 4h15m")
    assert re.findall(r"^\[#mods\] .*", said, re.MULTILINE) == [
        "[#mods] 👋 @erin's first post in #intros has had no reply for 4 hours. "
        "A welcome from someone would make a difference."
    ]
    said = await console.run("@dan: sorry, hello!\nwait 1h\n@amy replies to @dan: welcome dan\n@mod: /health show 7d")
    assert "median time to first response 1 hour" in said  # from his post now, not from the spam 10 hours ago


async def test_an_alert_the_moderators_channel_refuses_does_not_stop_the_rest_of_the_sweep(
    hearth: Hearth, console: ConsoleDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Until 2026-12-02 a refused alert (Hearth no longer allowed in `mod_channel`) failed the whole sweep with a
    traceback: mood counts switched off with `/config set` stayed, and every later post waited a sweep more
    (tester-q). Now the alert stays claimed, unposted, and the log says why in one line, as for the digest."""
    await console.run("@mod is admin\n@mod: /config set mod_channel channel:#mods\n@mod: /health sentiment on")
    await console.run("\n".join(f"@m{n}: what a lovely day" for n in range(5)))
    await console.run("channel #mods is read-only\n@dan joins\n@dan: hello? anyone?")
    # dan's alert falls due at 16:00, in the same sweep that deletes the mood counts switched off at 15:50.
    await console.run("wait 3h50m\n@mod: /config set health_sentiment no")
    caplog.clear()
    said = await console.run("wait 15m")
    assert "[#mods]" not in said
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(HealthMood))).scalar_one() == 0
    failures = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in failures] == [
        "could not post the unanswered-newcomer alert of community 1: I may not post in #mods (on Discord/Slack "
        "Hearth needs View Channel and Send Messages there, or to be invited)."
    ]
    assert not any(record.exc_info for record in failures)


async def test_sentiment_is_off_by_default_and_keeps_only_channel_counts_when_on(
    hearth: Hearth, console: ConsoleDriver
) -> None:
    async def moods() -> int:
        await hearth.services.activity.flush()
        async with hearth.db.read() as session:
            return int((await session.execute(select(func.count()).select_from(HealthMood))).scalar_one())

    await console.run("@mod is admin\n@ann: what a great day, thank you all!")
    assert await moods() == 0
    said = await console.run("@mod: /health mood")
    assert "Sentiment is off" in said
    await console.run("@mod: /health sentiment on")
    happy = "\n".join(f"@m{n}: I love this, wonderful work!" for n in range(5))
    await console.run(happy + "\n@x in #ideas: this is terrible\n@y in #ideas: awful, sad")
    said = await console.run("@mod: /health mood")
    assert "#general — +0.8" in said and "5 / 0 / 0" in said  # five positive messages by five members
    assert "#ideas" not in said  # two authors that day: hidden
    assert "1 channel-day with fewer than 5 authors not shown" in said
    assert files_in(said) and files_in(said)[0].read_bytes().startswith(b"\x89PNG")
    assert await moods() == 2
    await console.run("@mod: /health sentiment off")
    assert await moods() == 0


async def test_a_channel_days_authors_are_a_count_never_more_than_the_truth_across_a_restart(
    database_url: str,
) -> None:
    """Who wrote in a channel on a day is not stored, only how many: each member once, and after a restart (who
    wrote before is forgotten) the count goes on from the larger of the stored count and those seen since."""

    async def authors(hearth: Hearth) -> list[tuple[str, int, int]]:
        await hearth.services.activity.flush()
        async with hearth.db.read() as session:
            rows = await session.execute(
                select(col(HealthMood.channel), col(HealthMood.messages), col(HealthMood.authors))
            )
            return sorted((channel, messages, count) for channel, messages, count in rows)

    async with hearth_instance(database_url, START) as first:
        await first.run("@mod is admin\n@mod: /health sentiment on")
        await first.run("\n".join(f"@{name}: what a lovely day {n}" for n in range(3) for name in ("ann", "bo", "cy")))
        await first.run("@ann in #ideas: good idea")
        assert await authors(first.platform.hearth) == [("general", 9, 3), ("ideas", 1, 1)]
    async with hearth_instance(database_url, START + timedelta(hours=1)) as second:
        # ann, bo and cy again (not counted twice), then di: 4 distinct authors, and a lower bound says 3 or 4.
        await second.run("@mod is admin\n@ann: great\n@bo: great\n@cy: great\n@di: great")
        assert await authors(second.platform.hearth) == [("general", 13, 4), ("ideas", 1, 1)]
        said = await second.run("@mod: /health mood")
        assert "No channel-day to show yet" in said and "(2 channel-days hidden.)" in said
        await second.run("@ed: wonderful")
        assert await authors(second.platform.hearth) == [("general", 14, 5), ("ideas", 1, 1)]
        said = await second.run("@mod: /health mood")
        assert "#general — +" in said
        await second.run("@mod: /health sentiment off\n@mod: /health sentiment on\n@ann: hello again")
        # What was counted went with the counts: one author now, not six.
        assert await authors(second.platform.hearth) == [("general", 1, 1)]


async def test_inviting_again_before_an_answer_sends_the_same_invitation(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """Two invitations to one role could both be accepted; the second now re-sends the first (its new grant)."""
    await console.run("@mod is admin\n@vet: hi\n@mod: /ladder invite @vet mentor")
    said = await console.run("@mod: /ladder invite @vet mentor grant:&mentors")
    assert "[only @mod] @vet had not answered the invitation to be a mentor yet: I sent it to them again" in said
    assert said.count("[dm @vet]") == 1
    said = await console.run('@vet clicks "Accept"')
    assert "[roles] @vet now has the role &mentors" in said
    async with hearth.db.read() as session:
        rows = await session.execute(select(col(LadderInvitation.status)))
        assert list(rows.scalars()) == ["accepted"]
    said = await console.run("@mod: /ladder invite @vet mentor")  # answered: a new invitation
    assert "Invited @vet to be a mentor" in said


async def test_an_admin_cannot_invite_themselves_to_a_ladder_role(console: ConsoleDriver, hearth: Hearth) -> None:
    """An admin could invite themselves (and, accepting, be given the invitation's role): refused, nothing
    recorded or sent; volunteering is the way to offer oneself."""
    said = await console.run("@mod is admin\n@mod: /ladder invite @mod mentor grant:&mentors")
    assert "[only @mod] You can't invite yourself. To offer to be a mentor, use `/ladder volunteer mentor`" in said
    assert "[dm @mod]" not in said and "[Accept]" not in said
    async with hearth.db.read() as session:
        assert list((await session.execute(select(col(LadderInvitation.status)))).scalars()) == []


async def test_meeting_in_a_pairing_ritual_is_taking_part_in_a_ritual(console: ConsoleDriver) -> None:
    """Until 2026-12-02 a pairing's "Yes, we met" counted nowhere in health: `/ritual history` said 2 took part, and
    `/health show` "ritual participation 0%", and no one who met was a ladder `host` (tester-q). A "Not this time"
    still counts for nobody."""
    await console.run(
        """
        @mod is admin
        @mod: /config set ladder_days 1
        @mod: /config set ladder_thanks 0
        @alice joined 2026-01-05
        @bob joined 2026-01-05
        @carol joined 2026-01-05
        @mod: /ritual create coffee #general "daily at 13:00" kind:pairing window:1h
        @alice: /ritual join coffee
        @bob: /ritual join coffee
        @carol: /ritual join coffee
        @alice: hi
        @bob: hi
        @carol: hi
        wait 2h
        @alice clicks "Yes, we met"
        @carol clicks "Not this time"
        """
    )
    said = await console.run("@mod: /ritual history coffee\n@mod: /health show 7d\n@mod: /ladder candidates host")
    assert "posted · 2 took part" in said
    assert "ritual participation 67% (2/3)" in said  # alice and bob, who met; carol said no
    assert "@alice — active 1 day, thanked by 0 members, 0 replies, 1 ritual, 0 welcomes" in said
    assert "@bob — active 1 day, thanked by 0 members, 0 replies, 1 ritual, 0 welcomes" in said
    assert "@carol" not in said.split("Candidates", 1)[1]


async def test_ladder_candidates_name_the_planted_veteran_not_the_busy_newcomer(console: ConsoleDriver) -> None:
    setup = "@mod is admin\n@mod: /config set ladder_days 5\n@mod: /config set ladder_thanks 2\n"
    veteran = "@vet: hi\n" + "".join(f"wait 1d\n@vet: day {n}\n" for n in range(1, 6))
    thanks = "@amy: /kudos @vet thanks\n@bob: /kudos @vet thanks\n"
    newcomer = "@newbie joins\n" + "".join(f"@newbie: busy {n}\n@newbie: more {n}\nwait 1d\n" for n in range(6))
    newcomer += "@amy: /kudos @newbie thanks\n@bob: /kudos @newbie thanks\n"
    await console.run(setup + veteran + thanks + "wait 25d\n" + newcomer)
    said = await console.run("@mod: /ladder candidates")
    assert "@vet — active 6 days, thanked by 2 members" in said
    assert "@newbie" not in said
    said = await console.run("@mod: /ladder candidates welcomer")
    assert "No candidates for welcomer yet" in said
    # A volunteer the rules do not pick is named all the same (`/ladder volunteer` says moderators will see it;
    # until 2026-12-01 only candidates showed whether they had volunteered).
    said = await console.run("@newbie: /ladder volunteer welcomer\n@mod: /ladder candidates welcomer")
    assert "No candidates for welcomer yet" in said
    assert "Volunteered, not picked by the rules: @newbie (welcomer)" in said
    assert "@newbie" not in await console.run("@mod: /ladder candidates host")
    said = await console.run("@mod: /ladder candidates wizard")
    assert "is not one of this community's roles" in said


async def test_a_volunteer_out_of_health_figures_is_still_named_to_moderators(console: ConsoleDriver) -> None:
    """tester-l: a member out of health figures (`/privacy health:out`) volunteered and was told "The moderators
    will see it", but `/ladder candidates` named nobody: volunteering is their own offer to the moderators."""
    said = await console.run(
        "@mod is admin\n@alice: /privacy health:out\n@alice: /ladder volunteer mentor\n@mod: /ladder candidates"
    )
    assert "The moderators will see it." in said
    assert "Volunteered, not picked by the rules: @alice (mentor)" in said
    said = await console.run("@alice leaves\n@mod: /ladder candidates")
    assert "@alice" not in said


async def test_a_ladder_invitation_is_answered_once_and_grants_the_role(console: ConsoleDriver) -> None:
    said = await console.run("@mod is admin\n@vet: hi\n@mod: /ladder invite @vet mentor grant:&mentors")
    assert "[dm @vet]" in said and "[Accept] [Decline]" in said
    said = await console.run('@vet clicks "Accept"')
    assert "[roles] @vet now has the role &mentors" in said
    assert "Welcome aboard as mentor" in said
    assert "[dm @mod] @vet accepted your invitation to be a mentor." in said
    said = await console.run('@vet clicks "Decline"')
    assert "already answered this invitation (accepted)" in said
    assert "[dm @mod]" not in said
    said = await console.run("@vet: /ladder volunteer host\n@vet: /ladder volunteer host")
    assert "Thank you for volunteering as host" in said and "already volunteered" in said


async def test_the_inviter_hears_when_the_accepted_role_could_not_be_given(console: ConsoleDriver) -> None:
    said = await console.run(
        "@mod is admin\n@vet: hi\nbot cannot grant &mentors\n@mod: /ladder invite @vet mentor grant:&mentors"
    )
    assert "[only @mod] I'm not allowed to grant &mentors" in said and "Nothing was changed." in said
    assert "[dm @vet]" not in said  # refused when chosen, not when accepted
    # Allowed when invited, the permission taken away before the accept:
    await console.run(
        "bot can grant &mentors\n@mod: /ladder invite @vet mentor grant:&mentors\nbot cannot grant &mentors"
    )
    said = await console.run('@vet clicks "Accept"')
    assert "[dm @mod] @vet accepted your invitation to be a mentor. I could not give them the role:" in said


async def test_a_declined_invitation_is_told_to_its_inviter_in_the_mods_channel_when_dms_are_closed(
    console: ConsoleDriver,
) -> None:
    await console.run("@mod is admin\n@mod: /onboarding channel mods #mods\n@vet: hi\n@mod: /ladder invite @vet host")
    said = await console.run('@mod closes dms\n@vet clicks "Decline"')
    assert "[only @vet] No problem at all — thanks for letting us know." in said
    assert "[#mods]" in said and "@vet declined your invitation to be a host." in said


async def _digests(hearth: Hearth) -> list[tuple[str, bool]]:
    async with hearth.db.read() as session:
        rows = await session.execute(
            select(col(HealthDigest.week), col(HealthDigest.posted)).order_by(col(HealthDigest.week))
        )
        return [(str(week), posted) for week, posted in rows]


async def test_the_weekly_digest_is_posted_once_on_monday_morning_in_the_communitys_zone(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    setup = (
        "@mod is admin\n@mod: /config set mod_channel channel:#mods\n@mod: /config set timezone Europe/Berlin\n"
        "@mod: /config set health_digest yes\n@alice: hello\n"
    )
    await console.run(setup)
    # From Wed 04 Mar 12:00 UTC to Mon 09 Mar 07:59 UTC = 08:59 in Berlin: not yet.
    assert "[#mods]" not in await console.run("wait 4d19h59m")
    said = await console.run("wait 16m")  # 09:15 in Berlin
    assert said.count("[#mods] Weekly health digest — last week (02 Mar – 08 Mar)") == 1  # Monday to Sunday
    assert "At risk nobody" in said and "Ladder candidates nobody yet" in said
    said = await console.run("wait 6d23h")  # to Monday 16 Mar 08:15 in Berlin: nothing more
    assert "[#mods]" not in said
    said = await console.run("wait 2h")
    assert said.count("[#mods] Weekly health digest — last week (09 Mar – 15 Mar)") == 1
    # A digest that could not be posted stays claimed (never twice) but not posted: the log says why.
    said = await console.run("channel #mods is read-only\nwait 7d")
    assert "Weekly health digest" not in said
    assert await _digests(hearth) == [("2026-03-09", True), ("2026-03-16", True), ("2026-03-23", False)]


async def test_a_monday_missed_skips_that_digest_instead_of_posting_it_mid_week(
    new_runtime: NewRuntime, clock: VirtualClock
) -> None:
    """The tester's case: set up on a Tuesday morning, Hearth not running the Monday before. The digest of the
    week before is not posted mid-week; the next Monday's is, covering Monday to Sunday."""
    clock.set(datetime(2026, 3, 10, 5, 0, tzinfo=UTC))  # Tuesday
    runtime = await new_runtime()
    console = console_driver(runtime)
    await runtime.hooks_done()
    said = await console.run(
        "@mod is admin\n@mod: /config set mod_channel channel:#mods\n@mod: /config set health_digest yes\n"
        "@alice: hello\nwait 2h\nwait 5d"  # to Sunday 15 Mar 07:00
    )
    assert "[#mods] Weekly" not in said
    said = await console.run("wait 1d2h")  # Monday 16 Mar 09:00
    assert said.count("[#mods] Weekly health digest — last week (09 Mar – 15 Mar)") == 1


async def test_time_to_first_response_counts_the_first_messages_of_the_period_whenever_they_joined(
    console: ConsoleDriver,
) -> None:
    """A tester: dan joined on 4 Mar, said his first hello on the 14th and was answered 2 hours later, and
    `/health show 7d` on the 14th had no time to first response at all (only newcomers who joined in the
    period were looked at; the glossary counts newcomers' first messages in the period)."""
    await console.run(
        """
        @mod is moderator
        @dan joins
        @gus joins
        @gus: hi
        wait 3d
        @amy replies to @gus: welcome gus
        wait 7d
        @dan: hello, finally saying hi
        @fay joins
        @fay: hey all
        wait 2h
        @amy replies to @dan: welcome dan!
        """
    )
    said = await console.run("@mod: /health show 7d")
    # Sat 14 Mar, the period 08-14 Mar. First messages in it: dan's (joined before, answered after 2 h) and
    # fay's (unanswered). gus's first message (4 Mar, answered on the 7th) is before the period.
    assert "median time to first response 2 hours · answered within 1 h 0% (0/2) · within 24 h 50% (1/2)" in said
    # The funnel and activation stay those of the period's newcomers: fay alone.
    assert "joined 1 → rules 0 → first message 1 → first reply 0" in said
    said = await console.run("@dan: /privacy health:out\n@mod: /health show 7d")
    assert "median time to first response – · answered within 1 h 0% (0/1) · within 24 h 0% (0/1)" in said


async def test_distinct_givers_leave_out_members_who_opted_out_of_health_figures(console: ConsoleDriver) -> None:
    await console.run("@mod is moderator\n@alice: hi\n@bob: hi\n@carol: hi")
    await console.run("@bob: /kudos @alice thanks\n@carol: /kudos @alice thanks too\n@carol: /privacy health:out")
    said = await console.run("@mod: /health show 7d")
    # alice, bob and carol were active; carol is counted in that anonymous total only. alice was thanked
    # (1 of the 2 active members who did not opt out); bob gave, and carol's kudos do not make her a giver.
    assert "Members 4 · joined 0 · left 0 · active 3" in said
    assert "recognised 50% (1/2) of active members · 1 distinct giver ·" in said


async def test_kudos_taken_back_recognise_nobody_in_the_figures_nor_on_the_ladder(console: ConsoleDriver) -> None:
    """A tester removed a 🙌 within the grace period and a moderator voided a ring's kudos: `/rank` no longer
    counted them, but `/health show` still called their receiver recognised and their givers givers, and
    `/ladder candidates` still counted their givers among those who thanked."""
    await console.run(
        "@mod is admin\n@mod: /config set ladder_days 2\n@mod: /config set ladder_thanks 2\n"
        "@alice: hi\n@bob: hi\n@carol: hi\n@dan: hi\nwait 28d"
    )
    said = await console.run(
        "@alice: still here\n@bob: me too\n@carol: and me\n@dan: hello\n"
        "@bob reacts 🙌 to @alice\n@bob removes 🙌 from @alice\n"  # within reaction_grace: taken back
        "@carol: /kudos @alice thanks\n@dan: /kudos @bob thanks\n@carol: /kudos @bob thanks too"
    )
    voided = re.findall(r"kudos #(\d+)", said)[0]  # carol's to alice
    await console.run(f"@mod: /recognition void {voided} ring")
    said = await console.run("@mod: /health show 7d")
    # Active in 26 Mar - 01 Apr: alice, bob, carol, dan. Standing kudos: dan's and carol's to bob.
    assert "recognised 25% (1/4) of active members · 2 distinct givers ·" in said
    said = await console.run("@mod: /ladder candidates")
    # alice was thanked by nobody once both kudos were taken back; bob by carol and dan.
    assert "@bob — active 2 days, thanked by 2 members" in said
    assert "@alice" not in said


async def test_kudos_taken_back_stay_taken_back_once_their_receiver_deleted_their_data(console: ConsoleDriver) -> None:
    """tester-v: alice's 🙌 to carol, removed within the grace period, made alice no giver, until carol ran
    `/mydata delete`: the void that took it back was carol's row, and went with her data, so alice became
    `1 distinct giver` for kudos nobody holds."""
    await console.run(
        "@mod is moderator\n@carol: my message\n@alice reacts 🙌 to @carol\n@alice removes 🙌 from @carol\n"
        '@carol: /mydata delete\n@carol clicks "Delete my data"'
    )
    said = await console.run("@mod: /health show 7d")
    assert "Members 2 · joined 0 · left 0 · active 1" in said  # mod and alice; carol's counts went with her
    assert "recognised 0% (0/1) of active members · 0 distinct givers ·" in said


async def test_a_member_who_left_is_neither_invited_to_a_role_nor_noted_as_reached_out_to(
    console: ConsoleDriver,
) -> None:
    """A tester invited a member who had left to be a mentor: the invitation went to their DMs all the same."""
    said = await console.run(
        "@mod is admin\n@alice: hi\n@alice leaves\n@mod: /ladder invite @alice mentor\n@mod: /health reached-out @alice"
    )
    assert "[dm @alice]" not in said
    assert "[only @mod] alice is no longer a member, so they can't be invited to a role." in said
    assert "[only @mod] alice is no longer a member: `/health at-risk` lists only members who are here." in said
    said = await console.run("@alice joins\n@mod: /ladder invite @alice mentor\n@mod: /health reached-out @alice")
    assert "[dm @alice] Hi @alice! @mod invites you to be a mentor" in said
    assert "Noted: you reached out to @alice" in said


async def test_retention_still_counts_a_leaver_once_their_data_is_anonymised(console: ConsoleDriver) -> None:
    """A tester's hand count: once `departed_retention` anonymised a newcomer who left, their cohort lost them
    and its retention rose (`(1): 100%` for a week of two where one came back)."""
    await console.run(
        "@admin is admin\n@gil joins\n@gil: hello, I am gil\n@ivy joins\n@ivy: hello, I am ivy\n"
        "wait 7d\n@gil: a week on\nwait 1d\n@ivy leaves"
    )
    before = await console.run("@admin: /health show 30d")
    assert "02 Mar (2): 50%" in before  # the week of Monday 2 March: gil came back in the next, ivy did not
    said = await console.run("wait 31d\n@admin: /health show 90d")
    assert "02 Mar (2): 50%" in said


async def test_member_states_of_a_past_period_stay_as_they_were_once_a_leaver_is_anonymised(
    console: ConsoleDriver,
) -> None:
    """tester-a: anonymising dropped the platform's join date, so a member there for a year counted as joined the
    day Hearth first saw them: the same 90 days read `dormant 2 (+0)`, then `dormant 2 (+1)` two hours later."""
    await console.run(
        "@admin is admin\n@zed joined 2025-01-01\n@amy joined 2025-01-01\n@zed: hello\n@amy: hello\n"
        "wait 28d\n@zed leaves\nwait 29d 23h"
    )
    before = await console.run("@admin: /health show 90d")
    assert "dormant 2 (+0)" in before
    said = await console.run("wait 2h\n@admin: /health show 90d")
    assert "dormant 2 (+0)" in said


async def test_a_leaver_new_in_a_past_period_stays_new_there_once_anonymised(console: ConsoleDriver) -> None:
    """tester-v: anonymising dropped the platform's join date, and with it that the join was known: dan, who had
    joined three days before the period began, read `new 0 (-1)`, then `new 0 (+0), active 0 (-1)` an hour
    later, once `departed_retention` had anonymised him (only a known join makes a member new)."""
    await console.run(
        "@admin is admin\n@admin: /config set departed_retention 1d\n@dan joins\n@dan: hello\n"
        "wait 9d\n@dan leaves\nwait 23h"
    )
    # Window Sun 08 to Sat 14 Mar; on the day before it began (Sat 07) dan, joined Wed 04, was new.
    before = await console.run("@admin: /health show 7d")
    assert "new 0 (-1)" in before and "active 0 (+0)" in before
    said = await console.run("wait 2h\n@admin: /health show 7d")
    assert "(08 Mar – 14 Mar)" in said
    assert "new 0 (-1)" in said and "active 0 (+0)" in said


async def test_ladder_show_counts_who_joined_in_the_month_as_new_not_moved_up(console: ConsoleDriver) -> None:
    """March: old spoke one day (explorer). April: old spoke on two days (participant: moved up); new joined on
    April 2 and spoke on two days (participant, but new: until 2026-12-01 listed as moved up); quiet spoke in
    March on two days and not in April (participant → explorer: moved down). Shown in May for April."""
    said = await console.run(
        """
        @mod is admin
        @old joined 2026-01-10
        @quiet joined 2026-01-10
        @old: hi
        @quiet: hi
        wait 1d
        @quiet: again
        wait 27d
        @old: april one
        wait 1d
        @old: april two
        @new joins
        @new: hello
        wait 1d
        @new: hello again
        wait 30d
        @mod: /ladder show
        """
    )
    assert "Participation ladder — April 2026" in said
    assert "explorer 2 · participant 2 · contributor 0 · leader 0" in said  # mod, quiet; old, new
    assert "Moved up: @old (participant)" in said
    assert "Moved down: @quiet (explorer)" in said
    assert "Held: 1 member" in said  # mod
    assert "Joined in April: @new (participant)" in said


async def test_ladder_show_counts_a_join_date_as_that_day_west_of_utc(console: ConsoleDriver) -> None:
    """tester-l: in Los Angeles, `@ana joined 2026-04-01` read as 31 March (midnight UTC is the afternoon before
    there): April's ladder compared her with March instead of listing her as joined in April."""
    said = await console.run(
        """
        @mod is admin
        @mod: /config set timezone America/Los_Angeles
        wait 28d
        @ana joined 2026-04-01
        @ana: hi
        wait 1d
        @ana: again
        wait 30d
        @mod: /ladder show
        """
    )
    assert "Participation ladder — April 2026" in said
    assert "Moved up: nobody" in said
    assert "Joined in April: @ana (participant)" in said


async def test_ladder_show_names_twenty_members_a_line_and_counts_the_rest(console: ConsoleDriver) -> None:
    """A big community moves thousands a month: more names than a message holds."""
    arrivals = "\n".join(f"@m{n:02} joins\n@m{n:02}: hello" for n in range(22))
    said = await console.run(f"@mod is admin\nwait 28d\n{arrivals}\nwait 30d\n@mod: /ladder show")
    line = next(line for line in said.splitlines() if "Joined in April:" in line)
    assert line.count("(explorer)") == 20
    assert line.endswith("@m19 (explorer) and 2 more")


async def test_ladder_show_lists_as_joined_only_members_whose_join_hearth_saw(console: ConsoleDriver) -> None:
    """A member Hearth first saw speaking in April may have been there for years: /health counts no join for them,
    and until 2026-12-01 /ladder show listed them as joined in April all the same (a tester's finding)."""
    said = await console.run(
        """
        @mod is admin
        wait 28d
        @lurker: first words
        wait 1d
        @lurker: more words
        @newbie joins
        @newbie: hello
        wait 30d
        @mod: /ladder show
        """
    )
    assert "Joined in April: @newbie (explorer)" in said
    assert "Moved up: @lurker (participant)" in said


async def test_reaching_out_is_dated_on_the_communitys_calendar(console: ConsoleDriver) -> None:
    """Until 2026-12-02 the note was dated by UTC: in Auckland, an hour into 25 Mar, it said "24 Mar" beside
    a "last seen" that is the community's day (tester-q)."""
    await console.run("@mod is admin\n@mod: /config set timezone Pacific/Auckland\n@alice: hello\nwait 20d")
    # Now Tue 24 Mar 12:00 UTC, Wed 25 Mar 01:00 in Auckland; alice spoke on 05 Mar there.
    said = await console.run("@mod: /health reached-out @alice\n@mod: /health at-risk")
    assert "Noted: you reached out to @alice on 25 Mar." in said
    assert "@alice — last seen 05 Mar; used to: 1 message, 0 replies, 0 reactions on 1 day · reached out 25 Mar" in said


async def test_a_moderator_cannot_note_reaching_out_to_themselves(console: ConsoleDriver) -> None:
    """Until 2026-12-01 `/health reached-out @you` answered "Noted: you reached out to @you" (tester-j)."""
    said = await console.run("@mod is admin\n@mod: hi\n@mod: /health reached-out @mod")
    assert "That's you: note the members you reached out to." in said
    assert "Noted" not in said


async def test_the_funnel_lists_the_checklist_steps_that_are_on(console: ConsoleDriver) -> None:
    """Until 2026-12-01 it listed every step, those switched off or with nothing to take as 0: "joined 1 → rules 0
    → interests 0 → intro 0 → first message 1", first message rising after three steps nobody could take (tester-j).
    Here: rules and interests on (an interest to choose), intro switched off though the channel is set."""
    said = await console.run(
        """
        @mod is admin
        @mod: /onboarding channel intros #intros
        @mod: /onboarding interest-add Chess role:&chess
        @mod: /onboarding step intro off
        @dan joins
        @dan clicks "I agree to the rules"
        @dan: hi
        @mod: /health show 7d
        """
    )
    assert "joined 1 → rules 1 → interests 0 → first message 1 → first reply 0" in said
