"""residency: the access audit log, append-only

Revision ID: reg0005
Revises: reg0004
Create Date: 2026-12-05 10:09:13.593871

Every access decision about a region's data is kept in that region, hash-chained. The database refuses
UPDATE and DELETE on the table, the way it does for the ledger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0005"
down_revision: str | None = "reg0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("data_class", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("result IN ('allowed', 'denied')", name=op.f("ck_audit_log_result")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    from clipshop.residency.models import POSTGRES_TRIGGERS, SQLITE_TRIGGERS

    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")
    op.drop_table("audit_log")  # SQLite drops the table's triggers with it
