"""Carving a region out of a deployment: the pieces that know no domain.

`copy_tables` copies tables between two engines of the same schema in batches, in one target transaction
(so a deferred check such as the ledger's balance sees whole transactions). `slice_of` picks the rows of a
directory table that belong wholly to one region and `touching` those that name it at all: a row names a
region by its `region` column and by every id column (`id`, `…_id`), since ids carry their region
(`kit.ids`). `detached_regions` and `RegionDetached` are how the rest of a deployment learns that a region
left it (`clipshop region detach`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from clipshop.errors import Conflict
from clipshop.residency.models import DetachedRegion

BATCH = 2000


class RegionDetached(Conflict):
    """What a buyer is told when what they want lives in a region that has left this deployment."""

    def __init__(self, region: str, *, detail: str | None = None) -> None:
        super().__init__(
            "region_detached",
            detail
            or f"This product belongs to region {region}, which has left this deployment: it can no longer"
            " be bought here. Remove it from your cart and try again.",
            region=region,
        )


_DETACHED = "clipshop.detached_regions"


def detached_regions(directory: Session) -> frozenset[str]:
    """The regions carved out of this deployment (`clipshop region detach`), read once per session (a
    checkout asks twice; a detach in the same session forgets the answer)."""
    known = directory.info.get(_DETACHED)
    if known is None:
        known = directory.info[_DETACHED] = frozenset(directory.scalars(select(DetachedRegion.region)))
    return known


def is_detached(directory: Session, region: str) -> bool:
    """Whether `region` left this deployment: projections skip it, so nothing brings its content back."""
    return directory.get(DetachedRegion, region) is not None


# Directory URL -> (when read, the regions detached then): `recently_detached`'s memory in this process.
_RECENT: dict[URL, tuple[float, frozenset[str]]] = {}
RECENT_S = 5.0


def recently_detached(engine: Engine, *, max_age_s: float = RECENT_S) -> frozenset[str]:
    """The regions carved out of this deployment as read at most `max_age_s` ago by this process, with a
    short read of its own outside any unit of work: for hot paths (a checkout) that would otherwise open a
    directory transaction each time. A detach made in this process is seen at once; other processes see it
    within `max_age_s` (and `settle_across_cut` cancels what slipped through)."""
    key = engine.url
    known = _RECENT.get(key)
    now = time.monotonic()
    if known is None or now - known[0] >= max_age_s:
        with engine.connect() as conn:
            known = _RECENT[key] = (now, frozenset(conn.scalars(select(DetachedRegion.region))))
    return known[1]


def mark_detached(directory: Session, region: str, *, at: datetime) -> None:
    directory.info.pop(_DETACHED, None)
    _RECENT.clear()
    if directory.get(DetachedRegion, region) is None:
        directory.add(DetachedRegion(region=region, detached_at=at))


def region_columns(table: Table) -> list[Column[str]]:
    """The columns of `table` that name a region: `region`, and ids (`id`, `…_id`), which carry theirs."""
    return [c for c in table.columns if c.name == "region" or c.name == "id" or c.name.endswith("_id")]


def _names(column: Column[str], region: str) -> ColumnElement[bool]:
    if column.name == "region":
        return column == region
    return column.startswith(f"{region}_", autoescape=True)


def slice_of(table: Table, region: str) -> ColumnElement[bool]:
    """Rows of a directory table that name `region` and no other: its slice of the directory."""
    columns = region_columns(table)
    if not columns:
        raise ValueError(f"directory table {table.name} names no region: say how to slice it")
    return and_(*[or_(c.is_(None), _names(c, region)) if c.nullable else _names(c, region) for c in columns])


def touching(table: Table, region: str) -> ColumnElement[bool]:
    """Rows of a directory table that name `region` anywhere: what must go when it leaves."""
    columns = region_columns(table)
    if not columns:
        raise ValueError(f"directory table {table.name} names no region: say how to slice it")
    return or_(*[_names(c, region) for c in columns])


def count_rows(engine: Engine, tables: Iterable[Table], where: Callable[[Table], ColumnElement[bool]]) -> int:
    with engine.connect() as conn:
        return sum(int(conn.scalar(select(func.count()).select_from(t).where(where(t))) or 0) for t in tables)


def copy_tables(
    source: Engine,
    target: Engine,
    tables: Sequence[Table],
    *,
    where: Callable[[Table], ColumnElement[bool]] = lambda _table: true(),
    batch: int = BATCH,
    on_batch: Callable[[Table, int], None] | None = None,
) -> dict[str, int]:
    """Copy the rows of `tables` (in dependency order) that match `where` from `source` into the same,
    empty tables of `target`, `batch` rows at a time, all in one target transaction; returns the rows copied
    by table."""
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        if target.dialect.name == "sqlite":
            writing.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table in tables:
            query = select(table).where(where(table)).order_by(*table.primary_key.columns)
            result = reading.execution_options(stream_results=True, yield_per=batch).execute(query)
            copied[table.name] = 0
            for part in result.partitions(batch):
                writing.execute(insert(table), [dict(row._mapping) for row in part])
                copied[table.name] += len(part)
                if on_batch is not None:
                    on_batch(table, len(part))
        _restart_sequences(writing, tables)
    return copied


def _restart_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL: serial keys copied as they were; their sequences go on after the largest one copied."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{keys[0].name}'),"
                f' COALESCE((SELECT MAX("{keys[0].name}") FROM "{table.name}"), 0) + 1, false)'
            )
        )
