"""moderation: reports, cases, decisions; withheld videos and suspended accounts

Revision ID: reg0010
Revises: reg0009
Create Date: 2026-12-05 09:00:00.000000

A report stays in its reporter's region; the case it joins lives in the content's region and names no
reporter; a decision names the account it acted on. A video a decision withheld, and an account it
suspended, say so on their own rows, so no projection brings them back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0010"
down_revision: str | None = "reg0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = sa.Enum(
    "video", "comment", "profile", "product", "shop", name="contentkind", native_enum=False, length=24
)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reporter_id", sa.String(length=40), nullable=False),
        sa.Column("content_kind", KIND, nullable=False),
        sa.Column("content_id", sa.String(length=40), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "spam",
                "nudity",
                "violence",
                "hate",
                "harassment",
                "scam",
                "counterfeit",
                "dangerous",
                "minor_safety",
                "other",
                name="reportreason",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_reports_reporter_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("reporter_id", "content_id", name=op.f("uq_reports_reporter_id")),
    )
    op.create_index(op.f("ix_reports_reporter_id"), "reports", ["reporter_id"], unique=False)
    op.create_table(
        "moderation_cases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("content_kind", KIND, nullable=False),
        sa.Column("content_id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.Column("open_key", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "decided", name="casestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("first_reported_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_reported_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_cases")),
        sa.UniqueConstraint("open_key", name=op.f("uq_moderation_cases_open_key")),
    )
    op.create_index(op.f("ix_moderation_cases_content_id"), "moderation_cases", ["content_id"], unique=False)
    op.create_index(op.f("ix_moderation_cases_owner_id"), "moderation_cases", ["owner_id"], unique=False)
    op.create_index(op.f("ix_moderation_cases_status"), "moderation_cases", ["status"], unique=False)
    op.create_table(
        "moderation_case_reasons",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["moderation_cases.id"],
            name=op.f("fk_moderation_case_reasons_case_id_moderation_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "reason", name=op.f("pk_moderation_case_reasons")),
    )
    op.create_table(
        "moderation_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("content_kind", KIND, nullable=False),
        sa.Column("content_id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "dismiss",
                "age_restrict",
                "remove_from_recommendations",
                "take_down",
                "suspend_account",
                name="action",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("moderator_id", sa.String(length=40), nullable=False),
        sa.Column("decided_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "appeal_state",
            sa.Enum(
                "none", "pending", "upheld", "overturned", name="appealstate", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("appeal_text", sa.Text(), nullable=False),
        sa.Column("appealed_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appeal_moderator_id", sa.String(length=40), nullable=True),
        sa.Column("appeal_decided_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["moderation_cases.id"],
            name=op.f("fk_moderation_decisions_case_id_moderation_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_moderation_decisions_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decisions")),
    )
    op.create_index(
        op.f("ix_moderation_decisions_case_id"), "moderation_decisions", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_moderation_decisions_owner_id"), "moderation_decisions", ["owner_id"], unique=False
    )
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withheld_by", sa.String(length=40), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspended_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("suspended_at")
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("withheld_by")
    op.drop_index(op.f("ix_moderation_decisions_owner_id"), table_name="moderation_decisions")
    op.drop_index(op.f("ix_moderation_decisions_case_id"), table_name="moderation_decisions")
    op.drop_table("moderation_decisions")
    op.drop_table("moderation_case_reasons")
    op.drop_index(op.f("ix_moderation_cases_status"), table_name="moderation_cases")
    op.drop_index(op.f("ix_moderation_cases_owner_id"), table_name="moderation_cases")
    op.drop_index(op.f("ix_moderation_cases_content_id"), table_name="moderation_cases")
    op.drop_table("moderation_cases")
    op.drop_index(op.f("ix_reports_reporter_id"), table_name="reports")
    op.drop_table("reports")
