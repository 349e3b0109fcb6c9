"""SQLite's write-ahead log is copied back into the database by a background thread, not by whichever
request's commit crosses SQLite's 1,000-page mark (that commit would wait for the checkpoint's fsync)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from clipshop.kit.db import Databases
from support import wait_until


def fill(engine: Engine, batches: int = 12) -> None:
    """About 125 pages a batch: 12 batches go past SQLite's own checkpoint mark."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
    for batch in range(batches):
        with engine.begin() as conn:
            rows = [{"id": batch * 500 + n, "body": bytes(1000)} for n in range(500)]
            conn.execute(text("INSERT INTO blobs (id, body) VALUES (:id, :body)"), rows)


def main_file_bytes(path: Path) -> int:
    """The database file proper: it grows only when the log is checkpointed into it."""
    return path.stat().st_size


def test_commits_never_checkpoint_and_the_checkpointer_copies_everything(tmp_path: Path) -> None:
    path = tmp_path / "directory.db"
    databases = Databases(directory_url=f"sqlite:///{path}", region_urls={}, checkpoint_every_s=3600)
    engine = databases.directory_engine
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        fill(engine)  # 6 MB of rows
        assert main_file_bytes(path) < 100_000  # all of it still in the log: no commit checkpointed
        assert databases.checkpointer is not None
        databases.checkpointer.checkpoint()  # what the thread does every `checkpoint_every_s`
        assert main_file_bytes(path) > 6_000_000
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM blobs")).scalar() == 6000
    finally:
        databases.dispose()
    assert not databases.checkpointer.running


def test_the_background_thread_checkpoints_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "directory.db"
    databases = Databases(directory_url=f"sqlite:///{path}", region_urls={}, checkpoint_every_s=0.05)
    try:
        fill(databases.directory_engine, batches=3)
        wait_until(
            lambda: main_file_bytes(path) > 1_500_000, timeout_s=10, what="the thread to checkpoint the log"
        )
    finally:
        databases.dispose()
