"""Time as a port: the platform reads `now` from a clock it was given, never from the system directly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant, for work handed to another process: it runs as of the moment it
    was asked for (the parent's now), so the window it reads is the one the parent saw."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at
