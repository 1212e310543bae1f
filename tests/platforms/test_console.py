"""Console script mode end to end: what a person typing these lines would see."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.reply import Attachment, Reply
from bot.platforms.console import channel_ref
from tests.conftest import ConsoleDriver


async def test_kudos_then_leaderboard_and_rank(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: hello everyone
        @bob: hi alice
        @alice: /kudos @bob thanks for the warm welcome
        @carol: /leaderboard
        @carol: /rank @bob
        """
    )
    assert "[#general] @bob, you got kudos from @alice!" in said
    assert "For: thanks for the warm welcome" in said
    assert "+10 points for bob · alice can give 4 more kudos today" in said
    assert "🥇 bob — 11 points" in said
    assert "🥈 alice — 1 point" in said
    assert "Rank: #1 of 2" in said
    assert "Kudos received: 1" in said


async def test_a_click_reaches_no_button_from_before_the_members_last_command(console: ConsoleDriver) -> None:
    """A command's answer is what the member is looking at: `clicks "Next"` after a `/rank` does not page the
    board she asked for earlier; it is refused privately and the script goes on."""
    seed = "\n".join(f"@admin: /points adjust @m{n} {n * 10} seed" for n in range(1, 13))
    said = await console.run(f'@admin is admin\n{seed}\n@m1: /leaderboard all\n@m1 clicks "Next"')
    assert "Page 2 of 2" in said
    said = await console.run('@m1: /rank\n@m1 clicks "Previous"\n@m1: hello')
    assert "Page 1 of 2" not in said
    assert (
        '[only @m1] No message you can see since your last command has a "Previous" button, so nothing was pressed.'
    ) in said
    said = await console.run('@m1: /leaderboard all\n@m1 clicks "Next"')  # a new board pages as before
    assert "Page 2 of 2" in said
    # The last page has no Next: the page before it is not reached for.
    said = await console.run('@m1 clicks "Next"')
    assert (
        said == '[only @m1] The latest message with buttons you can see has no "Next" button, so nothing was pressed.'
    )
    said = await console.run('@m1 picks "Python"')
    assert said == "[only @m1] No message you can see since your last command has a menu, so nothing was picked."


async def test_refusals_are_private_and_change_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @alice: /kudos @alice for being me
        @alice: /kudos
        @alice: /leaderboard period:decade
        @alice: /nope
        @alice: /leaderboard all
        """
    )
    assert "[only @alice] You can't give kudos to yourself" in said
    assert (
        "[only @alice] `/kudos` needs member. Usage: `/kudos member [reason] [member2] [member3] [member4] [member5]`"
    ) in said
    # tester3 #10: in the README's words.
    assert "[only @alice] `decade` is not a period; use week, month, quarter, year, all or season." in said
    assert "[only @alice] I don't know the command `/nope`" in said
    assert "No points yet" in said


async def test_a_refused_yes_no_or_on_off_choice_reads_as_a_sentence(console: ConsoleDriver) -> None:
    """Options named by an adjective or a verb read 'is not a recap', 'is not an around' before."""
    said = await console.run(
        """
        @mod is admin
        @alice: /leaderboard around:you
        @mod: /ritual create daily #general "daily at 09:00" prompt:"Hi" recap:maybe
        @mod: /ritual create daily #general "daily at 09:00" prompt:"Hi" frequent:maybe
        @mod: /onboarding intro-field pronouns required:maybe
        """
    )
    assert said.splitlines() == [
        "[only @alice] `you` is not a choice for around; use me.",
        "[only @mod] `maybe` is not a choice for recap; use on or off.",
        "[only @mod] `maybe` is not a choice for frequent; use yes or no.",
        "[only @mod] `maybe` is not a choice for required; use yes or no.",
    ]


async def test_help_gives_every_welcome_placeholder(console: ConsoleDriver) -> None:
    said = await console.run("@mod is moderator\n@mod: /help")
    line = next(line for line in said.splitlines() if "`/onboarding message text`" in line)
    assert "{member} {community} {rules_channel} {welcome_channel} {intros_channel} {welcomer}" in line
    assert len(line.split(" — ", 1)[1]) <= 100  # the description, whole on Discord


async def test_help_lists_what_the_member_may_run(console: ConsoleDriver) -> None:
    said = await console.run("@alice: /help\n@root is admin\n@root: /help")
    member_help, admin_help = said.split("[only @root]")
    assert (
        "`/kudos member [reason] [member2] "
        "[member3] [member4] [member5]` — Thank a member (or up to 5 at once), with a reason"
    ) in member_help
    assert "/config set" not in member_help
    assert "`/config set key [value] [channel]`" in admin_help


async def test_overlong_reason_is_refused(console: ConsoleDriver) -> None:
    said = await console.run(f"@alice: /kudos @bob {'x' * 301}\n@bob: /rank")
    assert "[only @alice] Reason is 301 characters long; the limit is 300." in said
    assert "Kudos received: 0" in said


async def test_daily_allowance_says_when_it_resets(console: ConsoleDriver) -> None:
    # START is 12:00 UTC, so the allowance resets in 12 hours.
    lines = "\n".join(f"@alice: /kudos @member{n} thanks" for n in range(6))
    said = await console.run(lines)
    assert "alice can give no more kudos today" in said
    assert (
        "[only @alice] You've given all 5 of your kudos for today. They reset at midnight (UTC), in 12 hours." in said
    )
    said = await console.run("wait 12h\n@alice: /kudos @member5 thanks")
    assert "alice can give 4 more kudos today" in said


async def test_activity_earns_once_per_cooldown(console: ConsoleDriver) -> None:
    await console.run(
        """
        @dana: one
        @dana: two
        @dana in #ideas: three
        wait 61s
        @dana: four
        """
    )
    said = await console.run("@dana: /rank")
    assert "Points: 2" in said


async def test_config_needs_an_admin_and_validates(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /config set kudos_points 3
        @mod: /config show
        @admin is admin
        @admin: /config set timezone Mars/Olympus
        @admin: /config set kudos_points lots
        @admin: /config set colour blue
        @admin: /config set kudos_points 3
        @admin: /config set announcement_channel channel:#news
        @alice: /kudos @bob nice
        """
    )
    assert "[only @mod] Sorry, `/config set` is for admins of this community." in said
    assert "kudos_points: 10" in said
    assert "unknown time zone `Mars/Olympus`" in said
    assert "`lots` is not a valid value for `kudos_points`" in said
    assert "`colour` is not a key; use timezone, announcement_channel" in said
    # The answer is the one setting that changed, not the whole card.
    assert "Done: `kudos_points` 10 → 3." in said
    assert "Done: `announcement_channel` not set → #news." in said
    assert said.count("Community settings") == 1
    assert "+3 points for bob" in said


ROOT = Path(__file__).resolve().parents[2]


def _hearth(
    args: list[str], stdin: str, tmp_path: Path, log_level: str | None = "WARNING"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    env.pop("HEARTH_LOG_LEVEL", None)
    if log_level is not None:
        env["HEARTH_LOG_LEVEL"] = log_level
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_script_from_stdin_prints_blocks(tmp_path: Path) -> None:
    done = _hearth(["console"], "@alice: /kudos @bob thanks!\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[#general] @bob, you got kudos from @alice!")


RITUAL_DAYS = '@mod is moderator\n@mod: /ritual create daily #general "daily at 09:00" prompt:"How are you?"\nwait 2d\n'


def test_the_console_keeps_stderr_for_warnings_unless_asked_for_more(tmp_path: Path) -> None:
    # The script's output shows each ritual post; the same post as an INFO log line would only repeat it.
    quiet = _hearth(["console", "--start", "2026-01-01T00:00:00+00:00"], RITUAL_DAYS, tmp_path, log_level=None)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.count("[#general] 🔔 daily") == 2 and quiet.stderr == ""

    (tmp_path / "cli.db").unlink()
    told = _hearth(["console", "--start", "2026-01-01T00:00:00+00:00"], RITUAL_DAYS, tmp_path, log_level="INFO")
    assert told.stderr.count("posted its run") == 2


def test_unreadable_line_stops_with_its_number(tmp_path: Path) -> None:
    script = tmp_path / "s.hearth"
    script.write_text("@alice: hello\nthis is not a line\n@alice: /kudos @bob never runs\n")
    done = _hearth(["console", "--script", str(script)], "", tmp_path)
    assert done.returncode == 1
    assert "line 2" in done.stderr
    assert "kudos" not in done.stdout


def _hearth_bytes(args: list[str], stdin: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "HEARTH_LOG_LEVEL": "WARNING"}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "HEARTH_PLATFORM"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, env=env, cwd=tmp_path, timeout=120
    )


NOT_UTF8 = b"@alice: hello\n@alice: /kudos @bob thanks caf\xe9\r\n@bob: /rank\n"  # Latin-1, as an old editor saves


@pytest.mark.parametrize("how", ["--script", "stdin", "hearth run"])
def test_a_script_that_is_not_utf8_stops_at_the_line_with_the_byte(tmp_path: Path, how: str) -> None:
    """Given with --script it stopped with a traceback; piped in, the byte became half a surrogate pair in the
    kudos reason, which SQLite cannot store: "kudos failed" with a traceback, and the script went on."""
    script = tmp_path / "latin1.hearth"
    script.write_bytes(NOT_UTF8)
    args = {"--script": ["console", "--script", str(script)], "stdin": ["console"], "hearth run": ["run"]}[how]
    done = _hearth_bytes(args, b"" if how == "--script" else NOT_UTF8, tmp_path)

    assert done.returncode == 1
    assert done.stderr.decode() == (
        "error: script line 2: the byte 0xe9 is not UTF-8 (save the script as UTF-8): "
        "'@alice: /kudos @bob thanks caf\ufffd'\n"
    )
    assert done.stdout == b""  # nothing ran: the script is read whole before its first line


def test_a_script_saved_with_a_byte_order_mark_runs(tmp_path: Path) -> None:
    done = _hearth_bytes(["console"], "\ufeff@alice: /kudos @bob thanks, café\n".encode(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("[#general] @bob, you got kudos from @alice!")


def test_no_one_speaks_or_acts_as_a_group_mention(tmp_path: Path) -> None:
    """`@everyone: hi` made a member named everyone, who then earned points and stood on the boards."""
    done = _hearth(["console"], "@alice: hello @everyone\n@Here: hi\n@alice: /leaderboard\n", tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        "error: script line 2: @here mentions a group, not a member: no one speaks or acts as it: '@Here: hi'\n"
    )
    assert done.stdout == ""  # the script stops before its first line runs


async def test_control_characters_and_bidi_overrides_never_reach_the_terminal(console: ConsoleDriver) -> None:
    before = len(console.blocks)
    # One line as a script holds it (the driver's own splitting would cut at U+0085).
    await console.platform.run_lines(["@alice: /kudos @bob nice\x9b31m work\x85 and \u202eevil\u2066 text\x07"])
    # Terminal escape sequences go whole: nothing of `ESC [31m` (CSI), an OSC title or `ESC c` is left.
    await console.platform.run_lines(
        ["@alice: /kudos @carol \x1b[1;31mred\x1b[0m, \x1b]0;owned\x07titled\x1bc and done"]
    )
    said = "\n".join(console.blocks[before:])
    assert "For: nice work and evil text" in said
    assert "For: red, titled and done" in said and "[31m" not in said and "[0m" not in said
    assert not [char for char in said if (ord(char) < 32 and char != "\n") or 0x7F <= ord(char) <= 0x9F]
    assert not set(said) & {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


async def test_a_lone_quote_in_a_reason_is_part_of_it(console: ConsoleDriver) -> None:
    said = await console.run('@alice: /kudos @bob for lending me the 27" monitor')
    assert 'For: for lending me the 27" monitor' in said


def test_a_line_separator_inside_a_message_does_not_split_the_script_line(tmp_path: Path) -> None:
    done = _hearth(["console"], "@alice: /kudos @bob great\u2028talk\n@bob: /rank\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[#general] @bob, you got kudos from @alice!" in done.stdout
    assert "Kudos received: 1" in done.stdout


def test_run_on_the_console_platform_serves_a_script_from_stdin(tmp_path: Path) -> None:
    done = _hearth(["run", "--platform", "console"], "@alice: /kudos @bob thanks!\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[#general] @bob, you got kudos from @alice!")


def test_run_with_no_token_and_nothing_on_stdin_says_why_it_stopped(tmp_path: Path) -> None:
    """A service (systemd, a container) started without its token: `hearth run` chose the console, read an empty
    standard input and exited 0 without a word, so the operator saw Hearth stop and not why (a tester's finding)."""
    done = _hearth(["run"], "", tmp_path)
    assert done.returncode == 0
    [line] = done.stderr.splitlines()
    assert line.endswith(
        "WARNING bot.platforms.console: the console read no script: standard input is not a terminal and held "
        "nothing, so there was nothing to do (set DISCORD_TOKEN or SLACK_BOT_TOKEN to serve Discord or Slack)"
    )


def _catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has a handler for `signum` (Linux: the SigCgt mask in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) >> (signum - 1) & 1)


def test_sigterm_stops_run_on_the_console_while_its_pipe_is_still_open(tmp_path: Path) -> None:
    """`producer | hearth run`: a SIGTERM before the producer closes the pipe left the process waiting for it, in
    the thread reading standard input, however long that took (exit 0 only once the pipe closed)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "HEARTH_LOG_LEVEL": "WARNING"}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "HEARTH_PLATFORM"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--platform", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        text=True,
    )
    assert process.stdin is not None
    try:
        process.stdin.write("@alice: hello\n")
        process.stdin.flush()  # and the pipe stays open
        deadline = time.monotonic() + 60
        while not _catches(process.pid, signal.SIGTERM):  # Hearth has started and handles the stop signal
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.communicate()


async def test_files_in_a_reply_are_written_and_their_paths_printed(console: ConsoleDriver, tmp_path: Path) -> None:
    console.platform.files_dir = tmp_path / "files"
    await console.platform.send(
        channel_ref("general"), Reply(text="your export", files=(Attachment("export.json", b'{"points": 10}'),))
    )
    [written] = list((tmp_path / "files").iterdir())
    assert written.name.endswith("-export.json") and written.read_bytes() == b'{"points": 10}'
    assert console.blocks[-1].splitlines()[-1] == f"  [file {written} (14 bytes)]"


async def test_an_option_given_twice_is_refused_naming_it(console: ConsoleDriver) -> None:
    said = await console.run("@root is admin\n@root: /config set kudos_points value:5 value:7\n@root: /config show")
    assert "[only @root] The option `value` is given twice; give it once. I understood: key `kudos_points`" in said
    assert "kudos_points: 10" in said  # nothing changed


async def test_a_doubled_slash_is_no_command(console: ConsoleDriver) -> None:
    said = await console.run("@alice: //kudos @bob thanks\n@bob: /rank")
    assert "[only @alice] I don't know the command `//kudos`. Try `/help`." in said
    assert "Kudos received: 0" in said


async def test_a_slash_and_a_space_is_no_command(console: ConsoleDriver) -> None:
    said = await console.run("@alice: / kudos @bob thanks\n@bob: /rank")
    assert "[only @alice] I don't know the command `/`. Try `/help`." in said
    assert "Kudos received: 0" in said


async def test_member_names_are_one_person_whatever_their_case(console: ConsoleDriver) -> None:
    said = await console.run("@Alice: /kudos @BOB thanks\n@alice: /kudos @Bob again\n@bob: /rank")
    assert "[#general] @bob, you got kudos from @alice!" in said
    assert "Kudos received: 2" in said and "@Bob" not in said and "@Alice" not in said


def test_a_command_piped_without_its_speaker_says_how_to_write_it(tmp_path: Path) -> None:
    """`printf '/help\\n' | make run` stopped with "I can't read this line" alone (a tester's finding)."""
    done = _hearth(["run", "--platform", "console"], "/help\n", tmp_path)
    assert done.returncode == 1
    assert "line 1: I can't read this line (a script names who runs a command: `@you: /help`)" in done.stderr


def test_a_wait_without_a_unit_stops_the_script_saying_which_units(tmp_path: Path) -> None:
    done = _hearth(["console"], "@alice: hello\nwait 5\n@alice: /kudos @bob never runs\n", tmp_path)
    assert done.returncode == 1 and "kudos" not in done.stdout
    assert "line 2: a wait needs a unit: s, m, h, d or w (seconds, minutes, hours, days, weeks)" in done.stderr


@pytest.mark.parametrize("start", ["0001-01-01", "1969-12-31T23:00", "9001-01-01", "9999-12-30T00:00"])
def test_a_start_outside_the_clocks_years_is_refused_in_one_line(tmp_path: Path, start: str) -> None:
    """It ran, and logged an OverflowError traceback from health's newcomer horizon at the first message."""
    done = _hearth(["console", "--start", start], "@a: hi\n", tmp_path)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    said = " ".join(done.stderr.replace("│", " ").split())  # as the error box wraps it
    assert f"Invalid value for '--start': '{start}' is not in the years the console's clock runs, 1970 to 9000" in said


def test_a_wait_past_the_end_of_the_clock_stops_the_script(tmp_path: Path) -> None:
    """`wait 2d` from 9999-12-30 stopped with an OverflowError traceback from the scheduler."""
    script = "@a: hi\nwait 2d\nwait 2d\n@alice: /kudos @bob never runs\n"
    done = _hearth(["console", "--start", "9000-12-29T00:00"], script, tmp_path)
    assert done.returncode == 1 and "kudos" not in done.stdout and "Traceback" not in done.stderr
    assert done.stderr == (
        "error: script line 3: this wait goes past the end of 9000, where the console's clock stops: 'wait 2d'\n"
    )


def test_a_join_date_after_today_stops_the_script(tmp_path: Path) -> None:
    """It was taken: alice, joined in 2099, was told she could give kudos 'in 26603 days'."""
    script = "@alice joined 2026-03-04\n@bob joined 2099-01-01\n@bob: /kudos @alice never runs\n"
    done = _hearth(["console", "--start", "2026-03-04T12:00"], script, tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "error: script line 2: that join date is after today (2026-03-04 on the console's clock): "
        "'@bob joined 2099-01-01'\n"
    )


async def test_names_with_letters_beyond_ascii_are_members(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @josé: hola a todos
        @Ålice: hi
        @josé: /kudos @Ålice thanks for the welcome
        """
    )
    assert "[#general] @ålice, you got kudos from @josé!" in said
    assert "can't read" not in said


async def test_punctuation_after_a_name_is_the_sentences(console: ConsoleDriver) -> None:
    """`/kudos @bob. thanks` thanked a new member named "bob.", and `@bob,` was refused as no member."""
    said = await console.run(
        """
        @bob: hi
        @alice: /kudos @bob. thanks for the help
        @alice: /kudos @bob, thanks again
        @j.smith: hello
        @alice: /kudos @j.smith! welcome
        @alice: /leaderboard
        """
    )
    assert said.count("[#general] @bob, you got kudos from @alice!") == 2
    assert "[#general] @j.smith, you got kudos from @alice!" in said
    assert "bob." not in said and "couldn't find" not in said


async def test_a_slash_command_is_not_the_latest_message_to_delete(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: hello there friends
        @carol reacts 🙌 to @bob
        @bob: /rank
        @bob deletes last message
        @bob: /rank
        """
    )
    first, second = said.split("Your standing")[1:]
    assert "Points: 11" in first
    assert "Points: 0" in second


async def test_config_says_the_unit_of_a_bare_number_and_shows_durations_in_words(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @root is admin
        @root: /config set activity_cooldown 5
        @root: /config set timezone europe/berlin
        @root: /config set reaction_grace 0
        @root: /config show
        """
    )
    assert "Done: `activity_cooldown` 1 minute → 5 seconds (a number alone is seconds: write `5m` for minutes)." in said
    assert "Done: `reaction_grace` 10 minutes → off." in said  # 0 is off in any unit: no note about seconds
    assert "Done: `timezone` UTC → Europe/Berlin." in said
    assert "departed_retention: 30 days" in said
    assert "kudos_pair_cooldown: off" in said
    assert "value_tags: none" in said


async def test_a_file_the_console_cannot_write_is_named_and_the_session_goes_on(
    console: ConsoleDriver, tmp_path: Path
) -> None:
    """Started in a folder it cannot write (a read-only checkout, DATABASE_URL elsewhere), the console ended at the
    first rank card with a traceback of `data/files` (a tester's finding). A file where a folder should be stands
    for any folder that cannot be written, for root too."""
    (tmp_path / "blocked").write_text("")
    console.platform.files_dir = tmp_path / "blocked" / "files"
    said = await console.run("@bob: hello\n@bob: /rank\n@bob: /leaderboard")
    assert "Points: 1" in said
    folder = re.escape(str(tmp_path / "blocked" / "files"))
    assert re.search(rf"  \[file rank\.png \([\d,]+ bytes\), not written: {folder}: Not a directory\]", said)
    assert "🏆 Leaderboard" in said  # the session went on


async def test_a_bare_number_refused_by_a_duration_bound_says_it_was_read_as_seconds(console: ConsoleDriver) -> None:
    """`/config set removal_grace 48` (meaning hours) was refused "it can be no less than 1 hour", and `/onboarding
    set nudge_after 300` answered "is now 5 minutes" without the word on seconds `/config set` gives (a tester's
    finding): the refusal read as nonsense, and the two commands answered one value differently."""
    said = await console.run(
        """
        @root is admin
        @root: /config set removal_grace 48
        @root: /onboarding set nudge_after 300
        @root: /config set removal_grace 99999999999
        """
    )
    assert (
        "`48` is not a valid value for `removal_grace`: it can be no less than 1 hour (a number alone is seconds: "
        "write `48m` for minutes)." in said
    )
    assert "Done: `nudge_after` is now 5 minutes (a number alone is seconds: write `300m` for minutes)." in said
    # Too long whatever the unit: no word on seconds.
    assert "durations go up to 100 years." in said


async def test_a_read_only_channel_refuses_every_post_as_a_platform_would(console: ConsoleDriver) -> None:
    """`channel #X is read-only` is Hearth's missing permission there: a post fails as a Discord 403 or a Slack
    `not_in_channel` does, so a public answer is shown privately with why, and a welcome is not posted."""
    said = await console.run(
        """
        @admin is admin
        @admin: /onboarding channel welcome #welcome
        channel #welcome is read-only
        channel #general is read-only
        @ann joins
        @ann: /kudos @bob thanks
        """
    )
    assert "[#welcome]" not in said
    assert "[#general]" not in said
    assert "[only @ann] @bob, you got kudos from @ann!" in said
    assert "(I couldn't post this in the channel: I may not post in #general" in said


async def test_a_channel_hearth_cannot_post_in_is_refused_where_it_would_post(console: ConsoleDriver) -> None:
    """As `/ritual create` refuses it: the welcome, intros and mods channels and `level_up_channel` are where
    Hearth posts. The rules channel is only linked to, and read-only is what a rules channel usually is."""
    said = await console.run(
        """
        @admin is admin
        channel #news is read-only
        @admin: /onboarding channel welcome #news
        @admin: /config set level_up_channel channel:#news
        @admin: /config set mod_channel channel:#news
        @admin: /onboarding channel rules #news
        @admin: /config show
        """
    )
    refusal = "I can't post in #news. Give me permission to post there, or choose another channel."
    assert said.count(refusal) == 3
    assert "Done: the rules channel is now #news." in said
    for unchanged in ("welcome_channel", "level_up_channel", "mod_channel"):
        assert f"┃ {unchanged}: not set" in said


async def test_an_option_of_another_verb_is_refused_naming_the_options(console: ConsoleDriver) -> None:
    """`/ritual edit standup kind:thread` answered "There is no ritual called `standup kind:thread`"."""
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create standup #general "daily at 10:00" prompt:"What are you on?"
        @mod: /ritual edit standup kind:thread
        @mod: /ritual crate standup
        @alice: /kudos @bob for note:1 and kind:words
        """
    )
    assert "[only @mod] `/ritual edit` has no option `kind` (its options: `name`, `channel`, `schedule`," in said
    assert "no ritual called" not in said
    assert "[only @mod] `/ritual` has no `crate`; it needs one of these:\n" in said
    assert "For: for note:1 and kind:words" in said  # a word:value where no verb has the option is text


async def test_a_group_name_alone_lists_only_what_the_member_may_run(console: ConsoleDriver) -> None:
    """A member's `/ritual` listed create, delete, edit, pause… which answer 'is for moderators'."""
    said = await console.run("@alice: /ritual\n@alice: /config\n@alice: /season")
    assert said.startswith("[only @alice] `/ritual` needs one of these:\n  `/ritual history name`\n")
    assert "/ritual create" not in said and "/ritual pause" not in said
    assert "  `/ritual streaks name`\n  (Moderators have more.)" in said
    assert "[only @alice] Sorry, `/config` is for moderators of this community." in said
    assert "[only @alice] Sorry, `/season` is for admins of this community." in said
    said = await console.run("@mod is moderator\n@mod: /ritual")
    assert "`/ritual create name channel schedule" in said and "have more" not in said
