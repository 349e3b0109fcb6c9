"""Engines with the settings each backend needs, and the background checkpoints of SQLite's
write-ahead logs."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoolLimits:
    """Connections one process may hold per server database: `size` kept open, `overflow` more on demand,
    and how long a request waits for one. All regions may share one server, so keep the sum under its
    max_connections (PostgreSQL's default is 100)."""

    size: int = 10
    overflow: int = 20
    timeout_s: float = 30.0


def make_engine(
    url: str, *, pool: bool = True, limits: PoolLimits | None = None, own_checkpoints: bool = False
) -> Engine:
    """An engine with the settings each backend needs (WAL and busy waiting for SQLite). With
    `own_checkpoints`, SQLite connections never checkpoint the WAL at commit: a `WalCheckpointer` does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A request keeps its connection across several hand-offs between threads; an unbounded overflow
        # means no request ever waits on the pool for one (SQLite connections are cheap).
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=10, max_overflow=-1
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if own_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        return engine
    kwargs: dict[str, Any] = {}
    if pool:
        limits = limits or PoolLimits()
        kwargs.update(pool_size=limits.size, max_overflow=limits.overflow, pool_timeout=limits.timeout_s)
    else:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)
    if pool:
        ping_when_idle(engine)
    return engine


# A pooled connection used this recently is taken as alive without asking the server.
IDLE_BEFORE_PING_S = 10.0
_CHECKED_IN_AT = "clipshop.checked_in_at"


def ping_when_idle(engine: Engine, *, idle_s: float = IDLE_BEFORE_PING_S) -> None:
    """Ping a pooled connection before handing it out only when it sat idle for `idle_s` or more (a server
    restart or an idle timeout may have closed it meanwhile). A busy pool never pings: a round trip per
    checkout would cost every request a message to the server for nothing."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN_AT)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and takes another (SQLAlchemy's own retry).
            raise exc.DisconnectionError(str(error)) from error


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class WalCheckpointer:
    """Copies SQLite write-ahead logs back into their databases from a background thread, about once a
    second, instead of in whichever commit crosses SQLite's 1,000-page mark. That commit would wait for
    the checkpoint's fsync, tens of milliseconds on a virtual disk, in the middle of a request. A PASSIVE
    checkpoint never blocks readers or writers; what a reader still needs is left for the next round."""

    def __init__(self, engines: list[Engine], *, every_s: float = 1.0) -> None:
        self.engines = engines
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        for engine in self.engines:
            database = engine.url.database
            if database and database != ":memory:" and not Path(database).exists():
                continue  # removed under a process that still runs (connecting would make it anew)
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a locked or vanished file: the next round tries again
                log.warning("WAL checkpoint of %s failed", engine.url, exc_info=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.checkpoint()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.checkpoint()
