"""The feed's state in this process for one platform: each region's For You model, and the cache (with the
in-memory copy, on SQLite) of the directory's ranking facts. Made once per platform, on first use."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from clipshop.feed.facts import DirectoryMirror, FeedCache
from clipshop.feed.loaded_models import LoadedModels
from clipshop.platform import Platform


@dataclass
class FeedRuntime:
    models: LoadedModels
    cache: FeedCache


_runtimes: weakref.WeakKeyDictionary[Platform, FeedRuntime] = weakref.WeakKeyDictionary()
_making = threading.Lock()


def feed_runtime(platform: Platform) -> FeedRuntime:
    """This process's feed state for `platform`."""
    runtime = _runtimes.get(platform)
    if runtime is None:
        with _making:
            runtime = _runtimes.get(platform)
            if runtime is None:
                settings = platform.settings
                runtime = _runtimes[platform] = FeedRuntime(
                    models=LoadedModels(platform.media),
                    cache=FeedCache(platform.clock, settings.recs_cache_s, _directory_mirror(platform)),
                )
    return runtime


def _directory_mirror(platform: Platform) -> DirectoryMirror | None:
    """An in-memory copy of the directory's ranking facts, for a directory in a SQLite file."""
    url = platform.databases.directory_engine.url
    every_s = platform.settings.recs_mirror_s
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or every_s <= 0:
        return None
    return DirectoryMirror(Path(url.database), platform.clock, every_s)
