"""A deployment on this machine, as deploy/ describes it: Debian's nginx in front of `clipshop serve --workers
N`, `clipshop worker` processes, scratch PostgreSQL databases and a Redis job queue. The settings are
deploy/clipshop.toml and the nginx site is deploy/nginx/clipshop.conf, each rewritten only where a deployment
names its own hosts, paths and ports. Everything lives in one folder; nginx runs without root's paths.

For tests and benchmarks alike (it imports nothing of pytest):

    with Stack(root, admin_url="postgresql+psycopg://postgres@127.0.0.1:5432/test",
               redis_url="redis://127.0.0.1:6379/14", prefix="bench_scale") as stack:
        httpx.get(f"{stack.url}/api/v1/health")

A benchmark that loads its own data calls `stack.prepare()` (settings, databases made and migrated), loads
into `stack.databases.urls`, then enters the stack. On leaving, every process is stopped, the databases are
dropped and the job queue is flushed.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import httpx
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SETTINGS_EXAMPLE = DEPLOY / "clipshop.toml"
NGINX_SITE = DEPLOY / "nginx" / "clipshop.conf"
NGINX = "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"

# What the examples name that a deployment on this machine replaces.
EXAMPLE_DATABASE = re.compile(r"postgresql\+psycopg://clipshop@127\.0\.0\.1:5432/clipshop_(\w+)")
EXAMPLE_REDIS = re.compile(r"redis://127\.0\.0\.1:6379/\d+")
EXAMPLE_DATA_DIR = "/var/lib/clipshop"
EXAMPLE_UPSTREAM = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", re.MULTILINE)


def nginx_reason() -> str | None:
    """Why nginx cannot run here, or None."""
    if not Path(NGINX).exists():
        return f"Debian's nginx is not installed at {NGINX}: apt-get install -y nginx"
    if not Path(MIME_TYPES).exists():
        return f"nginx's {MIME_TYPES} is missing: apt-get install -y nginx"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports free on loopback."""
    for _ in range(100):
        first = free_port()
        if first + count > 65535:
            continue
        held: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                held.append(sock := socket.socket())
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return first
    raise RuntimeError(f"found no {count} consecutive free ports")


def replace_once(pattern: str, replacement: str, text: str) -> str:
    """`text` with the one occurrence of `pattern` replaced; an example that changed shape fails loudly."""
    if text.count(pattern) != 1:
        raise ValueError(
            f"expected {pattern!r} exactly once in the example, found it {text.count(pattern)} times"
        )
    return text.replace(pattern, replacement)


def render_settings(
    example: str, *, database_url: Callable[[str], str], redis_url: str, data_dir: Path
) -> str:
    """deploy/clipshop.toml for this machine: each database `clipshop_<name>` becomes `database_url(name)`,
    every Redis URL `redis_url`, and the data dir `data_dir`."""
    rendered = EXAMPLE_DATABASE.sub(lambda m: database_url(m.group(1)), example)
    rendered = EXAMPLE_REDIS.sub(redis_url, rendered)
    return rendered.replace(f'"{EXAMPLE_DATA_DIR}"', f'"{data_dir}"')


def example_databases(example: str) -> list[str]:
    """The names (`directory`, `us`, …, `payments`) of the databases the settings example uses."""
    return list(dict.fromkeys(m.group(1) for m in EXAMPLE_DATABASE.finditer(example)))


def render_site(site: str, *, port: int, app_ports: list[int], media_root: Path, logs: Path) -> str:
    """deploy/nginx/clipshop.conf for this machine: listening on 127.0.0.1:`port` only, one upstream line
    per app process, media from `media_root`, logs under `logs`."""
    upstream = EXAMPLE_UPSTREAM.findall(site)
    if not upstream:
        raise ValueError("expected upstream `server 127.0.0.1:PORT …;` lines in the nginx example")
    indent, options = upstream[0]
    lines = "".join(f"{indent}server 127.0.0.1:{p}{options};\n" for p in app_ports)
    rendered = EXAMPLE_UPSTREAM.sub("", site, count=len(upstream) - 1)
    rendered = EXAMPLE_UPSTREAM.sub(lambda _m: lines, rendered, count=1)
    rendered = replace_once("    listen 80;\n", f"    listen 127.0.0.1:{port};\n", rendered)
    rendered = replace_once("    listen [::]:80;\n", "", rendered)
    rendered = replace_once(f"alias {EXAMPLE_DATA_DIR}/media/;", f"alias {media_root}/;", rendered)
    rendered = replace_once("/var/log/nginx/clipshop.access.log", str(logs / "access.log"), rendered)
    return replace_once("/var/log/nginx/clipshop.error.log", str(logs / "error.log"), rendered)


def nginx_main(root: Path, site: Path) -> str:
    """The main nginx.conf around the site: its own pid file, logs and temp folders under `root`."""
    temp = root / "temp"
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers read the test's own 0700 folders
    folders = "\n".join(
        f"    {name}_temp_path {temp / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'logs' / 'error.log'} info;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    include {MIME_TYPES};\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"{folders}\n"
        f"    include {site};\n"
        "}\n"
    )


def nginx_command(root: Path, *, port: int, app_ports: list[int], media_root: Path) -> list[str]:
    """Write the site of deploy/nginx for this machine and a main nginx.conf under `root` (logs in
    `root/logs`); the command that runs them, to which add `-t` or `-g "daemon off;"`."""
    for folder in (root / "logs", root / "temp"):
        folder.mkdir(parents=True, exist_ok=True)
    site = root / "clipshop.conf"
    site.write_text(
        render_site(
            NGINX_SITE.read_text(), port=port, app_ports=app_ports, media_root=media_root, logs=root / "logs"
        )
    )
    main = root / "nginx.conf"
    main.write_text(nginx_main(root, site))
    return [NGINX, "-p", str(root), "-c", str(main), "-e", str(root / "logs" / "error.log")]


class ScratchDatabases:
    """Empty PostgreSQL databases `<prefix>_<name>` on the server of `admin_url`, dropped by `drop`."""

    def __init__(self, admin_url: str, *, prefix: str, names: list[str]) -> None:
        self.base = make_url(admin_url)
        self.names = [f"{prefix}_{name}" for name in names]
        self.urls = {
            name: self.base.set(database=f"{prefix}_{name}").render_as_string(hide_password=False)
            for name in names
        }

    def _run(self, statements: list[str]) -> None:
        admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            admin.dispose()

    def create(self) -> None:
        self.drop()
        self._run([f'CREATE DATABASE "{name}"' for name in self.names])

    def drop(self) -> None:
        self._run([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.names])


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path} is empty)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


class Stack:
    """nginx, `clipshop serve --workers app_processes` and `workers` times `clipshop worker` on scratch
    databases; `settings` are further CLIPSHOP_* variables (e.g. {"LOGIN_RATE": "1000/minute"})."""

    def __init__(
        self,
        root: Path,
        *,
        admin_url: str,
        redis_url: str,
        prefix: str,
        app_processes: int = 2,
        workers: int = 1,
        worker_threads: int = 1,
        settings: Mapping[str, str] | None = None,
        start_timeout_s: float = 180.0,
    ) -> None:
        self.root = root.resolve()
        self.logs = self.root / "logs"
        self.data_dir = self.root / "data"
        self.redis_url = redis_url
        self.queue = f"{prefix}-jobs"
        self.app_processes, self.workers, self.worker_threads = app_processes, workers, worker_threads
        self.start_timeout_s = start_timeout_s
        example = SETTINGS_EXAMPLE.read_text()
        self.databases = ScratchDatabases(admin_url, prefix=prefix, names=example_databases(example))
        self.settings_file = self.root / "clipshop.toml"
        self.settings_text = render_settings(
            example, database_url=self.databases.urls.__getitem__, redis_url=redis_url, data_dir=self.data_dir
        )
        self.port = free_port()
        self.first_app_port = free_ports(app_processes)
        self.url = f"http://127.0.0.1:{self.port}"
        self.environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")},
            # This checkout's code, whatever the venv has installed and wherever the processes run.
            "PYTHONPATH": os.pathsep.join(
                [
                    str(REPO / "src"),
                    *(
                        str(Path(p).resolve())
                        for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                        if p
                    ),
                ]
            ),
            "CLIPSHOP_CONFIG": str(self.settings_file),
            "CLIPSHOP_SECRET_KEY": f"stack-secret-{prefix}",
            "CLIPSHOP_BASE_URL": self.url,
            "CLIPSHOP_JOBS_QUEUE_NAME": self.queue,
            # No mail server here: messages go to files under the data dir.
            "CLIPSHOP_EMAIL_BACKEND": "folder",
            **{f"CLIPSHOP_{name.upper()}": value for name, value in (settings or {}).items()},
        }
        self.prepared = False
        self.serve: subprocess.Popen[bytes] | None = None
        self.worker_processes: list[subprocess.Popen[bytes]] = []
        self.nginx: subprocess.Popen[bytes] | None = None

    @property
    def app_ports(self) -> list[int]:
        return list(range(self.first_app_port, self.first_app_port + self.app_processes))

    def log(self, name: str) -> Path:
        """A log of the stack: `app.log`, `worker-0.log`, nginx's `access.log` and `error.log`."""
        return self.logs / name

    def app_pids(self) -> dict[int, int]:
        """Port → pid of each app process `clipshop serve` runs now."""
        assert self.serve is not None
        if self.app_processes == 1:  # `serve --workers 1` is the app process itself
            return {self.first_app_port: self.serve.pid}
        found = {}
        for child in psutil.Process(self.serve.pid).children():
            try:
                argv = child.cmdline()
            except psutil.NoSuchProcess:
                continue
            if "--port" in argv:
                found[int(argv[argv.index("--port") + 1])] = child.pid
        return found

    def _spawn(self, argv: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with self.log(log_name).open("ab") as log:
            return subprocess.Popen(
                argv,
                cwd=self.root,
                env=self.environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait(
        self, ready: Callable[[], bool], *, process: subprocess.Popen[bytes], log_name: str, what: str
    ) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while not ready():
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}:\n{_tail(self.log(log_name))}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{what} not ready after {self.start_timeout_s:g} s:\n{_tail(self.log(log_name))}"
                )
            time.sleep(0.1)

    def prepare(self) -> None:
        """The settings file and the scratch databases, migrated: a benchmark may load its data now, before
        `start` (which prepares first when nobody did)."""
        for folder in (self.logs, self.data_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(self.settings_text)
        self.databases.create()
        migrate = subprocess.run(
            [sys.executable, "-m", "clipshop.cli", "migrate"],
            cwd=self.root,
            env=self.environ,
            capture_output=True,
            text=True,
            check=False,
        )
        if migrate.returncode != 0:
            raise RuntimeError(
                f"clipshop migrate exited with {migrate.returncode}:\n{migrate.stdout}{migrate.stderr}"
            )
        self.prepared = True

    def start(self) -> Stack:
        if not self.prepared:
            self.prepare()
        clipshop = [sys.executable, "-m", "clipshop.cli"]
        # It migrates (nothing left to do), then starts the app processes.
        self.serve = self._spawn(
            [*clipshop, "serve", "--workers", str(self.app_processes), "--port", str(self.first_app_port)],
            "app.log",
        )
        self._wait(
            lambda: all(_answers(f"http://127.0.0.1:{p}/api/v1/health") for p in self.app_ports),
            process=self.serve,
            log_name="app.log",
            what="clipshop serve",
        )
        for n in range(self.workers):
            argv = [*clipshop, "worker", "--workers", str(self.worker_threads)]
            self.worker_processes.append(self._spawn(argv, f"worker-{n}.log"))
        nginx = nginx_command(
            self.root, port=self.port, app_ports=self.app_ports, media_root=self.data_dir / "media"
        )
        checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
        self.nginx = self._spawn([*nginx, "-g", "daemon off;"], "nginx.log")
        self._wait(
            lambda: _answers(f"{self.url}/api/v1/health"),
            process=self.nginx,
            log_name="error.log",
            what="nginx",
        )
        return self

    def stop_processes(self) -> None:
        """nginx, the app processes and the workers, each gracefully then for good; the databases stay."""
        stops = [(self.nginx, signal.SIGQUIT), (self.serve, signal.SIGTERM)]
        stops += [(worker, signal.SIGINT) for worker in self.worker_processes]
        for process, signum in stops:
            if process is not None and process.poll() is None:
                process.send_signal(signum)
        for process, _ in stops:
            if process is None:
                continue
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.nginx, self.serve, self.worker_processes = None, None, []

    def restart(self, *, app_processes: int) -> Stack:
        """Every process stopped, then started again with `app_processes` app processes (on fresh ports) on
        the same databases."""
        self.stop_processes()
        self.app_processes = app_processes
        self.first_app_port = free_ports(app_processes)
        return self.start()

    def stop(self) -> None:
        """Every process stopped; the databases dropped, the job queue emptied."""
        self.stop_processes()
        self.databases.drop()
        self.flush_queue()

    def flush_queue(self) -> None:
        """Drop every queued job and every claim of a periodic slot."""
        from clipshop.jobs.queue import JobQueue

        queue = JobQueue.from_settings(
            backend="redis", sqlite_path=self.data_dir / "jobs.db", redis_url=self.redis_url, name=self.queue
        )
        queue.flush()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
