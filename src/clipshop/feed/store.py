"""Each region's trained feed model on disk and in memory.

A retrain writes a new version directory under `data_dir/models/<region>/` and then swaps the `current`
pointer file atomically; serving processes notice the new pointer (checked at most every few seconds)
and load it. The model is derived from the region's personal data, so it stays with the region's data
and is never served or copied to another region. Videos published after the training run get vectors
from `extras.npz`, which the embedding job rewrites without a retrain.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from clipshop.config import MODELS_FOLDER
from clipshop.feed.ranking import Ranker

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0
CANDIDATES_PER_QUERY = 100


class Collaborative(Protocol):
    """What serving asks of the trained collaborative model (`feed.learning`'s `HybridRanker`): item and
    query vectors for retrieval and scoring, and the item graph's scores for a history."""

    def item_vectors(self) -> np.ndarray: ...

    def user_vectors(self, histories: sp.csr_matrix) -> np.ndarray: ...

    def neighbour_scores(self, histories: sp.csr_matrix) -> sp.csr_matrix: ...


@dataclass(frozen=True)
class Extras:
    """Vectors of videos published after the training run (see `feed.learning.training.embed_new_videos`).
    Replaced whole, never changed in place, so a request reads one consistent set while the job writes the
    next."""

    ids: list[str]
    vectors: np.ndarray
    index_of: dict[str, int]

    @classmethod
    def of(cls, ids: list[str], vectors: np.ndarray) -> Extras:
        return cls(list(ids), np.asarray(vectors, dtype=np.float32), {v: i for i, v in enumerate(ids)})


@dataclass
class RegionModel:
    """One region's feed model: the collaborative ranker over its items, their ANN index, the learned
    ranker, and vectors for videos newer than the training run."""

    region: str
    version: str
    trained_at: datetime
    video_ids: list[str]
    collaborative: Collaborative | None
    ranker: Ranker
    report: dict[str, Any]
    item_tags: dict[str, list[int]] = field(default_factory=dict)
    item_creators: dict[str, list[int]] = field(default_factory=dict)
    index_of: dict[str, int] = field(default_factory=dict, repr=False)
    ann: Any = field(default=None, repr=False)
    extras: Extras | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.index_of = {video: i for i, video in enumerate(self.video_ids)}

    @property
    def n_items(self) -> int:
        return len(self.video_ids)

    def history(self, video_weights: dict[str, float]) -> sp.csr_matrix:
        """A one-row history over the model's items from a viewer's current interests."""
        columns = sorted(
            self.index_of[v] for v, w in video_weights.items() if w >= 0.5 and v in self.index_of
        )
        data = np.ones(len(columns), dtype=np.float32)
        return sp.csr_matrix((data, ([0] * len(columns), columns)), shape=(1, self.n_items))

    def user_vector(self, history: sp.csr_matrix) -> np.ndarray | None:
        if self.collaborative is None or history.nnz == 0:
            return None
        return np.asarray(self.collaborative.user_vectors(history)[0], dtype=np.float32)

    def nearest(self, query: np.ndarray, count: int = CANDIDATES_PER_QUERY) -> list[tuple[str, float]]:
        """The items (trained or embedded since) with the largest inner product with `query`."""
        assert self.collaborative is not None
        hits: list[tuple[str, float]] = []
        if self.ann is not None:
            found = self.ann.search(query, count)
            for key, distance in zip(found.keys, found.distances, strict=True):
                # usearch reports inner-product distance as 1 - dot.
                hits.append((self.video_ids[int(key)], 1.0 - float(distance)))
        else:
            scores = self.collaborative.item_vectors() @ query
            top = np.argpartition(-scores, min(count, scores.size - 1))[:count]
            hits += [(self.video_ids[int(i)], float(scores[i])) for i in top]
        extras = self.extras
        if extras is not None and extras.ids:  # a few thousand at most: an exact scan
            extra = extras.vectors @ query
            top = np.argpartition(-extra, min(count, extra.size - 1))[:count]
            hits += [(extras.ids[int(i)], float(extra[i])) for i in top]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:count]

    def dot_scores(self, query: np.ndarray | None, video_ids: list[str]) -> np.ndarray:
        """The collaborative query's score for each video (0 where the model knows nothing of it)."""
        out = np.zeros(len(video_ids), dtype=np.float32)
        if query is None or self.collaborative is None:
            return out
        known = [(p, self.index_of[v]) for p, v in enumerate(video_ids) if v in self.index_of]
        if known:
            positions, rows = zip(*known, strict=True)
            out[list(positions)] = self.collaborative.item_vectors()[list(rows)] @ query
        extras = self.extras
        if extras is not None:
            extra = [
                (p, extras.index_of[v])
                for p, v in enumerate(video_ids)
                if v in extras.index_of and v not in self.index_of
            ]
            if extra:
                positions, rows = zip(*extra, strict=True)
                out[list(positions)] = extras.vectors[list(rows)] @ query
        return out

    def graph_row(self, history: sp.csr_matrix) -> sp.csr_matrix | None:
        """The item-graph parts' sparse scores for this history (its non-zeros are the co-engaged items)."""
        if self.collaborative is None or history.nnz == 0:
            return None
        return self.collaborative.neighbour_scores(history)

    def neighbours(self, row: sp.csr_matrix, count: int = CANDIDATES_PER_QUERY) -> list[tuple[str, float]]:
        """Co-engaged items of a `graph_row`, best first."""
        order = np.argsort(-row.data)[:count]
        return [(self.video_ids[int(row.indices[i])], float(row.data[i])) for i in order]

    def graph_scores(self, row: sp.csr_matrix | None, video_ids: list[str]) -> np.ndarray:
        """A `graph_row`'s score for each video (0 off the graph)."""
        out = np.zeros(len(video_ids), dtype=np.float32)
        if row is None:
            return out
        lookup = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        for position, video in enumerate(video_ids):
            index = self.index_of.get(video)
            if index is not None:
                out[position] = lookup.get(index, 0.0)
        return out


def models_root(data_dir: Path, region: str) -> Path:
    return data_dir / MODELS_FOLDER / region


def save(model: RegionModel, root: Path) -> Path:
    """Write a version directory and point `current` at it (readers never see a half-written model)."""
    folder = root / model.version
    folder.mkdir(parents=True, exist_ok=True)
    ann, model.ann = model.ann, None
    try:
        with (folder / "model.pkl").open("wb") as out:
            pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        model.ann = ann
    if ann is not None:
        ann.save(str(folder / "items.usearch"))
    pointer = root / "current.tmp"
    pointer.write_text(model.version)
    os.replace(pointer, root / "current")
    for old in sorted(p for p in root.iterdir() if p.is_dir() and p.name != model.version)[:-1]:
        _remove_tree(old)
    return folder


def save_extras(root: Path, version: str, extras: Extras) -> None:
    folder = root / version
    temporary = folder / "extras.tmp.npz"
    np.savez(temporary, ids=np.asarray(extras.ids, dtype=object), vectors=extras.vectors)
    os.replace(temporary, folder / "extras.npz")


# Model files name the modules of their classes; the model families were in `feed.models` until that name
# went to the feed's tables, and a server must still load the files written before (until the next retrain).
MOVED_MODULES = {
    f"clipshop.feed.models.{name}": f"clipshop.feed.learning.{name}"
    for name in ("base", "factors", "fusion", "neighbours", "simple")
}


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED_MODULES.get(module, module), name)


def load(root: Path) -> RegionModel | None:
    pointer = root / "current"
    if not pointer.exists():
        return None
    folder = root / pointer.read_text().strip()
    with (folder / "model.pkl").open("rb") as source:
        model: RegionModel = _ModelUnpickler(source).load()
    if (folder / "items.usearch").exists():
        # Only a region past `recs_ann_min_items` has an index: smaller deployments never load usearch.
        from usearch.index import Index

        model.ann = Index.restore(str(folder / "items.usearch"))
    model.extras = load_extras(root, model.version)
    return model


def load_extras(root: Path, version: str) -> Extras | None:
    path = root / version / "extras.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=True) as data:
        return Extras.of([str(v) for v in data["ids"]], data["vectors"])


def _remove_tree(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


class ModelStore:
    """The latest model of each region, reloaded when a retrain or the embedding job publishes anew."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._models: dict[str, RegionModel | None] = {}
        self._stamps: dict[str, tuple[float, ...]] = {}
        self._checked: dict[str, float] = {}
        self._loading: set[str] = set()

    def current(self, region: str) -> RegionModel | None:
        now = time.monotonic()
        if now - self._checked.get(region, -1e9) < CHECK_EVERY_S and region in self._models:
            return self._models[region]
        with self._lock:
            self._checked[region] = now
            root = models_root(self.data_dir, region)
            stamp = _stamp(root)
            if region not in self._models or self._models[region] is None:
                self._models[region] = load(root)
                self._stamps[region] = stamp
            elif self._stamps.get(region) != stamp and region not in self._loading:
                # Keep serving the old model while a thread loads the new one (seconds at scale).
                self._loading.add(region)
                threading.Thread(target=self._reload, args=(region, stamp), daemon=True).start()
            return self._models[region]

    def _reload(self, region: str, stamp: tuple[float, ...]) -> None:
        root = models_root(self.data_dir, region)
        try:
            model = self._models.get(region)
            if model is not None and stamp[:2] == self._stamps.get(region, ())[:2]:
                # Same version, new vectors from the embedding job: swap them in, keep the rest.
                model.extras = load_extras(root, model.version)
            else:
                model = load(root)
                # Keep the cyclic collector off the new model's objects too (see `app.settle_heap`).
                gc.freeze()
            with self._lock:
                self._models[region], self._stamps[region] = model, stamp
        except Exception:
            log.exception("could not load the new feed model of %s; serving the previous one", region)
        finally:
            with self._lock:
                self._loading.discard(region)

    def warm(self, regions: list[str]) -> None:
        """Load every region's model (a server calls this at start-up, off the request path)."""
        for region in regions:
            try:
                self.current(region)
            except Exception:  # a broken model file must not stop the server; requests will say why
                log.exception("could not load the feed model of %s", region)

    def publish(self, region: str, model: RegionModel) -> None:
        """Serve a model this process just trained and saved (other processes follow the pointer)."""
        with self._lock:
            self._models[region] = model
            self._stamps[region] = _stamp(models_root(self.data_dir, region))
            self._checked[region] = time.monotonic()

    def forget(self) -> None:
        with self._lock:
            self._models.clear()
            self._stamps.clear()
            self._checked.clear()


def _stamp(root: Path) -> tuple[Any, ...]:
    """(version, pointer change time, extras change time): the first two name the model, the last its
    extras."""
    pointer = root / "current"
    if not pointer.exists():
        return ()
    version = pointer.read_text().strip()
    extras = root / version / "extras.npz"
    return (version, pointer.stat().st_mtime_ns, extras.stat().st_mtime_ns if extras.exists() else 0)
