"""Holding content for a moderator: the checks made when something is posted (a re-upload of a removed clip,
a blocked word) hold it out of every public place and hand it to a review desk, which opens a case; and so
does every new or edited ad, which serves only once a moderator approves it. The desk is moderation's; the
domains that hold content see only this port, as they sit below moderation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

from clipshop.kit.db import UnitOfWork


class HoldReason(enum.StrEnum):
    """Why an automatic check held an item; also the reason its case shows."""

    MATCHES_REMOVED_CONTENT = "matches_removed_content"
    BLOCKED_WORDS = "blocked_words"
    AD_REVIEW = "ad_review"  # every new or edited ad, before it may serve


class HeldKind(enum.StrEnum):
    """What was held (moderation's content kinds of the same names)."""

    VIDEO = "video"
    COMMENT = "comment"
    AD = "ad"


class ReviewDesk(Protocol):
    """Where held content goes to be reviewed."""

    def hold(
        self,
        uow: UnitOfWork,
        *,
        kind: HeldKind,
        content_id: str,
        owner_id: str,
        reason: HoldReason,
        now: datetime,
    ) -> None:
        """Put the held item before a moderator (in its own region, in this unit of work); holding it again
        while it waits joins the same case."""
        ...


class NoReviewDesk:
    """The desk of a platform no composition root finished: holding anything is a wiring bug, refused loudly
    rather than leaving content held with nobody to review it."""

    def hold(
        self,
        uow: UnitOfWork,
        *,
        kind: HeldKind,
        content_id: str,
        owner_id: str,
        reason: HoldReason,
        now: datetime,
    ) -> None:
        raise RuntimeError(
            f"{kind} {content_id} was held ({reason}) but no review desk is installed: build the platform "
            "with clipshop.assembly.build_platform"
        )
