"""The database: engine factory, SQLite pragmas, read/write sessions, migrations on start."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import socket
import sqlite3
import sys
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote, unquote

from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.util import await_

from config.settings import SettingsError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
Migrated = Literal["built", "upgraded", "current"]
_IMMEDIATE = "hearth_begin_immediate"
# Read sessions on SQLite skip BEGIN: one trip fewer to the driver thread per session, and the
# isolation of PostgreSQL's READ COMMITTED (each statement its own consistent snapshot).
_STATEMENT_SNAPSHOTS = "hearth_statement_snapshots"
# A WAL checkpoint copies committed pages into the database file and syncs it: tens of milliseconds.
# It runs in the background this long after a write, so that no command waits for one; SQLite's own
# checkpoint on commit only steps in when the WAL reaches _AUTOCHECKPOINT_PAGES before that.
CHECKPOINT_DELAY_SECONDS = 0.2
_AUTOCHECKPOINT_PAGES = 10_000
# Each connection's page cache (SQLite's default is 2 MB): the ledger's indexes stay in memory from one
# activity batch to the next instead of being read back from the OS for every batch.
_PAGE_CACHE_KIB = 65_536
# Every SQLite connection's settings (bench/ingest.py gives its raw baseline the same).
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "busy_timeout=10000",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    f"cache_size=-{_PAGE_CACHE_KIB}",
    f"wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}",
    # Deleted content is overwritten with zeros, not left in freed pages and cells until reused: a member's
    # deleted data (`/mydata delete`, retention, removal) is gone from the file, not only from the tables.
    "secure_delete=ON",
)


def _sqlite_connected(dbapi_connection: Any) -> None:
    """A new SQLite connection: our own transactions (no pysqlite implicit BEGIN) and Hearth's pragmas."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_setup(engine: AsyncEngine) -> None:
    """WAL, busy_timeout, foreign keys, and BEGIN IMMEDIATE for writes that read first.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves (the
    SQLAlchemy-documented recipe); a write session asks for IMMEDIATE so that two writers queue on
    busy_timeout instead of failing to upgrade a read lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_connected(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(_STATEMENT_SNAPSHOTS, False):
            return  # a read session: each statement sees its own snapshot, as in PostgreSQL's default
        # On aiosqlite's connection in one trip to its thread (SQLAlchemy's cursor takes three).
        begin = "BEGIN IMMEDIATE" if options.get(_IMMEDIATE, False) else "BEGIN"
        await_(connection.connection.driver_connection.execute_fetchall(begin))  # type: ignore[union-attr]

    dialect = engine.sync_engine.dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        """Roll back only inside a transaction: sqlite3 itself does nothing otherwise, but asking it costs a trip
        to aiosqlite's thread, after every read session and every committed write (the pool's reset on return)."""
        try:
            idle = not dbapi_connection.driver_connection.in_transaction
        except Exception:  # a closed connection: let the driver say so
            idle = False
        if not idle:
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


_WRITES: Counter[str] = Counter()


class WriteBehind(Protocol):
    """Rows kept in memory that every write transaction must write first (e.g. first-seen members),
    so that whatever the transaction writes may refer to them."""

    @property
    def pending(self) -> int: ...

    async def write_pending(self, session: AsyncSession) -> Callable[[], None] | None:
        """Write what is pending in `session`; the callable returned runs once that commits."""
        ...


class WriterTurns:
    """SQLite's one writer at a time, in order of arrival, except that background writes (write-behind batches)
    let every other writer waiting go first: a command waits for the step of a batch under way, not for the
    batches queued behind it as well. Like `asyncio.Lock`, a writer cancelled while waiting leaves no trace."""

    def __init__(self) -> None:
        self._taken = False
        self._first: deque[asyncio.Future[None]] = deque()  # commands, jobs: every writer but write-behind
        self._background: deque[asyncio.Future[None]] = deque()

    @property
    def others_waiting(self) -> bool:
        """Whether a writer other than a background one waits for its turn."""
        return any(not waiter.done() for waiter in self._first)

    async def acquire(self, *, background: bool) -> None:
        if not self._taken and not self._first and not self._background:
            self._taken = True
            return
        waiter = asyncio.get_running_loop().create_future()
        queue = self._background if background else self._first
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the turn came with the cancellation: pass it on
            elif waiter in queue:  # not when the turn before ended meanwhile: release() dropped it already
                queue.remove(waiter)
            raise

    def release(self) -> None:
        """End the current turn: the next waiting writer's begins (an other before a background one)."""
        for queue in (self._first, self._background):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # still taken: handed over
                    return
        self._taken = False


# A pooled PostgreSQL connection idle this long is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """SQLAlchemy's pessimistic disconnect handling (`pool_pre_ping`), for connections that sat idle only: a
    server restart or a dropped idle connection is found before a command uses it (the pool opens a new one),
    while a connection back in use within a second, as under any load, skips the round trip the ping costs
    (half a millisecond of a 1-2 ms board read on the 2-core machine). A connection the driver already knows
    closed is replaced at once, idle or not. The recipe is SQLAlchemy's "custom pessimistic ping": a
    `DisconnectionError` from a checkout event makes the pool retry with a new connection."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["hearth.idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():  # the driver already saw it end (asyncpg; no round trip)
            raise DisconnectionError("connection closed by the server")
        idle_since = record.info.get("hearth.idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"idle connection lost: {error}") from error


def locked(error: BaseException) -> bool:
    """Whether `error` is SQLite's "database is locked": another program (a `sqlite3` shell, a backup, another
    Hearth command) held the file's write lock past busy_timeout. Nothing was written, and the same write may
    well go through later, unlike a row the database refused."""
    cause = getattr(error, "orig", None) or error
    return isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(
        ("database is locked", "database is busy")
    )


def refused(error: BaseException) -> bool:
    """Whether `error` is a row the database refused for a constraint (a foreign key naming a member or community
    deleted meanwhile): the same write fails every time until what it names is taken out of it. Raised through
    SQLAlchemy or straight from the driver (the hot paths' executemany on the driver's connection)."""
    return (
        isinstance(error, (IntegrityError, sqlite3.IntegrityError))
        # asyncpg's class, by name: importing asyncpg here would load it on SQLite too
        or any(kind.__name__ == "IntegrityConstraintViolationError" for kind in type(error).__mro__)
    )


def unreachable(error: BaseException) -> bool:
    """Whether `error` says the database server could not be reached or dropped the connection (PostgreSQL
    restarting or failing over, its backends terminated, the network cut): the transaction did not commit, and
    the same write may well go through once the server is back, as after a SQLite lock."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True  # SQLAlchemy read it as a disconnect (and drops the pool's connections)
    cause = getattr(error, "orig", None) or error
    # Connecting failed (refused, reset, timed out, the host's name or route unknown: not any OSError, as a file
    # Hearth could not write is none of these), or the server is not accepting connections yet (asyncpg's
    # CannotConnectNowError: starting up, shutting down, in recovery).
    return (
        isinstance(cause, ConnectionError | TimeoutError | socket.gaierror)
        or (isinstance(cause, OSError) and cause.errno in _NO_ROUTE)
        or type(cause).__name__ == "CannotConnectNowError"
    )


_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN})


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (`sqlite+aiosqlite:///data/hearth.db` → `data/hearth.db`); None for another
    database or SQLite in memory. A URI filename (`read_only_url`'s `file:/path?immutable=1`) names its path."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path.startswith("file:"):
        path = unquote(path.removeprefix("file:").split("?", 1)[0])
    return Path(path) if path and path != ":memory:" else None


def read_only_url(url: str) -> str:
    """The URL to only read DATABASE_URL through (`hearth export`): a SQLite file in a folder that cannot be
    written (a backup on read-only media) opened immutable, as SQLite, which keeps its journal beside the file,
    opens it no other way; any other URL as it is."""
    file = sqlite_file(url)
    if file is None or not file.is_file() or os.access(file.absolute().parent, os.W_OK):
        return url
    return f"sqlite+aiosqlite:///file:{quote(str(file.absolute()))}?mode=ro&immutable=1&uri=true"


class Database:
    """Owns the engine; hands out sessions. Create with `Database.open(url)`, close with `dispose()`.

    On SQLite, write transactions of this process take turns (`WriterTurns`): one writer at a time, so they
    queue in memory instead of contending for the file lock until busy_timeout runs out.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(**{_IMMEDIATE: True}) if self.is_sqlite else engine
        # Reads on PostgreSQL run in autocommit: no BEGIN and ROLLBACK around them (two of a board read's three
        # round trips), and each statement sees its own snapshot, as READ COMMITTED gives inside a transaction.
        self._reader = engine.execution_options(
            **({_STATEMENT_SNAPSHOTS: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._checkpoint: asyncio.Task[None] | None = None
        self._url = str(engine.url)
        self._turns = WriterTurns() if self.is_sqlite else None
        self._write_behind: list[WriteBehind] = []
        self._notice_hearers: list[Callable[[str], None]] = []
        self._own_backends: set[int] = set()  # PostgreSQL: the backends of this Database's listening connections

    def write_first(self, source: WriteBehind) -> None:
        """Have every write transaction write `source`'s pending rows before anything else."""
        self._write_behind.append(source)

    @property
    def pending(self) -> int:
        """Rows waiting in memory for the next write transaction."""
        return sum(source.pending for source in self._write_behind)

    async def announce(self, session: AsyncSession, notice: str) -> None:
        """Tell the other Hearth processes sharing this database `notice` once `session`'s transaction commits
        (PostgreSQL's NOTIFY: nothing if it rolls back). Nothing on SQLite, whose file one process serves."""
        if not self.is_sqlite:
            await session.execute(text("SELECT pg_notify(:channel, :notice)"), {"channel": NOTICES, "notice": notice})

    def on_notice(self, heard: Callable[[str], None]) -> None:
        """Have `heard(notice)` called with each notice another process `announce`s on this database (PostgreSQL:
        every pooled connection LISTENs from its first use on, and asyncpg delivers while it is idle too; a notice
        comes once per listening connection, so `heard` must not mind hearing one twice). Never on SQLite."""
        if self.is_sqlite:
            return
        if not self._notice_hearers:
            event.listen(self.engine.sync_engine, "checkout", self._listen_for_notices)
            event.listen(self.engine.sync_engine, "close", self._stopped_listening)
            event.listen(self.engine.sync_engine, "invalidate", self._stopped_listening)
        self._notice_hearers.append(heard)

    def _listen_for_notices(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _NOTICES_HEARD not in record.info:
            try:
                dbapi_connection.run_async(lambda driver: driver.add_listener(NOTICES, self._notice))
            except Exception as error:  # the connection is gone: the pool tries a new one (see _ping_when_idle)
                raise DisconnectionError(f"connection lost before LISTEN: {error}") from error
            record.info[_NOTICES_HEARD] = pid = dbapi_connection.driver_connection.get_server_pid()
            self._own_backends.add(pid)

    def _stopped_listening(self, _dbapi_connection: Any, record: Any, *_: Any) -> None:
        self._own_backends.discard(record.info.pop(_NOTICES_HEARD, None))

    def _notice(self, _connection: Any, pid: int, _channel: str, notice: str) -> None:
        if pid in self._own_backends:
            return  # this process's own, acted on where it was announced
        for heard in self._notice_hearers:
            try:
                heard(notice)
            except Exception:  # in asyncpg's callback: nothing above it would say what went wrong
                log.exception("could not act on another process's notice %r", notice)

    @classmethod
    def open(cls, url: str, **engine_options: Any) -> Database:
        if url.startswith("sqlite"):
            if (path := sqlite_file(url)) is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise SettingsError(f"DATABASE_URL={url}: cannot create its folder: {error.strerror}") from None
        else:
            engine_options.setdefault("pool_size", 10)
        engine = create_async_engine(url, **engine_options)
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        elif "pool_pre_ping" not in engine_options:
            _ping_when_idle(engine)
        return cls(engine)

    @property
    def writes(self) -> int:
        """Write transactions committed to this database by this OS process, through any `Database` on the
        same URL: a housekeeping job that found nothing to do may sleep until this changes (see
        bot.core.scheduling.Quiet; only virtual time, where every instance lives in one process, relies on it)."""
        return _WRITES[self._url]

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only: each statement sees a consistent snapshot (on SQLite and PostgreSQL)."""
        async with AsyncSession(self._reader, expire_on_commit=False) as session:
            yield session

    @property
    def others_waiting(self) -> bool:
        """SQLite: whether a writer other than a background one waits for its turn (a background write in several
        steps then ends its transaction early). PostgreSQL: False (writers do not queue in this process)."""
        return self._turns is not None and self._turns.others_waiting

    @asynccontextmanager
    async def write(self, *, routine: bool = False, background: bool = False) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends without error (BEGIN IMMEDIATE on SQLite).

        `routine`: a job's own bookkeeping (a ritual run claimed, posted, closed) that changes nothing a
        housekeeping job looks at; it leaves `writes` as it was, so their `Quiet` still holds.
        `background`: a write-behind batch, which on SQLite lets every other writer waiting go first (see
        `WriterTurns`) and should end its transaction early when `others_waiting`."""
        committed: list[Callable[[], None]] = []
        if self._turns is not None:
            await self._turns.acquire(background=background)
        try:
            async with AsyncSession(self._writer, expire_on_commit=False) as session, session.begin():
                for source in self._write_behind:
                    if source.pending and (done := await source.write_pending(session)) is not None:
                        committed.append(done)
                yield session
        finally:
            if self._turns is not None:
                self._turns.release()
        for done in committed:
            done()
        if not routine:
            _WRITES[self._url] += 1
        if self.is_sqlite and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = asyncio.create_task(self._checkpoint_soon(), name="hearth-wal-checkpoint")

    async def _checkpoint_soon(self) -> None:
        await asyncio.sleep(CHECKPOINT_DELAY_SECONDS)  # let a burst of writes finish first
        try:
            async with self.engine.connect() as connection:
                # On the driver connection: no transaction may be open around a checkpoint.
                raw = await connection.get_raw_connection()
                await raw.driver_connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        except Exception:
            log.exception("WAL checkpoint failed; SQLite will checkpoint on a later commit")

    async def truncate_log(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it (`wal_checkpoint(TRUNCATE)`), so
        that no earlier copy of a page changed since stays in `hearth.db-wal` (a member's deleted row: the database
        file itself is zeroed by `secure_delete`). Waits for readers to finish, up to the busy timeout; when they
        do not, the log is emptied at a later checkpoint, as before. PostgreSQL: nothing (its WAL is the server's)."""
        if not self.is_sqlite:
            return
        try:
            async with self.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                await raw.driver_connection.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        except Exception:
            log.exception("could not empty the write-ahead log; a later checkpoint will")

    async def checkpointed(self) -> None:
        """Wait for the background WAL checkpoint of the latest writes, if one is pending."""
        if self._checkpoint is not None:
            await self._checkpoint

    async def migrate(self, *, read_only: bool = False) -> Migrated:
        """Bring the schema to the newest Alembic revisions (run at every start; features may branch); says
        what it did: `built` a new database, `upgraded` one, or found it `current`. `read_only`: the caller only
        reads (`hearth export`), so a SQLite file it cannot write, a backup on read-only media, is no error.

        A database already at every head is left alone without importing Alembic (a fifth of start-up)."""
        path = self.engine.url.database
        immutable = self.is_sqlite and self.engine.url.query.get("immutable") == "1"  # `read_only_url`
        if self.is_sqlite and path and path != ":memory:" and not immutable:
            # Tried first without aiosqlite: when its connection fails, its thread outlives the event loop
            # and prints a traceback at exit.
            try:
                await asyncio.to_thread(_check_opens if read_only else _check_writable, path)
            except sqlite3.Error as error:
                raise self._unusable(error) from None
        try:
            connection = await self.engine.connect()
        except Exception as error:  # whatever the driver says (no such host or database, a bad path): one line
            raise self._unusable(error) from None
        try:
            if not self.is_sqlite:
                # Held until the connection closes: processes starting at once on a new or older database (replicas
                # after an upgrade, `hearth migrate` beside a start) take turns, and the later ones find it current;
                # both ran Alembic and all but one failed on the tables another had made, with a traceback.
                await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            applied = await _applied(connection)
            if applied == _heads():
                return "current"
            if immutable:
                raise SettingsError(
                    f"the database {unquote((path or '').removeprefix('file:'))} is from an older Hearth and its "
                    "folder is read-only, so it cannot be upgraded to be read: copy it where Hearth can write and run "
                    "`hearth migrate` there"
                )
            if not applied and (taken := await _taken_tables(connection)):
                # Another program's database (DATABASE_URL pointed at the wrong file): building Hearth's tables
                # beside its own failed on the first name they share, with a traceback of hundreds of lines.
                url = self.engine.url.render_as_string(hide_password=True)
                named = ", ".join(taken[:3]) + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
                raise SettingsError(
                    f"DATABASE_URL={url}: the database is not Hearth's: it has tables named as Hearth's ({named}) "
                    "but no record of Hearth's migrations; point DATABASE_URL at Hearth's database or a new one"
                )
            if unknown := applied - _revisions():
                # Alembic would fail with a traceback ("No such revision"): a newer Hearth migrated this database
                # (a rollback to an older version), and this one cannot tell what its tables hold.
                url = self.engine.url.render_as_string(hide_password=True)
                raise SettingsError(
                    f"DATABASE_URL={url}: the database was migrated by a newer Hearth (revision "
                    f"{', '.join(sorted(unknown))}, which this version does not know): run that version or a later "
                    "one, or a copy of the database from before it"
                )
            if not (self.is_sqlite and path and path != ":memory:"):
                await _upgrade(connection)
                # An empty database (no revision applied) was built, as a new SQLite file is (until 2026-12-02 a new
                # PostgreSQL database was said to be "upgraded").
                return "upgraded" if applied else "built"
        finally:
            if not self.is_sqlite:
                await _unlock_migrations(connection)
            await connection.close()
        return await asyncio.to_thread(_build_sqlite_file, path)

    def _unusable(self, error: Exception) -> SettingsError:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        file = Path(path) if self.is_sqlite and (path := self.engine.url.database) and path != ":memory:" else None
        if "readonly" in reason:  # SQLite's "attempt to write a readonly database"
            reason = "it is read-only (the file, or the filesystem it is on); Hearth writes what happens there"
        elif file is not None and file.is_file() and not os.access(file.absolute().parent, os.W_OK):
            # SQLite says only "unable to open database file", which reads as a wrong path.
            reason = (
                f"its folder {file.absolute().parent} is read-only, and SQLite keeps its journal beside the file "
                f"({file.name}-wal, {file.name}-shm); Hearth writes what happens there"
            )
        url = self.engine.url.render_as_string(hide_password=True)
        return SettingsError(f"DATABASE_URL={url}: cannot open the database: {reason}")

    async def dispose(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoint
        await self.engine.dispose()


# The PostgreSQL channel Hearth processes sharing a database tell each other what they must not keep in memory on
# (`Database.announce`): a member's data deleted, say.
NOTICES = "hearth_notices"
_NOTICES_HEARD = "hearth.notices.listening"  # key in a pooled connection's record `info`: its backend's pid

# The PostgreSQL advisory lock (a 64-bit key of Hearth's choosing) that migrations of one database take in turn.
_MIGRATION_LOCK = 0x4845415254485F4D  # "HEARTH_M"

_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+)$", re.MULTILINE)


def _check_opens(path: str) -> None:
    """Raises sqlite3.Error when the file cannot be opened."""
    sqlite3.connect(path).close()


def _check_writable(path: str) -> None:
    """Raises sqlite3.Error when the file cannot be opened, or read but not written (read-only, immutable, on a
    read-only mount): Hearth then ran, and every command and batch failed with a traceback (and members were told
    to try again in a moment). A write of the header's own `user_version`, rolled back, asks SQLite itself."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout = 10000")  # a running Hearth's write ends well within it
        connection.execute("BEGIN IMMEDIATE")
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        connection.execute(f"PRAGMA user_version = {version}")
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def _heads() -> set[str]:
    """The newest revisions, read from the migration files themselves (`revision` / `down_revision`)."""
    revisions, parents = _read_revisions()
    return revisions - parents


def _revisions() -> set[str]:
    """Every revision this version of Hearth knows."""
    return _read_revisions()[0]


def _read_revisions() -> tuple[set[str], set[str]]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            found = set(re.findall(r'"([^"]+)"', value))
            (revisions if name == "revision" else parents).update(found)
    return revisions, parents


async def _applied(connection: AsyncConnection) -> set[str]:
    def read(sync_connection: Connection) -> set[str]:
        if not sync_connection.dialect.has_table(sync_connection, "alembic_version"):
            return set()
        return set(sync_connection.execute(text("SELECT version_num FROM alembic_version")).scalars())

    applied = await connection.run_sync(read)
    await connection.rollback()
    return applied


async def _taken_tables(connection: AsyncConnection) -> list[str]:
    """The names of Hearth's tables the database already has, sorted: a database with none of Hearth's
    migrations applied is new to Hearth, so a table of one of those names belongs to another program."""
    from sqlmodel import SQLModel

    # Imported for their side effect: each registers its tables on SQLModel.metadata.
    import storage.health_models
    import storage.models  # noqa: F401

    def read(sync_connection: Connection) -> list[str]:
        return sorted(set(inspect(sync_connection).get_table_names()) & set(SQLModel.metadata.tables))

    taken = await connection.run_sync(read)
    await connection.rollback()
    return taken


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def _unlock_migrations(connection: AsyncConnection) -> None:
    """Give back the migration lock: the pool keeps the connection open, and a session's advisory lock with it."""
    # A connection that broke ended its session, and the lock with it: there is nothing to give back then.
    with contextlib.suppress(DBAPIError):
        await connection.rollback()  # a statement that failed left the transaction unable to run the next
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
        await connection.commit()


async def _upgrade(connection: AsyncConnection) -> None:
    await connection.run_sync(_upgrade_on)
    await connection.commit()


def _build_sqlite_file(path: str) -> Migrated:
    """Bring a SQLite file to every head on a plain sqlite3 connection, in a worker thread: a new database's
    hundred-odd DDL statements are then calls, not three trips each to aiosqlite's thread. The connection is set
    up as Hearth's async ones are (`_sqlite_setup`: pragmas, our own BEGIN).

    A database without tables is built from the models and stamped with the heads (Alembic's recipe for a new
    database: `create_all`, then `stamp`), without importing Alembic, whose modules would stay in the bot's
    memory for good (11 MiB, 5% of a 100,000-member community's peak); tests/storage/test_migrations.py checks
    that the result equals what the migrations build. An existing one is upgraded by the migrations."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_connected(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    try:
        with engine.connect() as connection:
            tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table'").scalar()
            if tables:
                _upgrade_on(connection)
            else:
                _create_from_models(connection)
            connection.commit()
    finally:
        engine.dispose()
    return "upgraded" if tables else "built"


def _create_from_models(sync_connection: Connection) -> None:
    from sqlmodel import SQLModel

    # Imported for their side effect: each registers its tables on SQLModel.metadata.
    import storage.health_models
    import storage.models  # noqa: F401

    SQLModel.metadata.create_all(sync_connection)
    # Alembic's own version table, as `alembic stamp` would create and fill it.
    sync_connection.exec_driver_sql(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
        " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    for head in sorted(_heads()):
        sync_connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))


def _upgrade_on(sync_connection: Connection) -> None:
    # Alembic's Mako imports Pygments, when installed, to colour HTML tracebacks that are never rendered here: a
    # tenth of a second of a first start. Hidden while Alembic loads, Mako takes its plain fallback.
    hidden = "pygments" not in sys.modules
    if hidden:
        sys.modules["pygments"] = None  # type: ignore[assignment]
    try:
        from alembic import command
    finally:
        if hidden:
            del sys.modules["pygments"]
    config = alembic_config()
    config.attributes["connection"] = sync_connection
    command.upgrade(config, "heads")
