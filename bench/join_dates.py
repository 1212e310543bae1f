"""What a server's member list costs at start (Discord's GUILD_CREATE members → `MembersPresent`): every
member's true join date recorded, first for members Hearth has never seen, then again at the next start
(dates already known: nothing changes).

    .venv/bin/python -m bench.join_dates [--members 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.events import MembersPresent
from bot.core.refs import CommunityRef, MemberRef
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import Database

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def measure(members: int, url: str) -> dict[str, float]:
    clock = VirtualClock(NOW)
    database = Database.open(url)
    hearth = build_hearth(load_settings(database_url=url), clock, VirtualScheduler(clock), db=database)
    await hearth.start()
    community = CommunityRef("discord", "1", "Bench")
    present = tuple(
        (MemberRef(community, str(1000 + i), f"member{i}"), NOW - timedelta(days=1 + i % 2000)) for i in range(members)
    )
    found: dict[str, float] = {}
    for phase in ("first start", "next start"):
        started = time.perf_counter()
        await hearth.dispatch(MembersPresent(phase, present))
        found[phase] = time.perf_counter() - started
    await hearth.close()
    await database.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        found = asyncio.run(measure(args.members, url))
    print(f"| phase | {args.members:,} members | per member |")
    print("| --- | --- | --- |")
    for phase, seconds in found.items():
        print(f"| {phase} | {seconds * 1000:.0f} ms | {seconds / args.members * 1e6:.1f} µs |")


if __name__ == "__main__":
    main()
