"""Prebuilt statements: a Core statement compiled once per dialect and set of columns, then sent straight to
the driver's cursor with its values converted as SQLAlchemy converts them (and, for a read, its rows as
SQLAlchemy would give them back), skipping the work SQLAlchemy does around each execution (caching keys,
result set-up) on a path that runs a dozen statements per request. On SQLite, whose driver is cheap to reach
through SQLAlchemy anyway, they run as ordinary statements.

A unit of work sends them on a region's connection with `UnitOfWork.send` and `UnitOfWork.fetch`, which
show the region's fence the tables a statement names first (away from home, as every ORM statement is
shown to it). `run` and `rows` on a bare connection are for connections no fence guards."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Connection, Table, bindparam, exc, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable, TableClause
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.util import find_tables
from sqlalchemy.types import TypeEngine


class _Compiled:
    """A statement compiled for one dialect and set of value keys: its SQL, the converters of its values
    and of its result columns, and the column defaults an INSERT fills in for keys left out."""

    def __init__(self, statement: Executable, dialect: Dialect, keys: frozenset[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))  # type: ignore[attr-defined]
        self.compiled = compiled
        self.sql: str = compiled.string
        # What SQLAlchemy applies to each value before the driver sees it (dates to UTC, enums to their
        # values, JSON to text): its own converters, taken from the compiled statement.
        self.binds: dict[str, Any] = dict(compiled._bind_processors)
        results = [column.type._cached_result_processor(dialect, None) for column in compiled._result_columns]
        self.results: list[Callable[[Any], Any] | None] | None = results if any(results) else None
        self.defaults: dict[str, Any] = {}
        if isinstance(statement, Insert):
            # An INSERT compiled for some columns still names those with a default: SQLAlchemy would fill
            # them in at execution, which a prebuilt statement skips, so a plain default is filled in here
            # and any other (a function of the row) must be given.
            table = statement.table
            for key in compiled.binds:
                column = table.c.get(key) if isinstance(table, TableClause) else None
                if key in keys or column is None or column.default is None:
                    continue
                if not column.default.is_scalar:
                    raise ValueError(f"give {table.name}.{key} a value: its default is computed per row")
                self.defaults[key] = column.default.arg  # type: ignore[attr-defined]

    def params(self, row: Mapping[str, Any]) -> dict[str, Any]:
        given = {**self.defaults, **row} if self.defaults else row
        bound = self.compiled.construct_params(given, _check=False)
        binds = self.binds
        return {key: binds[key](v) if key in binds else v for key, v in bound.items()}

    def convert(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if self.results is None:
            return rows
        processors = self.results
        return [
            tuple(v if process is None else process(v) for process, v in zip(processors, row, strict=True))
            for row in rows
        ]


class Prebuilt:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        # What the fence of a region is shown before the statement runs there (UnitOfWork.send, .fetch).
        self.tables = frozenset(
            table.name
            for table in find_tables(statement, include_crud=True, include_joins=True, include_aliases=True)  # type: ignore[arg-type]
            if isinstance(table, TableClause)
        )
        self.writes = isinstance(statement, UpdateBase)
        self._compiled: dict[tuple[Dialect, frozenset[str]], _Compiled] = {}

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
        compiled = self._compile(dialect, rows[0])
        params = [compiled.params(row) for row in rows]
        cursor = self._writer(connection)
        try:
            if len(params) == 1:
                cursor.execute(compiled.sql, params[0])
            else:
                cursor.executemany(compiled.sql, params)
        except dialect.loaded_dbapi.Error as error:
            raise self._error(dialect, compiled.sql, params, error) from error
        return int(cursor.rowcount)

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute a read (or a write with RETURNING) with one row of values: its rows, as tuples of the
        values SQLAlchemy would give back (enums, aware datetimes, JSON as Python objects)."""
        dialect = connection.dialect
        if dialect.name != "postgresql":
            return [tuple(row) for row in connection.execute(self.statement, dict(values))]
        compiled = self._compile(dialect, values)
        params = compiled.params(values)
        cursor = self._cursor(connection)
        try:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            raise self._error(dialect, compiled.sql, params, error) from error
        return compiled.convert(found)

    @staticmethod
    def _cursor(connection: Connection) -> Any:
        driver = connection.connection.driver_connection
        assert driver is not None
        return driver.cursor()

    @staticmethod
    def _writer(connection: Connection) -> Any:
        """The cursor writes are sent with on this driver connection, made once: making a cursor (its own
        copy of the adapters) costs about what sending a statement does. Reads take a cursor each, since a
        pipeline sets each statement's result on its cursor whenever that result arrives, and a shared
        cursor could show a read an earlier write's result."""
        pooled = connection.connection
        driver, info = pooled.driver_connection, pooled.info
        cursor = info.get("prebuilt_writer")
        if cursor is None or cursor.connection is not driver or cursor.closed:
            assert driver is not None
            cursor = info["prebuilt_writer"] = driver.cursor()
        return cursor

    @staticmethod
    def _error(dialect: Dialect, sql: str, params: Any, error: Exception) -> Exception:
        # As SQLAlchemy would raise it (an IntegrityError for a key taken or a CHECK refused): in a pipeline,
        # an earlier statement's error surfaces at whichever statement comes next.
        return exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error)

    def _compile(self, dialect: Dialect, row: Mapping[str, Any]) -> _Compiled:
        keys = frozenset(row)
        found = self._compiled.get((dialect, keys))
        if found is None:
            found = self._compiled[(dialect, keys)] = _Compiled(self.statement, dialect, keys)
        return found


class PrebuiltInsert(Prebuilt):
    """A prebuilt INSERT of a table's rows. Several rows go as one statement of several rows of values on
    PostgreSQL (compiled once per number of rows, up to `MANY`), not one statement per row as the driver
    sends an executemany in a pipeline: fewer messages, each parsed once by the server."""

    MANY = 100

    def __init__(self, table: Table) -> None:
        super().__init__(insert(table))
        self.table = table
        self._many: dict[tuple[Dialect, frozenset[str], int], _Compiled] = {}

    def run(self, connection: Connection, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        rows = values if isinstance(values, Sequence) else None
        dialect = connection.dialect
        if rows is None or not 1 < len(rows) <= self.MANY or dialect.name != "postgresql":
            return super().run(connection, values)
        keys = frozenset(rows[0])
        found = self._many.get((dialect, keys, len(rows)))
        if found is None:
            one = self._compile(dialect, rows[0])  # the columns a row names, its defaults included
            columns = sorted(keys | one.defaults.keys())
            several = insert(self.table).values(
                [{key: bindparam(f"{key}_{n}", type_=self.table.c[key].type) for key in columns}
                 for n in range(len(rows))]
            )  # fmt: skip
            found = self._many[(dialect, keys, len(rows))] = _Compiled(several, dialect, frozenset())
            found.defaults = {
                f"{key}_{n}": value for key, value in one.defaults.items() for n in range(len(rows))
            }
        given = {f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()}
        params = found.params(given)
        cursor = self._writer(connection)
        try:
            cursor.execute(found.sql, params)
        except dialect.loaded_dbapi.Error as error:
            raise self._error(dialect, found.sql, params, error) from error
        return int(cursor.rowcount)


class PrebuiltInserts(Prebuilt):
    """Prebuilt INSERTs of several tables' rows, parents first. On PostgreSQL consecutive tables go as one
    statement, each table's INSERT but the last a WITH clause of it (the server runs every one, and checks
    the foreign keys between them once the statement has ended), as many tables together as keep a statement
    within `VALUES_PER_STATEMENT` values; compiled once per shape (the columns and number of rows of each
    table). Elsewhere, one statement per table. `run` takes the rows by table name."""

    # psycopg converts a statement's placeholders once and keeps the outcome only for statements of at most
    # 50 values (psycopg._queries.MAX_CACHED_STATEMENT_PARAMS); past that it parses the SQL again at every
    # execution, which costs more than the message saved.
    VALUES_PER_STATEMENT = 50

    def __init__(self, *tables: Table) -> None:
        self.inserts = {table.name: PrebuiltInsert(table) for table in tables}
        self.statement = self.inserts[tables[-1].name].statement
        self.tables = frozenset(self.inserts)
        self.writes = True
        self._compiled = {}
        self._plans: dict[tuple[Dialect, tuple[tuple[str, frozenset[str], int], ...]], list[_Together]] = {}

    def run(self, connection: Connection, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        assert isinstance(values, Mapping), "rows by table name"
        dialect = connection.dialect
        given = [(name, list(values[name])) for name in self.inserts if values.get(name)]
        if dialect.name != "postgresql" or any(len(rows) > PrebuiltInsert.MANY for _, rows in given):
            return sum(self.inserts[name].run(connection, rows) for name, rows in given)
        shape = (dialect, tuple((name, frozenset(rows[0]), len(rows)) for name, rows in given))
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = self._plan(dialect, given)
        touched = 0
        for together in plan:
            part = given[together.first : together.first + together.count]
            if together.compiled is None:  # a table on its own
                touched += self.inserts[part[0][0]].run(connection, part[0][1])
                continue
            params = together.compiled.params(
                {f"t{t}_{key}_{n}": value for t, (_, rows) in enumerate(part)
                 for n, row in enumerate(rows) for key, value in row.items()}
            )  # fmt: skip
            cursor = self._writer(connection)
            try:
                cursor.execute(together.compiled.sql, params)
            except dialect.loaded_dbapi.Error as error:
                raise self._error(dialect, together.compiled.sql, params, error) from error
            touched += int(cursor.rowcount)
        return touched

    def _plan(self, dialect: Dialect, given: list[tuple[str, list[Mapping[str, Any]]]]) -> list[_Together]:
        """The statements of this shape: consecutive tables together while their values fit."""
        columns = []
        for name, rows in given:
            one = self.inserts[name]._compile(dialect, rows[0])  # the row's columns, its defaults included
            columns.append(sorted(frozenset(rows[0]) | one.defaults.keys()))
        plan: list[_Together] = []
        first, count, values = 0, 0, 0
        for t, (_, rows) in enumerate(given):
            size = len(columns[t]) * len(rows)
            if count and values + size > self.VALUES_PER_STATEMENT:
                plan.append(self._together(dialect, given, columns, first, count))
                first, count, values = t, 0, 0
            count, values = count + 1, values + size
        if count:
            plan.append(self._together(dialect, given, columns, first, count))
        return plan

    def _together(self, dialect: Dialect, given: list[tuple[str, list[Mapping[str, Any]]]],
                  columns: list[list[str]], first: int, count: int) -> _Together:  # fmt: skip
        if count == 1:
            return _Together(first, 1, None)
        statements: list[Any] = []
        defaults: dict[str, Any] = {}
        for t, (name, rows) in enumerate(given[first : first + count]):
            table, plain = self.inserts[name].table, self.inserts[name]._compile(dialect, rows[0]).defaults
            names = columns[first + t]
            statements.append(
                insert(table).values(
                    [{key: bindparam(f"t{t}_{key}_{n}", type_=table.c[key].type) for key in names}
                     for n in range(len(rows))]
                )
            )  # fmt: skip
            defaults |= {f"t{t}_{key}_{n}": v for key, v in plain.items() for n in range(len(rows))}
        last, *earlier = reversed(statements)
        combined = last.add_cte(*(s.cte(f"w{n}") for n, s in enumerate(reversed(earlier))))
        compiled = _Compiled(combined, dialect, frozenset())
        compiled.defaults = defaults
        return _Together(first, count, compiled)


@dataclass(frozen=True)
class _Together:
    """Tables `first` to `first + count` of a shape, sent as one statement (`compiled`; None: one table,
    sent as its own PrebuiltInsert)."""

    first: int
    count: int
    compiled: _Compiled | None


class PrebuiltPerCount:
    """A prebuilt statement with an IN list of bound values, one per length of the list (lists are short:
    the items of a checkout), each made on first use by `make` from its bound parameters (`listed`)."""

    def __init__(self, make: Callable[[list[BindParameter[Any]]], Executable], *, name: str,
                 type_: TypeEngine[Any]) -> None:  # fmt: skip
        self._make, self._name, self._type = make, name, type_
        self._made: dict[int, Prebuilt] = {}

    def of(self, values: Sequence[Any]) -> tuple[Prebuilt, dict[str, Any]]:
        """The statement for this many values, and the values named as its parameters."""
        count = len(values)
        statement = self._made.get(count)
        if statement is None:
            listed = [bindparam(f"{self._name}_{n}", type_=self._type) for n in range(count)]
            statement = self._made[count] = Prebuilt(self._make(listed))
        return statement, {f"{self._name}_{n}": value for n, value in enumerate(values)}
