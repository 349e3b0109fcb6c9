"""The access audit log, one per region: every access decision about the region's data, hash-chained and
append-only (the database itself refuses to change or remove a row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime

# Column widths; `audit.Decision` refuses longer values, so SQLite (which ignores widths) and PostgreSQL
# (which enforces them) take and refuse the same entries.
ACTOR_ID_LENGTH = 120
ROLE_LENGTH = 24
JURISDICTION_LENGTH = 16
DATA_CLASS_LENGTH = 40
PURPOSE_LENGTH = 40


class AuditEntry(RegionBase):
    """One access decision. `hash` is the SHA-256 of the entry's canonical form, which includes the
    previous entry's hash (`audit.entry_hash`), so changing, removing or reordering any entry breaks every
    link after it."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint("result IN ('allowed', 'denied')", name="result"),)

    # 1, 2, 3… with no gaps: given under a per-region lock, never by a sequence (a sequence skips numbers
    # on rollback).
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(ACTOR_ID_LENGTH))
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH))
    jurisdiction: Mapped[str] = mapped_column(String(JURISDICTION_LENGTH))
    data_class: Mapped[str] = mapped_column(String(DATA_CLASS_LENGTH))
    purpose: Mapped[str] = mapped_column(String(PURPOSE_LENGTH))
    records: Mapped[str] = mapped_column(Text)  # a JSON list of record ids
    reason: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(8))  # "allowed" or "denied"
    fields: Mapped[str] = mapped_column(Text)  # a JSON list of the field names the grant exposed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# Installed by the region migration; kept beside the table so the rule and its enforcement read together.
# TRUNCATE and DROP are not refused (the test harness empties PostgreSQL tables with TRUNCATE); someone
# with those rights can also drop a trigger, which is why heads are signed and kept elsewhere.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_append_only_{op.lower()} BEFORE {op} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log rows are append-only'); END"""
    for op in ("UPDATE", "DELETE")
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log rows are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


class DetachedRegion(DirectoryBase):
    """A region carved out of this deployment (`clipshop region detach`): nothing of it is projected into the
    directory again, and a checkout of its products is refused with `region_detached`."""

    __tablename__ = "detached_regions"

    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    detached_at: Mapped[datetime] = mapped_column(UTCDateTime)
