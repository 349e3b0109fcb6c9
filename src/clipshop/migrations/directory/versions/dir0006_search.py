"""search: the index over the directory's public projections

Revision ID: dir0006
Revises: dir0005
Create Date: 2026-12-05 10:00:00.000000

The index is kept by the database itself, on every write of a public copy (a publish, a heal, a carve, an
erasure, a raw delete), so no write path can forget it. SQLite: FTS5 tables with the `trigram` tokenizer over
the public tables (external content, synced by triggers). PostgreSQL: `pg_trgm` GIN indexes on the same
columns, and `search_words`, the distinct words of that text (kept by triggers; a word no longer used stays,
harmless) under a GiST trigram index, where a misspelt word finds the words it may have meant. Both:
`search_hashtags`, one row per hashtag in use with its number of videos, kept by triggers on
`public_video_tags`. None of it is in the models: `clipshop.migrations.is_search_index` names it, so the
models-versus-migrations comparison leaves it out.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dir0006"
down_revision: str | None = "dir0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# FTS table -> (source table, indexed columns)
SQLITE_FTS = {
    "search_videos_fts": ("public_videos", ("caption", "hashtags")),
    "search_products_fts": ("public_products", ("title", "search_text")),
    "search_profiles_fts": ("public_profiles", ("handle", "display_name")),
    "search_shops_fts": ("public_shops", ("name", "handle")),
    "search_hashtags_fts": ("search_hashtags", ("tag",)),
}
# index name -> (table, column or expression)
POSTGRES_TRGM = {
    "ix_search_trgm_videos": ("public_videos", "(caption || ' ' || hashtags)"),
    "ix_search_trgm_products": ("public_products", "search_text"),
    "ix_search_trgm_profiles": ("public_profiles", "(handle || ' ' || display_name)"),
    "ix_search_trgm_shops": ("public_shops", "(name || ' ' || handle)"),
    "ix_search_trgm_hashtags": ("search_hashtags", "tag"),
}
# table -> the columns whose words `search_words` learns
POSTGRES_WORDS = {
    "public_videos": ("caption", "hashtags"),
    "public_products": ("search_text",),
    "public_profiles": ("handle", "display_name"),
    "public_shops": ("name", "handle"),
}


def _words_of(text: str) -> str:
    """The words of a text, split as search.matching splits them."""
    return f"regexp_split_to_table(lower({text}), '[^[:alnum:]]+')"


# every word of the indexed text (three characters or more: shorter words are not corrected)
POSTGRES_LEARN_ALL = (
    "INSERT INTO search_words(word) SELECT DISTINCT w FROM ("
    + " UNION ALL ".join(
        f"SELECT {_words_of('concat_ws(chr(32), ' + ', '.join(columns) + ')')} AS w FROM {table}"
        for table, columns in POSTGRES_WORDS.items()
    )
    + ") words WHERE length(w) BETWEEN 3 AND 100 ON CONFLICT DO NOTHING"
)


def _sqlite_fts(name: str, source: str, columns: tuple[str, ...]) -> None:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content='{source}', content_rowid='rowid',"
        " tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON {source} BEGIN"
        f" INSERT INTO {name}(rowid, {cols}) VALUES (new.rowid, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON {source} BEGIN"
        f" INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {cols} ON {source} BEGIN"
        f" INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
        f" INSERT INTO {name}(rowid, {cols}) VALUES (new.rowid, {new}); END"
    )
    op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


def _postgres_words() -> None:
    op.execute("CREATE TABLE search_words (word VARCHAR(100) PRIMARY KEY)")
    op.execute("CREATE INDEX ix_search_trgm_words ON search_words USING gist (word gist_trgm_ops)")
    # the trigger's arguments name the row's columns to learn from
    split = _words_of("concat_ws(chr(32), VARIADIC ARRAY(SELECT to_jsonb(NEW) ->> c FROM unnest(TG_ARGV) c))")
    op.execute(
        f"""CREATE FUNCTION search_words_learn() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO search_words(word)
          SELECT DISTINCT w FROM {split} AS w WHERE length(w) BETWEEN 3 AND 100
          ON CONFLICT DO NOTHING;
          RETURN NEW;
        END $$"""
    )
    for table, columns in POSTGRES_WORDS.items():
        cols = ", ".join(columns)
        args = ", ".join(f"'{c}'" for c in columns)
        op.execute(
            f"CREATE TRIGGER search_words_learn AFTER INSERT OR UPDATE OF {cols} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION search_words_learn({args})"
        )
    op.execute(POSTGRES_LEARN_ALL)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TABLE search_hashtags (id INTEGER PRIMARY KEY, tag VARCHAR(100) NOT NULL UNIQUE,"
            " videos INTEGER NOT NULL)"
        )
        op.execute(
            "CREATE TRIGGER search_hashtags_ai AFTER INSERT ON public_video_tags BEGIN"
            " INSERT INTO search_hashtags(tag, videos) VALUES (new.tag, 1)"
            " ON CONFLICT(tag) DO UPDATE SET videos = videos + 1; END"
        )
        op.execute(
            "CREATE TRIGGER search_hashtags_ad AFTER DELETE ON public_video_tags BEGIN"
            " UPDATE search_hashtags SET videos = videos - 1 WHERE tag = old.tag;"
            " DELETE FROM search_hashtags WHERE tag = old.tag AND videos <= 0; END"
        )
        op.execute(
            "INSERT INTO search_hashtags(tag, videos)"
            " SELECT tag, count(*) FROM public_video_tags GROUP BY tag"
        )
        for name, (source, columns) in SQLITE_FTS.items():
            _sqlite_fts(name, source, columns)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE TABLE search_hashtags (id BIGSERIAL PRIMARY KEY, tag VARCHAR(100) NOT NULL UNIQUE,"
            " videos INTEGER NOT NULL)"
        )
        op.execute(
            """CREATE FUNCTION search_hashtags_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN
                INSERT INTO search_hashtags(tag, videos) VALUES (NEW.tag, 1)
                ON CONFLICT (tag) DO UPDATE SET videos = search_hashtags.videos + 1;
                RETURN NEW;
              END IF;
              UPDATE search_hashtags SET videos = videos - 1 WHERE tag = OLD.tag;
              DELETE FROM search_hashtags WHERE tag = OLD.tag AND videos <= 0;
              RETURN OLD;
            END $$"""
        )
        op.execute(
            "CREATE TRIGGER search_hashtags_count AFTER INSERT OR DELETE ON public_video_tags"
            " FOR EACH ROW EXECUTE FUNCTION search_hashtags_count()"
        )
        op.execute(
            "INSERT INTO search_hashtags(tag, videos)"
            " SELECT tag, count(*) FROM public_video_tags GROUP BY tag"
        )
        for name, (table, expression) in POSTGRES_TRGM.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops)")
        _postgres_words()


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_FTS:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS search_hashtags_ai")
        op.execute("DROP TRIGGER IF EXISTS search_hashtags_ad")
        op.execute("DROP TABLE IF EXISTS search_hashtags")
    elif dialect == "postgresql":
        for name in POSTGRES_TRGM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for table in POSTGRES_WORDS:
            op.execute(f"DROP TRIGGER IF EXISTS search_words_learn ON {table}")
        op.execute("DROP FUNCTION IF EXISTS search_words_learn()")
        op.execute("DROP TABLE IF EXISTS search_words")
        op.execute("DROP TRIGGER IF EXISTS search_hashtags_count ON public_video_tags")
        op.execute("DROP FUNCTION IF EXISTS search_hashtags_count()")
        op.execute("DROP TABLE IF EXISTS search_hashtags")
