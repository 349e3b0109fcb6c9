"""The pages for people who advertise and who create: the ads manager (advertiser accounts, their balance,
campaigns, ad groups and ads, and their reports) and a creator's analytics.

Both are shells that their modules under static/js fill from the API; both are for members, so a visitor is
sent to log in and brought back.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from clipshop.platform.http import get_platform
from clipshop.web.rendering import login_redirect, render, viewer_of
from clipshop.web.shop_pages import SHOP_CURRENCIES


def ads_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    platform = get_platform(request)
    return render(
        request,
        "ads.html",
        viewer=viewer,
        nav="ads",
        currencies=SHOP_CURRENCIES,
        regions=sorted(platform.settings.regions),
        min_group=platform.settings.min_group_size,
    )


def analytics_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(
        request,
        "analytics.html",
        viewer=viewer,
        nav="analytics",
        min_group=get_platform(request).settings.min_group_size,
    )


STUDIO_PAGES: list[tuple[str, Any]] = [
    ("/ads", ads_page),
    ("/studio/analytics", analytics_page),
]
