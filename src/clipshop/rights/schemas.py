"""API shapes of data rights."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clipshop.rights.models import ErasureState


class DeleteAccount(BaseModel):
    password: str = Field(max_length=1024, description="The account's password, to confirm.")


class ErasureRead(BaseModel):
    state: ErasureState
    requested_at: datetime
    finished_at: datetime | None = None
