"""Interactive console: type script lines, or plain text and /commands as `@you` (an admin).

Line editing, history (Up/Down) and Tab completion of commands, `@members` and `#channels` come from
prompt_toolkit. A form opened for you is asked field by field. Ctrl-C or Ctrl-D leaves cleanly: what is
buffered is flushed and Hearth exits with status 0 (Ctrl-C while a form is asked only drops the form).
"""

from __future__ import annotations

import asyncio
import errno
import re
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import timedelta

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console
from rich.panel import Panel

from bot.core.reply import Form
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.script import ScriptError, SetLevel, Submit, names_no_speaker, parse_line

YOU = "you"
# What writing to a terminal that was closed fails with (a pseudo-terminal's other end gone, a hung-up tty).
_TERMINAL_GONE = frozenset({errno.EIO, errno.EBADF, errno.ENXIO, errno.EPIPE})
HELP = """Type as @you (an admin) in #general: plain text, or a command like /kudos @bob thanks!
Script lines work too: @alice: hello · @alice joins · @alice is admin · wait 2d · @bob clicks "I agree to the rules"
Up/Down recall earlier lines; Tab completes commands, @members and #channels. A form asks its fields in turn.
Commands: {commands}.
Quit with Ctrl-D or Ctrl-C."""
_WORD = re.compile(r"[/@#&]?(?:\w[\w.\-]*)?$")  # a word being typed: a name may not end in `.` yet


def rich_writer(console: Console) -> Callable[[str, list[str]], None]:
    def write(where: str, lines: list[str]) -> None:
        console.print(Panel("\n".join(lines), title=where, title_align="left", expand=False), markup=False)

    return write


class HearthCompleter(Completer):
    """Completes the word at the cursor: `/command` (and a group's verb), `@member`, `#channel`."""

    def __init__(self, platform: ConsolePlatform) -> None:
        self.platform = platform

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        before = document.text_before_cursor
        word = _WORD.search(before)
        typed = word.group(0) if word else ""
        for candidate in sorted(self._candidates(before[: len(before) - len(typed)], typed)):
            if candidate.startswith(typed) and candidate != typed:
                yield Completion(candidate, start_position=-len(typed))

    def _candidates(self, head: str, typed: str) -> set[str]:
        commands = self.platform.hearth.registry.commands
        command_line = head.lstrip().removeprefix(f"@{YOU}:").lstrip()
        if typed.startswith("/") and not command_line.strip():
            return {f"/{path.split()[0]}" for path in commands}
        group = re.fullmatch(r"/(\S+)\s+", command_line)
        if group and not typed.startswith(("@", "#", "&")):
            return {path.split()[1] for path in commands if " " in path and path.split()[0] == group.group(1)}
        if typed.startswith("@"):
            return {f"@{name}" for name in self.platform.known_members()}
        if typed.startswith("#"):
            return {f"#{name}" for name in self.platform.known_channels()}
        return set()


async def _follow_wall_clock(platform: ConsolePlatform) -> None:
    """Interactive time passes as it does for the person typing (and `wait` jumps ahead of it)."""
    last = time.monotonic()
    while True:
        await asyncio.sleep(1)
        now = time.monotonic()
        await platform.scheduler.advance(timedelta(seconds=now - last))
        last = now


async def interact(
    platform: ConsolePlatform, console: Console, *, input: Input | None = None, output: Output | None = None
) -> None:
    """The session until Ctrl-D or Ctrl-C; `input`/`output` default to the terminal (tests pass a pipe)."""
    session: PromptSession[str] = PromptSession(
        history=InMemoryHistory(),
        completer=HearthCompleter(platform),
        complete_while_typing=False,
        input=input,
        output=output,
    )
    # Nothing typed is read, and the clock does not move, before the start-up catch-up is done (as in a script).
    await platform.hearth.hooks_done()
    ticker = asyncio.create_task(_follow_wall_clock(platform))
    reader = asyncio.create_task(_read_lines(platform, console, session))
    loop = asyncio.get_running_loop()
    # Ctrl-C while Hearth is busy (not at the prompt, where prompt_toolkit reads it as a key) ends the session too.
    interrupt = False
    with suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, reader.cancel)
        interrupt = True
    try:
        with patch_stdout(raw=True):
            with suppress(asyncio.CancelledError):
                await reader
    except OSError as error:
        # The terminal is gone (closed, its SSH session cut): the line editor's last writes fail. The session ends as
        # at Ctrl-D, what was typed kept (until 2026-12-02 it ended with exit status 1, sometimes before the flush).
        if error.errno not in _TERMINAL_GONE:
            raise
    finally:
        if interrupt:
            loop.remove_signal_handler(signal.SIGINT)
        ticker.cancel()
        with suppress(asyncio.CancelledError):
            await ticker
    with suppress(OSError):  # the terminal is gone (SIGHUP): nobody to say goodbye to, and nothing lost by it
        console.print("Bye!", style="dim", markup=False)


async def _read_lines(platform: ConsolePlatform, console: Console, session: PromptSession[str]) -> None:
    commands = ", ".join(f"/{path}" for path in sorted(platform.hearth.registry.commands))
    console.print(HELP.format(commands=commands), style="dim", markup=False)
    await platform.perform(SetLevel(YOU, "admin"))
    number = 0
    while True:
        try:
            line = await session.prompt_async("> ")
        except (EOFError, KeyboardInterrupt):
            return
        number += 1
        text = line.strip()
        if text and not text.startswith(("@", "#")) and not names_no_speaker(text):
            text = f"@{YOU}: {text}"
        try:
            action = parse_line(text, number)
            if action is not None:
                await platform.perform(action, number, text)
            form = platform.state.forms.get(YOU)
            if form is not None:
                await _answer_form(platform, console, session, form)
        except ScriptError as error:
            console.print(f"{error}", style="red", markup=False)


async def _answer_form(platform: ConsolePlatform, console: Console, session: PromptSession[str], form: Form) -> None:
    """Ask each field in turn (Enter keeps what is offered; an optional field may stay empty)."""
    console.print(f'Answer the form "{form.title}" (Ctrl-C drops it):', style="bold", markup=False)
    values: dict[str, str] = {}
    for field in form.fields:
        need = "required" if field.required else "optional"
        while True:
            try:
                answer = await session.prompt_async(
                    f"{field.label} ({need}, up to {field.max_length}): ",
                    default=field.default,
                    enable_history_search=False,
                )
            except (EOFError, KeyboardInterrupt):
                platform.state.forms.pop(YOU, None)
                console.print("The form was dropped; nothing was sent.", style="dim", markup=False)
                return
            if answer.strip() or not field.required:
                break
            console.print(f"{field.label} is required.", style="red", markup=False)
        values[field.name] = answer.strip()
    await platform.perform(Submit(YOU, values))
