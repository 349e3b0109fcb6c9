"""What one store holds about one person, as plain rows ready for JSON: each domain lists its own tables
(`held_about` in its public surface) and the data rights export puts them in one archive."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

# "<store>/<table>" (e.g. "region/users", "directory/public_profiles") -> the rows about the person.
Held = dict[str, list[dict[str, Any]]]

# Shown instead of a one-way hash (a password's, a session secret's): useless to the person, and a hash
# handed out is one an attacker may try to crack.
WITHHELD = "(withheld: a one-way hash, kept only to check what you type)"


def json_ready(value: Any) -> Any:
    """A column value as JSON can hold it: times in ISO 8601 (UTC), enums by value, bytes as hex."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def rows(
    session: Session, model: Any, *where: ColumnElement[bool], withhold: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every row of `model`'s table matching `where`, in primary-key order, as dicts (columns named in
    `withhold` replaced by WITHHELD)."""
    table = model.__table__
    query = select(table).where(*where).order_by(*table.primary_key.columns)
    return [
        {
            column.name: WITHHELD if column.name in withhold else json_ready(row._mapping[column.name])
            for column in table.columns
        }
        for row in session.execute(query)
    ]
