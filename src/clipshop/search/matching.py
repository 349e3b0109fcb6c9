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
    field_words = [(weight, words(text)) for weight, text in fields]
    total = 0.0
    for q in query:
        total += max(
            (weight * word_similarity(q, d) for weight, ws in field_words for d in ws),
            default=0.0,
        )
    return total / len(query)


def match_terms(query: Sequence[str]) -> tuple[list[str], list[str]]:
    """The query's words an FTS5 trigram index can match (three characters or more), and their distinct
    trigrams (unpadded, as the tokenizer stores them), for a typo-tolerant match on any of them."""
    long_words = [w for w in query if len(w) >= 3]
    grams: list[str] = []
    for w in long_words:
        for i in range(len(w) - 2):
            gram = w[i : i + 3]
            if gram not in grams:
                grams.append(gram)
    return long_words, grams
