"""The blocklist: whole words and phrases ignoring case and compatibility forms, hashtags as hashtags, the
shipped default loads, and an operator's file that is not two lists of strings is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipshop.kit.blocklist import DEFAULT_FILE, Blocklist

BLOCKED = Blocklist.of(words=["Pineapple Pizza", "spoilers"], hashtags=["#EndGame", "plot"])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("pineapple pizza tonight", ["pineapple pizza"]),
        ("PINEAPPLE\n  pizza!", ["pineapple pizza"]),
        # Full-width letters fold to the word (written as escapes: they look like the plain ones).
        ("\uff53\uff50\uff4f\uff49\uff4c\uff45\uff52\uff53 ahead", ["spoilers"]),
        ("pineapple, then pizza", []),  # a phrase is its words in a row
        ("no spoiler here", []),
        ("antispoilers club", []),  # whole words only
        ("#endgame was long", ["#endgame"]),
        ("the endgame was long", []),  # a blocked hashtag is matched as a hashtag only
        ("#spoilers and #Plot", ["#plot", "spoilers"]),
        ("", []),
    ],
)
def test_what_is_found(text: str, found: list[str]) -> None:
    assert BLOCKED.found_in(text) == found


def test_the_shipped_default_is_short_and_loads() -> None:
    default = Blocklist.load(None)
    assert default == Blocklist.load(DEFAULT_FILE)
    assert 0 < len(default.phrases) + len(default.hashtags) <= 20
    assert default.found_in("Crypto giveaway here") == ["crypto giveaway"]
    assert default.found_in("a video of my cat") == []


def test_an_operators_file_replaces_it_and_a_malformed_one_is_refused(tmp_path: Path) -> None:
    own = tmp_path / "blocklist.toml"
    own.write_text('words = ["pineapple pizza"]\nhashtags = []\n')
    assert Blocklist.load(own).found_in("crypto giveaway, pineapple pizza") == ["pineapple pizza"]
    own.write_text('words = "pineapple"\n')
    with pytest.raises(ValueError, match="`words` must be a list of strings"):
        Blocklist.load(own)
    own.write_text('word = ["pineapple"]\n')
    with pytest.raises(ValueError, match="unknown keys word"):
        Blocklist.load(own)
