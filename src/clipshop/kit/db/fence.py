"""The fence around a region: what a unit of work may touch in a region that is not its home, and the
region sessions that show it every statement and every flush before they run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import ClauseElement, TableClause
from sqlalchemy.sql.util import find_tables

# What a statement that names no table (raw SQL) is classed as: never readable outside the home region.
RAW_SQL = "raw_sql"
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Fence:
    """What a unit of work may touch in a region that is not its home, by the data class of each table (the
    residency policy installs the real one). Public classes may be read from anywhere; anything else in a
    foreign region is reached only through the residency gateway, which admits a class for a while. A table
    the fence does not know is refused: default deny."""

    classes: Mapping[str, str] = field(default_factory=dict)
    open_to_read: frozenset[str] = frozenset()

    def class_of(self, table: str) -> str:
        return self.classes.get(table, UNCLASSIFIED)


class ForeignRegion(PermissionError):
    """Code reached another region's data without the residency gateway: a bug, never a user's mistake."""

    def __init__(self, region: str, classes: Iterable[str], *, write: bool, home: str | None) -> None:
        self.region, self.classes, self.write = region, sorted(classes), write
        verb = "write" if write else "read"
        super().__init__(
            f"a unit of work homed in {home or 'no region'} may not {verb} {', '.join(self.classes)} "
            f"in region {region} without the residency gateway"
        )


class RegionSession(Session):
    """A region database's session; `guard` (set by the unit of work) sees every statement and flush first."""

    guard: Callable[[Callable[[], Iterable[str]], bool], None] | None = None

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        if self.guard is not None:
            self.guard(lambda: [RAW_SQL], False)
        return super().connection(*args, **kwargs)


@event.listens_for(RegionSession, "do_orm_execute")
def _guard_statement(state: ORMExecuteState) -> None:
    guard = state.session.guard  # type: ignore[attr-defined]
    if guard is None:
        return
    statement = state.statement
    assert isinstance(statement, ClauseElement)

    def names() -> list[str]:  # only worked out away from home: at home every statement passes at once
        tables = find_tables(statement, include_crud=True, include_joins=True, include_aliases=True)
        return [t.name for t in tables if isinstance(t, TableClause)] or [RAW_SQL]

    guard(names, state.is_insert or state.is_update or state.is_delete)


@event.listens_for(RegionSession, "before_flush")
def _guard_flush(session: Session, _context: Any, _instances: Any) -> None:
    guard = session.guard  # type: ignore[attr-defined]
    if guard is None:
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    if changed:
        guard(lambda: {row.__table__.name for row in changed}, True)
