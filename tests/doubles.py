"""Test doubles for the platform's ports."""

from __future__ import annotations

from datetime import datetime, timedelta


class FrozenClock:
    """A clock that only moves when a test tells it to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
