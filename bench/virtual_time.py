"""What a console `wait` costs (issue 9 item 11): real `hearth console --script` processes on a fresh
database, one daily prompt ritual, then `wait 1s` (start-up alone), `wait 30d` and `wait 365d`; wall
seconds and CPU seconds (user, system) of the child process, best and median of `--repeat` runs, the
variants alternating so the machine's load falls on each alike. Each run's output is checked: one
prompt per day (the creation day's included).

    .venv/bin/python -m bench.virtual_time [--repeat 5] [--hearth PATH [--hearth OTHER]]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = '@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"\nwait {wait}\n'
# (label, wait, prompts expected): the clock starts at 12:00 UTC, after the day's 09:00, so a wait of N days
# posts N prompts.
VARIANTS = (("start-up (wait 1s)", "1s", 0), ("wait 30d", "30d", 30), ("wait 365d", "365d", 365))
START = "2026-03-04T12:00:00+00:00"


def run_once(hearth: str, wait: str, expected: int) -> tuple[float, float, float]:
    """(wall, user, system) seconds of one fresh `hearth console --script` run."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "script.txt"
        script.write_text(SCRIPT.format(wait=wait), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [hearth, "console", "--script", str(script), "--start", START],
            cwd=folder,
            capture_output=True,
            text=True,
            env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"},
            check=True,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    posted = done.stdout.splitlines().count("  ┃ Plans?")
    if posted != expected:
        sys.exit(f"{wait}: {posted} prompts posted, {expected} expected\n{done.stderr[-2000:]}")
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--hearth",
        action="append",
        help="a `hearth` entry point; given twice (A/B), the two alternate run by run (default: this checkout's)",
    )
    args = parser.parse_args()
    entries = [str(Path(entry).absolute()) for entry in args.hearth or [Path(sys.executable).with_name("hearth")]]
    found: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for _ in range(args.repeat):
        for label, wait, expected in VARIANTS:
            for hearth in entries:
                found.setdefault((hearth, label), []).append(run_once(hearth, wait, expected))
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeat} runs each")
    print("| hearth | run | wall best | wall median | user median | sys median |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (hearth, label), runs in found.items():
        walls, users, systems = zip(*runs, strict=True)
        print(
            f"| {hearth} | {label} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | "
            f"{statistics.median(users):.2f} s | {statistics.median(systems):.2f} s |"
        )


if __name__ == "__main__":
    main()
