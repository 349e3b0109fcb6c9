"""Scans that look only at what changed: a `Window` of write times to read rows from, walked in keyset
batches, and the directory's note of how far the heal of each region has got (`HealWatermark`).

A region's rows carry the time they were last written (`updated_at`, or `created_at` for rows never
changed). The heal job reads only rows written since its last run, less an overlap for transactions that
were still open then, and leaves alone rows written in the last moments, whose own request may still be
between its region commit and its directory commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, String, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from clipshop.kit.db import DirectoryBase, UTCDateTime

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
BATCH = 500


class HealWatermark(DirectoryBase):
    """Every row of `region` written before `healed_through` has been compared with its directory copies."""

    __tablename__ = "heal_watermarks"

    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    healed_through: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Window:
    """Rows written at or after `since` and before `before`; with no `since`, every row written before
    `before`, and rows whose time is unknown (a full sweep)."""

    since: datetime | None
    before: datetime

    @property
    def full(self) -> bool:
        return self.since is None

    def holds(self, written_at: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
        """The condition on a row's write time for it to fall in this window."""
        if self.since is None:
            return or_(written_at.is_(None), written_at < self.before)
        return and_(written_at >= self.since, written_at < self.before)


def in_batches(
    session: Session, query: Select[T], *, key: InstrumentedAttribute[str], size: int = BATCH
) -> Iterator[list[T]]:
    """The rows of `query` in batches of `size`, in `key` order (keyset pagination: each batch is one indexed
    range read, however far the scan has got)."""
    last: str | None = None
    while True:
        page = query.order_by(key).limit(size)
        if last is not None:
            page = page.where(key > last)
        rows = list(session.scalars(page))
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = _key_of(rows[-1], key)


def rows_in_batches(
    session: Session, query: Select[*Ts], *, key: InstrumentedAttribute[str], size: int = BATCH
) -> Iterator[Sequence[Row[*Ts]]]:
    """Like `in_batches`, for a query of several columns (`key` among them): plain rows, no ORM objects,
    which is what a scan that compares many rows and changes few wants."""
    last: str | None = None
    while True:
        page = query.order_by(key).limit(size)
        if last is not None:
            page = page.where(key > last)
        rows = session.execute(page).all()
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = _key_of(rows[-1], key)


def _key_of(row: object, key: InstrumentedAttribute[str]) -> str:
    value = row if isinstance(row, str) else getattr(row, key.key)
    assert isinstance(value, str)
    return value
