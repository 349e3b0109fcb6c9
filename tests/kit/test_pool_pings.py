"""A busy pool asks no `SELECT 1` before handing out a connection; one that sat idle long enough is pinged,
and a connection the server has closed meanwhile is replaced instead of failing the request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from backends import POSTGRES_URL, postgres_reason
from clipshop.kit.db import make_engine

pytestmark = pytest.mark.skipif(postgres_reason() is not None, reason=postgres_reason() or "")


def statements_of(engine: Any) -> list[str]:
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: sent.append(statement))
    return sent


def test_a_busy_pool_sends_nothing_but_the_requests_statements() -> None:
    assert POSTGRES_URL
    engine = make_engine(POSTGRES_URL)
    sent = statements_of(engine)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 42")).scalar_one()
        assert sent == ["SELECT 42"] * 3
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]  # one connection, reused
    finally:
        engine.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_before_use() -> None:
    assert POSTGRES_URL
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with make_engine(POSTGRES_URL, pool=False).connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        # As though it had sat idle past the ping's threshold.
        (record,) = [r for r in engine.pool._pool.queue]  # type: ignore[attr-defined]
        record.info["clipshop.checked_in_at"] -= 3600
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()
