"""Huey on SQLite (embedded default), Redis (at scale) or memory (tests), with tasks bound to a platform.

A domain declares each of its jobs once, as a typed `Job` in its `tasks.py`, with the function that
enqueues it; the composition root registers what runs it. Tasks are registered per queue instance rather
than at import time, so one process can hold several platforms (tests run the same suite on SQLite and on
Redis). Every task is idempotent: the reconciler may enqueue the same work twice, and a worker may crash
half-way. Periodic jobs run once per period for the whole deployment, whatever the number of consumers:
each consumer's scheduler claims a period's slot in the queue's storage before it enqueues (see
`clipshop.jobs.periodic`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, ParamSpec, cast

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, Scheduler

from clipshop.jobs.periodic import (
    MemorySlotClaims,
    Period,
    PeriodicSchedule,
    RedisSlotClaims,
    SlotClaims,
    SqliteSlotClaims,
)
from clipshop.kit.db import UnitOfWork

log = logging.getLogger(__name__)

P = ParamSpec("P")


# Huey names a queued message's task by the module and name of the function it wraps. Every job's work is
# wrapped in a function of this module, so a message names the job alone, wherever its work is written.
TASK_MODULE = "clipshop.jobs"


@dataclass(frozen=True)
class Job(Generic[P]):
    """A kind of background work: its queue name, retry policy and (by its type) the arguments it takes.
    `formerly` is the module an earlier version named this job's messages by, so what it queued before an
    upgrade still runs."""

    name: str
    retries: int = 2
    retry_delay_s: int = 5
    formerly: str | None = None


def _named(module: str, name: str, run: Callable[P, Any]) -> Callable[P, Any]:
    def work(*args: P.args, **kwargs: P.kwargs) -> Any:
        return run(*args, **kwargs)

    work.__module__, work.__name__, work.__qualname__ = module, name, name
    return work


_slot: ContextVar[datetime | None] = ContextVar("periodic_slot", default=None)


def current_slot() -> datetime | None:
    """The start of the period the periodic job running in this thread serves; None in any other job (or
    a periodic job enqueued by hand)."""
    return _slot.get()


@contextmanager
def _serving(slot: str | None) -> Iterator[None]:
    token = _slot.set(None if slot is None else datetime.fromisoformat(slot))
    try:
        yield
    finally:
        _slot.reset(token)


class _ClaimingScheduler(Scheduler):  # type: ignore[misc]
    """Huey's scheduler (delayed and retried tasks), which also ticks the periodic schedule each loop."""

    def __init__(self, *args: Any, tick: Callable[[], object] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tick = tick

    def loop(self, now: Any = None) -> None:
        if self._tick is not None:
            try:
                self._tick()
            except Exception:
                log.exception("could not claim the periodic jobs due")
        super().loop(now)


class ClaimingConsumer(Consumer):  # type: ignore[misc]
    """A huey consumer whose scheduler fires periodic jobs through slot claims (huey's own periodic
    scheduling, which every consumer would do on its own, stays off)."""

    def __init__(self, huey: Huey, *, tick: Callable[[], object] | None, **kwargs: Any) -> None:
        self._tick = tick  # read by `_create_scheduler`, which huey calls from its constructor
        super().__init__(huey, periodic=False, **kwargs)

    def start(self) -> None:
        super().start()
        if self._tick is not None:  # huey has just said its own periodic tasks are disabled
            log.info("Periodic jobs are fired by this consumer's scheduler through slot claims.")

    def _create_scheduler(self) -> Scheduler:
        return _ClaimingScheduler(
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=False,
            tick=self._tick,
        )


class InAppConsumer(ClaimingConsumer):
    """A consumer run from threads inside the web app: the app's server owns the process's signals."""

    def _set_signal_handlers(self) -> None:
        pass


class JobQueue:
    """Named tasks on one huey instance; `enqueue` only after the data they read is committed."""

    def __init__(self, huey: Huey, claims: SlotClaims) -> None:
        self.huey = huey
        self.schedule = PeriodicSchedule(claims)
        self._tasks: dict[str, Any] = {}
        self._consumer: InAppConsumer | None = None

    @classmethod
    def from_settings(
        cls, *, backend: str, sqlite_path: Path, redis_url: str, name: str = "clipshop"
    ) -> JobQueue:
        """The queue on `backend`, with the claims of its periodic slots in the same storage."""
        if backend == "sqlite":
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(name, filename=str(sqlite_path), results=False)
            return cls(huey, SqliteSlotClaims(sqlite_path, namespace=name))
        if backend == "redis":
            huey = RedisHuey(name, url=redis_url, results=False)
            return cls(huey, RedisSlotClaims(redis_url, namespace=name))
        if backend == "memory":
            return cls(MemoryHuey(name, results=False), MemorySlotClaims())
        raise ValueError(f"unknown jobs backend {backend!r}; use sqlite, redis or memory")

    def register(
        self,
        job: Job[P],
        run: Callable[P, Any],
        *,
        every_minutes: int | None = None,
        every_seconds: int | None = None,
    ) -> None:
        """Bind `run` to `job` on this queue; with `every_minutes` (or `every_seconds`) it also runs once per
        such period for the whole deployment, periods counted from 00:00 UTC (hourly on the hour, daily at
        midnight UTC). A periodic run that fails waits for the next period."""
        if every_minutes is not None and every_seconds is not None:
            raise ValueError(f"give {job.name} a period in minutes or in seconds, not both")
        seconds = every_seconds if every_minutes is None else every_minutes * 60
        if seconds is None:
            settings = {"name": job.name, "retries": job.retries, "retry_delay": job.retry_delay_s}
            self._tasks[job.name] = self.huey.task(**settings)(_named(TASK_MODULE, job.name, run))
            if job.formerly is not None:
                self.huey.task(**settings)(_named(job.formerly, job.name, run))
            return
        if seconds < 1:
            raise ValueError(f"the period of {job.name} must be a second or more, not {seconds} s")

        runs = cast(Callable[[], Any], run)  # a periodic job takes no arguments

        def periodic(slot: str | None = None) -> Any:
            with _serving(slot):
                return runs()

        self._tasks[job.name] = self.huey.task(name=job.name)(_named(TASK_MODULE, job.name, periodic))
        self.schedule.add(job.name, Period(seconds))

    def fire_periodic(self, *, now: datetime | None = None) -> list[str]:
        """Enqueue the periodic jobs whose current period this process has not looked at yet and whose slot
        it claims first; returns their names (consumers call this every second)."""

        def enqueue(name: str, slot: datetime) -> None:
            self._tasks[name](slot=slot.isoformat())

        return self.schedule.tick(enqueue, now=now)

    def periodic_due(self, at: datetime) -> list[str]:
        """The periodic jobs whose period starts at `at` (naive: UTC), by name."""
        return self.schedule.due_at(at)

    def enqueue(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue `job` now (its data must already be committed)."""
        self._tasks[job.name](*args, **kwargs)

    def enqueue_after_commit(self, uow: UnitOfWork, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue `job` once `uow` has committed, so it never runs on data that was rolled back."""
        uow.after_commit(lambda: self.enqueue(job, *args, **kwargs))

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def waiting(self, *, limit: int = 100_000) -> list[tuple[str, str, tuple[Any, ...], dict[str, Any]]]:
        """The queued jobs as (id, name, args, kwargs), oldest first, without taking them off the queue."""
        return [(t.id, t.name, tuple(t.args), dict(t.kwargs)) for t in self.huey.pending(limit=limit)]

    def drain(self, *, limit: int = 10_000) -> int:
        """Run queued tasks in this thread until the queue is empty; returns how many ran (tests, CLI)."""
        ran = 0
        while ran < limit:
            task = self.huey.dequeue()
            if task is None:
                return ran
            self.huey.execute(task)
            ran += 1
        raise RuntimeError(f"the job queue did not drain after {limit} tasks")

    def flush(self) -> None:
        """Drop every queued job and every claim of a periodic slot."""
        self.huey.flush()
        self.schedule.claims.clear()

    def start_consumer(self, *, workers: int = 1, periodic: bool = True) -> None:
        """Start worker threads and the scheduler inside this process (the embedded default); with
        `periodic` the scheduler also fires periodic jobs, through claims."""
        if self._consumer is None:
            self._consumer = InAppConsumer(
                self.huey,
                tick=self.fire_periodic if periodic else None,
                workers=workers,
                worker_type="thread",
                max_delay=0.25,
                check_worker_health=False,
            )
            self._consumer.start()

    def stop_consumer(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None

    def run_consumer(self, *, workers: int, periodic: bool = True) -> None:
        """Run a blocking consumer with signal handling: `clipshop worker`."""
        ClaimingConsumer(
            self.huey, tick=self.fire_periodic if periodic else None, workers=workers, worker_type="thread"
        ).run()
