"""The search page: a shell whose script asks the search API. The query, the tab and the product filters live
in the address (`/search?q=&type=`), so a link, a reload and back and forward all show the same results."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from clipshop.search.service import KINDS
from clipshop.web.rendering import render, viewer_of
from clipshop.web.shop_pages import SHOP_CURRENCIES

# The labels of the tabs, in the order the page shows them.
TABS: tuple[tuple[str, str], ...] = (
    ("top", "Top"),
    ("videos", "Videos"),
    ("products", "Products"),
    ("creators", "Creators"),
    ("hashtags", "Hashtags"),
)


def search_page(request: Request, q: str = "", type: str = "top") -> Response:
    """An unknown `type` shows the top results rather than an error: the address may be an old link."""
    kind = type if type in KINDS else "top"
    return render(
        request,
        "search.html",
        viewer=viewer_of(request),
        nav="search",
        q=q[:200],
        kind=kind,
        tabs=TABS,
        currencies=SHOP_CURRENCIES,
    )


SEARCH_PAGES: list[tuple[str, Any]] = [("/search", search_page)]
