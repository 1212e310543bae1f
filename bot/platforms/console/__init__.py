"""The console platform: a full platform for trying Hearth locally and for end-to-end scripts.

`platform.py` translates script actions into neutral events and invocations and prints what Hearth says;
`script.py` reads the script format; `interactive.py` is the interactive session. It serves on a
virtual clock, and is chosen when no other platform detects its settings.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.refs import MemberIdFormat
from bot.core.scheduling import VirtualScheduler
from bot.platforms import Platform, PlatformSettings

if TYPE_CHECKING:
    from bot.core.runtime import Hearth
    from bot.platforms.console.platform import COMMUNITY, ConsolePlatform, channel_ref, member_ref

log = logging.getLogger(__name__)

# Any letters or digits (José, Ålice, 김민준: README says an `@name` is always someone), `_`, `.` and `-`, at most
# 64 characters (what the member id column holds); never ending in `.`, which ends a sentence: "thanks @bob."
# thanks bob, not a member named "bob.".
NAME = r"\w(?:[\w.\-]{0,62}[\w\-])?"
# The years the console's virtual clock runs in (`--start` and `wait` stay inside): Python's dates end in 9999, and
# Hearth reckons windows, horizons and next firings a century either side of now.
CLOCK_YEARS = (1970, 9000)
CLOCK_FROM = datetime(CLOCK_YEARS[0], 1, 1, tzinfo=UTC)
CLOCK_UNTIL = datetime(CLOCK_YEARS[1] + 1, 1, 1, tzinfo=UTC)  # the first moment after them
# What `platform.py` exports here, imported on first use: finding the platforms imports this package, and a
# Discord or Slack start has no use for the console's script parser and platform (30 ms of start-up).
_FROM_PLATFORM = frozenset({"COMMUNITY", "ConsolePlatform", "channel_ref", "member_ref"})


def __getattr__(name: str) -> object:
    if name in _FROM_PLATFORM:
        from bot.platforms.console import platform

        return getattr(platform, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ScriptError(ValueError):
    """A script line that cannot be read; says which line and why."""

    def __init__(self, line_number: int, line: str, why: str) -> None:
        super().__init__(f"line {line_number}: {why}: {line!r}")
        self.line_number = line_number


class ConsoleSettings(PlatformSettings):
    """The console needs no settings of its own."""


def print_block(where: str, lines: list[str]) -> None:
    """Script-mode output: one block per bot message, first line `[where] ...`."""
    first, *rest = lines
    sys.stdout.write("\n".join([f"[{where}] {first}".rstrip(), *rest]) + "\n")
    sys.stdout.flush()


def script_text(data: bytes) -> str:
    """A script's bytes as text: UTF-8, after a byte order mark if there is one (Notepad may write it). A byte
    that is not UTF-8 stops the script naming its line, as any unreadable line does: read with Python's
    defaults, a script piped in carried it on as half a surrogate pair, which no database stores (a kudos
    reason with it failed with a traceback), and one given with --script stopped with a traceback."""
    text = data.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        start = text.rfind(b"\n", 0, error.start) + 1
        end = text.find(b"\n", error.start)
        line = text[start : len(text) if end < 0 else end].decode("utf-8", "replace").removesuffix("\r")
        why = f"the byte 0x{text[error.start]:02x} is not UTF-8 (save the script as UTF-8)"
        raise ScriptError(text.count(b"\n", 0, error.start) + 1, line, why) from None


def script_lines(text: str) -> list[str]:
    """A script's lines: split on newlines only (a U+2028 typed in a message stays inside its line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _scheduler(hearth: Hearth) -> VirtualScheduler:
    scheduler = hearth.services.scheduler
    assert isinstance(scheduler, VirtualScheduler), "the console runs on a virtual clock"
    return scheduler


async def run_script(hearth: Hearth, lines: Iterable[str]) -> None:
    from bot.platforms.console.platform import ConsolePlatform

    await ConsolePlatform(hearth, _scheduler(hearth), print_block).run_lines(lines)


async def interactive(hearth: Hearth) -> None:
    """An interactive session in the terminal (Rich panels)."""
    from rich.console import Console

    from bot.platforms.console.interactive import interact, rich_writer
    from bot.platforms.console.platform import ConsolePlatform

    console = Console()
    await interact(ConsolePlatform(hearth, _scheduler(hearth), rich_writer(console)), console)


async def _read_stdin() -> bytes:
    """Standard input, read whole in a daemon thread, so that a stop signal while the program writing the pipe
    still holds it open (`producer | hearth run`) stops Hearth at once. Read in asyncio's executor, whose threads
    are waited for at exit, the process lived on after SIGTERM until that program closed the pipe."""
    loop = asyncio.get_running_loop()
    read: asyncio.Future[bytes] = loop.create_future()

    def settle(data: bytes | None, error: OSError | None) -> None:
        if read.done():  # cancelled by a stop
            return
        if error is not None:
            read.set_exception(error)
        else:
            read.set_result(data or b"")

    def run() -> None:
        # os.read, not sys.stdin.buffer: the buffered reader's lock, held by a thread still reading at exit,
        # would stop the interpreter's shutdown with a fatal error.
        chunks: list[bytes] = []
        try:
            while chunk := os.read(sys.stdin.fileno(), 1 << 16):
                chunks.append(chunk)
        except OSError as error:
            outcome: tuple[bytes | None, OSError | None] = (None, error)
        else:
            outcome = (b"".join(chunks), None)
        with contextlib.suppress(RuntimeError):  # the loop is closed: Hearth stopped before the pipe did
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="hearth-stdin", daemon=True).start()
    return await read


async def serve_console(hearth: Hearth, settings: ConsoleSettings) -> None:
    """A script from standard input when it is not a terminal, else an interactive session."""
    if sys.stdin.isatty():
        await interactive(hearth)
        return
    lines = script_lines(script_text(await _read_stdin()))
    if not any(line.strip() for line in lines):
        # A service started without its token (systemd, a container: standard input is /dev/null) chose the
        # console and stopped at once, exit 0: said here, or the operator sees Hearth stop and not why.
        log.warning(
            "the console read no script: standard input is not a terminal and held nothing, so there was nothing "
            "to do (set DISCORD_TOKEN or SLACK_BOT_TOKEN to serve Discord or Slack)"
        )
    await run_script(hearth, lines)


PLATFORM = Platform(
    name="console",
    description="the console (interactive, or a script on standard input)",
    settings=ConsoleSettings,
    detect=lambda settings: True,
    serve=serve_console,
    rank=1000,
    virtual_time=True,
    member_ids=MemberIdFormat(
        # @everyone, @here and @channel mention groups, never one member (as in the console's own lines).
        rf"(?!(?i:everyone|here|channel)$){NAME}",
        "a console name is a letter, digit or _ then those, `.` or `-`, not ending in `.` (alice, dana.k); everyone, "
        "here and channel are groups",
        case_insensitive=True,
    ),
)

__all__ = [
    "CLOCK_FROM",
    "CLOCK_UNTIL",
    "CLOCK_YEARS",
    "COMMUNITY",
    "NAME",
    "PLATFORM",
    "ConsolePlatform",
    "ScriptError",
    "channel_ref",
    "interactive",
    "member_ref",
    "print_block",
    "run_script",
    "script_lines",
    "script_text",
]
