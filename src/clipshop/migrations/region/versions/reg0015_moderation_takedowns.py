"""moderation take-downs of comments, products and shops

Revision ID: reg0015
Revises: reg0014
Create Date: 2026-12-06 09:00:00.000000

`comments.withheld_by`, `products.withheld_by` and `shops.withheld_by` name the moderation decision that took
the row down, as `videos.withheld_by` does for a video: while set, the row has no public copy in the
directory, and a won appeal clears it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reg0015"
down_revision: str | None = "reg0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("comments", "products", "shops")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("withheld_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("withheld_by")
