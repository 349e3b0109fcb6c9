"""Globally unique ids that carry their region: `us_0676ba1b7f8e7c4d9a8f0b3c2d1e0f9a`.

The prefix routes an id to its region cell without a lookup; the rest is a UUIDv7 (time-ordered, so
primary-key indexes stay append-mostly).
"""

from __future__ import annotations

import uuid_utils

SEPARATOR = "_"


def new_id(region: str) -> str:
    return f"{region}{SEPARATOR}{uuid_utils.uuid7().hex}"


def region_of(object_id: str) -> str:
    region, sep, rest = object_id.partition(SEPARATOR)
    if not sep or not region or len(rest) != 32:
        raise ValueError(f"{object_id!r} is not a Clipshop id")
    return region


def is_valid_id(object_id: str, regions: frozenset[str] | set[str] | None = None) -> bool:
    try:
        region = region_of(object_id)
    except ValueError:
        return False
    return regions is None or region in regions
