"""Interactive console: type script lines, or plain text and /commands as `@you` (an admin)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

from rich.console import Console
from rich.panel import Panel

from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.script import ScriptError, SetLevel, parse_line

HELP = """Type as @you (an admin) in #general: plain text, or a command like /kudos @bob thanks!
Script lines work too: @alice: hello · @alice joins · @alice is admin · wait 2d · @bob clicks "I agree"
Commands: {commands}. Quit with Ctrl-D."""


def rich_writer(console: Console) -> Callable[[str, list[str]], None]:
    def write(where: str, lines: list[str]) -> None:
        console.print(Panel("\n".join(lines), title=where, title_align="left", expand=False), markup=False)

    return write


async def _follow_wall_clock(platform: ConsolePlatform) -> None:
    """Interactive time passes as it does for the person typing (and `wait` jumps ahead of it)."""
    last = time.monotonic()
    while True:
        await asyncio.sleep(1)
        now = time.monotonic()
        await platform.scheduler.advance(timedelta(seconds=now - last))
        last = now


async def interact(platform: ConsolePlatform, console: Console) -> None:
    ticker = asyncio.create_task(_follow_wall_clock(platform))
    try:
        await _read_lines(platform, console)
    finally:
        ticker.cancel()


async def _read_lines(platform: ConsolePlatform, console: Console) -> None:
    commands = ", ".join(f"/{path}" for path in sorted(platform.hearth.registry.commands))
    console.print(HELP.format(commands=commands), style="dim", markup=False)
    await platform.perform(SetLevel("you", "admin"))
    number = 0
    while True:
        try:
            line = await asyncio.to_thread(input, "> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        number += 1
        text = line.strip()
        if text and not text.startswith(("@", "wait ", "#")):
            text = f"@you: {text}"
        try:
            action = parse_line(text, number)
            if action is not None:
                await platform.perform(action, number, text)
        except ScriptError as error:
            console.print(f"{error}", style="red", markup=False)
