"""Every advertising router, in the order the app mounts them."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.ads import campaigns_api, measuring_api, reports_api

ROUTERS: tuple[APIRouter, ...] = (campaigns_api.router, measuring_api.router, reports_api.router)
