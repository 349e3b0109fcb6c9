"""Periodic jobs, run once per period for the whole deployment, however many consumers there are.

Every consumer (the app's consumer thread, each `clipshop worker`, on any machine) runs the same scheduler.
A periodic job has a period counted from 1970-01-01 00:00 UTC: every minute on the minute, hourly on the
hour, daily at 00:00 UTC. When a period starts, each scheduler tries to claim its *slot*, the job's name
with the period's start, in the job queue's own storage and atomically: `SET key NX EX` on Redis, an
`INSERT OR IGNORE` on a primary key in the SQLite queue's file, a dictionary under a lock in memory. Only
the scheduler that wins enqueues the job; the others see the slot taken and do nothing.

Why claims rather than one scheduler process with consumers that never schedule: a claim cannot double-run
even when the deployment is misconfigured (two schedulers, a worker started with the app's consumer still
on, a worker on another machine): every consumer of a queue shares its storage, so they share its claims.
Nothing extra runs on the embedded default, and no single process is the one whose death stops every
schedule: any consumer still alive fires the next period. The cost is one atomic write per job and period
and consumer.

Like cron, a scheduler fires a slot only in its first minute (or its whole period, when shorter): a
consumer started, or woken from a stall, later than that leaves the period alone. The winner of a claim
that dies before it enqueues loses that period's run; periodic jobs are sweeps (reconcilers, heals, the
retrain) that the next period's run catches up. A failed run is not retried: the next period is.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import redis

# How long a claim is kept: well past the minute in which schedulers fire a slot, so that clocks of
# machines apart by less than this still agree on who won.
CLAIM_TTL_S = 3600
# A slot is fired only this soon after its period starts (or within its period, when that is shorter).
FIRE_WITHIN_S = 60


class SlotClaims(Protocol):
    """Where consumers of one queue claim the slots of periodic jobs."""

    def claim(self, name: str, slot: datetime) -> bool:
        """Claim job `name`'s period starting at `slot`; True for the one caller that wins it."""
        ...

    def clear(self) -> None:
        """Forget every claim (tests, and a flushed queue)."""
        ...


def slot_key(name: str, slot: datetime) -> str:
    return f"{name}@{slot.strftime('%Y-%m-%dT%H:%M:%SZ')}"


class RedisSlotClaims:
    """Claims as Redis keys written with `SET NX EX`, beside the queue on the same server."""

    def __init__(self, url: str, *, namespace: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = f"clipshop.slots.{namespace}."

    def claim(self, name: str, slot: datetime) -> bool:
        claimed = self._redis.set(self._prefix + slot_key(name, slot), os.getpid(), nx=True, ex=CLAIM_TTL_S)
        return bool(claimed)

    def clear(self) -> None:
        for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            self._redis.delete(key)


class SqliteSlotClaims:
    """Claims as rows of a table in the SQLite queue's own file (consumers on one machine)."""

    def __init__(self, path: Path, *, namespace: str) -> None:
        self._path, self._namespace = path, namespace
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS clipshop_periodic_slots (queue TEXT NOT NULL, slot TEXT NOT NULL,"
                " claimed_at REAL NOT NULL, claimed_by INTEGER NOT NULL, PRIMARY KEY (queue, slot))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    def claim(self, name: str, slot: datetime) -> bool:
        now = time.time()
        with closing(self._connect()) as db, db:
            won = db.execute(
                "INSERT OR IGNORE INTO clipshop_periodic_slots VALUES (?, ?, ?, ?)",
                (self._namespace, slot_key(name, slot), now, os.getpid()),
            ).rowcount
            if won:
                db.execute("DELETE FROM clipshop_periodic_slots WHERE claimed_at < ?", (now - CLAIM_TTL_S,))
        return won == 1

    def clear(self) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM clipshop_periodic_slots WHERE queue = ?", (self._namespace,))


class MemorySlotClaims:
    """Claims of the consumers of an in-memory queue: one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed: set[str] = set()

    def claim(self, name: str, slot: datetime) -> bool:
        key = slot_key(name, slot)
        with self._lock:
            if key in self._claimed:
                return False
            self._claimed.add(key)
            return True

    def clear(self) -> None:
        with self._lock:
            self._claimed.clear()


@dataclass(frozen=True)
class Period:
    """A length of time repeating from 1970-01-01 00:00 UTC."""

    seconds: int

    def start_of(self, at: datetime) -> datetime:
        """The start of the period `at` falls in (`at` naive means UTC)."""
        stamp = int(_utc(at).timestamp())
        return datetime.fromtimestamp(stamp - stamp % self.seconds, UTC)

    def starts_at(self, at: datetime) -> bool:
        return self.start_of(at) == _utc(at)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class PeriodicSchedule:
    """The periodic jobs of one queue, and what this process last looked at of each: a scheduler ticks it
    every second or so, and it enqueues the jobs whose new period it won."""

    def __init__(self, claims: SlotClaims) -> None:
        self.claims = claims
        self._periods: dict[str, Period] = {}
        self._looked_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def add(self, name: str, period: Period) -> None:
        self._periods[name] = period

    def due_at(self, at: datetime) -> list[str]:
        """The jobs whose period starts at `at`, by name."""
        return sorted(name for name, period in self._periods.items() if period.starts_at(at))

    def tick(self, enqueue: Callable[[str, datetime], None], *, now: datetime | None = None) -> list[str]:
        """Claim each job's current slot not looked at yet by this process, and `enqueue(name, slot)` those
        won; returns their names. A claim that fails (the storage unreachable) is tried again next tick."""
        now = _utc(now or datetime.now(UTC))
        won: list[str] = []
        with self._lock:
            for name, period in self._periods.items():
                slot = period.start_of(now)
                if self._looked_at.get(name) == slot:
                    continue
                if now - slot >= timedelta(seconds=min(FIRE_WITHIN_S, period.seconds)):
                    self._looked_at[name] = slot  # too late for this one: wait for the next period
                    continue
                claimed = self.claims.claim(name, slot)
                self._looked_at[name] = slot
                if claimed:
                    enqueue(name, slot)
                    won.append(name)
        return won
