"""API shapes of the payment provider's routes."""

from __future__ import annotations

from pydantic import BaseModel


class AuthenticateIn(BaseModel):
    approve: bool = True
