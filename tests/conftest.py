"""Shared fixtures: a real database (SQLite file; PostgreSQL too when HEARTH_TEST_DATABASE_URL is set),
a runtime on a virtual clock, and a console driver that runs script lines and returns what Hearth said."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import col

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console import ConsolePlatform
from config.settings import load_settings
from storage import engine
from storage.engine import Database
from storage.models import Contribution, Member
from tests.wording import collected, problems

Attached = TypeVar("Attached")

POSTGRES_URL = os.environ.get("HEARTH_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
# A Wednesday, so a week boundary is days away in either direction.
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def _admin(statement: str) -> None:
    """One statement on the PostgreSQL server's maintenance connection (CREATE/DROP DATABASE)."""
    import asyncpg

    assert POSTGRES_URL
    admin = await asyncpg.connect(
        make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


def _postgres_url(name: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _migrated(url: str) -> None:
    database = Database.open(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per test process (each xdist worker has its own): every test
    starts from a copy instead of running the migrations again (0.65 s each)."""
    path = tmp_path_factory.mktemp("template") / "hearth.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A migrated PostgreSQL database per test process, the template of each test's own database."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"hearth_template_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrated(_postgres_url(name)))
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_template: str | None
) -> AsyncIterator[str]:
    """A fresh database for one test, migrated and empty: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "hearth.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"hearth_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield _postgres_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.open(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
async def hearth(db: Database, clock: VirtualClock, database_url: str) -> AsyncIterator[Hearth]:
    runtime = build_hearth(load_settings(database_url=database_url), clock, VirtualScheduler(clock), db=db)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.close()


async def ledger_rows(hearth: Hearth, kind: str) -> list[tuple[str, int, str | None]]:
    """(member external id, points, reason) of the ledger rows of a kind, oldest first."""
    async with hearth.db.read() as session:
        rows = await session.execute(
            select(col(Member.external_id), col(Contribution.points), col(Contribution.reason))
            .join(Member, col(Member.id) == col(Contribution.member_id))
            .where(col(Contribution.kind) == kind)
            .order_by(col(Contribution.id))
        )
        return [(row[0], row[1], row[2]) for row in rows]


NewRuntime = Callable[[], Awaitable[Hearth]]


@pytest.fixture
async def new_runtime(database_url: str, clock: VirtualClock) -> AsyncIterator[NewRuntime]:
    """Starts another runtime on the test's database and clock: a whole new process as far as Hearth can
    tell (own database engine, scheduler and platform), for restarts and several processes at once."""
    started: list[Hearth] = []

    async def start() -> Hearth:
        runtime = build_hearth(
            load_settings(database_url=database_url), clock, VirtualScheduler(clock), db=Database.open(database_url)
        )
        await runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        await runtime.close()
        await runtime.db.dispose()


@dataclass
class ConsoleDriver:
    """Runs console script lines against the runtime and keeps every block Hearth printed."""

    platform: ConsolePlatform
    blocks: list[str] = field(default_factory=list)

    async def run(self, script: str) -> str:
        """Run the lines; returns only what they made Hearth say (blocks joined by newlines)."""
        before = len(self.blocks)
        await self.platform.run_lines(script.strip().splitlines())
        return "\n".join(self.blocks[before:])


def console_driver(hearth: Hearth, files_dir: Path | None = None) -> ConsoleDriver:
    """A console platform attached to `hearth` (a runtime on a VirtualScheduler) that keeps its output; the
    files Hearth sends go to `files_dir` (default: a new temporary folder)."""
    scheduler = hearth.services.scheduler
    assert isinstance(scheduler, VirtualScheduler)
    blocks: list[str] = []

    def write(where: str, lines: list[str]) -> None:
        first, *rest = lines
        blocks.append("\n".join([f"[{where}] {first}".rstrip(), *rest]))

    files = files_dir or Path(tempfile.mkdtemp(prefix="hearth-files-"))
    return ConsoleDriver(ConsolePlatform(hearth, scheduler, write, files), blocks)


@asynccontextmanager
async def hearth_process(
    database_url: str, start: datetime, attach: Callable[[Hearth], Attached]
) -> AsyncIterator[Attached]:
    """One Hearth process on the database: its own clock, scheduler and engine (a second one after the first has
    stopped is a restart; two at once share the database), started after `attach` (a platform: a start hook may
    post), closed with its engine after the block; yields what `attach` returned."""
    clock = VirtualClock(start)
    hearth = build_hearth(load_settings(database_url=database_url), clock, VirtualScheduler(clock))
    attached = attach(hearth)
    await hearth.start()
    try:
        yield attached
    finally:
        await hearth.close()
        await hearth.db.dispose()


def waiting_briefly_for_locks(database_url: str, monkeypatch: pytest.MonkeyPatch, busy_timeout_ms: int) -> None:
    """SQLite only (skips the test otherwise): Hearth's engines opened from now on wait `busy_timeout_ms` for a
    lock another program holds (`locked_by_another_program`), not ten seconds."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a file another program holds locked is SQLite's")
    pragmas = tuple(
        f"busy_timeout={busy_timeout_ms}" if p.startswith("busy_timeout") else p for p in engine.SQLITE_PRAGMAS
    )
    monkeypatch.setattr(engine, "SQLITE_PRAGMAS", pragmas)


@contextmanager
def locked_by_another_program(database_url: str) -> Iterator[None]:
    """A `sqlite3` session holding the file's write lock (BEGIN IMMEDIATE) while the block runs."""
    other_program = sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
    other_program.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other_program.execute("ROLLBACK")
        other_program.close()


def hearth_instance(database_url: str, start: datetime) -> AbstractAsyncContextManager[ConsoleDriver]:
    """`hearth_process` with the console platform attached."""
    return hearth_process(database_url, start, console_driver)


@pytest.fixture
async def console(hearth: Hearth) -> ConsoleDriver:
    """Attached after start, as a platform that connects later would be; its start hooks have run."""
    driver = console_driver(hearth)
    await hearth.hooks_done()
    return driver


@pytest.fixture(autouse=True)
def replies_read_well() -> Iterator[None]:
    """Every reply a cog or the core builds in a test reads as a person wrote it (`tests/wording.py`)."""
    with collected() as replies:
        yield
    found = [problem for reply in replies for problem in problems(reply)]
    assert not found, "a reply reads wrong:\n" + "\n".join(dict.fromkeys(found))
