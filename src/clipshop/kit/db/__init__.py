"""Databases: one directory (global, no personal data) and one per region cell.

A request works through one `UnitOfWork`: it opens a session per database it touches, flushes all of them
(so unique constraints fail before anything is committed), commits the regions (the truth) and then the
directory (a projection that a reconciler can rebuild), and only then runs what was deferred to after the
commit, such as enqueueing jobs.

Each module is one part of it: `tables` (declarative bases and column types), `engines` (per backend, and
SQLite's checkpoints), `fence` (what a unit of work may touch away from home), `unit_of_work` (the engines
opened once per process and the unit of work), `statements` (upserts alike on every backend), `pipeline`
(a transaction's last statements sent with its commit). This names what the rest of Clipshop imports from
`clipshop.kit.db`.
"""

from clipshop.kit.db.engines import PoolLimits, is_sqlite, make_engine
from clipshop.kit.db.fence import Fence, ForeignRegion
from clipshop.kit.db.pipeline import commit_without_flush, pipelined
from clipshop.kit.db.prebuilt import Prebuilt, PrebuiltInsert, PrebuiltInserts, PrebuiltPerCount
from clipshop.kit.db.statements import dialect_insert, insert_ignore, upsert_add, utc_day
from clipshop.kit.db.tables import DirectoryBase, RegionBase, UTCDateTime, str_enum, table_of
from clipshop.kit.db.unit_of_work import (
    AFTER_COMMIT,
    BEFORE_DIRECTORY_COMMIT,
    BETWEEN_REGION_COMMITS,
    Databases,
    UnitOfWork,
)

__all__ = [
    "AFTER_COMMIT",
    "BEFORE_DIRECTORY_COMMIT",
    "BETWEEN_REGION_COMMITS",
    "Databases",
    "DirectoryBase",
    "Fence",
    "ForeignRegion",
    "PoolLimits",
    "Prebuilt",
    "PrebuiltInsert",
    "PrebuiltInserts",
    "PrebuiltPerCount",
    "RegionBase",
    "UTCDateTime",
    "UnitOfWork",
    "commit_without_flush",
    "dialect_insert",
    "insert_ignore",
    "is_sqlite",
    "make_engine",
    "pipelined",
    "str_enum",
    "table_of",
    "upsert_add",
    "utc_day",
]
