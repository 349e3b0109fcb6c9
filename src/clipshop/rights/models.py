"""The erasure of an account, in its home region: the row is the truth about the work, the job only a
wake-up call (the reconciler re-enqueues an erasure that is not done)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime, str_enum


class ErasureState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"


class Erasure(RegionBase):
    """One account's erasure: asked for at `requested_at`, `steps` done so far, done at `finished_at`. It
    outlives the account's personal data as the record that the erasure was asked for and carried out."""

    __tablename__ = "erasures"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True)
    state: Mapped[ErasureState] = mapped_column(str_enum(ErasureState), default=ErasureState.PENDING)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
