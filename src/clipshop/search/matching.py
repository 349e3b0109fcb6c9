"""Relevance on trigrams, the same on every engine: the engines only fetch candidates, and this scores them,
so a query ranks alike on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lowercased words of `text`: `#cozy-knits` and `@maya.makes` give their parts."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def trigrams(word: str) -> frozenset[str]:
    """The word's trigrams, padded as pg_trgm pads them (two spaces before, one after)."""
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@lru_cache(maxsize=262144)
def word_similarity(query_word: str, doc_word: str) -> float:
    """How well `doc_word` matches `query_word`: mostly how much of the query word it holds (so a word being
    typed matches its completions), partly how alike the two are (so the exact word wins)."""
    if query_word == doc_word:
        return 1.0
    q, d = trigrams(query_word), trigrams(doc_word)
    shared = len(q & d)
    if not shared:
        return 0.0
    return 0.7 * shared / len(q) + 0.3 * shared / len(q | d) - 0.05


def relevance(query: Sequence[str], fields: Iterable[tuple[float, str]]) -> float:
    """Between 0 and 1: the mean, over the query's words, of each word's best match in any weighted field."""
    if not query:
        return 0.0
    weighted: dict[str, float] = {}  # each distinct word of the fields, at its best weight
    for weight, text in fields:
        for w in words(text):
            if weighted.get(w, 0.0) < weight:
                weighted[w] = weight
    total = 0.0
    for q in query:
        total += max((weight * word_similarity(q, d) for d, weight in weighted.items()), default=0.0)
    return total / len(query)


def inner_trigrams(word: str) -> list[str]:
    """The word's distinct trigrams, unpadded (as an FTS5 trigram index stores them), in order."""
    return list(dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2)))
