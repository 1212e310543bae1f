"""The interactive console as a person meets it: a real `hearth console` in a pseudo-terminal (Ctrl-C and
Ctrl-D leave cleanly, Up recalls a line), and the session driven through prompt_toolkit's pipe input
(completion, forms asked field by field)."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console import ConsolePlatform
from bot.platforms.console.interactive import HearthCompleter, interact

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """`hearth console` on a pseudo-terminal: what a person types, and everything it prints."""

    def __init__(self, tmp_path: Path) -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tty.db'}", "TERM": "xterm"}
        env.update(HEARTH_LOG_LEVEL="WARNING", COLUMNS="120", LINES="40", PROMPT_TOOLKIT_NO_CPR="1")
        for token in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
            env.pop(token, None)
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console"],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            cwd=tmp_path,
            start_new_session=True,
        )
        os.close(child)
        self.seen = ""

    def prompt_after(self, text: str, times: int = 1) -> None:
        """Wait until `text` has been printed `times` times and the prompt is back after it (prompt_toolkit
        switches bracketed paste on as a prompt starts): keys typed now reach the line editor, not the
        terminal's cooked mode, which would echo them."""
        self.expect(text)
        while self.seen.count(text) < times or "\x1b[?2004h" not in self.seen[self.seen.rindex(text) :]:
            self.expect(text, fresh=True)

    def expect(self, text: str, timeout: float = 60, *, fresh: bool = False) -> None:
        """Read until `text` has been printed (select waits on the terminal; nothing sleeps); `fresh`: read
        at least once more."""
        while fresh or text not in self.seen:
            fresh = False
            ready, _, _ = select.select([self.fd], [], [], timeout)
            assert ready, f"waited {timeout}s for {text!r}; the terminal shows:\n{self.seen[-2000:]}"
            try:
                self.seen += os.read(self.fd, 65536).decode(errors="replace")
            except OSError:  # the child closed the terminal
                break
        assert text in self.seen, self.seen[-2000:]

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def exit_code(self) -> int:
        try:
            while select.select([self.fd], [], [], 30)[0]:
                self.seen += os.read(self.fd, 65536).decode(errors="replace")
        except OSError:
            pass
        return self.process.wait(timeout=60)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.fd)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    opened = Terminal(tmp_path)
    yield opened
    opened.close()


@pytest.mark.parametrize(("key", "name"), [("\x04", "Ctrl-D"), ("\x03", "Ctrl-C")])
def test_ctrl_d_and_ctrl_c_leave_cleanly(terminal: Terminal, key: str, name: str) -> None:
    terminal.prompt_after("Quit with Ctrl-D or Ctrl-C.")
    terminal.type("/kudos @bob thanks\r")
    terminal.prompt_after("you can give 4 more kudos today")
    terminal.type(key)
    assert terminal.exit_code() == 0, f"{name}: {terminal.seen[-2000:]}"
    assert "Bye!" in terminal.seen
    assert "Traceback" not in terminal.seen and "^C" not in terminal.seen


def test_sigterm_keeps_what_was_typed_and_exits_0(terminal: Terminal, tmp_path: Path) -> None:
    """A service manager stopping `hearth console` (or `hearth run` on the console): the message's point still
    waiting in the activity buffer is written, as on Discord and Slack."""
    terminal.prompt_after("Quit with Ctrl-D or Ctrl-C.")
    terminal.type("Good morning everyone\r")
    terminal.type("/kudos @bob thanks\r")  # answered after the message was handled; it does not flush activity
    terminal.prompt_after("you can give 4 more kudos today")
    terminal.process.send_signal(signal.SIGTERM)
    assert terminal.exit_code() == 0, terminal.seen[-2000:]
    assert "Traceback" not in terminal.seen
    with sqlite3.connect(tmp_path / "tty.db") as database:
        kinds = dict(database.execute("SELECT kind, count(*) FROM contribution GROUP BY kind").fetchall())
    assert kinds.get("message") == 1, kinds


def test_a_closed_terminal_keeps_what_was_typed_and_exits_0(terminal: Terminal, tmp_path: Path) -> None:
    """The terminal window (or SSH session) closed: SIGHUP killed the console on the spot, and the message's point
    still waiting in the activity buffer was lost (a tester's finding)."""
    terminal.prompt_after("Quit with Ctrl-D or Ctrl-C.")
    terminal.type("Good morning everyone\r")
    terminal.type("/kudos @bob thanks\r")
    terminal.prompt_after("you can give 4 more kudos today")
    os.close(terminal.fd)  # the terminal is gone: nothing can be printed any more ...
    terminal.fd = os.open(os.devnull, os.O_RDONLY)
    terminal.process.send_signal(signal.SIGHUP)  # ... and its hangup reaches the console
    # Again, as the console flushes: a hangup reaches it from more than one side (until 2026-12-02 a second one, or the
    # line editor failing on the closed terminal, ended it with status 1 or killed it before the flush).
    terminal.process.send_signal(signal.SIGHUP)
    assert terminal.process.wait(timeout=60) == 0
    with sqlite3.connect(tmp_path / "tty.db") as database:
        kinds = dict(database.execute("SELECT kind, count(*) FROM contribution GROUP BY kind").fetchall())
    assert kinds.get("message") == 1, kinds


def test_up_recalls_the_last_line(terminal: Terminal) -> None:
    terminal.prompt_after("Quit with Ctrl-D or Ctrl-C.")
    terminal.type("/rank\r")
    terminal.prompt_after("Your standing")
    terminal.type("\x1b[A\r")  # Up, Enter: the same command again
    terminal.prompt_after("Your standing", times=2)
    assert "^[[A" not in terminal.seen
    terminal.type("\x04")
    assert terminal.exit_code() == 0


class Session:
    """The interactive session on a pipe: keys in, Hearth's blocks out."""

    def __init__(self, hearth: Hearth) -> None:
        scheduler = hearth.services.scheduler
        assert isinstance(scheduler, VirtualScheduler)
        self.blocks: list[str] = []
        self.platform = ConsolePlatform(
            hearth, scheduler, lambda where, lines: self.blocks.append(f"[{where}] " + "\n".join(lines))
        )
        self.console = Console(file=io.StringIO(), force_terminal=False)

    async def run(self, keys: str) -> str:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text(keys)
            await asyncio.wait_for(interact(self.platform, self.console, input=pipe, output=DummyOutput()), 60)
        return "\n".join(self.blocks)


async def test_a_form_asks_each_field_in_turn(hearth: Hearth) -> None:
    session = Session(hearth)
    await hearth.hooks_done()
    said = await session.run(
        "/onboarding channel intros #intros\r"
        "/intro\r"
        "Yara\r"  # name
        "\r"  # location is required: asked again
        "Lisbon\r"
        "Here to learn\r"
        "chess, boats\r"
        "\r"  # fun fact: optional, left empty
        "/whois @you\r"
        "\x04"
    )
    assert "[#intros] 👋 Meet Yara" in said
    assert "Where are you?: Lisbon" in said
    assert "[only @you] 👋 Meet Yara" in said  # /whois shows the introduction just given
    assert "hasn't introduced" not in said


async def test_script_lines_that_name_no_speaker_are_read_as_script_lines(hearth: Hearth) -> None:
    """The quick start offers script lines at the prompt, but `replay`, `hearth is removed`, `bot cannot grant &vip`
    and `channel #news is read-only` were said by @you in #general, as plain messages, and did nothing (a tester's
    finding)."""
    session = Session(hearth)
    await hearth.hooks_done()
    said = await session.run(
        "channel #news is read-only\r"
        "/config set announcement_channel #news\r"
        "bot cannot grant &vip\r"
        "/levels role 1 &vip\r"
        "/kudos @bob thanks\r"
        "replay\r"
        "hearth is removed\r"
        "/rank\r"
        "\x04"
    )
    assert "[only @you] I can't post in #news." in said
    assert "[only @you] I'm not allowed to grant &vip" in said
    assert "[only @you] That request was already handled." in said
    assert "[console] (hearth is not in this community)" in said  # for /rank, not delivered
    assert "Your standing" not in said


async def test_ctrl_c_in_a_form_drops_only_the_form(hearth: Hearth) -> None:
    session = Session(hearth)
    await hearth.hooks_done()
    said = await session.run("/onboarding channel intros #intros\r/intro\rYara\r\x03/rank\r\x04")
    assert "Meet Yara" not in said
    assert "Your standing" in said  # the session went on after the dropped form


async def test_completion_of_commands_verbs_members_and_channels(hearth: Hearth) -> None:
    session = Session(hearth)
    await hearth.hooks_done()
    await session.run("@alice in #ideas: hello @bob\r\x04")
    completer = HearthCompleter(session.platform)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]

    assert complete("/ku") == ["/kudos"]
    assert "/config" in complete("/c") and "/leaderboard" in complete("/")
    assert complete("/config s") == ["set", "show"]
    assert complete("/kudos @a") == ["@alice"]
    assert complete("/kudos @") == ["@alice", "@bob", "@you"]
    assert complete("/ritual create standup #i") == ["#ideas"]
    assert complete("hello") == []
