"""Prebuilt statements: a Core statement compiled once per dialect and set of columns, then sent straight to
the driver's cursor with its values converted as SQLAlchemy converts them, skipping the work SQLAlchemy does
around each execution (caching keys, result set-up) on a path that runs a dozen statements per request.
On SQLite, whose driver is cheap to reach through SQLAlchemy anyway, they run as ordinary statements.

Only for statements whose answer is not read (beyond a row count) and on a connection whose fence has
nothing to check (at home: `RegionSession.connection()` asks it first)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable


class Prebuilt:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[Dialect, frozenset[str]], tuple[Any, str, dict[str, Any]]] = {}

    def run(self, connection: Connection, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        """Execute with one row of values (or many, all with the same keys); the rows the statement touched
        (-1 when the driver cannot tell yet: inside a pipeline)."""
        rows = [values] if isinstance(values, Mapping) else list(values)
        if not rows:
            return 0
        dialect = connection.dialect
        if dialect.name != "postgresql":
            result = connection.execute(self.statement, rows if len(rows) > 1 else rows[0])
            return int(result.rowcount)
        compiled, sql, processors = self._compile(dialect, rows[0])
        params = []
        for row in rows:
            bound = compiled.construct_params(row, _check=False)
            params.append({key: processors[key](v) if key in processors else v for key, v in bound.items()})
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if len(params) == 1:
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
        except dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy would raise it (an IntegrityError for a key taken or a CHECK refused): in a
            # pipeline, an earlier statement's error surfaces at whichever statement comes next.
            raise exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error) from error
        return int(cursor.rowcount)

    def _compile(self, dialect: Dialect, row: Mapping[str, Any]) -> tuple[Any, str, dict[str, Any]]:
        keys = frozenset(row)
        found = self._compiled.get((dialect, keys))
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=sorted(keys))  # type: ignore[attr-defined]
            # What SQLAlchemy applies to each value before the driver sees it (dates to UTC, enums to their
            # values, JSON to text): its own converters, taken from the compiled statement.
            found = (compiled, compiled.string, dict(compiled._bind_processors))
            self._compiled[(dialect, keys)] = found
        return found
