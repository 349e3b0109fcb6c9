"""The migrations build exactly the schema the models describe, on every engine."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from clipshop.config import Settings
from clipshop.kit.db import DirectoryBase, RegionBase
from clipshop.migrations import include_in_comparison, load_models


@pytest.mark.parametrize("tree", ["directory", "region"])
def test_migrated_schema_matches_the_models(settings: Settings, tree: str) -> None:
    load_models()
    url = settings.directory_database_url() if tree == "directory" else settings.region_database_url("us")
    metadata = DirectoryBase.metadata if tree == "directory" else RegionBase.metadata
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_in_comparison}
            ),
            metadata,
        )
    engine.dispose()
    assert diff == []
