"""`clipshop serve --workers N`: N app processes on consecutive ports, refused on settings whose job queue or
rate limits one process would keep to itself; a process that exits is restarted, one that keeps failing to
start stops the command, and the processes stop with it, even when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.cli.processes import AppProcess, Supervisor, shared_state_problems
from clipshop.config import Settings
from support import REDIS_URL, queue_name, redis_reason, wait_until

pytestmark = pytest.mark.xdist_group("app-processes")

QUEUE_PROBLEM = (
    "the job queue is 'sqlite', but app processes started together run no jobs: set "
    "CLIPSHOP_JOBS_BACKEND=redis (and CLIPSHOP_REDIS_URL) and run `clipshop worker`"
)
LIMITS_PROBLEM = (
    "rate limits are counted in memory, so each process would count alone and every limit would be that many "
    "times looser: set CLIPSHOP_LIMITS_STORAGE_URI=redis://…"
)


def test_several_processes_need_a_shared_job_queue_and_shared_rate_limits(tmp_path: Path) -> None:
    assert shared_state_problems(Settings(data_dir=tmp_path)) == [QUEUE_PROBLEM, LIMITS_PROBLEM]
    on_redis = Settings(data_dir=tmp_path, jobs_backend="redis")
    assert shared_state_problems(on_redis) == [LIMITS_PROBLEM]
    shared = on_redis.with_overrides(limits_storage_uri="redis://127.0.0.1:6379/1")
    assert shared_state_problems(shared) == []

    environ = {"CLIPSHOP_DATA_DIR": str(tmp_path), "CLIPSHOP_CONFIG": str(tmp_path / "none.toml")}
    result = CliRunner().invoke(app, ["serve", "--workers", "2"], env=environ, terminal_width=400)
    assert result.exit_code == 2
    assert "Invalid value for '--workers': 2 app processes cannot share this deployment" in result.output
    assert not (tmp_path / "directory.db").exists()  # refused before migrating anything


def exits_at_once(_port: int) -> list[str]:
    return [sys.executable, "-c", "raise SystemExit(3)"]


def finished(app: AppProcess) -> AppProcess:
    assert app.process is not None
    app.process.wait(timeout=30)
    return app


def test_a_process_that_exits_is_restarted_after_a_delay_that_grows_while_starts_fail() -> None:
    supervisor = Supervisor(ports=[9], command=exits_at_once, environ=dict(os.environ))
    app = supervisor.processes[0]
    supervisor.start(app)
    delays = []
    for _ in range(4):
        started = finished(app).started_at
        assert supervisor.tend(started + 1.0)  # exited a second after it started: a failed start
        assert app.restart_at is not None
        delays.append(app.restart_at - (started + 1.0))
        first_pid = app.process.pid if app.process else 0
        assert supervisor.tend(app.restart_at - 0.01) and app.restart_at is not None  # not yet
        assert supervisor.tend(app.restart_at)
        assert app.restart_at is None and app.process is not None and app.process.pid != first_pid
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert supervisor.tend(finished(app).started_at + 1.0) is False  # the fifth in a row: give up

    # A process that ran for a minute before it exited is restarted at once, its count of failures reset.
    supervisor.start(app)
    started = finished(app).started_at
    assert supervisor.tend(started + 60.0)
    assert (app.quick_exits, app.restart_at) == (0, started + 60.5)


def test_stopping_kills_a_process_that_ignores_sigterm_after_the_grace_period(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    code = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "pathlib.Path(sys.argv[1]).touch()\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(
        ports=[9], command=lambda _port: [sys.executable, "-c", code, str(ready)], environ=dict(os.environ)
    )
    app = supervisor.processes[0]
    supervisor.start(app)
    wait_until(ready.exists, timeout_s=30, what="the process to ignore SIGTERM")
    supervisor.stop_all(grace_s=0.2)
    assert app.process is not None and app.process.returncode == -signal.SIGKILL


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports on loopback."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            held = []
            for port in range(first, first + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return first
    raise RuntimeError(f"no {count} consecutive free ports found")


def app_processes(command: psutil.Process) -> dict[int, int]:
    """Port → pid of the app processes `command` is running."""
    found = {}
    for child in command.children():
        try:
            argv = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "--port" in argv:
            found[int(argv[argv.index("--port") + 1])] = child.pid
    return found


def answering(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def serve_two(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`clipshop serve --workers 2` on the embedded databases, jobs and rate limits on Redis."""
    if reason := redis_reason():
        pytest.skip(reason)
    port = free_ports(2)
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")},
        "CLIPSHOP_CONFIG": str(tmp_path / "none.toml"),
        "CLIPSHOP_DATA_DIR": str(tmp_path / "data"),
        "CLIPSHOP_JOBS_BACKEND": "redis",
        "CLIPSHOP_REDIS_URL": REDIS_URL,
        "CLIPSHOP_JOBS_QUEUE_NAME": queue_name(tmp_path),
        "CLIPSHOP_LIMITS_STORAGE_URI": REDIS_URL,
    }
    log = (tmp_path / "serve.log").open("wb")
    command = subprocess.Popen(
        [sys.executable, "-m", "clipshop.cli", "serve", "--workers", "2", "--port", str(port)],
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield command, port
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
        for pid in app_processes_left(port):
            os.kill(pid, signal.SIGKILL)
        log.close()


def app_processes_left(port: int) -> list[int]:
    """App processes of this test still running, whoever their parent is now."""
    ports = {str(port), str(port + 1)}
    left = []
    for process in psutil.process_iter(["cmdline"]):
        argv = process.info["cmdline"] or []
        if "clipshop.cli" in argv and "--port" in argv and argv[argv.index("--port") + 1] in ports:
            left.append(process.pid)
    return left


def both_up(command: subprocess.Popen[bytes], port: int) -> dict[int, int] | None:
    assert command.poll() is None, f"the command exited with {command.returncode}"
    found = app_processes(psutil.Process(command.pid))
    return found if len(found) == 2 and answering(port) and answering(port + 1) else None


def test_the_processes_are_restarted_when_they_die_and_stop_with_the_command(
    serve_two: tuple[subprocess.Popen[bytes], int],
) -> None:
    command, port = serve_two
    first = wait_until(lambda: both_up(command, port), timeout_s=120, every_s=0.2, what="two app processes")
    assert sorted(first) == [port, port + 1]

    os.kill(first[port], signal.SIGKILL)
    again = wait_until(
        lambda: (found := both_up(command, port)) and found[port] != first[port] and found,
        timeout_s=120,
        every_s=0.2,
        what="the killed app process to be replaced",
    )
    assert again[port + 1] == first[port + 1]  # the other one kept running

    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=60) == 0
    assert app_processes_left(port) == []


def test_the_processes_stop_when_the_command_is_killed(
    serve_two: tuple[subprocess.Popen[bytes], int],
) -> None:
    command, port = serve_two
    started = wait_until(lambda: both_up(command, port), timeout_s=120, every_s=0.2, what="two app processes")
    command.kill()
    command.wait()
    wait_until(
        lambda: not any(alive(pid) for pid in started.values()),
        timeout_s=60,
        what="the app processes to stop after their parent was killed",
    )


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
