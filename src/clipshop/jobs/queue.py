"""Huey on SQLite (embedded default), Redis (at scale) or memory (tests), with tasks bound to a platform.

A domain declares each of its jobs once, as a typed `Job` in its `tasks.py`, with the function that
enqueues it; the composition root registers what runs it. Tasks are registered per queue instance rather
than at import time, so one process can hold several platforms (tests run the same suite on SQLite and on
Redis). Every task is idempotent: the reconciler may enqueue the same work twice, and a worker may crash
half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, ParamSpec

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

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


class InAppConsumer(Consumer):  # type: ignore[misc]
    """A consumer run from threads inside the web app: the app's server owns the process's signals."""

    def _set_signal_handlers(self) -> None:
        pass


class JobQueue:
    """Named tasks on one huey instance; `enqueue` only after the data they read is committed."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self._tasks: dict[str, Any] = {}
        self._consumer: InAppConsumer | None = None

    @classmethod
    def from_settings(
        cls, *, backend: str, sqlite_path: Path, redis_url: str, name: str = "clipshop"
    ) -> JobQueue:
        if backend == "sqlite":
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            return cls(SqliteHuey(name, filename=str(sqlite_path), results=False))
        if backend == "redis":
            return cls(RedisHuey(name, url=redis_url, results=False))
        if backend == "memory":
            return cls(MemoryHuey(name, results=False))
        raise ValueError(f"unknown jobs backend {backend!r}; use sqlite, redis or memory")

    def register(self, job: Job[P], run: Callable[P, Any], *, every_minutes: int | None = None) -> None:
        """Bind `run` to `job` on this queue; with `every_minutes` it also runs on that schedule (whole
        hours from 60 up: at minute 0 of every n-th hour)."""
        minutes = every_minutes
        settings = {"name": job.name, "retries": job.retries, "retry_delay": job.retry_delay_s}
        if minutes is None:
            task = self.huey.task(**settings)
        else:
            schedule = (
                crontab(minute="0", hour=f"*/{minutes // 60}")
                if minutes >= 60
                else crontab(minute=f"*/{minutes}")
            )
            task = self.huey.periodic_task(schedule, name=job.name)
        self._tasks[job.name] = task(_named(TASK_MODULE, job.name, run))
        if job.formerly is not None and minutes is None:
            self.huey.task(**settings)(_named(job.formerly, job.name, run))

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
        self.huey.flush()

    def start_consumer(self, *, workers: int = 1, periodic: bool = True) -> None:
        """Start worker threads and the scheduler inside this process (the embedded default)."""
        if self._consumer is None:
            self._consumer = InAppConsumer(
                self.huey,
                workers=workers,
                periodic=periodic,
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
        Consumer(self.huey, workers=workers, periodic=periodic, worker_type="thread").run()
