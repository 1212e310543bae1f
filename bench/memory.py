"""Peak memory of a process holding one community of 100,000 members (issue 15).

Phase `first`: every member is seen for the first time (identity map, pending rows, their first
message through every cog). Phase `restart`: a new process on the same database sees the community
again (its members are loaded in one query) and each member speaks once more. Peak RSS of each
process (`ru_maxrss`), and what the identity map holds (tracemalloc, in a separate run).

    .venv/bin/python -m bench.memory [--members 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import tracemalloc

from bench.dataset import NOW
from bot.app import build_hearth, tune_for_serving
from bot.core import event_loop
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import Database


async def run(url: str, members: int, phase: str, trace: bool) -> None:
    clock = VirtualClock(NOW)
    database = Database.open(url)
    hearth = build_hearth(load_settings(database_url=url), clock, VirtualScheduler(clock), db=database)
    await hearth.start()
    tune_for_serving()
    community = CommunityRef("memory", "big", "Big")
    channel = ChannelRef(community, "general", "general")
    if trace:
        tracemalloc.start()
    before = tracemalloc.take_snapshot() if trace else None
    for number in range(members):
        author = MemberRef(community, f"u{number}", f"member {number}")
        key = f"{phase}-{number}"
        await hearth.dispatch(MessagePosted(key, author, channel, key, "hello there"))
        if number % 1000 == 0:
            await asyncio.sleep(0)
    await hearth.services.activity.flush()
    if trace and before is not None:
        after = tracemalloc.take_snapshot()
        for stat in after.compare_to(before, "filename")[:6]:
            print(f"  {stat.size_diff / 2**20:6.1f} MiB  {stat.traceback[0].filename}")
    await hearth.close()
    await database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{phase}: peak RSS {peak:.0f} MiB holding {members:,} members of one community")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--phase", default="")
    parser.add_argument("--url", default="")
    parser.add_argument("--trace", action="store_true")
    arguments = parser.parse_args()
    if arguments.phase:
        event_loop.run(run(arguments.url, arguments.members, arguments.phase, arguments.trace))  # `hearth run`'s loop
        return
    with tempfile.TemporaryDirectory(prefix="hearth-memory-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/hearth.db"
        for phase, trace in (("first", False), ("restart", False), ("traced", True)):
            command = [sys.executable, "-m", "bench.memory", "--members", str(arguments.members)]
            subprocess.run([*command, "--phase", phase, "--url", url] + (["--trace"] if trace else []), check=True)


if __name__ == "__main__":
    main()
