"""Advertisers' reports over the API: spend, impressions, reach, clicks, conversions per day, and CSV."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.platform.http import CommittingRoute

router = APIRouter(route_class=CommittingRoute, tags=["ads"])
