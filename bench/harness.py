"""What every benchmark shares: a scratch data dir on the embedded default, a real server on loopback,
the reproduce line, figures in a table, and one JSON object as the last line of stdout."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
# Human output goes to stdout with the JSON line last; rich never wraps it into the JSON line.
console = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 120)
PASSWORD = "correct horse battery staple"
API = "/api/v1"
T = TypeVar("T")


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="make the scratch data dir inside this folder (default: the system temp dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch data dir (for a post-mortem)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line of stdout"
    )


def reproduce_command(script: str, parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The exact command line, every option spelled out (defaults included) so a later default cannot
    change what it measures."""
    parts = [".venv/bin/python", f"bench/{script}"]
    for action in parser._actions:
        if not action.option_strings or action.dest in {"help", "json", "keep"}:
            continue
        value = getattr(args, action.dest)
        flag = action.option_strings[-1]
        if isinstance(action, argparse._StoreTrueAction):
            if value:
                parts.append(flag)
        elif value is not None:
            parts += [flag, str(value)]
    if args.json:
        parts.append("--json")
    return f"cd {shlex.quote(str(REPO))} && {shlex.join(parts)}"


def clean_environ() -> list[str]:
    """Drop CLIPSHOP_* settings inherited from the shell, so a run measures the embedded default only."""
    dropped = sorted(k for k in os.environ if k.startswith("CLIPSHOP_"))
    for key in dropped:
        del os.environ[key]
    return dropped


@contextlib.contextmanager
def scratch_dir(base: Path | None, *, prefix: str, keep: bool = False) -> Iterator[Path]:
    """A fresh folder for one run's databases, media and inputs; removed afterwards unless `keep`."""
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"clipshop-bench-{prefix}-", dir=base)).resolve()
    try:
        yield path
    finally:
        if keep:
            console.print(f"[dim]kept {path}[/]")
        else:
            shutil.rmtree(path, ignore_errors=True)


def warm_page_cache(paths: list[Path]) -> tuple[int, float]:
    """Read each file once, so the OS page cache holds it; returns the bytes read and the seconds taken."""
    started = time.perf_counter()
    total = 0
    for path in paths:
        with path.open("rb", buffering=0) as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
    return total, time.perf_counter() - started


def platform_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server on the embedded default under `data_dir`, plus `settings`
    (e.g. `JOBS_CONSUMER_IN_APP="false"` becomes CLIPSHOP_JOBS_CONSUMER_IN_APP=false)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")}
    env.update(
        {
            "CLIPSHOP_ENV": "dev",
            "CLIPSHOP_DATA_DIR": str(data_dir),
            # A clipshop.toml in the working directory must not leak into a benchmark.
            "CLIPSHOP_CONFIG": str(data_dir / "no-config.toml"),
            "CLIPSHOP_JOBS_BACKEND": "sqlite",
        }
    )
    env.update({f"CLIPSHOP_{key.upper()}": value for key, value in settings.items()})
    return env


def migrate(data_dir: Path) -> None:
    """Create the directory and every region database of the embedded default under `data_dir`."""
    from clipshop.config import Settings
    from clipshop.kit.db import Databases
    from clipshop.migrations import migrate_all

    settings = Settings(data_dir=data_dir)
    databases = Databases(
        directory_url=settings.directory_database_url(),
        region_urls={name: settings.region_database_url(name) for name in settings.regions},
    )
    try:
        migrate_all(databases.directory_engine, databases.region_engines)
    finally:
        databases.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """`uvicorn --factory clipshop.app:create_app` in a child process, listening on 127.0.0.1 only."""

    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    access_log: bool = False
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "clipshop.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ]
        return args if self.access_log else [*args, "--no-access-log"]

    def start(self, *, timeout_s: float = 60.0) -> None:
        env = {**self.env, "CLIPSHOP_BASE_URL": self.url}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.data_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}{API}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout_s:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown runs the app's lifespan exit
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sign_up(client: httpx.Client, handle: str, *, country: str = "US") -> str:
    """Sign up through the API and return the bearer token."""
    response = client.post(
        f"{API}/auth/signup",
        json={"email": f"{handle}@example.com", "password": PASSWORD, "handle": handle, "country": country},
    )
    response.raise_for_status()
    client.cookies.clear()  # the bearer header is what a benchmark sends
    token: str = response.json()["token"]
    return token


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (ffmpeg, for one)."""
    total = 0
    for member in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


class RssSampler:
    """Samples the RSS of a process tree every `interval_s` on a thread; `mark` starts a named phase and
    each phase keeps its peak."""

    def __init__(self, pid: int, *, interval_s: float = 0.05) -> None:
        self.proc = psutil.Process(pid)
        self.interval_s = interval_s
        self.phase = "before"
        self.peaks: dict[str, int] = {}
        self.own_peak = 0  # the server process alone, without children such as the probe
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def mark(self, phase: str) -> None:
        self.sample()
        self.phase = phase
        self.sample()

    def sample(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            rss = tree_rss(self.proc)
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
            self.own_peak = max(self.own_peak, self.proc.memory_info().rss)
            self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def cpu_seconds(proc: psutil.Process) -> float:
    """CPU time of a process plus its children that have exited and been waited for (ffmpeg runs)."""
    times = proc.cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def children_cpu_seconds() -> float:
    """CPU time of this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (all cores, idle and I/O wait excluded).

    The difference over a run, less what the benchmark's own processes used, is what other work on the
    machine took while it ran: the usual reason one wall time differs from the next.
    """
    times = psutil.cpu_times()
    busy: float = sum(
        getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal")
    )
    return busy


def machine_note() -> str:
    """CPU count and load: other work on the machine skews wall times, and the reader should know."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


class HttpConnection:
    """One keep-alive HTTP/1.1 connection driven by asyncio streams, for load generation.

    httpx spends about 1.5 ms of CPU per request, more than the server spends on a trivial route; on a small
    machine the load generator would then measure itself. This costs a small fraction of that. It sends a
    body only when given one (with its Content-Length) and reads bodies framed by Content-Length or chunked
    encoding.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def get(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET `target` (path and query); returns the status and the body."""
        status, _, body = await self.request("GET", target, headers)
        return status, body

    async def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """`method` `target` with `body`; returns the status, the header fields (lower-case names) and the
        body."""
        reader, writer = await self._connect()
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304):
            answer = b""
        elif "content-length" in fields:
            answer = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            answer = b"".join(parts)
        else:
            answer = b""
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, fields, answer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop when it is installed (as it is with uvicorn[standard]): less client overhead."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left")
    for index, name in enumerate(columns):
        result.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        result.add_row(*(str(cell) for cell in row))
    return result


def finish(command: str, figures: dict[str, Any], *, as_json: bool) -> None:
    """Print the reproduce line, then (with --json) the figures as the last line of stdout."""
    console.print(f"\nReproduce with:\n  {command}", soft_wrap=True, markup=False)
    if as_json:
        sys.stdout.flush()
        print(json.dumps(figures, separators=(",", ":")), flush=True)
