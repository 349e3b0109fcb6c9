"""Search and suggestions over the directory. Each kind is found in two steps: the engine's index fetches a
bounded number of candidates (`candidates`: whole words first, typos only when that finds too few), then
`matching.relevance` scores them alike on both engines and engagement (likes and views, followers, ratings,
videos per hashtag) breaks near-ties: score = relevance x (0.85 + 0.15 x engagement share)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, literal_column, select, table, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid
from clipshop.search import candidates, matching
from clipshop.search.visibility import (
    SIGNED_OUT,
    Searcher,
    searchable_creators,
    searchable_products,
    searchable_videos,
    visible_hashtag_counts,
)
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.videos.models import PublicVideo

Kind = Literal["top", "videos", "products", "creators", "hashtags"]
KINDS: tuple[Kind, ...] = ("top", "videos", "products", "creators", "hashtags")
CANDIDATES = 50


def _pool(limit: int) -> int:
    """How many candidates to rank for `limit` results: a few times as many, within bounds."""
    return min(CANDIDATES, max(15, 3 * limit))


T = TypeVar("T")


@dataclass(frozen=True)
class ProductFilters:
    in_stock: bool | None = None
    currency: str | None = None
    price_min: int | None = None  # minor units of `currency`
    price_max: int | None = None

    def check(self) -> None:
        if (self.price_min is not None or self.price_max is not None) and not self.currency:
            raise Invalid("A price range is in one currency: give currency too.", field="currency")
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise Invalid("price_min is above price_max.", field="price_min")


@dataclass
class Hashtag:
    tag: str
    videos: int


@dataclass
class Hit(Generic[T]):
    item: T
    score: float


@dataclass
class Results:
    query: str
    kind: Kind
    videos: list[Hit[PublicVideo]] = field(default_factory=list)
    products: list[Hit[PublicProduct]] = field(default_factory=list)
    creators: list[Hit[PublicProfile]] = field(default_factory=list)
    hashtags: list[Hit[Hashtag]] = field(default_factory=list)
    profiles: dict[str, PublicProfile] = field(default_factory=dict)  # the videos' creators
    shops: dict[str, PublicShop] = field(default_factory=dict)  # the products' shops


@dataclass(frozen=True)
class Suggestion:
    kind: Literal["hashtag", "creator", "product", "video"]
    text: str
    ref: str


# ------------------------------------------------------------------------------------------------ candidates


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


VIDEOS = candidates.Source(
    "public_videos",
    "search_videos_fts",
    "(public_videos.caption || ' ' || public_videos.hashtags)",
    "hot_score",
)
PRODUCTS = candidates.Source("public_products", "search_products_fts", "public_products.search_text")
CREATORS = candidates.Source(
    "public_profiles",
    "search_profiles_fts",
    "(public_profiles.handle || ' ' || public_profiles.display_name)",
)
SHOPS = candidates.Source(
    "public_shops", "search_shops_fts", "(public_shops.name || ' ' || public_shops.handle)"
)
HASHTAGS = candidates.Source("search_hashtags", "search_hashtags_fts", "search_hashtags.tag")


def _prefix(
    column: ColumnElement[str] | InstrumentedAttribute[str], query: Sequence[str]
) -> ColumnElement[bool]:
    return column.startswith(query[0], autoescape=True)


def _engagement_share(values: list[float]) -> list[float]:
    top = max(values, default=0.0)
    if top <= 0:
        return [0.0 for _ in values]
    return [math.log1p(v) / math.log1p(top) for v in values]


def _rank(
    items: list[T], relevance: Callable[[T], float], engagement: Callable[[T], float], limit: int
) -> list[Hit[T]]:
    rel = [relevance(i) for i in items]
    eng = _engagement_share([engagement(i) for i in items])
    hits = [
        Hit(i, round(r * (0.85 + 0.15 * e), 4)) for i, r, e in zip(items, rel, eng, strict=True) if r > 0.3
    ]
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]


# ---------------------------------------------------------------------------------------------------- kinds


def find_creators(
    db: Session, *, query: Sequence[str], limit: int, searcher: Searcher = SIGNED_OUT
) -> list[Hit[PublicProfile]]:
    base = select(PublicProfile).where(searchable_creators(searcher=searcher))
    profiles = [
        row[0] for row in candidates.fetch(db, base, source=CREATORS, query=query, limit=_pool(limit))
    ]
    if len(query) == 1 and len(query[0]) < 3:
        profiles += db.scalars(base.where(_prefix(PublicProfile.handle, query)).limit(_pool(limit)))
    return _rank(
        list({p.user_id: p for p in profiles}.values()),
        lambda p: matching.relevance(query, [(1.0, p.handle), (0.95, p.display_name)]),
        lambda p: p.follower_count,
        limit,
    )


def find_hashtags(
    db: Session, *, query: Sequence[str], limit: int, searcher: Searcher = SIGNED_OUT
) -> list[Hit[Hashtag]]:
    tag: ColumnElement[str] = literal_column("search_hashtags.tag")
    videos: ColumnElement[int] = literal_column("search_hashtags.videos")
    restricted: ColumnElement[int] = literal_column("search_hashtags.restricted")
    base = select(tag, videos, restricted).select_from(table("search_hashtags"))
    rows = candidates.fetch(db, base, source=HASHTAGS, query=query, limit=_pool(limit))
    if len(query) == 1 and len(query[0]) < 3:
        rows += db.execute(base.where(tag.startswith(query[0], autoescape=True)).limit(_pool(limit))).all()
    counts = visible_hashtag_counts(db, {t: (n, r) for t, n, r in rows}, searcher=searcher)
    hashtags = [Hashtag(t, n) for t, n in counts.items()]
    return _rank(hashtags, lambda h: matching.relevance(query, [(1.0, h.tag)]), lambda h: h.videos, limit)


def find_videos(
    db: Session,
    *,
    query: Sequence[str],
    limit: int,
    creators: list[Hit[PublicProfile]] | None = None,
    searcher: Searcher = SIGNED_OUT,
) -> tuple[list[Hit[PublicVideo]], dict[str, PublicProfile]]:
    """Videos whose caption or hashtags match, and the most engaging videos of the best-matching creators."""
    base = select(PublicVideo).where(searchable_videos(searcher=searcher))
    found = candidates.fetch(db, base, source=VIDEOS, query=query, limit=_pool(limit), enough=limit)
    videos = [row[0] for row in found]
    if creators is None:
        creators = find_creators(db, query=query, limit=3, searcher=searcher)
    best = [c.item.user_id for c in creators[:3]]
    if best:
        videos += db.scalars(
            base.where(PublicVideo.creator_id.in_(best))
            .order_by(PublicVideo.hot_score.desc())
            .limit(10 * len(best))
        )
    if not videos:
        return [], {}
    videos = list({v.id: v for v in videos}.values())
    profiles = {c.item.user_id: c.item for c in creators}
    missing = {v.creator_id for v in videos} - profiles.keys()
    if missing:
        profiles.update(
            (p.user_id, p)
            for p in db.scalars(select(PublicProfile).where(PublicProfile.user_id.in_(missing)))
        )

    def relevance(video: PublicVideo) -> float:
        profile = profiles.get(video.creator_id)
        own = matching.relevance(query, [(1.0, video.caption), (1.0, video.hashtags)])
        if profile is None:
            return own
        return max(own, matching.relevance(query, [(0.9, profile.handle), (0.85, profile.display_name)]))

    hits = _rank(videos, relevance, lambda v: v.like_count * 4 + v.view_count, limit)
    return hits, {
        h.item.creator_id: profiles[h.item.creator_id] for h in hits if h.item.creator_id in profiles
    }


def find_products(
    db: Session,
    *,
    query: Sequence[str],
    limit: int,
    filters: ProductFilters,
    searcher: Searcher = SIGNED_OUT,
) -> tuple[list[Hit[PublicProduct]], dict[str, PublicShop]]:
    """Products whose title or description match, and those of the best-matching shops, filtered."""
    filters.check()
    base = select(PublicProduct).where(searchable_products(searcher=searcher))
    if filters.in_stock is not None:
        base = base.where(PublicProduct.in_stock.is_(filters.in_stock))
    if filters.currency:
        base = base.where(PublicProduct.currency == filters.currency.upper())
    if filters.price_min is not None:
        base = base.where(PublicProduct.price_max >= filters.price_min)
    if filters.price_max is not None:
        base = base.where(PublicProduct.price_min <= filters.price_max)
    products = [
        row[0] for row in candidates.fetch(db, base, source=PRODUCTS, query=query, limit=_pool(limit))
    ]
    matching_shops = [
        row[0] for row in candidates.fetch(db, select(PublicShop), source=SHOPS, query=query, limit=5)
    ]
    if matching_shops:
        products += db.scalars(
            base.where(PublicProduct.shop_id.in_([s.id for s in matching_shops]))
            .order_by(PublicProduct.rating_count.desc())
            .limit(_pool(limit) // 2)
        )
    if not products:
        return [], {}
    products = list({p.id: p for p in products}.values())
    shops = {s.id: s for s in matching_shops}
    missing = {p.shop_id for p in products} - shops.keys()
    if missing:
        shops.update((s.id, s) for s in db.scalars(select(PublicShop).where(PublicShop.id.in_(missing))))

    def relevance(product: PublicProduct) -> float:
        shop = shops.get(product.shop_id)
        own = matching.relevance(query, [(1.0, product.title), (0.8, product.search_text)])
        if shop is None:
            return own
        return max(own, matching.relevance(query, [(0.85, shop.name), (0.85, shop.handle)]))

    hits = _rank(
        products, relevance, lambda p: p.rating_count * 2 + p.rating_sum + (5 if p.in_stock else 0), limit
    )
    return hits, {h.item.shop_id: shops[h.item.shop_id] for h in hits if h.item.shop_id in shops}


# ------------------------------------------------------------------------------------------------- the verbs


def normalize(query: str) -> list[str]:
    """The query's words, at most eight, each at most 40 characters."""
    return [w[:40] for w in matching.words(query)[:8]]


def search(
    db: Session,
    *,
    query: str,
    kind: Kind = "top",
    limit: int = 20,
    filters: ProductFilters | None = None,
    searcher: Searcher = SIGNED_OUT,
) -> Results:
    """What matches `query`, of one kind or (`top`) a few of each, best first, as `searcher` may see it
    (`visibility`)."""
    filters = filters or ProductFilters()
    filters.check()
    words = normalize(query)
    results = Results(query=query, kind=kind)
    if not words:
        return results
    top = kind == "top"
    with candidates.one_search(db):
        if top or kind == "creators":
            results.creators = find_creators(db, query=words, limit=3 if top else limit, searcher=searcher)
        if top or kind == "hashtags":
            results.hashtags = find_hashtags(db, query=words, limit=5 if top else limit, searcher=searcher)
        if top or kind == "videos":
            results.videos, results.profiles = find_videos(
                db, query=words, limit=limit, creators=results.creators if top else None, searcher=searcher
            )
        if top or kind == "products":
            results.products, results.shops = find_products(
                db, query=words, limit=6 if top else limit, filters=filters, searcher=searcher
            )
    return results


def suggest(db: Session, *, query: str, limit: int = 8, searcher: Searcher = SIGNED_OUT) -> list[Suggestion]:
    """Completions while typing: hashtags, creators and products whose names match, best first."""
    words = normalize(query)
    if not words or sum(len(w) for w in words) < 2:
        return []
    scored: list[tuple[float, Suggestion]] = []
    with candidates.one_search(db):
        for h in find_hashtags(db, query=words, limit=limit, searcher=searcher):
            scored.append((h.score, Suggestion("hashtag", f"#{h.item.tag}", h.item.tag)))
        for c in find_creators(db, query=words, limit=limit, searcher=searcher):
            scored.append((c.score, Suggestion("creator", f"@{c.item.handle}", c.item.handle)))
        if len(" ".join(words)) >= 3:
            products, _ = find_products(
                db, query=words, limit=limit, filters=ProductFilters(), searcher=searcher
            )
            for p in products:
                scored.append((p.score, Suggestion("product", p.item.title, p.item.id)))
    scored.sort(key=lambda s: -s[0])
    return [s for _, s in scored[:limit]]


def rebuild_index(db: Session) -> int:
    """Rebuild SQLite's FTS5 tables from the public tables they index (a repair after anything that could
    have moved their rowids, such as a VACUUM); PostgreSQL's indexes need none. Returns the tables rebuilt."""
    if _dialect(db) != "sqlite":
        return 0
    names = ["search_videos_fts", "search_products_fts", "search_profiles_fts", "search_shops_fts"]
    db.execute(text("DELETE FROM search_hashtags"))
    db.execute(
        text(
            "INSERT INTO search_hashtags(tag, videos, restricted)"
            " SELECT t.tag, count(*), count(*) FILTER (WHERE v.age_restricted) FROM public_video_tags t"
            " JOIN public_videos v ON v.id = t.video_id GROUP BY t.tag"
        )
    )
    for name in [*names, "search_hashtags_fts"]:
        db.execute(text(f"INSERT INTO {name}({name}) VALUES ('rebuild')"))
    return len(names) + 1


__all__ = ["KINDS", "Kind", "ProductFilters", "Results", "Suggestion", "rebuild_index", "search", "suggest"]
