"""Periodic jobs run once per period for the whole deployment: each consumer's scheduler claims a period's
slot in the queue's storage, and only the winner enqueues. First three queues on one storage ticked by
hand, then three `clipshop worker` processes and the app's consumer thread, counting the runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import Job, JobQueue, current_slot
from clipshop.platform import Platform
from support import REDIS_URL, queue_name, redis_reason, settings_environ, wait_until

pytestmark = pytest.mark.xdist_group("worker-process")

HERE = Path(__file__).resolve().parent  # where `periodic_probe` is
SRC = HERE.parents[1] / "src"
EVERY_MINUTE = Job[[]]("every_minute")
HOURLY = Job[[]]("hourly")
Run = tuple[str, datetime]


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 6, 1, hour, minute, second, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "redis"])
def jobs_backend(request: pytest.FixtureRequest) -> str:
    if request.param == "redis" and (reason := redis_reason()):
        pytest.skip(reason)
    return str(request.param)


@pytest.fixture
def consumers(jobs_backend: str, tmp_path: Path) -> Iterator[tuple[list[JobQueue], list[Run]]]:
    """Three queues on one storage, as three consumer processes hold them, each with the same two periodic
    jobs; and the runs, as (job, slot)."""
    runs: list[Run] = []

    def recorder(name: str) -> Callable[[], None]:
        def run() -> None:
            slot = current_slot()
            assert slot is not None
            runs.append((name, slot))

        return run

    queues = []
    for _ in range(3):
        queue = JobQueue.from_settings(
            backend=jobs_backend,
            sqlite_path=tmp_path / "jobs.db",
            redis_url=REDIS_URL,
            name=queue_name(tmp_path),
        )
        queue.register(EVERY_MINUTE, recorder(EVERY_MINUTE.name), every_minutes=1)
        queue.register(HOURLY, recorder(HOURLY.name), every_minutes=60)
        queues.append(queue)
    queues[0].flush()
    yield queues, runs
    queues[0].flush()


def test_each_period_is_enqueued_by_one_consumer_only(
    consumers: tuple[list[JobQueue], list[Run]],
) -> None:
    queues, runs = consumers
    fired = [queue.fire_periodic(now=at(12, 0, 1 + n)) for n, queue in enumerate(queues)]
    assert sorted(name for names in fired for name in names) == ["every_minute", "hourly"]
    assert fired[0] == ["every_minute", "hourly"]  # the first to look wins both
    # Looking again within the same period asks nobody: this process has looked at it already.
    assert [queue.fire_periodic(now=at(12, 0, 30)) for queue in queues] == [[], [], []]
    # The clocks of consumers differ by a second or two: they still agree on the period.
    fired = [queue.fire_periodic(now=at(12, 1, 2 - n)) for n, queue in enumerate(queues)]
    assert fired == [["every_minute"], [], []]
    assert queues[1].pending() == 3

    assert queues[1].drain() == 3

    assert sorted(runs) == [("every_minute", at(12, 0)), ("every_minute", at(12, 1)), ("hourly", at(12, 0))]


def test_a_consumer_past_the_first_minute_of_a_period_leaves_it_alone(
    consumers: tuple[list[JobQueue], list[Run]],
) -> None:
    queues, runs = consumers
    # Started (or woken from a stall) at 12:01:30: the hour began too long ago, the minute did not.
    assert queues[0].fire_periodic(now=at(12, 1, 30)) == ["every_minute"]
    assert queues[1].fire_periodic(now=at(13, 0, 59)) == ["every_minute", "hourly"]
    queues[2].drain()
    assert sorted(runs) == [("every_minute", at(12, 1)), ("every_minute", at(13, 0)), ("hourly", at(13, 0))]


def test_periods_count_from_midnight_utc(platform: Platform) -> None:
    jobs = platform.jobs
    assert "heal_projections" in jobs.periodic_due(datetime(2026, 6, 1, 12, 7))
    assert "heal_all_projections" in jobs.periodic_due(datetime(2026, 6, 1, 0, 0))
    assert "heal_all_projections" not in jobs.periodic_due(datetime(2026, 6, 1, 1, 0))
    assert "retrain_feed_models_schedule" in jobs.periodic_due(datetime(2026, 6, 1, 13, 0))
    assert "retrain_feed_models_schedule" not in jobs.periodic_due(datetime(2026, 6, 1, 13, 1))
    # Naive times are UTC; aware ones are compared in UTC.
    two_hours_east = timezone(timedelta(hours=2))
    assert "heal_all_projections" not in jobs.periodic_due(datetime(2026, 6, 1, 0, 0, tzinfo=two_hours_east))
    assert "heal_all_projections" in jobs.periodic_due(datetime(2026, 6, 1, 2, 0, tzinfo=two_hours_east))


PROBE_SECONDS = 2
PERIODS_WATCHED = 4


@pytest.fixture
def deployment(settings: Settings, jobs_backend: str, tmp_path: Path) -> Settings:
    """A deployment on the test databases (SQLite or PostgreSQL) and queue (SQLite or Redis), with the
    probe's periodic job loaded by every process."""
    return settings.with_overrides(
        jobs_backend=jobs_backend,
        redis_url=REDIS_URL,
        jobs_queue_name=queue_name(tmp_path),
        jobs_modules=["periodic_probe"],
    )


def test_three_worker_processes_and_the_apps_consumer_run_each_period_once(
    deployment: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "probe-runs.txt"
    record.touch()
    probe = {"CLIPSHOP_TEST_PROBE_FILE": str(record), "CLIPSHOP_TEST_PROBE_SECONDS": str(PROBE_SECONDS)}
    for name, value in probe.items():
        monkeypatch.setenv(name, value)
    environ = {
        **os.environ,
        **settings_environ(deployment),
        **probe,
        "CLIPSHOP_JOBS_MODULES": json.dumps(deployment.jobs_modules),
        "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]),
    }
    platform = build_platform(deployment)
    platform.jobs.flush()
    workers: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for n in range(3):
            out = tmp_path / f"worker-{n}.out"
            with out.open("wb") as stdout:
                command = [sys.executable, "-m", "clipshop.cli", "worker", "--workers", "1"]
                process = subprocess.Popen(command, env=environ, stdout=stdout, stderr=subprocess.STDOUT)
                workers.append((process, out))

        def all_started() -> bool:
            for process, out in workers:
                assert process.poll() is None, out.read_text()
            return all("Worker on the" in out.read_text() for _, out in workers)

        wait_until(all_started, timeout_s=120, every_s=0.2, what="three worker processes to start")
        platform.jobs.start_consumer(workers=1)  # the app's own consumer thread, as `clipshop serve` runs it
        first = datetime.fromtimestamp((int(time.time()) // PROBE_SECONDS + 1) * PROBE_SECONDS, UTC)

        def watched() -> list[datetime]:
            return sorted(slot for slot, _ in runs_in(record) if slot >= first)

        wait_until(
            lambda: len(set(watched())) >= PERIODS_WATCHED,
            timeout_s=120,
            every_s=0.2,
            what=f"{PERIODS_WATCHED} periods of the probe",
        )
    finally:
        for process, _ in workers:
            process.send_signal(signal.SIGINT)  # huey's graceful stop: running jobs finish
        platform.jobs.stop_consumer()
        for process, _ in workers:
            process.wait(timeout=60)
    platform.jobs.drain()  # whatever was enqueued and not yet run: a second enqueue of a period would run too
    platform.jobs.flush()
    platform.close()

    runs = runs_in(record)
    per_period = Counter(slot for slot, _ in runs)
    assert [slot for slot, count in per_period.items() if count > 1] == []
    last = max(per_period)
    periods = int((last - first).total_seconds()) // PROBE_SECONDS + 1
    expected = [first + timedelta(seconds=PROBE_SECONDS * n) for n in range(periods)]
    assert [slot for slot in sorted(per_period) if slot >= first] == expected
    assert len(expected) >= PERIODS_WATCHED
    assert {pid for _, pid in runs} <= {os.getpid(), *(process.pid for process, _ in workers)}


def runs_in(record: Path) -> list[tuple[datetime, int]]:
    runs = []
    for line in record.read_text().splitlines():
        slot, pid = line.split()
        runs.append((datetime.fromisoformat(slot), int(pid)))
    return runs
