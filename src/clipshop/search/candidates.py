"""Candidate generation: the engine's index finds a bounded number of rows whose text holds the query, and
`matching.relevance` ranks them afterwards. Every query here stops after `limit` rows, whatever the size of
the directory: nothing scores all the matches of a common word.

1. Whole words first: rows holding every query word (three characters or more), as a substring.
2. When that finds too few, typos are matched loosely. SQLite: a word that no row holds stands for its
   rarest trigrams in the FTS5 trigram index (rarity counted up to a cap). PostgreSQL: each word stands for
   itself and its nearest words in `search_words`, the lexicon of the indexed text (a GiST trigram index,
   nearest first), unless the lexicon holds it as typed.
3. When the words hold apart but not together, rows holding any of them.

Which of many equal matches come first: on SQLite the newest (the FTS index streams by rowid, descending);
on PostgreSQL the row's engagement where an index orders it (videos by hot score), else the heap's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, literal_column, or_, table, text
from sqlalchemy.orm import Session

from clipshop.search import matching

# a trigram held by more rows than this is too common to find a typo by
RARITY_CAP = 500
# how many of a typo's rarest trigrams (SQLite) or nearest words (PostgreSQL) stand in for it
STAND_INS = 3
# how alike a word of the lexicon must be to stand in for a typo (pg_trgm similarity)
PG_NEAREST_SIMILARITY = 0.3
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
    db: Session, statement: Select[*Ts], *, source: Source, query: Sequence[str], limit: int
) -> list[Row[*Ts]]:
    """The rows of `statement` (over `source.table`, already filtered) whose text holds `query`, at most
    `limit`: every word if some rows hold them all, then typos matched loosely, then any word."""
    words = list(dict.fromkeys(w for w in query if len(w) >= 3))
    if not words:
        return []
    engine: _Engine = (
        _Postgres(db, source) if db.get_bind().dialect.name == "postgresql" else _Sqlite(db, source)
    )
    found = engine.rows(statement, [[w] for w in words], limit, every=True)
    if len(found) >= limit // 2:
        return found
    alternatives = [a for a in engine.alternatives(words) if a]
    if not alternatives:
        return found
    if alternatives != [[w] for w in words]:
        found += engine.rows(statement, alternatives, limit, every=True)
    if len(found) < limit // 2 and len(alternatives) > 1:
        found += engine.rows(statement, alternatives, limit, every=False)
    return list(dict.fromkeys(found))[:limit]


class _Engine:
    def __init__(self, db: Session, source: Source) -> None:
        self.db = db
        self.source = source

    def rows(
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool
    ) -> list[Row[*Ts]]:
        """Rows holding, for every (or any) group of `terms`, one of the group's terms."""
        raise NotImplementedError

    def alternatives(self, words: list[str]) -> list[list[str]]:
        """For each word, the terms that find what it meant: the word itself if rows hold it, else (a typo)
        stand-ins, if any."""
        raise NotImplementedError


class _Sqlite(_Engine):
    def _match(self, expression: str) -> ColumnElement[bool]:
        return literal_column(self.source.fts).op("MATCH")(bindparam(None, expression))

    def rows(
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool
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
        self, statement: Select[*Ts], terms: list[list[str]], limit: int, *, every: bool
    ) -> list[Row[*Ts]]:
        groups = [or_(*(self._holds(t) for t in group)) for group in terms]
        matched = statement.where(and_(*groups) if every else or_(*groups))
        if self.source.pg_order:
            matched = matched.order_by(text(f"{self.source.pg_order} DESC"))
        return list(self.db.execute(matched.limit(limit)).all())

    def alternatives(self, words: list[str]) -> list[list[str]]:
        # No probe of the table for each word (a word no row holds is the slowest to look for): the word as
        # typed, which may be the start of a longer one, and its nearest words in the lexicon.
        return [[word, *(w for w in self._nearest(word) if w != word)] for word in words]

    def _nearest(self, word: str) -> list[str]:
        nearest = self.db.execute(
            text("SELECT word, similarity(word, :w) FROM search_words ORDER BY word <-> :w LIMIT :n"),
            {"w": word, "n": STAND_INS},
        )
        found = [(w, similarity) for w, similarity in nearest]
        if found and found[0][0] == word:
            return [word]  # spelt as some text spells it
        return [w for w, similarity in found if similarity >= PG_NEAREST_SIMILARITY]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
