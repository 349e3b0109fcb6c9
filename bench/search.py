"""Search latency on a large directory, on the embedded default (SQLite FTS5 trigram) and on PostgreSQL
(pg_trgm), and what keeping the index costs a publish.

Builds a synthetic directory (creators, shops, `--videos` videos with hashtags, `--products` products) in a
scratch SQLite file and a scratch PostgreSQL database, then times `--queries` searches (type `top`: every
kind at once; a third of them with a typo) in one thread, and publishes per second (a public copy and its
hashtags, one transaction each) with the index and without it (its triggers and trigram indexes dropped). The
PostgreSQL scratch databases are `<--pg-scratch>_search` and `<--pg-scratch>_bare`, dropped and made anew.

    .venv/bin/python bench/search.py --videos 1000000 --products 100000 --json
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import add_common_options, console, finish, percentile, reproduce_command, scratch_dir, table

from clipshop.accounts.models import PublicProfile
from clipshop.migrations import is_search_index, load_models, upgrade
from clipshop.search import service
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.videos.models import PublicVideo, PublicVideoTag

NOW = datetime(2026, 6, 1, tzinfo=UTC)
WORDS = [
    "morning",
    "routine",
    "vlog",
    "city",
    "walk",
    "coffee",
    "rain",
    "light",
    "weekend",
    "friends",
    "music",
    "dance",
    "trend",
    "sunset",
    "travel",
    "beach",
    "cat",
    "dog",
    "funny",
    "tips",
    "quick",
    "easy",
    "home",
    "room",
    "tour",
    "desk",
    "setup",
    "ramen",
    "noodles",
    "pasta",
    "pottery",
    "ceramic",
    "glaze",
    "kickflip",
    "skate",
    "garden",
    "tomato",
    "succulent",
    "deadlift",
    "squat",
    "watercolour",
    "sketch",
    "cargo",
    "bike",
    "unboxing",
    "keyboard",
    "denim",
    "jacket",
    "thrift",
    "leather",
    "boots",
    "knitting",
    "scarf",
    "croissant",
    "sourdough",
    "baking",
    "espresso",
    "latte",
    "yoga",
    "hiking",
    "camping",
    "guitar",
    "piano",
    "drawing",
    "makeup",
    "skincare",
    "lipstick",
    "sneakers",
    "hoodie",
    "candle",
    "soap",
    "vintage",
]
NOUNS = [
    "mug",
    "vase",
    "planter",
    "knife",
    "board",
    "wok",
    "apron",
    "jacket",
    "scarf",
    "sneakers",
    "beret",
    "earbuds",
    "charger",
    "tripod",
    "lamp",
]
ADJECTIVES = [
    "speckled",
    "walnut",
    "carbon",
    "denim",
    "merino",
    "leather",
    "wireless",
    "fast",
    "flexible",
    "linen",
    "ceramic",
    "oak",
]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]  # one letter dropped


def fill(engine: Engine, *, videos: int, products: int, seed: int = 7) -> None:
    """The synthetic directory, in batches; the index follows (triggers, indexes) as in production."""
    rng = random.Random(seed)
    creators = max(10, videos // 100)
    shops = max(5, products // 50)
    batch = 5000
    with engine.begin() as conn:
        rows = [
            {
                "user_id": f"us_c{n}",
                "region": "us",
                "handle": f"{rng.choice(WORDS)}.{rng.choice(WORDS)}{n}",
                "display_name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
                "bio": "",
                "follower_count": rng.randrange(10000),
                "following_count": 0,
                "video_count": 0,
                "like_count": 0,
                "created_at": NOW,
            }
            for n in range(creators)
        ]
        for i in range(0, len(rows), batch):
            conn.execute(insert(PublicProfile), rows[i : i + batch])
        conn.execute(
            insert(PublicShop),
            [
                {
                    "id": f"us_s{n}",
                    "region": "us",
                    "owner_id": f"us_c{n}",
                    "handle": f"shop-{n}",
                    "name": f"{rng.choice(WORDS).title()} {rng.choice(NOUNS).title()} Co",
                    "description": "",
                    "currency": "USD",
                    "created_at": NOW,
                }
                for n in range(shops)
            ],
        )
    for start in range(0, products, batch):
        with engine.begin() as conn:
            rows = []
            for n in range(start, min(products, start + batch)):
                title = f"{rng.choice(ADJECTIVES)} {rng.choice(WORDS)} {rng.choice(NOUNS)}"
                price = rng.randrange(500, 20000)
                rows.append(
                    {
                        "id": f"us_p{n}",
                        "shop_id": f"us_s{n % shops}",
                        "region": "us",
                        "title": title,
                        "description": " ".join(rng.choices(WORDS, k=8)),
                        "currency": "USD",
                        "price_min": price,
                        "price_max": price,
                        "images": [],
                        "commission_bp": 0,
                        "in_stock": rng.random() < 0.8,
                        "rating_sum": 0,
                        "rating_count": rng.randrange(200),
                        "search_text": title,
                        "updated_at": NOW,
                    }
                )
            conn.execute(insert(PublicProduct), rows)
    for start in range(0, videos, batch):
        with engine.begin() as conn:
            rows, tags = [], []
            for n in range(start, min(videos, start + batch)):
                rows.append(video_row(n, rng, creators))
                tags += [
                    {"tag": t, "video_id": f"us_v{n}", "published_at": NOW}
                    for t in rows[-1]["hashtags"].split()
                ]
            conn.execute(insert(PublicVideo), rows)
            conn.execute(insert(PublicVideoTag), tags)
        if start % 100_000 == 0:
            console.print(f"  {engine.dialect.name}: {start + len(rows):,} videos", markup=False)


def video_row(n: int, rng: random.Random, creators: int) -> dict[str, Any]:
    caption = " ".join(rng.choices(WORDS, k=7))
    hashtags = " ".join(sorted(set(rng.choices(WORDS, k=2))))
    likes = int(rng.paretovariate(1.2))
    return {
        "id": f"us_v{n}",
        "region": "us",
        "creator_id": f"us_c{n % creators}",
        "caption": caption,
        "hashtags": hashtags,
        "duration_s": 10.0,
        "width": 720,
        "height": 1280,
        "master_url": "m",
        "published_at": NOW,
        "like_count": likes,
        "comment_count": 0,
        "share_count": 0,
        "view_count": likes * 20,
        "complete_count": 0,
        "hot_score": float(likes),
    }


def queries(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        words = rng.choices(WORDS + NOUNS, k=1 + n % 2)
        if n % 3 == 0:
            words[0] = typo(words[0], rng)
        out.append(" ".join(words))
    return out


def time_searches(engine: Engine, qs: list[str]) -> list[float]:
    took = []
    with Session(engine) as db:
        for q in qs[:20]:  # warm the caches
            service.search(db, query=q)
        for q in qs:
            started = time.perf_counter()
            service.search(db, query=q)
            took.append((time.perf_counter() - started) * 1000)
            db.rollback()
    return took


def publishes_per_second(engine: Engine, count: int) -> float:
    rng = random.Random(3)
    started = time.perf_counter()
    for n in range(count):
        row = video_row(10_000_000 + n, rng, 10)
        with engine.begin() as conn:
            conn.execute(insert(PublicVideo), [row])
            conn.execute(
                insert(PublicVideoTag),
                [{"tag": t, "video_id": row["id"], "published_at": NOW} for t in row["hashtags"].split()],
            )
    return count / (time.perf_counter() - started)


def drop_search_index(engine: Engine) -> None:
    """The directory as it would be without search: the index's triggers and trigram indexes dropped, so a
    publish writes the public copy and its hashtags only."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            for name in [n for n in names if is_search_index(n)]:
                conn.execute(text(f"DROP TRIGGER {name}"))
            return
        triggers = conn.execute(
            text("SELECT DISTINCT trigger_name, event_object_table FROM information_schema.triggers")
        ).all()
        for name, table_name in triggers:
            if is_search_index(name):
                conn.execute(text(f"DROP TRIGGER {name} ON {table_name}"))
        indexes = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars()
        for name in [n for n in indexes if n.startswith("ix_search_trgm_")]:
            conn.execute(text(f"DROP INDEX {name}"))


def postgres_scratch(url: str, name: str) -> str:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def measure(
    label: str, make: Callable[[str], str], args: argparse.Namespace, qs: list[str]
) -> dict[str, float]:
    indexed = create_engine(make("search"))
    upgrade(indexed, "directory")
    started = time.perf_counter()
    fill(indexed, videos=args.videos, products=args.products)
    if indexed.dialect.name == "postgresql":
        # as autovacuum leaves a live directory: the bulk fill's hashtag counter updates leave dead rows
        # that a running server would have cleared long before anyone searched
        with indexed.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    load_s = time.perf_counter() - started
    took = time_searches(indexed, qs)
    with_index = publishes_per_second(indexed, args.publishes)
    indexed.dispose()
    bare = create_engine(make("bare"))
    upgrade(bare, "directory")
    drop_search_index(bare)
    fill(bare, videos=min(args.videos, 10_000), products=0)
    without_index = publishes_per_second(bare, args.publishes)
    bare.dispose()
    return {
        "p50_ms": round(percentile(took, 50), 2),
        "p99_ms": round(percentile(took, 99), 2),
        "load_s": round(load_s, 1),
        "publishes_per_s": round(with_index, 1),
        "publishes_per_s_without_index": round(without_index, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--videos", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--publishes", type=int, default=500)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="a server where the bench may create its scratch databases ('' to skip PostgreSQL)",
    )
    parser.add_argument(
        "--pg-scratch",
        default="clipshop_bench_search",
        help="the prefix of the scratch databases on that server (dropped and created again)",
    )
    add_common_options(parser)
    args = parser.parse_args()
    load_models()
    qs = queries(args.queries)
    figures: dict[str, Any] = {"videos": args.videos, "products": args.products, "queries": args.queries}
    with scratch_dir(args.data_dir, prefix="search", keep=args.keep) as root:
        sqlite = measure("sqlite", lambda name: f"sqlite:///{root / name}.db", args, qs)
        figures.update({f"sqlite_{k}": v for k, v in sqlite.items()})
    if args.postgres:
        pg = measure(
            "postgres",
            lambda name: postgres_scratch(args.postgres, f"{args.pg_scratch}_{name}"),
            args,
            qs,
        )
        figures.update({f"postgres_{k}": v for k, v in pg.items()})
    rows = [
        [
            engine,
            figures.get(f"{engine}_p50_ms"),
            figures.get(f"{engine}_p99_ms"),
            figures.get(f"{engine}_publishes_per_s"),
            figures.get(f"{engine}_publishes_per_s_without_index"),
            figures.get(f"{engine}_load_s"),
        ]
        for engine in ("sqlite", "postgres")
        if f"{engine}_p50_ms" in figures
    ]
    console.print(
        table(
            f"Search (type top), {args.videos:,} videos, {args.products:,} products, {args.queries} queries",
            ["engine", "p50 ms", "p99 ms", "publishes/s", "publishes/s without index", "load s"],
            rows,
        )
    )
    finish(reproduce_command("search.py", parser, args), figures, as_json=args.json)


if __name__ == "__main__":
    main()
