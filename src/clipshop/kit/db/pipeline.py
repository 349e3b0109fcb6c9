"""Statements sent together with their COMMIT: on PostgreSQL through psycopg's pipeline mode, so a
transaction's last writes and its commit travel in one round trip and nothing from the client sits between
them (a row lock taken by one of them is held only as long as the server takes to commit); on SQLite, which
has no pipeline, the same statements run one after another and the commit follows as usual.

    with pipelined(session) as send_commit:
        session.execute(...)       # queued on PostgreSQL, run at once on SQLite
        send_commit()              # PostgreSQL: COMMIT queued too, then everything is sent and awaited
    uow.commit()                   # the usual commit: on PostgreSQL it only closes what the server committed

The commit that ends the session comes after the block, never inside it: a session's commit hands its
connection back to the pool, which must not happen while the connection is still in pipeline mode. Errors
surface as SQLAlchemy's exceptions either way (an IntegrityError at the statement on SQLite, at
`send_commit` on PostgreSQL); the caller rolls back as after any failed statement."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, exc, text
from sqlalchemy.orm import Session

from clipshop.kit.db.prebuilt import Prebuilt


def _nothing() -> None:
    return None


@contextlib.contextmanager
def pipelined(session: Session | Connection) -> Iterator[Callable[[], None]]:
    """Pipeline what `session` (or a connection) sends inside the block when its database can; the block
    calls the function it is given last, to send the COMMIT with the statements."""
    # The plain Session's connection: a region session's own would ask the fence about raw SQL, while the
    # statements sent inside are each shown to it anyway.
    connection = session if isinstance(session, Connection) else Session.connection(session)
    if connection.dialect.name != "postgresql":
        yield _nothing
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = connection.dialect.loaded_dbapi

    def send_commit() -> None:
        try:
            driver.commit()
        except dbapi.Error as error:
            raise exc.DBAPIError.instance("COMMIT", None, error, dbapi.Error) from error

    failed: BaseException | None = None
    try:
        with driver.pipeline():
            try:
                yield send_commit
            except BaseException as error:
                # Leave the pipeline before raising: raised through the pipeline's exit, the error would
                # make psycopg log a second one about the pipeline it aborted.
                failed = error
    except Exception:
        if failed is None:
            raise
        # Leaving an aborted pipeline says so again (PipelineAborted): the error that aborted it is the news.
    if failed is not None:
        raise failed


def commit_without_flush(session: Session | Connection) -> None:
    """Let the open transaction's COMMIT return before its log reaches the disk (PostgreSQL's
    `synchronous_commit = off`, for this transaction only), so the row locks it holds go as soon as the
    commit is written. A crash of the server may then lose it, whole, never part of it: only for a
    transaction that a later synchronous commit on the same server makes durable (every commit flushes
    the log up to itself), or whose loss a later step makes good. Nothing to do on SQLite."""
    connection = session if isinstance(session, Connection) else Session.connection(session)
    if connection.dialect.name == "postgresql":
        _WITHOUT_FLUSH.run(connection, {})


_WITHOUT_FLUSH = Prebuilt(text("SET LOCAL synchronous_commit = off"))
