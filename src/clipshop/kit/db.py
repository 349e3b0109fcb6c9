"""Databases: one directory (global, no personal data) and one per region cell.

A request works through one `UnitOfWork`: it opens a session per database it touches, flushes all of them
(so unique constraints fail before anything is committed), commits the regions (the truth) and then the
directory (a projection that a reconciler can rebuild), and only then runs what was deferred to after the
commit, such as enqueueing jobs.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from clipshop.kit.faults import Faults
from clipshop.kit.ids import is_valid_id

log = logging.getLogger(__name__)
Row = TypeVar("Row")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RegionBase(DeclarativeBase):
    """Tables of a region cell: personal data lives only here."""

    metadata = MetaData(naming_convention=NAMING)


class DirectoryBase(DeclarativeBase):
    """Tables of the global directory: routing and public projections, never personal data."""

    metadata = MetaData(naming_convention=NAMING)


def str_enum(e: type[enum.StrEnum]) -> Enum:
    """A string-enum column stored as its values in a plain string column (no native enum type to migrate)."""
    return Enum(e, native_enum=False, length=24, values_callable=lambda members: [m.value for m in members])


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class PoolLimits:
    """Connections one process may hold per server database: `size` kept open, `overflow` more on demand,
    and how long a request waits for one. All regions may share one server, so keep the sum under its
    max_connections (PostgreSQL's default is 100)."""

    size: int = 10
    overflow: int = 20
    timeout_s: float = 30.0


def make_engine(
    url: str, *, pool: bool = True, limits: PoolLimits | None = None, own_checkpoints: bool = False
) -> Engine:
    """An engine with the settings each backend needs (WAL and busy waiting for SQLite). With
    `own_checkpoints`, SQLite connections never checkpoint the WAL at commit: a `WalCheckpointer` does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A request keeps its connection across several hand-offs between threads; an unbounded overflow
        # means no request ever waits on the pool for one (SQLite connections are cheap).
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=10, max_overflow=-1
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if own_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if pool:
        limits = limits or PoolLimits()
        kwargs.update(pool_size=limits.size, max_overflow=limits.overflow, pool_timeout=limits.timeout_s)
    else:
        kwargs["poolclass"] = NullPool
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class WalCheckpointer:
    """Copies SQLite write-ahead logs back into their databases from a background thread, about once a
    second, instead of in whichever commit crosses SQLite's 1,000-page mark. That commit would wait for
    the checkpoint's fsync, tens of milliseconds on a virtual disk, in the middle of a request. A PASSIVE
    checkpoint never blocks readers or writers; what a reader still needs is left for the next round."""

    def __init__(self, engines: list[Engine], *, every_s: float = 1.0) -> None:
        self.engines = engines
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        for engine in self.engines:
            database = engine.url.database
            if database and database != ":memory:" and not Path(database).exists():
                continue  # removed under a process that still runs (connecting would make it anew)
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a locked or vanished file: the next round tries again
                log.warning("WAL checkpoint of %s failed", engine.url, exc_info=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.checkpoint()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.checkpoint()


class Databases:
    """The engines of the directory and of every region, opened once per process."""

    def __init__(
        self,
        *,
        directory_url: str,
        region_urls: dict[str, str],
        limits: PoolLimits | None = None,
        checkpoint_every_s: float = 1.0,
        faults: Faults | None = None,
    ) -> None:
        self.faults = faults or Faults()
        self.directory_engine = make_engine(directory_url, limits=limits, own_checkpoints=True)
        self.region_engines = {
            name: make_engine(url, limits=limits, own_checkpoints=True) for name, url in region_urls.items()
        }
        engines = [self.directory_engine, *self.region_engines.values()]
        sqlite = [engine for engine in engines if is_sqlite(engine)]
        self.checkpointer = WalCheckpointer(sqlite, every_s=checkpoint_every_s) if sqlite else None
        self._directory_sessions = sessionmaker(self.directory_engine, expire_on_commit=False)
        self._region_sessions = {
            name: sessionmaker(engine, expire_on_commit=False) for name, engine in self.region_engines.items()
        }

    @property
    def regions(self) -> list[str]:
        return list(self.region_engines)

    def directory_session(self) -> Session:
        return self._directory_sessions()

    def region_session(self, region: str) -> Session:
        try:
            factory = self._region_sessions[region]
        except KeyError:
            raise UnknownRegion(region) from None
        return factory()

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.directory_engine.dispose()
        for engine in self.region_engines.values():
            engine.dispose()


class UnknownRegion(LookupError):
    pass


# The fault point (kit/faults.py) between a unit of work's region commits and its directory commit.
BEFORE_DIRECTORY_COMMIT = "before_directory_commit"


class UnitOfWork:
    """The sessions one request or job uses, committed together at the edge."""

    def __init__(self, databases: Databases) -> None:
        self.databases = databases
        self._directory: Session | None = None
        self._regions: dict[str, Session] = {}
        self._after_commit: list[Callable[[], None]] = []

    @property
    def directory(self) -> Session:
        if self._directory is None:
            self._directory = self.databases.directory_session()
        return self._directory

    def region(self, region: str) -> Session:
        session = self._regions.get(region)
        if session is None:
            session = self._regions[region] = self.databases.region_session(region)
        return session

    def find(self, model: type[Row], object_id: str, *, region: str) -> Row | None:
        """The `model` row `object_id` in `region`'s database, or None: also for an id of another region
        or one that is not an id at all, so "someone else's" and "missing" answer alike."""
        if not is_valid_id(object_id, {region}):
            return None
        return self.region(region).get(model, object_id)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once everything is committed (e.g. enqueue a job); dropped on rollback."""
        self._after_commit.append(action)

    def end_reads(self) -> None:
        """End the transactions opened so far, which must only have read, returning their connections to the
        pool; the sessions stay usable and open new transactions when next used."""
        for session in self._sessions():
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("end_reads() called on a unit of work with unsaved changes")
            session.rollback()

    def connect(self, regions: Iterable[str]) -> None:
        """Take a connection to each region now, in name order. Flows that write to several regions (a
        buyer's and a shop's) call this first, so two of them can never each hold one region's last pooled
        connection while waiting for the other's."""
        for region in sorted(set(regions)):
            self.region(region).connection()

    def in_transaction(self) -> bool:
        """Whether anything is open or pending that a commit or a rollback would end."""
        return any(s.in_transaction() or s.new or s.dirty or s.deleted for s in self._sessions())

    def _sessions(self) -> list[Session]:
        return [*self._regions.values(), *([self._directory] if self._directory is not None else [])]

    def commit(self) -> None:
        for session in self._sessions():
            session.flush()
        for session in self._regions.values():
            session.commit()
        if self._directory is not None:
            if self._regions:
                # The regions hold the truth now; dying here leaves the directory behind, and the heal job
                # (clipshop.healing) rebuilds what it lacks.
                self.databases.faults.hit(BEFORE_DIRECTORY_COMMIT)
            self._directory.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        self._after_commit.clear()
        for session in self._sessions():
            session.rollback()

    def close(self) -> None:
        for session in self._sessions():
            session.close()
        self._directory = None
        self._regions.clear()

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Commit on success, roll back on error, close in any case (for jobs and the CLI)."""
        try:
            yield self
            self.commit()
        except BaseException:
            self.rollback()
            raise
        finally:
            self.close()


def insert_ignore(session: Session, table: Any, row: dict[str, Any]) -> bool:
    """Insert `row` unless its key exists (concurrent-safe on SQLite and PostgreSQL); True if inserted."""
    columns = table.c if hasattr(table, "c") else table.__table__.c
    key = next(iter(c for c in columns if c.primary_key))
    statement = dialect_insert(session, table).values(**row).on_conflict_do_nothing().returning(key)
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    return session.execute(statement).first() is not None


def upsert_add(
    session: Session,
    table: Any,
    key: dict[str, Any],
    deltas: dict[str, int | float],
    *,
    also: dict[str, Any] | None = None,
) -> None:
    """Add `deltas` to counters of the row at `key`, creating it if needed, in one atomic statement; the
    columns in `also` are set to their values."""
    also = also or {}
    statement = dialect_insert(session, table).values(**key, **deltas, **also)
    columns = table.c if hasattr(table, "c") else table.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={**{name: columns[name] + delta for name, delta in deltas.items()}, **also},
    )
    session.execute(statement)


def dialect_insert(session: Session, table: Any) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return pg_insert(table)
    if name == "sqlite":
        return sqlite_insert(table)
    raise NotImplementedError(f"no upsert for {name}")
