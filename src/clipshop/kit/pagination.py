"""Cursor pagination: an opaque, URL-safe token holding the position after the last item served."""

from __future__ import annotations

import base64
import json
from typing import Any

from clipshop.errors import Invalid

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid(
            "That cursor is not one this API gave out; start again without it.",
            code="invalid_cursor",
            field="cursor",
        ) from None
    if not isinstance(value, dict):
        raise Invalid("That cursor is not one this API gave out.", code="invalid_cursor", field="cursor")
    return value


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit is between 1 and {MAX_LIMIT}.", field="limit")
    return limit
