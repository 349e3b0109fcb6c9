"""Candidate generation: the engine's index finds a bounded number of rows whose text holds the query, and
`matching.relevance` ranks them afterwards. Every query here stops after `limit` rows, whatever the size of
the directory: nothing scores all the matches of a common word.

1. Whole words first: rows holding every query word (three characters or more), as a substring.
2. When that finds too few, typos are matched loosely. SQLite: a word that no row holds stands for its
   rarest trigrams in the FTS5 trigram index (rarity counted up to a cap). PostgreSQL: each word stands for
   itself and its nearest words in `search_words`, the lexicon of the indexed text (a GiST trigram index,
   nearest first), unless the lexicon holds it as typed.
3. When the words hold apart but not together, rows holding any of them.

Which of many equal matches come first: on SQLite the newest (the FTS index streams by rowid, descending).
On PostgreSQL, for kinds an engagement index orders (videos by hot score), matches among the most engaging
rows, found by a bounded walk down that index; when it finds some but too few, a deeper walk as far as their
density says the page needs (within `DEEPER_WINDOW`); when still too few, the trigram index's matches in the
heap's order. Every PostgreSQL statement is bounded by its plan, never by the planner's guess of how many
rows match (`_by_trigram_index`)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, literal_column, or_, select, table, text
from sqlalchemy.orm import Session, aliased

from clipshop.search import matching

# a trigram held by more rows than this is too common to find a typo by
RARITY_CAP = 500
# how many of a typo's rarest trigrams (SQLite) or nearest words (PostgreSQL) stand in for it
STAND_INS = 3
# how alike a word of the lexicon must be to stand in for a typo (pg_trgm similarity)
PG_NEAREST_SIMILARITY = 0.3
# how many of the most engaging rows PostgreSQL walks first (kinds with an order)
ENGAGING_WINDOW = 2000
# how far a second walk may go when the first found some matches but too few: walking a row costs about a
# four-thousandth of what the trigram index costs for two common words (measured at a million videos)
DEEPER_WINDOW = 8000
# the nearest words of the lexicon found for each word in the current search (PostgreSQL)
_nearest_found: ContextVar[dict[str, list[str]] | None] = ContextVar("search_nearest", default=None)
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Source:
    """What one kind searches: the public table, its FTS5 table (SQLite), the text its trigram index covers
    (PostgreSQL), and an indexed column that orders equal matches best first (PostgreSQL)."""

    table: str
    fts: str
    pg_text: str
    pg_order: str | None = None


def fetch(
    db: Session,
    statement: Select[*Ts],
    *,
    source: Source,
    query: Sequence[str],
    limit: int,
    enough: int | None = None,
) -> list[Row[*Ts]]:
    """The rows of `statement` (over `source.table`, already filtered) whose text holds `query`, at most
    `limit`: every word if some rows hold them all, then typos matched loosely, then any word. A step that
    finds `enough` (half of `limit` unless told: the results the caller will show) ends the search."""
    enough = limit // 2 if enough is None else min(enough, limit)
    words = list(dict.fromkeys(w for w in query if len(w) >= 3))
    if not words:
        return []
    engine: _Engine = (
        _Postgres(db, source) if db.get_bind().dialect.name == "postgresql" else _Sqlite(db, source)
    )
    first = engine.first_terms(words)
    found = engine.rows(statement, first, limit, every=True, enough=enough)
    if len(found) >= enough:
        return found
    alternatives = [a for a in engine.alternatives(words) if a]
    if not alternatives:
        return found
    if alternatives != first:
        found += engine.rows(statement, alternatives, limit, every=True, enough=enough)
    if len(found) < enough and len(alternatives) > 1:
        found += engine.rows(statement, alternatives, limit, every=False, enough=enough)
    return list(dict.fromkeys(found))[:limit]


class _Engine:
    def __init__(self, db: Session, source: Source) -> None:
        self.db = db
        self.source = source

    def rows(
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool, enough: int
    ) -> list[Row[*Ts]]:
        """Rows holding, for every (or any) group of `terms`, one of the group's terms (at most `limit`; a
        cheap first step that finds `enough` may stop there)."""
        raise NotImplementedError

    def alternatives(self, words: list[str]) -> list[list[str]]:
        """For each word, the terms that find what it meant: the word itself if rows hold it, else (a typo)
        stand-ins, if any."""
        raise NotImplementedError

    def first_terms(self, words: list[str]) -> list[list[str]]:
        """The terms of the first try: the words as typed."""
        return [[w] for w in words]


class _Sqlite(_Engine):
    def _match(self, expression: str) -> ColumnElement[bool]:
        return literal_column(self.source.fts).op("MATCH")(bindparam(None, expression))

    def rows(
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool, enough: int
    ) -> list[Row[*Ts]]:
        groups = ["(" + " OR ".join(_quote(t) for t in group) + ")" for group in terms]
        expression = (" AND " if every else " OR ").join(groups)
        fts = self.source.fts
        joined = statement.join(table(fts), text(f"{fts}.rowid = {self.source.table}.rowid"))
        ordered = joined.where(self._match(expression)).order_by(text(f"{fts}.rowid DESC")).limit(limit)
        return list(self.db.execute(ordered).all())

    def _counts(self, terms: list[str], cap: int) -> list[int]:
        """How many rows hold each term, counted up to `cap`, in one statement."""
        fts = self.source.fts
        counts = " UNION ALL ".join(
            f"SELECT {i}, (SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH :t{i} LIMIT :cap))"
            for i in range(len(terms))
        )
        params: dict[str, object] = {f"t{i}": _quote(t) for i, t in enumerate(terms)}
        found: dict[int, int] = {i: n for i, n in self.db.execute(text(counts), {**params, "cap": cap})}
        return [int(found[i]) for i in range(len(terms))]

    def alternatives(self, words: list[str]) -> list[list[str]]:
        held = self._counts(words, 1)
        return [[w] if n else self._rarest_trigrams(w) for w, n in zip(words, held, strict=True)]

    def _rarest_trigrams(self, word: str) -> list[str]:
        grams = matching.inner_trigrams(word)
        present = sorted((n, g) for n, g in zip(self._counts(grams, RARITY_CAP), grams, strict=True) if n > 0)
        return [g for _, g in present[:STAND_INS]]


class _Postgres(_Engine):
    def _holds(self, term: str) -> ColumnElement[bool]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return literal_column(self.source.pg_text).ilike(bindparam(None, f"%{escaped}%"), escape="\\")

    def rows(
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool, enough: int
    ) -> list[Row[*Ts]]:
        groups = [or_(*(self._holds(t) for t in group)) for group in terms]
        condition = and_(*groups) if every else or_(*groups)
        matched = statement.where(condition).limit(limit)
        if not self.source.pg_order:
            return list(self.db.execute(matched).all())
        found = self._most_engaging(statement, condition, limit, window=ENGAGING_WINDOW)
        if found and len(found) < enough:
            # Matches as dense as the first walk's fill the page within this many rows, with a margin
            deeper = math.ceil(ENGAGING_WINDOW * enough * 1.5 / len(found))
            if deeper <= DEEPER_WINDOW:
                found = self._most_engaging(statement, condition, limit, window=deeper)
        if len(found) >= enough:
            return found
        # Rare among the most engaging rows, so rare: the trigram index, never a walk down another index (the
        # planner bets on one, a visibility flag's say, and loses when the words are rarer together)
        with _setting(self.db, "enable_indexscan", "off"):
            found += self.db.execute(matched).all()
        return list(dict.fromkeys(found))[:limit]

    def _most_engaging(
        self, statement: Select[*Ts], condition: ColumnElement[bool], limit: int, *, window: int
    ) -> list[Row[*Ts]]:
        """Matches among the `window` most engaging rows, best first: a bounded walk down the engagement
        index, which finds common words at once (where the trigram index would list thousands)."""
        order = self.source.pg_order
        best = (
            statement.order_by(text(f"{self.source.table}.{order} DESC"))
            .limit(window)
            .subquery(self.source.table)  # the same name: the text expressions apply to it as they are
        )
        entity = statement.column_descriptions[0]["entity"]
        walked = (
            select(aliased(entity, best))
            .where(condition)
            .order_by(text(f"{self.source.table}.{order} DESC"))
            .limit(limit)
        )
        return list(self.db.execute(walked).all())

    def first_terms(self, words: list[str]) -> list[list[str]]:
        # The lexicon is asked once per word and search: a typo is looked for with its stand-ins at once.
        return self.alternatives(words)

    def alternatives(self, words: list[str]) -> list[list[str]]:
        # No probe of the table for each word (a word no row holds is the slowest to look for): the word as
        # typed, which may be the start of a longer one, and its nearest words in the lexicon.
        return [[word, *(w for w in self._nearest(word) if w != word)] for word in words]

    def _nearest(self, word: str) -> list[str]:
        known = _nearest_found.get()
        if known is not None and word in known:
            return known[word]
        nearest = self.db.execute(
            text("SELECT word, similarity(word, :w) FROM search_words ORDER BY word <-> :w LIMIT :n"),
            {"w": word, "n": STAND_INS},
        )
        found = [(w, similarity) for w, similarity in nearest]
        if found and found[0][0] == word:
            answer = [word]  # spelt as some text spells it
        else:
            answer = [w for w, similarity in found if similarity >= PG_NEAREST_SIMILARITY]
        if known is not None:
            known[word] = answer
        return answer


@contextmanager
def _setting(db: Session, name: str, value: str) -> Iterator[None]:
    """A planner setting changed for the statements within, in this transaction only."""
    was = db.execute(
        text("SELECT current_setting(:name), set_config(:name, :value, true)"), {"name": name, "value": value}
    ).one()[0]
    try:
        yield
    finally:
        db.execute(text("SELECT set_config(:name, :was, true)"), {"name": name, "was": was})


@contextmanager
def one_search(db: Session) -> Iterator[None]:
    """The statements of one search. Within it the lexicon is asked once for a word's nearest words, however
    many kinds the search looks through; and PostgreSQL plans without scanning whole tables: with a LIMIT,
    its planner otherwise bets on reading a table until enough rows match, a bet it loses by a whole-table
    scan when the words are rarer together than apart. The indexes bound the work by the matches."""
    token = _nearest_found.set({})
    try:
        if db.get_bind().dialect.name == "postgresql":
            with _setting(db, "enable_seqscan", "off"):
                yield
        else:
            yield
    finally:
        _nearest_found.reset(token)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
