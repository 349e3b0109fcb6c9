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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ClauseElement, TableClause
from sqlalchemy.sql.util import find_tables
from sqlalchemy.types import TypeDecorator

from clipshop.kit.actors import Actor
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


# What a statement that names no table (raw SQL) is classed as: never readable outside the home region.
RAW_SQL = "raw_sql"
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Fence:
    """What a unit of work may touch in a region that is not its home, by the data class of each table (the
    residency policy installs the real one). Public classes may be read from anywhere; anything else in a
    foreign region is reached only through the residency gateway, which admits a class for a while. A table
    the fence does not know is refused: default deny."""

    classes: Mapping[str, str] = field(default_factory=dict)
    open_to_read: frozenset[str] = frozenset()

    def class_of(self, table: str) -> str:
        return self.classes.get(table, UNCLASSIFIED)


class ForeignRegion(PermissionError):
    """Code reached another region's data without the residency gateway: a bug, never a user's mistake."""

    def __init__(self, region: str, classes: Iterable[str], *, write: bool, home: str | None) -> None:
        self.region, self.classes, self.write = region, sorted(classes), write
        verb = "write" if write else "read"
        super().__init__(
            f"a unit of work homed in {home or 'no region'} may not {verb} {', '.join(self.classes)} "
            f"in region {region} without the residency gateway"
        )


class RegionSession(Session):
    """A region database's session; `guard` (set by the unit of work) sees every statement and flush first."""

    guard: Callable[[Callable[[], Iterable[str]], bool], None] | None = None

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        if self.guard is not None:
            self.guard(lambda: [RAW_SQL], False)
        return super().connection(*args, **kwargs)


@event.listens_for(RegionSession, "do_orm_execute")
def _guard_statement(state: ORMExecuteState) -> None:
    guard = state.session.guard  # type: ignore[attr-defined]
    if guard is None:
        return
    statement = state.statement
    assert isinstance(statement, ClauseElement)

    def names() -> list[str]:  # only worked out away from home: at home every statement passes at once
        tables = find_tables(statement, include_crud=True, include_joins=True, include_aliases=True)
        return [t.name for t in tables if isinstance(t, TableClause)] or [RAW_SQL]

    guard(names, state.is_insert or state.is_update or state.is_delete)


@event.listens_for(RegionSession, "before_flush")
def _guard_flush(session: Session, _context: Any, _instances: Any) -> None:
    guard = session.guard  # type: ignore[attr-defined]
    if guard is None:
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    if changed:
        guard(lambda: {row.__table__.name for row in changed}, True)


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
            name: sessionmaker(engine, expire_on_commit=False, class_=RegionSession)
            for name, engine in self.region_engines.items()
        }
        self.fence = Fence()

    @property
    def regions(self) -> list[str]:
        return list(self.region_engines)

    def directory_session(self) -> Session:
        return self._directory_sessions()

    def region_session(self, region: str) -> RegionSession:
        try:
            factory = self._region_sessions[region]
        except KeyError:
            raise UnknownRegion(region) from None
        return factory()

    def unit_of_work(self, *, home: str | None = None, actor: Actor | None = None) -> UnitOfWork:
        """A unit of work for `actor` (homed in its region), or for the jobs of region `home`; with neither,
        every region is foreign to it (anonymous requests, until someone signs in)."""
        uow = UnitOfWork(self, home=home)
        if actor is not None:
            uow.act_for(actor)
        return uow

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.directory_engine.dispose()
        for engine in self.region_engines.values():
            engine.dispose()


class UnknownRegion(LookupError):
    pass


# The fault points (kit/faults.py) of a unit of work's commit: between its region commits and its directory
# commit; between two regions' commits (the first region has what the second lacks); and after every
# commit, before the after-commit actions (the jobs' enqueues) run.
BEFORE_DIRECTORY_COMMIT = "before_directory_commit"
BETWEEN_REGION_COMMITS = "between_region_commits"
AFTER_COMMIT = "after_commit"


class UnitOfWork:
    """The sessions one request or job uses, committed together at the edge.

    A unit of work has a home: the region of the actor it works for, or of the service a job runs as. There
    it may do anything. Every other region is foreign: it may read what the fence leaves open (public
    content) and nothing else, unless the residency gateway admits it for one access (`admit`)."""

    def __init__(self, databases: Databases, *, home: str | None = None) -> None:
        self.databases = databases
        self._home = home
        self._actor: Actor | None = None
        self._everywhere = False  # only kit.everywhere sets it
        self._admitted: dict[str, list[tuple[frozenset[str], bool]]] = defaultdict(list)
        self._directory: Session | None = None
        self._regions: dict[str, RegionSession] = {}
        self._after_commit: list[Callable[[], None]] = []
        self._after_end: list[Callable[[], None]] = []
        self._written: set[str] = set()

    @property
    def home(self) -> str | None:
        return self._home

    @property
    def actor(self) -> Actor | None:
        """Who this unit of work works for: the signed-in account, or the service of its home region."""
        if self._actor is None and self._home is not None:
            return Actor.service("jobs", self._home)
        return self._actor

    def act_for(self, actor: Actor) -> None:
        """Work for `actor` from now on, at home in its region."""
        self.bind_home(actor.region)
        self._actor = actor

    def bind_home(self, region: str | None) -> None:
        """Home this unit of work in `region` (once an actor is known); None unhomes it again, e.g. when a
        token names a region but turns out to be no one's. A unit of work never moves between homes."""
        if region is not None and region not in self.databases.region_engines:
            raise UnknownRegion(region)
        if self._home is not None and region is not None and region != self._home:
            raise ForeignRegion(region, ["home"], write=True, home=self._home)
        self._home = region

    def admit(self, region: str, classes: Iterable[str], *, write: bool) -> Session:
        """Let this unit of work reach `classes` in `region` until it ends: for the residency gateway alone,
        which decides and records first (a test keeps every other caller out)."""
        self._admitted[region].append((frozenset(classes), write))
        return self.region(region)

    def _check(self, region: str, tables: Callable[[], Iterable[str]], write: bool) -> None:
        if write:
            self._written.add(region)
        if self._everywhere or region == self._home:
            return
        fence = self.databases.fence
        classes = {fence.class_of(t) if t != RAW_SQL else RAW_SQL for t in tables()}
        allowed: set[str] = set() if write else set(fence.open_to_read)
        for admitted, may_write in self._admitted.get(region, ()):
            if may_write or not write:
                allowed |= admitted
        refused = classes - allowed
        if refused:
            raise ForeignRegion(region, refused, write=write, home=self._home)

    @property
    def directory(self) -> Session:
        if self._directory is None:
            self._directory = self.databases.directory_session()
        return self._directory

    def region(self, region: str) -> Session:
        session = self._regions.get(region)
        if session is None:
            session = self._regions[region] = self.databases.region_session(region)
            session.guard = partial(self._check, region)
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

    def after_end(self, action: Callable[[], None]) -> None:
        """Run `action` once this unit of work's transactions have ended, committed or rolled back."""
        self._after_end.append(action)

    def holds_writes(self, region: str) -> bool:
        """Whether this unit of work has written to `region` in a transaction still open (on SQLite, that
        transaction holds the database's one write lock until it ends)."""
        session = self._regions.get(region)
        return region in self._written and session is not None and session.in_transaction()

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
            Session.connection(self.region(region))

    def in_transaction(self) -> bool:
        """Whether anything is open or pending that a commit or a rollback would end."""
        return any(s.in_transaction() or s.new or s.dirty or s.deleted for s in self._sessions())

    def _sessions(self) -> list[Session]:
        return [*self._regions.values(), *([self._directory] if self._directory is not None else [])]

    def commit(self) -> None:
        for session in self._sessions():
            session.flush()
        for index, session in enumerate(self._regions.values()):
            if index:
                self.databases.faults.hit(BETWEEN_REGION_COMMITS)
            session.commit()
        if self._directory is not None:
            if self._regions:
                # The regions hold the truth now; dying here leaves the directory behind, and the heal job
                # (clipshop.healing) rebuilds what it lacks.
                self.databases.faults.hit(BEFORE_DIRECTORY_COMMIT)
            self._directory.commit()
        self._written.clear()
        self._run_after_end()
        self.databases.faults.hit(AFTER_COMMIT)
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        self._after_commit.clear()
        for session in self._sessions():
            session.rollback()
        self._written.clear()
        self._run_after_end()

    def _run_after_end(self) -> None:
        actions, self._after_end = self._after_end, []
        for action in actions:
            action()

    def close(self) -> None:
        for session in self._sessions():
            session.close()
        self._admitted.clear()
        self._written.clear()
        self._run_after_end()
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
