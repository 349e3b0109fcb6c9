"""The blocklist: words, phrases and hashtags that hold a caption or a comment for a moderator's review.

It is a TOML file an operator edits (`CLIPSHOP_BLOCKLIST_FILE`; the short default ships beside this module):
`words` (a phrase of several words matches those words in a row) and `hashtags` (matched against the
text's hashtags only). Matching ignores case and compatibility forms (NFKC: full-width letters, ligatures),
and is by whole words, so a blocked word inside a longer one is not a match."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("blocklist.toml")
_WORD = re.compile(r"\w+", re.UNICODE)
_HASHTAG = re.compile(r"#(\w{1,50})", re.UNICODE)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_fold(text)))


@dataclass(frozen=True)
class Blocklist:
    """Blocked phrases (as word sequences) and hashtags (without `#`), folded."""

    phrases: frozenset[tuple[str, ...]] = frozenset()
    hashtags: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, words: list[str], hashtags: list[str]) -> Blocklist:
        phrases = frozenset(p for p in (_words(w) for w in words) if p)
        tags = frozenset(_fold(t).lstrip("#").strip() for t in hashtags)
        return cls(phrases=phrases, hashtags=frozenset(t for t in tags if t))

    @classmethod
    def load(cls, path: Path | None) -> Blocklist:
        """The blocklist in `path` (None: the default shipped with Clipshop); a file that is not a table of
        two lists of strings is refused with what is wrong."""
        path = path or DEFAULT_FILE
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        lists: dict[str, list[str]] = {}
        for key in ("words", "hashtags"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{path}: `{key}` must be a list of strings")
            lists[key] = value
        unknown = sorted(set(data) - {"words", "hashtags"})
        if unknown:
            raise ValueError(f"{path}: unknown keys {', '.join(unknown)} (only `words` and `hashtags`)")
        return cls.of(words=lists["words"], hashtags=lists["hashtags"])

    def found_in(self, text: str) -> list[str]:
        """The blocked phrases and hashtags `text` holds, sorted (`#` before a hashtag); empty if none."""
        words = _words(text)
        found = {
            " ".join(phrase)
            for phrase in self.phrases
            for start in range(len(words) - len(phrase) + 1)
            if words[start : start + len(phrase)] == phrase
        }
        found |= {f"#{tag}" for tag in (_fold(t) for t in _HASHTAG.findall(text)) if tag in self.hashtags}
        return sorted(found)
