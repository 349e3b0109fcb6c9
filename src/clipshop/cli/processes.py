"""`clipshop serve --workers N`: N app processes, the i-th listening on port P+i, kept running by the command.

Each app process is a plain `clipshop serve` of one process, without migrating and without a job consumer.
The proxy lists every port, so its own balancing spreads requests evenly and it can stop sending to a process
that went away. The command restarts a process that exits, stops them all on SIGTERM or SIGINT, and gives
up (exit status 1) when a process keeps exiting just after it started: a taken port or a broken setting,
which a restart would not mend.

Several processes share nothing in memory, so they need settings under which nothing that must be shared
lives in one of them (`shared_state_problems`): the job queue and the rate limits' counts. What stays per
process is only ever a copy (the feed's caches, the loaded models, on SQLite the copy of the directory's
ranking facts): memory for each process, nothing to agree on.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType

from clipshop.config import Settings

log = logging.getLogger("clipshop.serve")

# A process that exits this soon after it started counts as a failed start. After this many in a row the
# command stops: a restart would fail the same way. Longer-lived processes are restarted at once.
QUICK_EXIT_S = 10.0
MAX_QUICK_EXITS = 5
FIRST_RESTART_DELAY_S = 0.5
MAX_RESTART_DELAY_S = 30.0
# How long processes get to finish their requests after SIGTERM before they are killed.
STOP_GRACE_S = 30.0
POLL_S = 0.2
PR_SET_PDEATHSIG = 1


def shared_state_problems(settings: Settings) -> list[str]:
    """Why `settings` cannot run in several app processes: state that must be shared but would live in one."""
    problems = []
    if settings.jobs_backend != "redis":
        problems.append(
            f"the job queue is {settings.jobs_backend!r}, but app processes started together run no jobs: "
            "set CLIPSHOP_JOBS_BACKEND=redis (and CLIPSHOP_REDIS_URL) and run `clipshop worker`"
        )
    if settings.limits_storage_uri.startswith("memory://"):
        problems.append(
            "rate limits are counted in memory, so each process would count alone and every limit would be "
            "that many times looser: set CLIPSHOP_LIMITS_STORAGE_URI=redis://…"
        )
    return problems


def app_process_command(*, host: str, port: int) -> list[str]:
    """One app process: `clipshop serve` on one port, the databases already migrated."""
    return [
        sys.executable,
        "-m",
        "clipshop.cli",
        "serve",
        "--workers",
        "1",
        "--host",
        host,
        "--port",
        str(port),
        "--no-migrate",
    ]


def app_process_environ() -> dict[str, str]:
    """This process's environment, with the job consumer off: `clipshop worker` processes run the jobs."""
    return {**os.environ, "CLIPSHOP_JOBS_CONSUMER_IN_APP": "false"}


def _in_own_group_dying_with(parent: int) -> Callable[[], None]:
    """Run in the child before it starts: its own process group, so a terminal's Ctrl-C reaches only this
    command, which then stops each process once; and SIGTERM should this command die without stopping it.
    libc is looked up here, in the parent: the child only calls it."""
    try:
        prctl: Callable[[int, int], int] | None = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the process group alone
        prctl = None

    def prepare() -> None:
        os.setpgid(0, 0)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return prepare


@dataclass
class AppProcess:
    """One app process as the supervisor tends it."""

    index: int
    port: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts one process per port with `command(port)`, restarts those that exit, stops them all."""

    def __init__(
        self, *, ports: Sequence[int], command: Callable[[int], list[str]], environ: dict[str, str]
    ) -> None:
        self.processes = [AppProcess(index=i, port=port) for i, port in enumerate(ports)]
        self.command = command
        self.environ = environ
        self.stopping = threading.Event()

    def start(self, app: AppProcess) -> None:
        app.process = subprocess.Popen(
            self.command(app.port),
            env=self.environ,
            stdin=subprocess.DEVNULL,
            # This process runs no other thread, so running Python between fork and exec is safe.
            preexec_fn=_in_own_group_dying_with(os.getpid()),
        )
        app.started_at, app.restart_at = time.monotonic(), None
        log.info("app process %d started: pid %d, port %d", app.index, app.process.pid, app.port)

    def tend(self, now: float) -> bool:
        """Restart what exited (after a delay that grows while starts keep failing); False to give up."""
        for app in self.processes:
            if app.running or app.process is None:
                continue
            if app.restart_at is None:
                lived = now - app.started_at
                app.quick_exits = app.quick_exits + 1 if lived < QUICK_EXIT_S else 0
                code = app.process.returncode
                if app.quick_exits >= MAX_QUICK_EXITS:
                    log.error(
                        "app process %d (port %d) exited %d times in a row within %g s of starting (last "
                        "exit status %s); stopping",
                        app.index, app.port, app.quick_exits, QUICK_EXIT_S, code,
                    )  # fmt: skip
                    return False
                delay = min(MAX_RESTART_DELAY_S, FIRST_RESTART_DELAY_S * 2**app.quick_exits)
                app.restart_at = now + delay
                log.warning(
                    "app process %d (pid %d, port %d) exited with status %s after %.1f s; restarting in %g s",
                    app.index, app.process.pid, app.port, code, lived, delay,
                )  # fmt: skip
            elif now >= app.restart_at:
                self.start(app)
        return True

    def stop_all(self, *, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM to every process (uvicorn finishes the requests in flight), SIGKILL to those still there
        after `grace_s`."""
        running = [app for app in self.processes if app.running]
        for app in running:
            assert app.process is not None
            app.process.terminate()
        deadline = time.monotonic() + grace_s
        for app in running:
            assert app.process is not None
            try:
                app.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning(
                    "app process %d (pid %d) did not stop in time; killing it", app.index, app.process.pid
                )
                app.process.kill()
                app.process.wait()

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping the app processes", signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        """Start every process and tend them until SIGTERM or SIGINT (exit status 0) or until one keeps
        failing to start (1)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        for app in self.processes:
            self.start(app)
        status = 0
        while not self.stopping.wait(POLL_S):
            if not self.tend(time.monotonic()):
                status = 1
                break
        self.stop_all()
        return status


def serve_processes(*, host: str, port: int, count: int) -> int:
    """Run `count` app processes on ports `port` … `port + count - 1` until stopped; the exit status."""
    supervisor = Supervisor(
        ports=range(port, port + count),
        command=lambda p: app_process_command(host=host, port=p),
        environ=app_process_environ(),
    )
    return supervisor.run()
