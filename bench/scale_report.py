"""What bench/scale.py measures besides the load: the CPU every process of the stack used during a step, and
the tables and figures of the report."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import harness
import psutil
import scale_load
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(harness.REPO / "tests"))
from stack import Stack


def cpu_of(process: psutil.Process, *, children: bool = False) -> float:
    """CPU seconds of a process (with its waited-for children: the probe, ffmpeg), and its live children's."""
    total = 0.0
    for member in [process, *(process.children() if children else [])]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += harness.cpu_seconds(member)
    return total


POSTMASTER = "postgres postmaster (others' connections too)"


class CpuMeter:
    """CPU seconds per group of processes between `start` and `stop`, and what nginx's log says about which
    app process served the requests meanwhile."""

    def __init__(self, stack: Stack, *, database_prefix: str, admin_url: str) -> None:
        self.stack = stack
        self.marker = f" {database_prefix}_"
        self.prefix = f"{database_prefix}_"
        self.admin_url = admin_url
        self.sessions = 0
        self.before: dict[tuple[str, int], float] = {}
        self.machine = 0.0
        self.started = 0.0
        self.log_offsets: dict[str, int] = {}
        self.pending_at_start = 0
        from clipshop.jobs.queue import JobQueue

        self.queue = JobQueue.from_settings(backend="redis", sqlite_path=stack.data_dir / "jobs.db",
                                            redis_url=stack.redis_url, name=stack.queue)  # fmt: skip

    def read(self) -> dict[tuple[str, int], float]:
        """(group, pid) -> CPU seconds so far."""
        stack = self.stack
        seen: dict[tuple[str, int], float] = {}
        for port, pid in stack.app_pids().items():
            with contextlib.suppress(psutil.NoSuchProcess):
                seen[(f"app {port}", pid)] = cpu_of(psutil.Process(pid), children=True)
        if stack.app_processes > 1 and stack.serve is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                seen[("serve (supervisor)", stack.serve.pid)] = harness.cpu_seconds(
                    psutil.Process(stack.serve.pid)
                )
        for worker in stack.worker_processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                seen[("worker", worker.pid)] = cpu_of(psutil.Process(worker.pid), children=True)
        if stack.nginx is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                seen[("nginx", stack.nginx.pid)] = cpu_of(psutil.Process(stack.nginx.pid), children=True)
        for process in psutil.process_iter(["name", "cmdline"]):
            name, title = process.info["name"] or "", " ".join(process.info["cmdline"] or [])
            if name == "redis-server":
                group = "redis"
            elif name != "postgres" and not title.startswith("postgres"):
                continue
            elif self.marker in title:
                group = "postgres (these databases)"
            elif "(" in title or "[local]" in title:
                continue  # another client's backend: part of the machine's other work
            elif ": " in title:  # the WAL writer, checkpointer, background writer, ...
                group = f"postgres server: {title.rpartition(': ')[2].strip()}"
            else:
                group = POSTMASTER
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                seen[(group, process.pid)] = harness.cpu_seconds(process)
        return seen

    def sessions_so_far(self) -> int:
        """Connections ever made to these databases (PostgreSQL's own count, pg_stat_database.sessions)."""
        engine = create_engine(self.admin_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                count = conn.execute(
                    text(
                        "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE left(datname, :n) = :p"
                    ),
                    {"n": len(self.prefix), "p": self.prefix},
                ).scalar_one()
        finally:
            engine.dispose()
        return int(count)

    def logs(self) -> list[str]:
        return ["access.log", *(f"worker-{n}.log" for n in range(len(self.stack.worker_processes)))]

    def since_start(self, name: str) -> bytes:
        """What the stack's log `name` got since `start`."""
        with self.stack.log(name).open("rb") as log:
            log.seek(self.log_offsets[name])
            return log.read()

    def start(self) -> None:
        for name in self.logs():
            path = self.stack.log(name)
            self.log_offsets[name] = path.stat().st_size if path.exists() else 0
        self.sessions = self.sessions_so_far()
        self.pending_at_start = self.queue.pending()
        self.before = self.read()
        self.machine = harness.machine_busy_seconds()
        self.started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group, `elapsed` (wall seconds), `machine` (every process on the machine) and
        `sessions` (connections opened to these databases)."""
        elapsed = time.perf_counter() - self.started
        machine = harness.machine_busy_seconds() - self.machine
        after = self.read()
        spent: dict[str, float] = {}
        for (group, pid), seconds in after.items():  # a process new since `start`: all of its time
            spent[group] = spent.get(group, 0.0) + max(0.0, seconds - self.before.get((group, pid), 0.0))
        sessions = self.sessions_so_far() - self.sessions
        return {**spent, "elapsed": elapsed, "machine": machine, "sessions": sessions}

    def served_by(self) -> dict[int, int]:
        """Requests per app port in nginx's log since `start`."""
        ports = re.findall(rb"upstream=127\.0\.0\.1:(\d+)", self.since_start("access.log"))
        return dict(sorted(Counter(int(p) for p in ports).items()))

    def wait_for_empty_queue(self, *, timeout_s: float, quiet_s: float = 3.0) -> bool:
        """Wait until the queue has stayed empty for `quiet_s` (the last jobs taken have run by then, a
        transcode of the bench's clip included); False if it had not after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        empty_since = None
        while time.monotonic() < deadline:
            if self.queue.pending():
                empty_since = None
            elif empty_since is None:
                empty_since = time.monotonic()
            elif time.monotonic() - empty_since >= quiet_s:
                return True
            time.sleep(0.5)
        return False

    def jobs(self) -> Jobs:
        """Jobs the workers ran since `start` (their logs say), and the queue then and now."""
        ran = sum(self.since_start(name).count(b" executed in ") for name in self.logs()[1:])
        return Jobs(ran=ran, pending_at_start=self.pending_at_start, pending_at_end=self.queue.pending())


NOT_GROUPS = ("elapsed", "machine", "sessions", POSTMASTER)
# What a request costs, by part of the deployment -> the CPU groups it sums (by how their names start).
COST_GROUPS: dict[str, tuple[str, ...]] = {
    "app": ("app ",),
    "postgres": ("postgres (these databases)", "postgres server: "),
    "worker": ("worker",),
    "nginx and redis": ("nginx", "redis"),
}
# Table column -> CPU group.
CPU_COLUMNS = {"app": "app (all)", "pg": "postgres (these databases)", "pg srv": "postgres (server)",
               "loadgen": "load generator", "nginx": "nginx", "worker": "worker", "redis": "redis",
               "others": "others"}  # fmt: skip


@dataclass
class Jobs:
    ran: int
    pending_at_start: int
    pending_at_end: int

    @property
    def queued(self) -> int:
        """Jobs enqueued meanwhile: those run, and those the queue grew by."""
        return self.ran + self.pending_at_end - self.pending_at_start


@dataclass
class Step:
    """One count of app processes: the load, and the CPU of every group while it ran (`cpu`) and while the
    worker then ran the jobs it had left behind (`drain`, with the load stopped)."""

    processes: int
    load: scale_load.LoadResult
    cpu: dict[str, float]  # CPU seconds per group, plus `elapsed`, `machine` and `sessions`
    jobs: Jobs
    served_by: dict[int, int]
    drain: dict[str, float]
    drain_jobs: Jobs

    def cores(self) -> dict[str, float]:
        """Each group's CPU in cores (seconds per wall second), `app (all)`, and `others`: what the rest of
        the machine used meanwhile. The postmaster forks a backend for every connection to the server,
        anyone's: it counts among the others (these databases' connections are pooled, and `sessions` says
        how many were opened)."""
        elapsed = self.cpu["elapsed"]
        spent = {k: v for k, v in self.cpu.items() if k not in NOT_GROUPS}
        spent["load generator"] = self.load.client_cpu_s
        cores = {k: v / elapsed for k, v in spent.items()}
        cores["app (all)"] = sum(v for k, v in cores.items() if k.startswith("app "))
        cores["postgres (server)"] = sum(v for k, v in cores.items() if k.startswith("postgres server: "))
        cores["others"] = max(0.0, self.cpu["machine"] - sum(spent.values())) / elapsed
        cores[POSTMASTER] = self.cpu.get(POSTMASTER, 0.0) / elapsed
        return cores

    def cpu_ms_per_request(self) -> dict[str, float]:
        """What a request of the mix costs the deployment all in, in CPU ms: while the load ran and while the
        jobs it left were run after (transcodes and the periodic jobs included), per group and in `total`."""
        spent: dict[str, float] = {}
        for cpu in (self.cpu, self.drain):
            for group, seconds in cpu.items():
                if group in NOT_GROUPS:
                    continue
                name = next((n for n, starts in COST_GROUPS.items() if group.startswith(starts)), None)
                if name is not None:
                    spent[name] = spent.get(name, 0.0) + seconds
        per = {name: 1000 * spent.get(name, 0.0) / max(1, self.load.requests) for name in COST_GROUPS}
        return {**per, "total": sum(per.values())}

    def capacity_rps(self) -> float:
        """Requests/s of this mix that every core of the machine could serve with nothing else running."""
        return (os.cpu_count() or 1) * 1000 / self.cpu_ms_per_request()["total"]


def figures_of(tally: scale_load.Tally, elapsed_s: float) -> dict[str, Any]:
    return {
        "requests": tally.requests,
        "rps": round(tally.requests / elapsed_s, 1),
        "p50_ms": round(harness.percentile(tally.latencies_ms, 50), 1),
        "p99_ms": round(harness.percentile(tally.latencies_ms, 99), 1),
        "busy_429": tally.busy,
        "errors": tally.errors,
    }


def total(step: Step, kind: str) -> int:
    return sum(getattr(t, kind) for t in step.load.tallies.values())


def report(steps: list[Step], args: argparse.Namespace, *, corpus: dict[str, Any]) -> dict[str, Any]:
    summary = []
    for step in steps:
        load, cores = step.load, step.cores()
        every = load.latencies_ms()
        summary.append([
            str(step.processes), f"{load.requests:,}", f"{load.rps:.1f}",
            f"{harness.percentile(every, 50):.0f}", f"{harness.percentile(every, 99):.0f}",
            str(total(step, "busy")), str(total(step, "errors")),
            *(f"{cores.get(group, 0.0):.2f}" for group in CPU_COLUMNS.values()),
        ])  # fmt: skip
    title = (
        f"Mixed load through nginx, {args.connections} connections, {args.duration_s:g} s per step after "
        f"{args.warmup_s:g} s warm-up; {corpus['videos']:,} videos, {corpus['users']:,} users. CPU in cores "
        "(of 2): app processes, PostgreSQL's backends for these databases and its server processes, the load "
        "generator, nginx, the worker (ffmpeg included), Redis, everything else"
    )
    columns = ["app procs", "requests", "req/s", "p50 ms", "p99 ms", "429", "errors", *CPU_COLUMNS]
    harness.console.print(harness.table(title, columns, summary))
    mix = {op: 100 * share / sum(args.mix_shares.values()) for op, share in args.mix_shares.items() if share}
    ops = list(mix)
    rows = []
    for op in ops:
        row = [f"{op} ({mix[op]:.3g}%)"]
        for step in steps:
            f = figures_of(step.load.tallies[op], step.load.elapsed_s)
            row += [
                f"{f['rps']:.1f}",
                f"{f['p50_ms']:.0f}",
                f"{f['p99_ms']:.0f}",
                f"{f['busy_429']}/{f['errors']}",
            ]
        rows.append(row)
    per_step = [f"{s.processes}p {c}" for s in steps for c in ("req/s", "p50", "p99", "429/err")]
    harness.console.print(harness.table("By operation (share of the mix); upload counts its three requests",
                                        ["operation", *per_step], rows))  # fmt: skip
    for step in steps:
        cores, per = step.cores(), step.cpu_ms_per_request()
        apps = ", ".join(
            f"{k} {v:.2f}" for k, v in cores.items() if k.startswith("app ") and k != "app (all)"
        )
        jobs, drain = step.jobs, step.drain_jobs
        harness.console.print(
            f"{step.processes} app process(es): {apps} cores, requests per port {step.served_by}, "
            f"{step.cpu['sessions']:.0f} connections opened to PostgreSQL; jobs: {jobs.queued:,} enqueued, "
            f"{jobs.ran:,} run meanwhile (queue {jobs.pending_at_start:,} -> {jobs.pending_at_end:,}), "
            f"the rest in {step.drain['elapsed']:.0f} s after ({drain.ran:,} run); CPU per request all in "
            "(the jobs it left too): " + ", ".join(f"{k} {v:.1f} ms" for k, v in per.items())
            + f"; {os.cpu_count()} idle cores would serve {step.capacity_rps():.0f} req/s of this mix"
        )  # fmt: skip
        for line in step.load.first_errors:
            harness.console.print(f"[red]error:[/] {line}", markup=True, soft_wrap=True)
    rps = [round(s.load.rps, 1) for s in steps]
    if len(steps) > 1:
        harness.console.print(f"scaling {steps[0].processes} -> {steps[-1].processes} app processes: "
                              f"{rps[-1] / rps[0]:.2f}x requests/s")  # fmt: skip
    return {
        "processes": [s.processes for s in steps],
        "rps": rps,
        "p99_ms": [round(harness.percentile(s.load.latencies_ms(), 99), 1) for s in steps],
        "errors": [total(s, "errors") for s in steps],
        "p50_ms": [round(harness.percentile(s.load.latencies_ms(), 50), 1) for s in steps],
        "busy_429": [total(s, "busy") for s in steps],
        "requests": [s.load.requests for s in steps],
        "scaling": round(rps[-1] / rps[0], 3) if rps[0] else None,
        "cpu_cores": [{k: round(v, 3) for k, v in s.cores().items()} for s in steps],
        "cpu_ms_per_request": [{k: round(v, 2) for k, v in s.cpu_ms_per_request().items()} for s in steps],
        "operations": [{op: figures_of(s.load.tallies[op], s.load.elapsed_s) for op in ops} for s in steps],
        "served_by": [list(s.served_by.values()) for s in steps],
        "jobs": [
            {
                "queued": s.jobs.queued,
                "ran": s.jobs.ran,
                "pending_at_start": s.jobs.pending_at_start,
                "pending_at_end": s.jobs.pending_at_end,
                "ran_after": s.drain_jobs.ran,
                "after_s": round(s.drain["elapsed"], 1),
            }
            for s in steps
        ],
        "capacity_rps": [round(s.capacity_rps(), 1) for s in steps],
        "postgres_connections_opened": [int(s.cpu["sessions"]) for s in steps],
        "first_errors": [s.load.first_errors for s in steps],
        "mix_percent": {op: round(share, 3) for op, share in mix.items()},
        "connections": args.connections,
        "duration_s": args.duration_s,
        "warmup_s": args.warmup_s,
        "corpus": corpus,
    }
