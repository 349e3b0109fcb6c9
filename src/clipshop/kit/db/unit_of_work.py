"""The engines of the directory and of every region, opened once per process, and the unit of work a
request or job takes from them: its sessions, its home, and the order its commit follows. (One module:
each makes or names the other.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from clipshop.kit.actors import Actor
from clipshop.kit.db.engines import PoolLimits, WalCheckpointer, is_sqlite, make_engine
from clipshop.kit.db.fence import RAW_SQL, Fence, ForeignRegion, RegionSession
from clipshop.kit.db.prebuilt import Prebuilt
from clipshop.kit.faults import Faults
from clipshop.kit.ids import is_valid_id

Row = TypeVar("Row")


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

    def send(
        self, region: str, statement: Prebuilt, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> int:
        """Run a prebuilt statement in `region`'s transaction, once the fence has seen the tables it names
        (as it sees every statement of the session); the rows it touched (-1 inside a pipeline)."""
        return statement.run(self._connection_for(region, statement), values)

    def fetch(self, region: str, statement: Prebuilt, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Read with a prebuilt statement in `region`'s transaction, fenced as `send`: its rows."""
        return statement.rows(self._connection_for(region, statement), values)

    def _connection_for(self, region: str, statement: Prebuilt) -> Connection:
        session = self.region(region)
        self._check(region, lambda: statement.tables, statement.writes)
        # The plain Session's: the region session's own would show the fence raw SQL, already checked here.
        return Session.connection(session)

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

    def commit_region(self, region: str) -> None:
        """Commit `region`'s session alone, ahead of the others: for a flow whose steps must land in order
        across regions (a checkout's stock taken in the shop's region before the buyer's orders are
        written). What waits for after the commit still waits for `commit`."""
        session = self._regions[region]
        session.flush()
        session.commit()
        self._written.discard(region)

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
