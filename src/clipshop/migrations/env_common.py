"""The body of both trees' env.py: online migrations over the engine the caller hands in."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from clipshop.migrations import include_in_comparison, target_metadata


def run() -> None:
    config = context.config
    tree = config.get_main_option("clipshop_tree") or "region"
    metadata = target_metadata(tree)
    engine = config.attributes.get("engine")
    if engine is None:
        url = os.environ.get("CLIPSHOP_MIGRATE_URL", f"sqlite:///migrate-{tree}.db")
        engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_in_comparison,
        )
        context.run_migrations()
