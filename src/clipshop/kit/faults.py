"""Named crash points for recovery tests: with `CLIPSHOP_FAULT_POINTS=after_payment_call` the process kills
itself (SIGKILL, no clean-up) when it reaches that point. Empty, the default, costs one set lookup."""

from __future__ import annotations

import os
import signal


class Faults:
    def __init__(self, points: frozenset[str] = frozenset()) -> None:
        self.points = points

    def hit(self, point: str) -> None:
        if point in self.points:
            os.kill(os.getpid(), signal.SIGKILL)
