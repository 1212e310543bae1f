"""Rituals on the console, end to end: what moderators and members see, on the virtual clock.

The console clock starts on Wednesday 2026-03-04 12:00 UTC (tests/conftest.py START).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.core.standings import Leader, Measure
from bot.platforms.console import member_ref
from bot.platforms.console.script import ScriptError
from config.settings import load_settings
from tests.conftest import ConsoleDriver, console_driver, hearth_instance

SETUP = """
@admin is admin
@admin: /config set message_points 0
@mod is moderator
"""


async def test_create_preview_post_replies_streak_and_recap(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "weekdays at 09:00" prompt:"Plans for {date}?" points:5 window:3h
        """
    )
    assert "[only @mod] Ritual standup is set." in said
    assert "Schedule: every weekday (Monday to Friday) at 09:00 (UTC)" in said
    assert "Next runs: Thu 05 Mar 2026 09:00 UTC; Fri 06 Mar 2026 09:00 UTC; Mon 09 Mar 2026 09:00 UTC" in said

    said = await console.run("wait 21h\n@alice: on it\n@alice: and more\n@bob: me too\nwait 3h")
    assert "[#general] 🔔 standup\n  ┃ Plans for Thursday 5 March 2026?" in said
    assert "Reply in this channel within 3 hours to take part (+5 points)" in said
    assert "📋 standup recap: 2 members took part." in said

    # Friday and Monday: alice takes part again (third run in a row), bob only after the window.
    said = await console.run("wait 21h\n@alice: friday\nwait 3h\nwait 69h\n@alice: monday\nwait 3h\n@bob: too late")
    assert said.count("🔔 standup") == 2
    assert said.count("🔥 @alice has taken part in standup 3 times in a row!") == 1
    assert "📋 standup recap: 1 member took part. New streak milestones: @alice (3 in a row)." in said

    said = await console.run("@carol: /ritual streaks standup\n@carol: /rank @alice\n@carol: /rank @bob")
    assert "1. alice — 3 in a row" in said
    assert "2. bob — 1 in a row" not in said  # bob missed Friday: his streak broke
    alice_rank, bob_rank = said.split("bob's standing")
    assert "Points: 15" in alice_rank  # once per run, however many messages
    assert "Points: 5" in bob_rank

    said = await console.run("@carol: /ritual history standup")
    assert "Mon 09 Mar 2026 09:00 UTC — posted · 1 took part" in said
    assert "Thu 05 Mar 2026 09:00 UTC — posted · 2 took part" in said


async def test_a_schedule_typed_without_quotes_takes_the_words_that_make_it_read(console: ConsoleDriver) -> None:
    """`/ritual create standup #general daily at 09:00 Plans?` read the schedule `daily` and the prompt `at 09:00
    Plans?`, and refused: "I can't read the schedule `daily`"."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general daily at 09:00 Plans for today?
        @mod: /ritual create review #general every 2 weeks on monday at 9:30 How did the sprint go?
        """
    )
    assert "Schedule: every day at 09:00 (UTC)" in said and "Prompt: Plans for today?" in said
    assert "Schedule: every 2 weeks on Monday at 09:30 (UTC)" in said and "Prompt: How did the sprint go?" in said
    assert "can't read" not in said


async def test_ritual_edit_reads_a_schedule_and_prompt_typed_without_quotes(console: ConsoleDriver) -> None:
    """Found by a tester: `/ritual edit standup daily at 11:00` looked for a ritual called `standup daily at 11:00`,
    and `... Plans for today?` was refused: "`for` is not a time zone I know"."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "daily at 09:00" Plans?
        @mod: /ritual edit standup daily at 11:00
        @mod: /ritual edit standup #general weekdays at 12:00 Plans for today?
        """
    )
    first, second = said.split("Ritual standup is changed.")[1:]
    assert "Schedule: every day at 11:00 (UTC)" in first and "Prompt: Plans?" in first
    assert "Schedule: every weekday (Monday to Friday) at 12:00 (UTC)" in second
    assert "Prompt: Plans for today?" in second and "no ritual called" not in said


async def test_ritual_edit_reads_a_quoted_schedule_with_the_channel_left_out(console: ConsoleDriver) -> None:
    """`/ritual edit standup "daily at 11:00"`, quoted as `/ritual create` and the README write a schedule, was
    refused: "I couldn't find the channel `daily at 11:00`" (unquoted it was read), and a prompt after a schedule
    given so, quoted or not, as no channel either (a tester's findings)."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "daily at 09:00" Plans?
        @mod: /ritual edit standup "daily at 11:00"
        @mod: /ritual edit standup "weekdays at 12:00" "Plans for today?"
        @mod: /ritual edit standup daily at 13:00 Any blockers?
        @mod: /ritual edit standup "daily at 14:00" #ideas
        """
    )
    assert "couldn't find the channel" not in said
    first, second, third, fourth = said.split("Ritual standup is changed.")[1:]
    assert "Schedule: every day at 11:00 (UTC)" in first and "Prompt: Plans?" in first
    assert "Schedule: every weekday (Monday to Friday) at 12:00 (UTC)" in second
    assert "Prompt: Plans for today?" in second
    assert "Schedule: every day at 13:00 (UTC)" in third and "Prompt: Any blockers?" in third
    assert "Schedule: every day at 14:00 (UTC)" in fourth and "Channel: #ideas" in fourth


async def test_points_or_a_window_for_a_ritual_nobody_takes_part_in_are_refused(console: ConsoleDriver) -> None:
    """A spotlight's `points:10 window:2h` were kept and never used, and its card showed neither (a tester's
    finding)."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create spot #general "fridays at 16:00" kind:spotlight points:10 window:2h
        @mod: /ritual create bday #general "daily at 09:00" kind:celebration
        @mod: /ritual edit bday points:0
        """
    )
    assert (
        "[only @mod] A spotlight is not something members take part in, so it gives no points and has no answer"
        " window: leave out points and window." in said
    )
    assert "Ritual spot is set" not in said and "Ritual bday is set" in said
    assert said.rstrip().endswith("leave out points.")


async def test_an_extra_run_nobody_answers_breaks_no_streak(console: ConsoleDriver) -> None:
    """A `/ritual run-now` that stands for no scheduled run (the next is tomorrow) is an extra run: missing it
    costs no one their streak."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create daily #general "daily at 09:00" prompt:"Plans?"
        wait 22h
        @alice: plan a
        wait 1d
        @alice: plan b
        wait 1d
        @alice: plan c
        @mod: /ritual run-now daily
        wait 1d
        @alice: plan d
        wait 1d
        @alice: /rank
        @mod: /ritual streaks daily
        @mod: /ritual history daily
        """
    )
    assert "Ritual streak: 4 (daily)" in said
    assert "Sat 07 Mar 2026 10:00 UTC — extra run, posted · 0 took part" in said
    assert "1. alice — 4 in a row" in said


async def test_thread_replies_count_and_channel_messages_do_not(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create wins #wins "daily at 17:00" kind:thread prompt:"What went well this week?"
        wait 5h
        @alice in #wins thread: shipped the release
        @bob in #wins: a message outside the thread
        wait 1d
        """
    )
    assert "[#wins] 🔔 wins" in said
    assert '[#wins] thread "wins — 2026-03-04" started' in said
    assert "📋 wins recap: 1 member took part." in said


async def test_a_reply_in_a_thread_ritual_s_thread_does_not_count_for_a_prompt_in_the_same_channel(
    console: ConsoleDriver,
) -> None:
    """A tester's prompt and thread rituals shared #general: a reply in the thread ritual's thread counted for both."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create st #general "daily at 17:00" prompt:"Plans?"
        @mod: /ritual create th #general "daily at 17:00" kind:thread prompt:"Wins?"
        wait 5h
        @bob: my plans
        @carol in #general thread: a win
        wait 1d
        """
    )
    assert "📋 st recap: 1 member took part." in said
    assert "📋 th recap: 1 member took part." in said


async def test_a_thread_reply_needs_a_thread(console: ConsoleDriver) -> None:
    with pytest.raises(ScriptError, match="started no thread in #wins"):
        await console.run("@alice in #wins thread: hello?")


async def test_pairing_opt_in_trio_follow_up_and_points(console: ConsoleDriver) -> None:
    await console.run(
        SETUP
        + """
        @mod: /ritual create coffee #random "every monday at 10:00" kind:pairing points:20 window:2d
        @ann: /ritual join coffee
        @ben: /ritual join coffee
        @cat: /ritual join coffee
        @dan: /ritual join coffee
        @eve: /ritual join coffee
        @eve: /ritual leave coffee
        @eve: /ritual join coffee
        """
    )
    said = await console.run("@ann: /ritual join coffee\nwait 5d")
    assert "[only @ann] You're already in coffee." in said
    assert "[#random] ☕ coffee: this round's pairs" in said
    groups = re.findall(r"^\[group ((?:@\w+ ?)+)\] 👋", said, re.MULTILINE)
    sizes = sorted(len(group.split()) for group in groups)
    assert sizes == [2, 3]
    assert sorted(name for group in groups for name in group.split()) == ["@ann", "@ben", "@cat", "@dan", "@eve"]

    said = await console.run("wait 2d")
    assert said.count("Did you meet for coffee?") == 2
    assert "[Yes, we met] [Not this time]" in said
    pair = min(groups, key=len).split()
    first, second = (name.lstrip("@") for name in pair)
    said = await console.run(f'@{first} clicks "Yes, we met"\n@{second} clicks "Yes, we met"\n@{second}: /rank')
    assert f"[only @{first}] Wonderful! +20 points each for meeting up." in said
    assert f"[only @{second}] Already noted — glad you met!" in said
    assert "Points: 20" in said


async def test_pairing_avoids_recent_pairs(console: ConsoleDriver) -> None:
    await console.run(
        SETUP
        + """
        @mod: /ritual create coffee #random "every monday at 10:00" kind:pairing
        @ann: /ritual join coffee
        @ben: /ritual join coffee
        @cat: /ritual join coffee
        @dan: /ritual join coffee
        """
    )
    said = await console.run("wait 3w")
    groups = re.findall(r"^\[group (@\w+ @\w+)\] 👋", said, re.MULTILINE)
    assert len(groups) == 6  # three rounds of two pairs
    assert len({frozenset(group.split()) for group in groups}) == 6  # every pair is new


async def test_pairing_with_too_few_members_says_so(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create coffee #random "every monday at 10:00" kind:pairing
        @ann: /ritual join coffee
        @mod: /ritual run-now coffee
        """
    )
    assert "[#random] ☕ Not enough members have joined coffee for a pairing this time." in said
    assert "[group" not in said


async def test_spotlight_shows_top_contributors_and_most_thanked(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @bob thanks for the review
        @carol: /kudos @bob great talk
        @bob: /kudos @carol thanks
        @mod is moderator
        @mod: /ritual create spotlight #general "every friday at 16:00" kind:spotlight
        wait 3d
        @mod: /ritual history spotlight
        """
    )
    assert "[#general] 🌟 spotlight: the week of 2 March 2026" in said
    # A spotlight asks nobody to take part: its history has no "0 took part" that reads as a failure.
    assert "Fri 06 Mar 2026 16:00 UTC — posted\n" in said + "\n" and "took part" not in said
    spotlight = said[said.index("🌟 spotlight") :]
    assert "Top contributors" in spotlight
    assert "🥇 @bob — 20 points" in spotlight  # two kudos (commands earn no message points)
    assert "💛 @bob — thanked 2 times" in spotlight
    assert "💛 @carol — thanked once" in spotlight


async def test_a_spotlight_names_no_member_below_zero_as_a_top_contributor(console: ConsoleDriver) -> None:
    """A member whose week is below 0 (an adjustment took points for spam) was listed under "Top contributors",
    with a medal when among the first three (`🥉 @dave — -5 points`), in the channel (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks for the review
        @admin: /points adjust @carol -20 spam
        @admin: /points adjust @dave -5 spam
        @admin: /ritual create spot #general "every friday at 16:00" kind:spotlight
        @admin: /ritual run-now spot
        @admin: /points adjust @bob -10 mistaken kudos
        @admin: /ritual run-now spot
        """
    )
    first, quiet = said.split("🌟 spot")[1:]
    assert "🥇 @bob — 10 points" in first
    assert "dave" not in first and "carol" not in first
    assert "A quiet week — every contribution counts!" in quiet  # bob at 0 is not listed, nor those below
    assert "-5 points" not in quiet and "-20 points" not in quiet


async def test_a_birthday_shared_where_no_celebration_ritual_runs_is_not_promised_a_celebration(
    console: ConsoleDriver,
) -> None:
    said = await console.run("@alice: /birthday set 03-05")
    assert said == (
        "[only @alice] Saved: 5 March. No celebration ritual runs here yet, so it will be celebrated once moderators "
        "set one up (`/ritual create` with `kind:celebration`). Remove it with `/birthday remove`."
    )
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create party #general "daily at 08:00" kind:celebration
        @alice: /birthday set 03-05
        @mod: /ritual pause party
        @bob: /birthday set 1990-03-06
        """
    )
    assert "[only @alice] Saved: we'll celebrate you on 5 March. Remove it with `/birthday remove`." in said
    assert (
        "[only @bob] Saved: 6 March (only day and month are kept, not the year). No celebration ritual runs here yet"
        in said
    )


async def test_celebration_posts_birthdays_at_the_ritual_time(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create party #general "daily at 08:00" kind:celebration tz:Europe/Berlin
        @alice: /birthday set 03-05
        @bob: /birthday set 13-40
        @carol: /birthday set 03-05
        @carol: /birthday remove
        @dave: /birthday set 1990-03-05
        @erin: /birthday set March 5th
        @frank: /birthday set 5 mar
        @gina: /birthday set 1990-02-29
        @hank: /birthday set 0000-02-29
        wait 1d
        """
    )
    assert "[only @alice] Saved: we'll celebrate you on 5 March." in said
    assert "[only @bob] `13-40` is not a birthday; write it as MM-DD (`07-14`), YYYY-MM-DD" in said
    assert "[only @carol] Your birthday is no longer shared." in said
    # An ISO date is accepted and its year dropped (and said so); month names either way round.
    assert "[only @dave] Saved: we'll celebrate you on 5 March (only day and month are kept, not the year)." in said
    assert "[only @erin] Saved: we'll celebrate you on 5 March. Remove" in said
    assert "[only @frank] Saved: we'll celebrate you on 5 March. Remove" in said
    assert (
        "[only @gina] `1990-02-29` is not a birthday: February 29 does not exist in 1990 (it is not a leap year). "
        "A birthday needs no year: `MM-DD`."
    ) in said
    # Year 0 is no year at all (1 BC is followed by AD 1), not a year without a leap day.
    assert "[only @hank] `0000-02-29` is not a birthday: there is no year 0000. A birthday needs no year" in said
    party = said.split("🎉 party")[1]
    assert all(f"🎂 Happy birthday, @{name}!" in party for name in ("alice", "dave", "erin", "frank"))
    assert "carol" not in said.split("🎉 party")[1]
    # Next day: nobody to celebrate, so nothing is posted.
    said = await console.run("wait 1d")
    assert said == ""


async def test_a_milestone_the_channel_refuses_still_counts_the_answer_for_every_ritual(
    console: ConsoleDriver,
) -> None:
    """Until 2026-12-02 a streak milestone Hearth could not post (no longer allowed in the channel) raised out of the
    message handler: the same answer to a second ritual in that channel was not counted, and its streak broke
    (tester-q)."""
    await console.run(
        SETUP
        + """
        @mod: /ritual create alpha #general "daily at 13:00" prompt:"Alpha?" window:2h
        @mod: /ritual create beta #general "daily at 13:00" prompt:"Beta?" window:2h
        wait 1h
        @alice: one
        wait 1d
        @alice: two
        wait 1d
        channel #general is read-only
        @alice: three
        wait 3h
        """
    )
    said = await console.run("@mod: /ritual history alpha\n@mod: /ritual history beta\n@mod: /ritual streaks beta")
    assert said.count("Fri 06 Mar 2026 13:00 UTC — posted · 1 took part") == 2
    assert "1. alice — 3 in a row" in said


async def test_a_ritual_without_points_promises_none(console: ConsoleDriver) -> None:
    """Until 2026-12-02 a `points:0` ritual asked to "take part (+0 points)", and a pairing's yes answered
    "Wonderful! +0 points each for meeting up." (tester-q)."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "daily at 13:00" prompt:"Plans?" window:1h points:0
        @mod: /ritual create chat #general "daily at 13:00" prompt:"Chat!" kind:thread window:1h points:0
        @mod: /ritual create coffee #general "daily at 13:00" kind:pairing window:1h points:0
        @alice: /ritual join coffee
        @bob: /ritual join coffee
        wait 1h
        wait 1h
        @alice clicks "Yes, we met"
        """
    )
    assert "+0" not in said
    assert "Reply in this channel within 1 hour to take part\n" in said
    assert "Reply in the thread within 1 hour to take part\n" in said
    assert "[only @alice] Wonderful! Thanks for meeting up." in said


async def test_a_member_hidden_from_boards_is_not_ranked_or_announced_by_streaks(console: ConsoleDriver) -> None:
    """`/privacy boards:hide` takes a member off leaderboards and ranks of others, and tells their level-ups to them
    alone. Until 2026-12-02 `/ritual streaks` ranked them for anyone to read, and their streak milestones were
    announced in the channel and named in the recap (tester-q)."""
    said = await console.run(
        SETUP
        + """
        @alice: /privacy boards:hide
        @mod: /ritual create standup #general "daily at 13:00" prompt:"Plans?" window:2h
        wait 1h
        @alice: one
        @bob: one
        wait 1d
        @alice: two
        @bob: two
        wait 1d
        @alice: three
        @bob: three
        wait 3h
        @carol: /ritual streaks standup
        """
    )
    assert "[#general] 🔥 @bob has taken part in standup 3 times in a row!" in said
    assert "[dm @alice] 🔥 @alice has taken part in standup 3 times in a row!" in said
    assert "[#general] 🔥 @alice" not in said
    assert "standup recap: 2 members took part. New streak milestones: @bob (3 in a row)." in said
    streaks = said.split("standup streaks", 1)[1]
    assert "1. bob — 3 in a row" in streaks and "alice" not in streaks
    assert "Ritual streak: 3 (standup)" in await console.run("@alice: /rank")  # her own, as her points are


async def test_a_run_the_channel_refuses_is_recorded_failed_and_logged_in_one_line(
    console: ConsoleDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Until 2026-12-02 each refused run logged a traceback (every day, for a channel Hearth lost access to), where a
    refused recap or digest logs one line saying why (tester-q)."""
    await console.run(SETUP + '@mod: /ritual create standup #general "daily at 13:00" prompt:"Plans?"')
    caplog.clear()
    await console.run("channel #general is read-only\nwait 1h")
    assert "— failed: I may not post in #general" in await console.run("@mod: /ritual history standup")
    refused = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in refused] == [
        "ritual 1 could not post its run 1: I may not post in #general (on Discord/Slack Hearth needs View Channel "
        "and Send Messages there, or to be invited)."
    ]
    assert not refused[0].exc_info


async def test_a_frequent_ritual_an_admin_allowed_keeps_its_schedule_through_other_edits(
    console: ConsoleDriver,
) -> None:
    """Until 2026-12-02 moving a ritual an admin allowed to run every 30 minutes to another time zone or start was
    refused, "`every 30 minutes` would run every 30 minutes", to moderators and, without `frequent:yes` again, to
    admins (tester-q). A new schedule that often still needs an admin's `frequent:yes`."""
    said = await console.run(
        SETUP
        + """
        @admin: /ritual create pulse #general "every 30 minutes" prompt:"Still there?" frequent:yes
        @mod: /ritual edit pulse tz:Europe/Berlin
        @mod: /ritual edit pulse start:2026-04-01
        @mod: /ritual edit pulse schedule:"every 20 minutes"
        """
    )
    assert said.count("[only @mod] Ritual pulse is changed.") == 2
    assert "Schedule: every 30 minutes (Europe/Berlin)" in said
    assert "Next runs: Tue 31 Mar 2026 22:00 UTC;" in said  # midnight in Berlin
    assert "`every 20 minutes` would run every 20 minutes; rituals run at most once an hour." in said


async def test_answering_every_third_hourly_run_is_no_streak(console: ConsoleDriver) -> None:
    """An hourly prompt with a day to answer: a reply answers only the latest run. Until 2026-12-02 the runs missed
    in between, their windows still open, broke no streak: 3 answers in 7 runs were announced as "3 times in a
    row!" (tester-q)."""
    said = await console.run(
        SETUP
        + """
        @admin: /ritual create pulse #general hourly prompt:"Pulse" window:1d recap:off
        wait 1h5m
        @alice: one
        wait 3h
        @alice: two
        wait 3h
        @alice: three
        @mod: /ritual streaks pulse
        """
    )
    assert "in a row!" not in said
    assert "1. alice — 1 in a row" in said


async def test_prompt_none_clears_an_optional_prompt(console: ConsoleDriver) -> None:
    """A celebration's, spotlight's or pairing's prompt may be left out, but once given it could not be taken away:
    `prompt:none` (how `/config set` clears a setting) kept the word, the card read "Prompt: none", and every
    celebration opened with "none" (tester-q). A prompt ritual still needs its text."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create bday #general "daily at 13:00" kind:celebration prompt:"Party time!"
        @mod: /ritual edit bday prompt:none
        @mod: /ritual create standup #general "daily at 13:00" prompt:"Plans?"
        @mod: /ritual edit standup prompt:None
        @alice: /birthday set 03-04
        wait 1h
        """
    )
    assert "Prompt: none" not in said
    assert "A prompt ritual needs the prompt text to post" in said
    assert "[#general] 🎉 bday\n  ┃ 🎂 Happy birthday, @alice!" in said
    assert "┃ Plans?" in said


async def test_refusals_are_clear_and_change_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @admin is admin
        channel #news is read-only
        @alice: /ritual create standup #general "daily at 09:00" prompt:hi
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi tz:Mars/Olympus
        @mod: /ritual create standup #general "whenever" prompt:hi
        @mod: /ritual create standup #general "0 25 * * MON-FRI" prompt:hi
        @mod: /ritual create standup #general "every 30 minutes" prompt:hi
        @mod: /ritual create standup #general "every 30 minutes" prompt:hi frequent:yes
        @mod: /ritual create standup #news "daily at 09:00" prompt:hi
        @mod: /ritual create standup #general "daily at 09:00"
        @mod: /ritual create "stand up!" #general "daily at 09:00" prompt:hi
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi start:tomorrow
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi window:1m
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi window:0s
        @mod: /ritual list
        """
    )
    assert "[only @alice] Sorry, `/ritual create` is for moderators of this community." in said
    assert "`Mars/Olympus` is not a time zone I know. Use an IANA name such as Europe/Berlin." in said
    assert "I can't read the schedule `whenever`. Try `daily at 09:00`" in said
    assert "`0 25 * * MON-FRI` is not a cron schedule I can use: the hour field `25` should be 0-23." in said
    assert "would run every 30 minutes; rituals run at most once an hour. An admin can allow it" in said
    assert "Only an admin may allow a ritual to run more often than once an hour." in said
    assert "I can't post in #news." in said
    assert "A prompt ritual needs the prompt text to post" in said
    assert "`stand up!` can't be a ritual name" in said
    assert "`tomorrow` is not a start date; write it like 2026-03-09." in said
    assert said.count("The participation window must be between 5 minutes and 30 days.") == 2  # 1m, and 0s
    assert "[only @mod] No rituals yet." in said

    said = await console.run(
        """
        @admin: /ritual create pulse #general "every 30 minutes" prompt:"Still there?" frequent:yes
        @mod: /ritual create pulse #general "daily at 10:00" prompt:again
        """
    )
    assert "Schedule: every 30 minutes (UTC)" in said
    assert "There is already a ritual called `pulse`." in said


@pytest.mark.parametrize(
    ("start", "schedule", "zone"),
    [
        ("0001-01-01", "daily at 09:00", "Europe/Berlin"),  # before year 1 in UTC: "something went wrong"
        ("0001-01-03", "every 2 weeks on monday at 9:30", "UTC"),
        ("9999-12-31", "daily at 23:00", "America/Los_Angeles"),  # after 9999 in UTC
        ("9999-12-01", "monthly on the last day at 18:00", "UTC"),  # one run, then none Python can write
    ],
)
async def test_a_start_date_out_of_range_is_refused_and_changes_nothing(
    console: ConsoleDriver, start: str, schedule: str, zone: str
) -> None:
    said = await console.run(
        SETUP
        + f"""
        @mod: /ritual create far #general "{schedule}" prompt:hi tz:{zone} start:{start}
        @mod: /ritual create near #general "daily at 09:00" prompt:hi
        @mod: /ritual edit near start:{start} tz:{zone}
        @mod: /ritual list
        """
    )
    refusal = f"`{start}` is too far off for a start date: give a day in the years 1970 to 9000, like 2026-03-09."
    assert said.count(refusal) == 2
    assert "something went wrong" not in said
    assert "far (prompt)" not in said
    assert "near (prompt) — every day at 09:00 (UTC) in #general · next Thu 05 Mar 2026 09:00 UTC" in said


async def test_edit_pause_resume_run_now_and_delete(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi tz:Europe/Berlin
        @mod: /ritual edit standup schedule:"every 2 weeks on monday at 9:30" start:2026-03-16
        """
    )
    assert "Schedule: every 2 weeks on Monday at 09:30 (Europe/Berlin)" in said
    assert "Next runs: Mon 16 Mar 2026 08:30 UTC; Mon 30 Mar 2026 07:30 UTC; Mon 13 Apr 2026 07:30 UTC" in said

    said = await console.run(
        "@mod: /ritual pause standup\n@mod: /ritual pause standup\nwait 3w\n@mod: /ritual show standup"
    )
    assert "Paused standup." in said
    assert "`standup` is already paused." in said
    assert "🔔" not in said  # nothing fires while paused
    assert "Next runs: none (paused)" in said
    # Run now while paused: it posts, and says the schedule stays paused (until 2026-12-01 "its schedule is
    # unchanged", as if the next run would come).
    said = await console.run("@mod: /ritual run-now standup")
    assert "[#general] 🔔 standup" in said
    assert "Ran standup now; it stays paused: `/ritual resume` starts its schedule again." in said

    said = await console.run("@mod: /ritual resume standup\n@mod: /ritual run-now standup")
    assert "Resumed standup." in said
    assert "Next runs: Mon 30 Mar 2026 07:30 UTC" in said
    assert "[#general] 🔔 standup" in said
    assert "Ran standup now; its schedule is unchanged." in said

    said = await console.run("@mod: /ritual delete standup\nwait 4w\n@mod: /ritual show standup")
    assert "Deleted standup and its history" in said
    assert "🔔" not in said
    assert "There is no ritual called `standup`." in said


async def test_rituals_fire_at_local_time_across_dst(console: ConsoleDriver) -> None:
    await console.run(
        """
        @mod is moderator
        @mod: /ritual create morning #general "daily at 09:00" prompt:"Good morning" tz:Europe/Berlin window:1h
        wait 26d
        """
    )
    said = await console.run("@mod: /ritual history morning")
    # Berlin moves to summer time on Sunday 29 March: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    assert "Sat 28 Mar 2026 08:00 UTC — posted" in said
    assert "Sun 29 Mar 2026 07:00 UTC — posted" in said
    assert "Mon 30 Mar 2026 07:00 UTC — posted" in said


async def test_a_time_the_clocks_skip_shows_as_the_clocks_read_when_it_runs(database_url: str) -> None:
    """New York skips 02:30 on 8 March 2026 and the run goes out at 03:30 EDT, as `/ritual history` says; the
    card, the list and run-now's reply showed `02:30 EST`, a time that day never had."""
    async with hearth_instance(database_url, datetime(2026, 3, 8, 6, tzinfo=UTC)) as console:  # 01:00 EST
        said = await console.run(
            """
            @admin is admin
            @admin: /config set timezone America/New_York
            @admin: /ritual create standup #general "daily at 02:30" prompt:"Morning" window:1h
            @admin: /ritual list
            @admin: /ritual run-now standup
            @admin: /ritual history standup
            """
        )
    assert "Next runs: Sun 08 Mar 2026 03:30 EDT; Mon 09 Mar 2026 02:30 EDT; Tue 10 Mar 2026 02:30 EDT" in said
    assert "· next Sun 08 Mar 2026 03:30 EDT" in said
    assert "it stands for today's run at 03:30, which will not post again" in said
    assert "Sun 08 Mar 2026 03:30 EDT — posted" in said
    assert "EST" not in said


async def test_a_time_the_clocks_repeat_posts_once_that_day(database_url: str) -> None:
    """A tester's 02:30 Berlin and 01:30 New York rituals were refused in October as running "every 0 minutes",
    and (created earlier) posted twice on the day the clocks went back: once a day, at the first 02:30."""
    async with hearth_instance(database_url, datetime(2026, 10, 1, 12, tzinfo=UTC)) as console:
        said = await console.run(
            """
            @admin is admin
            @admin: /ritual create berlin230 #general "daily at 02:30" prompt:"Night {date}" tz:Europe/Berlin window:1h
            @admin: /ritual create ny130 #general "daily at 01:30" prompt:"NY {date}" tz:America/New_York window:1h
            """
        )
        assert "at most once an hour" not in said
        assert said.count("is set.") == 2
        said = await console.run("wait 33d\n@admin: /ritual history berlin230\n@admin: /ritual history ny130")
    assert said.count("Night Sunday 25 October 2026") == 1
    assert said.count("NY Sunday 1 November 2026") == 1
    assert "Sun 25 Oct 2026 00:30 UTC — posted" in said  # 02:30 summer time, the first of the two
    assert "Mon 26 Oct 2026 01:30 UTC — posted" in said  # 02:30 winter time
    assert "Sun 01 Nov 2026 05:30 UTC — posted" in said
    assert "Sun 01 Nov 2026 06:30 UTC" not in said


async def test_an_edit_later_the_same_day_does_not_post_todays_run_again(database_url: str) -> None:
    """A tester moved a daily ritual that had run at 09:00 to 11:00, then 16:00, then to New York time, and it
    posted four times that Monday: the run already posted stands for today's, so the next is tomorrow."""
    async with hearth_instance(database_url, datetime(2026, 3, 2, 8, tzinfo=UTC)) as console:
        await console.run(
            """
            @mod is moderator
            @mod: /ritual create standup #general "daily at 09:00" prompt:"Plans for {date}?"
            wait 1h30m
            """
        )
        said = await console.run('@mod: /ritual edit standup schedule:"daily at 11:00"\nwait 3h')
        assert "Next runs: Tue 03 Mar 2026 11:00 UTC;" in said
        said += await console.run('@mod: /ritual edit standup schedule:"daily at 16:00"\nwait 4h')
        said += await console.run("@mod: /ritual edit standup tz:America/New_York\nwait 1d6h")
        assert "Next runs: Tue 03 Mar 2026 21:00 UTC;" in said
        history = await console.run("@mod: /ritual history standup")
    assert said.count("Plans for Monday 2 March 2026?") == 0  # only the 09:00 run, before the edits
    assert said.count("Plans for Tuesday 3 March 2026?") == 1
    assert history.count("Mon 02 Mar 2026") == 1
    assert "Mon 02 Mar 2026 09:00 UTC — posted" in history
    assert "Tue 03 Mar 2026 21:00 UTC — posted" in history


async def test_a_ritual_paused_edited_and_resumed_the_same_day_does_not_post_todays_run_again(
    database_url: str,
) -> None:
    async with hearth_instance(database_url, datetime(2026, 3, 2, 8, tzinfo=UTC)) as console:
        await console.run(
            """
            @mod is moderator
            @mod: /ritual create standup #general "daily at 09:00" prompt:"Plans for {date}?"
            wait 1h30m
            @mod: /ritual pause standup
            @mod: /ritual edit standup schedule:"daily at 16:00"
            wait 1h
            """
        )
        said = await console.run("@mod: /ritual resume standup\nwait 1d6h")
        history = await console.run("@mod: /ritual history standup")
    assert "Next runs: Tue 03 Mar 2026 16:00 UTC;" in said
    assert said.count("Plans for Monday 2 March 2026?") == 0
    assert history.count("Mon 02 Mar 2026") == 1
    assert "Tue 03 Mar 2026 16:00 UTC — posted" in history


async def test_an_edit_moves_an_hourly_run_within_its_hour_without_posting_twice(database_url: str) -> None:
    """For a ritual that runs several times a day, the run already posted stands only for the next one when
    no occurrence of the new schedule lies between them."""
    async with hearth_instance(database_url, datetime(2026, 3, 2, 9, 50, tzinfo=UTC)) as console:
        await console.run('@mod is moderator\n@mod: /ritual create pulse #general hourly prompt:"Pulse"\nwait 20m')
        said = await console.run('@mod: /ritual edit pulse schedule:"hourly at :30"\nwait 1h30m')
        history = await console.run("@mod: /ritual history pulse")
    assert "Next runs: Mon 02 Mar 2026 11:30 UTC;" in said
    assert said.count("🔔 pulse") == 1  # 11:30; not 10:30, half an hour after the 10:00 run
    assert history.count("— posted") == 2


async def test_an_edit_moving_the_morning_run_earlier_keeps_the_evening_run(database_url: str) -> None:
    """The 09:00 run stands for the new 08:00 (nearer), not for 17:00: the evening is still posted."""
    async with hearth_instance(database_url, datetime(2026, 3, 2, 8, 30, tzinfo=UTC)) as console:
        await console.run('@mod is moderator\n@mod: /ritual create twice #general "0 9,17 * * *" prompt:Hi\nwait 1h')
        said = await console.run('@mod: /ritual edit twice schedule:"0 8,17 * * *"\nwait 8h')
    assert "Next runs: Mon 02 Mar 2026 17:00 UTC;" in said
    assert said.count("🔔 twice") == 1


async def test_a_spotlight_without_recognition_loaded_shows_a_quiet_week(
    database_url: str, clock: VirtualClock
) -> None:
    # Spotlight reads leaders through the standings port; with recognition left out nobody leads.
    runtime = build_hearth(
        load_settings(database_url=database_url, hearth_cogs="settings,rituals"), clock, VirtualScheduler(clock)
    )
    driver = console_driver(runtime)
    await runtime.start()
    try:
        said = await driver.run(
            '@mod is moderator\n@mod: /ritual create spotlight #general "every friday at 16:00" kind:spotlight\n'
            "@mod: /ritual run-now spotlight"
        )
        assert "A quiet week — every contribution counts!" in said
        assert "No kudos yet this week." in said
    finally:
        await runtime.close()
        await runtime.db.dispose()


async def test_stopping_drops_the_rituals_and_reminder_jobs(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:Plans?')
    jobs = hearth.services.scheduler.job_ids()
    assert {"ritual:1", "rituals:resync", "onboarding:sweep"} <= set(jobs)
    await hearth.close()
    assert hearth.services.scheduler.job_ids() == []


class FixedStandings:
    """A standings port with set answers: what the spotlight shows comes from the port alone."""

    def __init__(self, rows: dict[str, list[Leader]]) -> None:
        self.rows = rows

    async def leaders(
        self, community_id: int, period: str, at: datetime, zone: str, limit: int, measure: Measure = "points"
    ) -> list[Leader]:
        return self.rows[measure][:limit]


async def test_the_spotlight_reads_leaders_through_the_standings_port(console: ConsoleDriver, hearth: Hearth) -> None:
    alice = await hearth.services.identity.member(member_ref("alice"))
    hearth.services.standings = FixedStandings(
        {"points": [Leader(alice.id, 1, 42)], "kudos_received": [Leader(alice.id, 1, 7)]}
    )
    said = await console.run(
        '@mod is moderator\n@mod: /ritual create spotlight #general "every friday at 16:00" kind:spotlight\n'
        "@mod: /ritual run-now spotlight"
    )
    assert "🥇 @alice — 42 points" in said
    assert "💛 @alice — thanked 7 times" in said


async def test_a_reply_answers_only_the_latest_run_when_windows_overlap(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /ritual create pulse #general hourly prompt:"Still here?" frequent:yes
        wait 3h
        @alice: my answer
        wait 1d
        @alice: /rank
        """
    )
    # Three hourly runs were open (each with a day to answer); the one reply took part once: 5 points for
    # taking part and 1 for the message (three runs would have been 16), and no streak.
    assert "in a row" not in said
    assert "Points: 6" in said.split("Your standing")[1]


async def test_run_now_before_todays_celebration_stands_for_it(console: ConsoleDriver) -> None:
    """A tester ran a celebration by hand in the morning and saw it posted again at its time: a run-now before
    today's occurrence takes its place, so a birthday is celebrated once a day."""
    said = await console.run(
        """
        @alice: /birthday set 03-04
        @mod is moderator
        @mod: /ritual create party #general "daily at 15:00" kind:celebration
        @mod: /ritual run-now party
        wait 1d6h
        @mod: /ritual history party
        """
    )
    assert said.count("🎂 Happy birthday, @alice!") == 1
    assert (
        "Ran party now; it stands for today's run at 15:00, which will not post again; "
        "the rest of its schedule is unchanged." in said
    )
    history = said[said.index("party: recent runs") :]
    assert "Thu 05 Mar 2026 15:00 UTC — nothing to celebrate, nothing posted" in history
    assert "Wed 04 Mar 2026 15:00 UTC — posted" in history  # the run-now, as today's run
    assert "took part" not in history  # a celebration asks nobody to take part
    # Once today's run is past, a run-now is a run of its own: asked for, so it celebrates again.
    said = await console.run("@alice: /birthday set 03-05\n@mod: /ritual run-now party")
    assert said.count("🎂 Happy birthday, @alice!") == 1
    assert "Ran party now; its schedule is unchanged." in said


async def test_run_now_twice_while_the_clock_stands_still_runs_twice(console: ConsoleDriver) -> None:
    """On the console time moves only with `wait`: a second run-now in the same moment is a run of its own,
    not "has just run; try again in a moment" (a moment that never comes)."""
    said = await console.run(
        """
        @alice: /birthday set 03-04
        @mod is moderator
        @mod: /ritual create party #general "daily at 09:00" kind:celebration
        wait 1h
        @mod: /ritual run-now party
        @mod: /ritual run-now party
        @mod: /ritual history party
        """
    )
    assert "has just run" not in said
    assert said.count("🎂 Happy birthday, @alice!") == 2
    history = said[said.index("party: recent runs") :]
    assert history.count("— extra run, posted") == 2


async def test_a_ritual_name_may_be_letters_of_any_script_found_case_aside(console: ConsoleDriver) -> None:
    """`ünï` was refused as not letters; names were ASCII only, and found with SQL's lower() (A-Z only)."""
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create Ünï #general "daily at 09:00" prompt:hi
        @mod: /ritual create 読書会 #general "daily at 09:00" prompt:hi
        @mod: /ritual create straße #general "daily at 09:00" prompt:hi
        @mod: /ritual create STRASSE #general "daily at 09:00" prompt:hi
        @mod: /ritual pause ÜNÏ
        @mod: /ritual show 読書会
        @mod: /ritual create -ünï #general "daily at 09:00" prompt:hi
        """
    )
    assert "[only @mod] Ritual ünï is set." in said
    assert "[only @mod] Ritual 読書会 is set." in said
    assert "There is already a ritual called `straße`. Pick another name or `/ritual edit straße`." in said
    assert "[only @mod] Paused ünï. Resume it with `/ritual resume ünï`." in said
    assert "🗓 読書会" in said
    assert "`-ünï` can't be a ritual name: use up to 50 letters, digits, `-` or `_`, like `standup`." in said


async def test_refusals_say_what_was_wrong_in_words_that_fit(console: ConsoleDriver) -> None:
    """A blank name was 'no ritual called ``', every 0 hours 'doesn't fit in a day', 31 April the generic
    format, and a card read '(months without that day are skipped) (UTC)'."""
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual history "   "
        @mod: /ritual create often #general "every 0 hours" prompt:hi
        @mod: /ritual create often #general "every 0 minutes" prompt:hi
        @alice: /birthday set 31 April
        @alice: /birthday set February 30
        @alice: /birthday set 04-31
        @mod: /ritual create late #general "monthly on the 31st at 09:00" prompt:hi
        """
    )
    assert "[only @mod] `/ritual history` needs name. Usage: `/ritual history name`" in said  # asked for, as ""
    assert "[only @mod] Every 0 hours would never come: say every 1 to 23 hours." in said
    assert "[only @mod] Every 0 minutes would never come: say every 1 to 59 minutes." in said
    assert "[only @alice] `31 April` is not a birthday: April has 30 days." in said
    assert "[only @alice] `February 30` is not a birthday: February has 29 days at most." in said
    assert "[only @alice] `04-31` is not a birthday: April has 30 days." in said
    assert "Schedule: on day 31 of every month at 09:00 (UTC; months without that day are skipped)" in said


async def test_streaks_that_all_broke_are_not_called_none_yet(console: ConsoleDriver) -> None:
    """After a run nobody took part in, `/ritual streaks` said 'No streaks in standup yet' although there had been."""
    said = await console.run(
        SETUP
        + """
        @mod: /ritual create standup #general "daily at 09:00" prompt:hi window:3h
        @carol: /ritual streaks standup
        wait 21h
        @alice: on it
        wait 1d 4h
        @carol: /ritual streaks standup
        """
    )
    assert "[only @carol] No streaks in standup yet — take part when it next runs!" in said
    assert "[only @carol] No streak is running in standup now — take part when it next runs!" in said
