"""Who is asking: an account's id, home region and handle, enough to route to its cell without a lookup."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The signed-in account a request or a job acts for."""

    id: str
    region: str
    handle: str
