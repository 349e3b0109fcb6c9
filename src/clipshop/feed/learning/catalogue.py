"""Recommendation models behind one interface (`Recommender`), built by name from the catalogue below.

`production` (`HybridRanker`) is the model the For You feed serves; the others are baselines and
its parts. Stored hyper-parameters come from the val grid searches of `clipshop recs evaluate --tune`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clipshop.feed.learning.base import NotFittedError, Recommender, as_interactions, mask_items, top_k
from clipshop.feed.learning.factors import ALS, LowRankEASE
from clipshop.feed.learning.fusion import HybridRanker
from clipshop.feed.learning.neighbours import ItemKNN, RP3Beta
from clipshop.feed.learning.simple import EASE, Popularity

__all__ = [
    "ALS",
    "EASE",
    "MODEL_NAMES",
    "SEARCH_GRIDS",
    "TUNED_PARAMS",
    "HybridRanker",
    "ItemKNN",
    "LowRankEASE",
    "NotFittedError",
    "Popularity",
    "RP3Beta",
    "Recommender",
    "as_interactions",
    "build_model",
    "mask_items",
    "top_k",
]

FACTORIES: dict[str, Callable[..., Recommender]] = {
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "rp3beta": RP3Beta,
    "als": ALS,
    "lowrank_ease": LowRankEASE,
    "ease": EASE,
    "production": HybridRanker,
}
MODEL_NAMES = tuple(FACTORIES)

# Val grids. `production` is searched differently: its parts keep their stored parameters and only
# the fusion weights are searched (coordinate ascent, `evaluation.tune_fusion_weights`).
SEARCH_GRIDS: dict[str, dict[str, list[Any]]] = {
    "popularity": {},
    "itemknn": {"neighbours": [50, 100, 200, 400], "shrink": [0.0, 10.0, 50.0]},
    "rp3beta": {"alpha": [0.5, 1.0], "beta": [-0.2, 0.0, 0.2], "neighbours": [20, 50, 100]},
    "als": {"factors": [128, 256], "regularization": [10.0, 100.0, 300.0], "alpha": [10.0, 20.0]},
    "lowrank_ease": {"rank": [512, 1024], "l2": [200.0, 500.0, 1000.0], "hop2": [0.0, 0.5]},
    "ease": {"l2": [100.0, 200.0, 500.0, 1000.0]},
}

# The parts' own parameters were chosen in an earlier val search of the fused model (fusing favours
# a two-hop low-rank EASE and a narrower item-KNN than the best stand-alone ones).
_PRODUCTION_PARTS: dict[str, Any] = {
    "lowrank_ease": {"rank": 1024, "l2": 500.0, "hop2": 0.5},
    "rp3beta": {"alpha": 1.0, "beta": -0.2, "neighbours": 50},
    "als": {"factors": 256, "regularization": 100.0, "alpha": 20.0},
    "itemknn": {"neighbours": 100, "shrink": 10.0},
}

# Best val Recall@20 of each grid above (fit on train only, test never read), per data set.
TUNED_PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "amazon-baby": {
        "popularity": {},
        "itemknn": {"neighbours": 400, "shrink": 50.0},
        "rp3beta": {"alpha": 1.0, "beta": -0.2, "neighbours": 50},
        "als": {"factors": 256, "regularization": 100.0, "alpha": 20.0},
        "lowrank_ease": {"rank": 1024, "l2": 1000.0, "hop2": 0.0},
        "ease": {"l2": 500.0},
        "production": {
            "weights": {"lowrank_ease": 1.0, "rp3beta": 0.3, "als": 0.7, "popularity": 0.2, "itemknn": 0.5},
            **_PRODUCTION_PARTS,
        },
    },
    "movielens-100k": {
        "popularity": {},
        "itemknn": {"neighbours": 400, "shrink": 0.0},
        "rp3beta": {"alpha": 0.5, "beta": 0.2, "neighbours": 20},
        "als": {"factors": 128, "regularization": 10.0, "alpha": 10.0},
        "lowrank_ease": {"rank": 512, "l2": 200.0, "hop2": 0.0},
        "ease": {"l2": 200.0},
        # Parts as on amazon-baby; only the weights were searched on this data set's val.
        "production": {
            "weights": {"lowrank_ease": 1.0, "rp3beta": 0.0, "als": 0.6, "popularity": 0.2, "itemknn": 0.7},
            **_PRODUCTION_PARTS,
        },
    },
}


def build_model(name: str, params: Mapping[str, Any] | None = None) -> Recommender:
    """A new, unfitted model by catalogue name."""
    if name not in FACTORIES:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return FACTORIES[name](**dict(params or {}))
