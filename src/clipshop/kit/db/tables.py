"""What tables are declared with: one declarative base per kind of database (a region's, the
directory's), a naming convention for constraints, and column types that behave alike on SQLite and
PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RegionBase(DeclarativeBase):
    """Tables of a region cell: personal data lives only here."""

    metadata = MetaData(naming_convention=NAMING)


class DirectoryBase(DeclarativeBase):
    """Tables of the global directory: routing and public projections, never personal data."""

    metadata = MetaData(naming_convention=NAMING)


def str_enum(e: type[enum.StrEnum]) -> Enum:
    """A string-enum column stored as its values in a plain string column (no native enum type to migrate)."""
    return Enum(e, native_enum=False, length=24, values_callable=lambda members: [m.value for m in members])


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(model: type[DeclarativeBase]) -> Table:
    """A mapped class's table, for prebuilt Core statements (which skip the ORM's work per row)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
