"""Alembic migrations, one tree for the directory and one for every region database.

`migrate(settings)` brings every database to head; `alembic -n directory|region revision --autogenerate`
(see alembic.ini) writes a new revision against a scratch SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData

HERE = Path(__file__).parent
TREES = ("directory", "region")


def load_models() -> None:
    """Import every domain's tables so both metadata objects are complete."""
    import clipshop.accounts.models
    import clipshop.ads.models
    import clipshop.events.models
    import clipshop.feed.models
    import clipshop.inbox.models
    import clipshop.kit.idempotency
    import clipshop.kit.watermarks
    import clipshop.mailing.models
    import clipshop.moderation.models
    import clipshop.residency.models
    import clipshop.rights.models
    import clipshop.shop.cart.models
    import clipshop.shop.catalog.models
    import clipshop.shop.ledger.models
    import clipshop.shop.orders.models
    import clipshop.social.models
    import clipshop.videos.models  # noqa: F401


def is_search_index(name: str | None) -> bool:
    """Whether a table or index is the search index that `dir0006` builds in the database
    itself (FTS5 tables and their shadows on SQLite, `pg_trgm` indexes on PostgreSQL, the hashtag counts),
    which the models do not describe."""
    return name is not None and (name.startswith("search_") or name.startswith("ix_search_trgm_"))


def include_in_comparison(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` hook: compare the models with everything but the search index."""
    return type_ not in ("table", "index") or not is_search_index(name)


def target_metadata(tree: str) -> MetaData:
    from clipshop.kit.db import DirectoryBase, RegionBase

    load_models()
    return DirectoryBase.metadata if tree == "directory" else RegionBase.metadata


def alembic_config(tree: str, engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE / tree))
    config.set_main_option("clipshop_tree", tree)
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, tree: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(tree, engine), revision)


def is_current(engine: Engine, tree: str) -> bool:
    """Whether `engine`'s database is at the latest revision of `tree`."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(tree)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def migrate_all(
    directory: Engine, regions: dict[str, Engine], *, on_step: Callable[[str], None] | None = None
) -> None:
    upgrade(directory, "directory")
    if on_step:
        on_step("directory")
    for name, engine in regions.items():
        upgrade(engine, "region")
        if on_step:
            on_step(name)
