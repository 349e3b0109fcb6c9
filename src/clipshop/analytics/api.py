"""Creators' analytics over the API."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.platform.http import CommittingRoute

router = APIRouter(route_class=CommittingRoute, tags=["analytics"])
