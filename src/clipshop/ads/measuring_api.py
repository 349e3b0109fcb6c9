"""What the player and the product sheet report of an ad: viewable impressions and clicks."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.platform.http import CommittingRoute

router = APIRouter(route_class=CommittingRoute, tags=["ads"])
