"""Statements that behave alike on SQLite and PostgreSQL: insert unless the key exists, add to counters in
one atomic upsert, and the UTC calendar day of a time (for counting per day)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Any, row: dict[str, Any]) -> bool:
    """Insert `row` unless its key exists (concurrent-safe on SQLite and PostgreSQL); True if inserted."""
    columns = table.c if hasattr(table, "c") else table.__table__.c
    key = next(iter(c for c in columns if c.primary_key))
    statement = dialect_insert(session, table).values(**row).on_conflict_do_nothing().returning(key)
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    return session.execute(statement).first() is not None


def upsert_add(
    session: Session,
    table: Any,
    key: dict[str, Any],
    deltas: dict[str, int | float],
    *,
    also: dict[str, Any] | None = None,
) -> None:
    """Add `deltas` to counters of the row at `key`, creating it if needed, in one atomic statement; the
    columns in `also` are set to their values."""
    also = also or {}
    statement = dialect_insert(session, table).values(**key, **deltas, **also)
    columns = table.c if hasattr(table, "c") else table.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={**{name: columns[name] + delta for name, delta in deltas.items()}, **also},
    )
    session.execute(statement)


def dialect_insert(session: Session, table: Any) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return pg_insert(table)
    if name == "sqlite":
        return sqlite_insert(table)
    raise NotImplementedError(f"no upsert for {name}")


def utc_day(session: Session, column: Any) -> ColumnElement[str]:
    """The UTC calendar day of a time column as text, "2026-06-01", on either backend (SQLite stores UTC
    times without a zone; PostgreSQL's `date()` would follow the session's time zone)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
