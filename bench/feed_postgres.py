"""bench/feed.py --postgres: the same corpus in scratch PostgreSQL databases, one per region and one for the
directory, made, migrated and loaded for the run and dropped after it.

Rows go in by COPY (the SQLite load's executemany, on PostgreSQL, would take an hour at full size), with the
secondary indexes dropped first and built once after, then VACUUM ANALYZE, as autovacuum would have left a
database that served for a while: the planner needs the statistics, index-only scans the visibility map.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import Engine, create_engine, text

# The tests' scratch databases (tests/stack.py) make and drop these too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from stack import ScratchDatabases

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class ScratchPostgres(ScratchDatabases):
    """Databases `<prefix>_directory` and `<prefix>_<region>` on the server of `admin_url` (by default
    `prefix` names this process), migrated to the latest schema by `create`."""

    def __init__(self, admin_url: str, *, regions: list[str], prefix: str | None = None) -> None:
        self.prefix = prefix or f"clipshop_bench_feed_{os.getpid()}"
        super().__init__(admin_url, prefix=self.prefix, names=["directory", *regions])
        self.regions = regions

    def url(self, name: str) -> str:
        return self.urls[name]

    def create(self) -> None:
        """Empty databases, migrated to the latest schema."""
        from clipshop.kit.db import make_engine
        from clipshop.migrations import upgrade

        super().create()
        for name in self.urls:
            engine = make_engine(self.url(name), pool=False)
            try:
                upgrade(engine, "directory" if name == "directory" else "region")
            finally:
                engine.dispose()

    def settings(self) -> dict[str, str]:
        """The settings (as `harness.platform_env` takes them) of a platform on these databases."""
        from clipshop.config import DEFAULT_COUNTRIES

        regions = {r: {"database_url": self.url(r), "countries": DEFAULT_COUNTRIES[r]} for r in self.regions}
        return {"DIRECTORY_URL": self.url("directory"), "REGIONS": json.dumps(regions)}

    def engines(self) -> dict[str | None, Engine]:
        """One loading engine per database (None: the directory), in UTC like the platform's."""
        engines: dict[str | None, Engine] = {None: create_engine(self.url("directory"))}
        engines.update({region: create_engine(self.url(region)) for region in self.regions})
        return engines

    def sizes(self) -> dict[str, int]:
        """Bytes on disk of each database."""
        admin = create_engine(self.base)
        try:
            with admin.connect() as conn:
                return {
                    f"{name} (PostgreSQL)": int(
                        conn.execute(text("SELECT pg_database_size(:db)"), {"db": db}).scalar_one()
                    )
                    for name, db in zip(self.urls, self.names, strict=True)
                }
        finally:
            admin.dispose()

    def backend_cpu_seconds(self) -> float:
        """CPU seconds the server's backends for these databases have used (those still connected)."""
        total = 0.0
        for process in psutil.process_iter(["cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if f" {self.prefix}_" in title:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total

    def settle(self) -> float:
        """VACUUM ANALYZE every database, then read its tables and indexes into shared buffers and the page
        cache (pg_prewarm, where the server has it); the seconds it took."""
        started = time.perf_counter()
        for name in self.urls:
            engine = create_engine(self.url(name), isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text("VACUUM (ANALYZE)"))
                    with contextlib.suppress(Exception):
                        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
                        conn.execute(
                            text(
                                "SELECT pg_prewarm(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
                            )
                        )
            finally:
                engine.dispose()
        return time.perf_counter() - started


@contextlib.contextmanager
def scratch_postgres(admin_url: str, *, regions: list[str]) -> Iterator[ScratchPostgres]:
    scratch = ScratchPostgres(admin_url, regions=regions)
    scratch.create()
    try:
        yield scratch
    finally:
        scratch.drop()


def drop_indexes(engine: Engine, tables: set[str]) -> list[str]:
    """Drop the secondary indexes of `tables` (not those of primary keys or unique constraints) and return
    their CREATE statements."""
    with engine.begin() as conn:
        found = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
                "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)"
            ),
            {"tables": sorted(tables)},
        ).all()
        for name, _ in found:
            conn.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in found]


def copy_batches(
    engine: Engine, table: str, columns: list[str], batches: Iterator[list[Any]], advance: Any
) -> int:
    """COPY the rows of `batches` into `table` in one transaction; datetimes come as UTC text."""
    names = ", ".join(f'"{c}"' for c in columns)
    loaded = 0
    with engine.begin() as conn:
        conn.exec_driver_sql("SET TIME ZONE 'UTC'")
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row(row)
                loaded += len(batch)
                advance(len(batch))
    return loaded


def build_indexes(engine: Engine, statements: list[str], on_each: Any) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            on_each(statement)
            conn.exec_driver_sql(statement)
