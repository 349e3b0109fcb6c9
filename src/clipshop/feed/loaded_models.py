"""The feed models this process serves: the newest version of each region it could load from the region's
media store.

A server reads a region's pointer (`feed.store.POINTER`) at most every `CHECK_EVERY_S` seconds, in the
background, never on a request's path. A new version loads in a thread while the old one keeps serving,
then takes its place; rewritten extras (vectors of videos published since the training run) are swapped
into the model being served. A version that cannot be read or does not match its pointer is logged and
refused, the old one serves on, and it is tried again after `RETRY_AFTER_S` (a store that failed once may
answer the next time).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Mapping

from clipshop.feed import store
from clipshop.feed.store import RegionModel
from clipshop.kit.ports import MediaStore

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0
RETRY_AFTER_S = 60.0


class LoadedModels:
    """The latest model of each region, reloaded when a retrain or the embedding job publishes anew."""

    def __init__(self, stores: Mapping[str, MediaStore]) -> None:
        self.stores = stores
        self._lock = threading.RLock()  # the first load of a region holds it while it loads
        self._models: dict[str, RegionModel | None] = {}
        self._pointers: dict[str, store.Pointer | None] = {}
        self._extras: dict[str, tuple[int, float] | None] = {}
        self._checked: dict[str, float] = {}
        self._refused: dict[str, tuple[store.Pointer, float]] = {}
        self._checking: set[str] = set()

    def current(self, region: str) -> RegionModel | None:
        """The region's model (None before its first retrain). The first call loads it, and other threads
        asking meanwhile wait for it; later calls start a look for a newer one in the background when the
        last look is `CHECK_EVERY_S` old."""
        if region in self._models:
            if time.monotonic() - self._checked.get(region, 0.0) >= CHECK_EVERY_S:
                with self._lock:
                    if region not in self._checking:
                        self._checking.add(region)
                        self._checked[region] = time.monotonic()
                        threading.Thread(target=self._refresh, args=(region,), daemon=True).start()
            return self._models[region]
        with self._lock:
            if region not in self._models:
                self._checked[region] = time.monotonic()
                self._refresh_now(region)
                self._models.setdefault(region, None)
            return self._models[region]

    def _refresh(self, region: str) -> None:
        try:
            self._refresh_now(region)
        finally:
            with self._lock:
                self._checking.discard(region)

    def _refresh_now(self, region: str) -> None:
        region_store = self.stores[region]
        pointer = None
        try:
            pointer = store.read_pointer(region_store)
            if pointer is None:
                return
            if pointer == self._pointers.get(region):
                serving = self._models.get(region)
                if serving is not None:
                    self._refresh_extras(region, serving)
                return
            refused, at = self._refused.get(region, (None, 0.0))
            if refused == pointer and time.monotonic() - at < RETRY_AFTER_S:
                return
            model = store.load(region_store, pointer)
            # Keep the cyclic collector off the new model's objects too (see `app.settle_heap`).
            gc.freeze()
        except Exception as error:
            if pointer is not None:
                self._refused[region] = (pointer, time.monotonic())
            log.error(
                "could not load the feed model %s of %s (%s); serving %s",
                "?" if pointer is None else pointer.version,
                region,
                error,
                "the one before" if self._models.get(region) is not None else "none",
                exc_info=not isinstance(error, store.ModelUnreadable),
            )
            return
        with self._lock:
            self._models[region], self._pointers[region], self._extras[region] = model, pointer, None
            self._refused.pop(region, None)
        if model is not None:
            self._refresh_extras(region, model)

    def _refresh_extras(self, region: str, serving: RegionModel) -> None:
        """Swap rewritten extras into the model being served: its ANN index and id maps stay as they are. A
        damaged file is logged and not read again until it is rewritten."""
        try:
            stamp = store.extras_stamp(self.stores[region], serving.version)
            if stamp == self._extras.get(region):
                return
            self._extras[region] = stamp
            serving.extras = store.load_extras(self.stores[region], serving)
        except Exception as error:
            log.error("could not read the new vectors of %s's model (%s); keeping the others", region, error)

    def warm(self, regions: list[str]) -> None:
        """Load every region's model (a server calls this at start-up, off the request path)."""
        for region in regions:
            self.current(region)

    def publish(self, region: str, model: RegionModel, pointer: store.Pointer) -> None:
        """Serve a model this process just trained and published (other processes follow the pointer)."""
        with self._lock:
            self._models[region], self._pointers[region], self._extras[region] = model, pointer, None
            self._checked[region] = time.monotonic()

    def forget(self) -> None:
        with self._lock:
            for memory in (self._models, self._pointers, self._extras, self._checked, self._refused):
                memory.clear()
