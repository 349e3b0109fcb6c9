"""Each region's trained feed model, and how it is kept in the region's media store.

A retrain writes the files of a new version under `models/<version>/` in the region's media store (the
port's keys, so a local folder and a bucket work alike), then, last, the pointer `models/current.json`:
the region, the version, and the size and SHA-256 of each file. Every server process of the region reads
the pointer every few seconds and loads a version new to it in the background (`feed.loaded_models`); a
version it cannot read, or whose files do not match the pointer, is refused and the one it has keeps
serving. The model is derived from the region's personal data, so it stays in the region's store and is
never served or copied to another region. Videos published after the training run get vectors from
`models/<version>/extras.npz`, which the embedding job rewrites without a retrain. A retrain keeps the
previous version beside the new one (a server may still be loading it) and deletes older ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import scipy.sparse as sp

from clipshop.config import MODELS_FOLDER
from clipshop.feed.ranking import Ranker
from clipshop.kit.ports import MediaStore, UploadVolume

POINTER = f"{MODELS_FOLDER}/current.json"
MODEL_FILE = "model.pkl"
INDEX_FILE = "items.usearch"
EXTRAS_FILE = "extras.npz"
READ_CHUNK = 1 << 20
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


class ModelUnreadable(Exception):
    """A published model that cannot be read back as it was written: missing, truncated or altered."""


@dataclass(frozen=True)
class Pointer:
    """What `models/current.json` says: the region's current version and its files' sizes and digests."""

    region: str
    version: str
    files: dict[str, tuple[int, str]]

    def to_json(self) -> bytes:
        files = {name: {"size": size, "sha256": sha} for name, (size, sha) in sorted(self.files.items())}
        return json.dumps({"region": self.region, "version": self.version, "files": files}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Pointer:
        try:
            raw = json.loads(data)
            files = {str(n): (int(f["size"]), str(f["sha256"])) for n, f in raw["files"].items()}
            pointer = cls(str(raw["region"]), str(raw["version"]), files)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelUnreadable(f"the model pointer is not readable: {error!r}") from error
        if MODEL_FILE not in files or "/" in pointer.version or not pointer.version:
            raise ModelUnreadable(f"the model pointer names no model file or a bad version: {raw!r}")
        return pointer


def version_prefix(version: str) -> str:
    return f"{MODELS_FOLDER}/{version}/"


def read_pointer(store: MediaStore) -> Pointer | None:
    """The region's current version, or None when none was ever published; raises ModelUnreadable."""
    if not store.exists(POINTER):
        return None
    pointer = Pointer.from_json(store.read_bytes(POINTER))
    if pointer.region != store.region:
        raise ModelUnreadable(f"the model pointer in region {store.region}'s store names {pointer.region}")
    return pointer


def save(model: RegionModel, store: MediaStore, *, scratch: UploadVolume) -> Pointer:
    """Publish `model` in its region's store: its files first, then the pointer (readers never see a half
    written version), then older versions but the previous one go."""
    with scratch.workspace(f"model-{model.version}") as work:
        folder = work / model.version
        folder.mkdir()
        ann, model.ann = model.ann, None
        try:
            with (folder / MODEL_FILE).open("wb") as out:
                pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            model.ann = ann
        if ann is not None:
            ann.save(str(folder / INDEX_FILE))
        return _publish(store, model.version, folder)


def _publish(store: MediaStore, version: str, folder: Path) -> Pointer:
    """Put the files of `folder` (a version's, the extras left out) under the version's prefix, then point
    at them; `folder` is consumed."""
    files = {path.name: _size_and_digest(path) for path in folder.iterdir() if path.name != EXTRAS_FILE}
    pointer = Pointer(store.region, version, files)
    store.put_folder(version_prefix(version).rstrip("/"), folder)
    store.put_bytes(POINTER, pointer.to_json())
    _drop_old_versions(store, keep=version)
    return pointer


def _drop_old_versions(store: MediaStore, *, keep: str) -> None:
    older = sorted(v for v in _versions(store) if v != keep)
    for version in older[:-1]:
        store.delete_prefix(version_prefix(version))


def _versions(store: MediaStore) -> set[str]:
    return {key.split("/")[1] for key in store.keys(f"{MODELS_FOLDER}/") if key.count("/") >= 2}


def _size_and_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(READ_CHUNK):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


def save_extras(store: MediaStore, version: str, extras: Extras) -> None:
    out = io.BytesIO()
    np.savez(out, ids=np.asarray(extras.ids, dtype=object), vectors=extras.vectors)
    store.put_bytes(version_prefix(version) + EXTRAS_FILE, out.getvalue())


# Model files name the modules of their classes; the model families were in `feed.models` until that name
# went to the feed's tables, and a server must still load the files written before (until the next retrain).
MOVED_MODULES = {
    f"clipshop.feed.models.{name}": f"clipshop.feed.learning.{name}"
    for name in ("base", "factors", "fusion", "neighbours", "simple")
}


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED_MODULES.get(module, module), name)


class _Digesting:
    """A stream read through to the unpickler while its bytes are counted and hashed."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.size, self.digest = source, 0, hashlib.sha256()

    def _seen(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        self.digest.update(data)

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self._seen(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.source.read(len(buffer))
        buffer[: len(data)] = data
        self._seen(data)
        return len(data)

    def readline(self) -> bytes:
        data = self.source.readline()
        self._seen(data)
        return data

    def finish(self) -> tuple[int, str]:
        """Read what the unpickler left, and give the whole stream's size and digest."""
        while self.read(READ_CHUNK):
            pass
        return self.size, self.digest.hexdigest()


def load(store: MediaStore, pointer: Pointer | None = None) -> RegionModel | None:
    """The version `pointer` names (default: the current one), checked against the pointer, without its
    extras (`load_extras`); None when the region has none; raises ModelUnreadable (or whatever reading the
    store raised)."""
    pointer = pointer or read_pointer(store)
    if pointer is None:
        return None
    prefix = version_prefix(pointer.version)
    with store.open(prefix + MODEL_FILE) as source:
        reading = _Digesting(source)
        try:
            model = _ModelUnpickler(reading).load()
        except Exception as error:
            what = f"model {pointer.version} of {store.region}"
            raise ModelUnreadable(f"{what} does not unpickle: {error!r}") from error
        _check(pointer, MODEL_FILE, reading.finish())
    if not isinstance(model, RegionModel) or (model.region, model.version) != (store.region, pointer.version):
        raise ModelUnreadable(f"{prefix}{MODEL_FILE} holds no model {pointer.version} of {store.region}")
    if INDEX_FILE in pointer.files:
        # Only a region past `recs_ann_min_items` has an index: smaller deployments never load usearch.
        from usearch.index import Index

        data = store.read_bytes(prefix + INDEX_FILE)
        _check(pointer, INDEX_FILE, (len(data), hashlib.sha256(data).hexdigest()))
        model.ann = Index.restore(data)
    return model


def _check(pointer: Pointer, name: str, found: tuple[int, str]) -> None:
    if found != pointer.files[name]:
        raise ModelUnreadable(
            f"{version_prefix(pointer.version)}{name} of {pointer.region} is not what was published:"
            f" {found[0]} bytes, SHA-256 {found[1]}, where the pointer says {pointer.files[name]}"
        )


def extras_stamp(store: MediaStore, version: str) -> tuple[int, float] | None:
    """Size and age of a version's extras, to tell a rewrite (None: it has none)."""
    described = store.describe(version_prefix(version) + EXTRAS_FILE)
    return None if described is None else (described.size, described.modified_at)


def load_extras(store: MediaStore, model: RegionModel) -> Extras | None:
    """The vectors of videos newer than `model`'s training run; raises ModelUnreadable on a damaged file."""
    key = version_prefix(model.version) + EXTRAS_FILE
    if not store.exists(key):
        return None
    try:
        with np.load(io.BytesIO(store.read_bytes(key)), allow_pickle=True) as data:
            extras = Extras.of([str(v) for v in data["ids"]], data["vectors"])
    except Exception as error:
        raise ModelUnreadable(f"{key} of {store.region} is not readable: {error!r}") from error
    dims = model.collaborative.item_vectors().shape[1] if model.collaborative is not None else None
    if (
        extras.vectors.ndim != 2
        or len(extras.ids) != extras.vectors.shape[0]
        or (dims is not None and extras.vectors.shape[1] != dims)
    ):
        raise ModelUnreadable(f"{key} of {store.region} does not fit model {model.version}")
    return extras


def adopt_folder(folder: Path, store: MediaStore, *, scratch: UploadVolume) -> str | None:
    """Move a region's models out of the folder where earlier versions kept them (`data_dir/models/<region>/`,
    a `current` file naming a version folder) into its store, unless the store has a model already; the
    folder goes either way. Returns the version moved in."""
    moved = None
    current = folder / "current"
    if current.is_file() and read_pointer(store) is None:
        version = current.read_text().strip()
        with scratch.workspace(f"model-{version}") as work:
            shutil.copytree(folder / version, work / version)
            pointer = _publish(store, version, work / version)
        extras = folder / version / EXTRAS_FILE
        if extras.is_file():
            store.put_bytes(version_prefix(version) + EXTRAS_FILE, extras.read_bytes())
        moved = pointer.version
    shutil.rmtree(folder)
    return moved
