"""upload checks: the signatures of videos taken down

Revision ID: dir0007
Revises: dir0006
Create Date: 2026-12-05 09:00:00.000000

A take-down lists the video's perceptual signature here, named by the decision only (no video, no account),
so an upload in any region that matches it is held for review.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "dir0007"
down_revision: str | None = "dir0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocked_signatures",
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("since", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_blocked_signatures")),
    )


def downgrade() -> None:
    op.drop_table("blocked_signatures")
