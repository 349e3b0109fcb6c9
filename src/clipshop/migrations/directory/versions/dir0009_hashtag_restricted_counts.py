"""hashtag counts: how many of each hashtag's videos are age-restricted

Revision ID: dir0009
Revises: dir0008
Create Date: 2026-12-05 16:00:00.000000

`search_hashtags.restricted` counts a hashtag's age-restricted videos beside `videos`, all of them, so search
tells a signed-out visitor or a minor how many videos they could find in one row, whatever the number of
restricted videos in the directory. The database keeps it, as it keeps `videos`: the hashtag triggers of
dir0006 now count both, a video restricted or released moves its hashtags' counts, and a video deleted
while restricted takes its hashtags' share before the cascade removes its tags (when the tags go, the video
is no longer there to say it was restricted).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dir0009"
down_revision: str | None = "dir0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESTRICTED_OF = "(SELECT count(*) FROM public_videos WHERE id = {row}.video_id AND age_restricted)"
NEW_RESTRICTED, OLD_RESTRICTED = RESTRICTED_OF.format(row="new"), RESTRICTED_OF.format(row="old")
# +1 or -1 for each hashtag of a video that becomes restricted or released
MOVE = "restricted = restricted + (CASE WHEN new.age_restricted THEN 1 ELSE -1 END)"
ITS_TAGS = "tag IN (SELECT tag FROM public_video_tags WHERE video_id = {row}.id)"
BACKFILL = (
    "UPDATE search_hashtags SET restricted = (SELECT count(*) FROM public_video_tags t"
    " JOIN public_videos v ON v.id = t.video_id WHERE t.tag = search_hashtags.tag AND v.age_restricted)"
)


def _sqlite_upgrade() -> None:
    op.execute("DROP TRIGGER search_hashtags_ai")
    op.execute("DROP TRIGGER search_hashtags_ad")
    op.execute(
        "CREATE TRIGGER search_hashtags_ai AFTER INSERT ON public_video_tags BEGIN"
        " INSERT INTO search_hashtags(tag, videos, restricted)"
        f" VALUES (new.tag, 1, {NEW_RESTRICTED})"
        " ON CONFLICT(tag) DO UPDATE SET videos = videos + 1, restricted = restricted + excluded.restricted;"
        " END"
    )
    op.execute(
        "CREATE TRIGGER search_hashtags_ad AFTER DELETE ON public_video_tags BEGIN"
        " UPDATE search_hashtags SET videos = videos - 1,"
        f" restricted = restricted - {OLD_RESTRICTED} WHERE tag = old.tag;"
        " DELETE FROM search_hashtags WHERE tag = old.tag AND videos <= 0; END"
    )
    op.execute(
        "CREATE TRIGGER search_hashtags_restrict AFTER UPDATE OF age_restricted ON public_videos"
        " WHEN old.age_restricted IS NOT new.age_restricted BEGIN"
        f" UPDATE search_hashtags SET {MOVE} WHERE {ITS_TAGS.format(row='new')}; END"
    )
    op.execute(
        "CREATE TRIGGER search_hashtags_unpublish BEFORE DELETE ON public_videos"
        " WHEN old.age_restricted BEGIN"
        f" UPDATE search_hashtags SET restricted = restricted - 1 WHERE {ITS_TAGS.format(row='old')}; END"
    )


def _postgres_upgrade() -> None:
    op.execute(
        f"""CREATE OR REPLACE FUNCTION search_hashtags_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO search_hashtags(tag, videos, restricted) VALUES (NEW.tag, 1, {NEW_RESTRICTED})
            ON CONFLICT (tag) DO UPDATE SET videos = search_hashtags.videos + 1,
              restricted = search_hashtags.restricted + excluded.restricted;
            RETURN NEW;
          END IF;
          UPDATE search_hashtags SET videos = videos - 1, restricted = restricted - {OLD_RESTRICTED}
          WHERE tag = OLD.tag;
          DELETE FROM search_hashtags WHERE tag = OLD.tag AND videos <= 0;
          RETURN OLD;
        END $$"""
    )
    op.execute(
        f"""CREATE FUNCTION search_hashtags_restrict() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.age_restricted THEN
              UPDATE search_hashtags SET restricted = restricted - 1 WHERE {ITS_TAGS.format(row="old")};
            END IF;
            RETURN OLD;
          END IF;
          IF OLD.age_restricted IS DISTINCT FROM NEW.age_restricted THEN
            UPDATE search_hashtags SET {MOVE} WHERE {ITS_TAGS.format(row="new")};
          END IF;
          RETURN NEW;
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER search_hashtags_restrict AFTER UPDATE OF age_restricted ON public_videos"
        " FOR EACH ROW EXECUTE FUNCTION search_hashtags_restrict()"
    )
    op.execute(
        "CREATE TRIGGER search_hashtags_unpublish BEFORE DELETE ON public_videos"
        " FOR EACH ROW EXECUTE FUNCTION search_hashtags_restrict()"
    )


def upgrade() -> None:
    op.execute("ALTER TABLE search_hashtags ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0")
    op.execute(BACKFILL)
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgres_upgrade()


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for name in (
            "search_hashtags_ai",
            "search_hashtags_ad",
            "search_hashtags_restrict",
            "search_hashtags_unpublish",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
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
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_hashtags_restrict ON public_videos")
        op.execute("DROP TRIGGER IF EXISTS search_hashtags_unpublish ON public_videos")
        op.execute("DROP FUNCTION IF EXISTS search_hashtags_restrict()")
        op.execute(
            """CREATE OR REPLACE FUNCTION search_hashtags_count() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.execute("ALTER TABLE search_hashtags DROP COLUMN restricted")
