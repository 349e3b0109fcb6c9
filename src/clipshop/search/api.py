"""Search routes: results of one kind or of all (`top`), and suggestions while typing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.kit.pagination import clamp_limit
from clipshop.platform.http import CommittingRoute, OptionalActor, PlatformDep, UowDep
from clipshop.search import service
from clipshop.search.schemas import SearchRead, SuggestRead, search_read, suggest_read
from clipshop.search.visibility import searcher_of

router = APIRouter(route_class=CommittingRoute, tags=["search"])


@router.get("/search", response_model=SearchRead)
def search(
    uow: UowDep,
    actor: OptionalActor,
    platform: PlatformDep,
    q: Annotated[str, Query(max_length=200, description="what to look for; typos are forgiven")] = "",
    type: Annotated[service.Kind, Query(description="top: a few of each kind")] = "top",
    in_stock: Annotated[bool | None, Query(description="products: only those in stock (true)")] = None,
    currency: Annotated[
        str | None, Query(min_length=3, max_length=3, description="products: ISO 4217")
    ] = None,
    price_min: Annotated[int | None, Query(ge=0, description="products: minor units of `currency`")] = None,
    price_max: Annotated[int | None, Query(ge=0, description="products: minor units of `currency`")] = None,
    limit: Annotated[int | None, Query(description="results of each kind, 1 to 50")] = None,
) -> SearchRead:
    filters = service.ProductFilters(
        in_stock=in_stock, currency=currency, price_min=price_min, price_max=price_max
    )
    searcher = searcher_of(uow, actor, today=platform.clock.now().date())
    results = service.search(
        uow.directory, query=q, kind=type, limit=clamp_limit(limit), filters=filters, searcher=searcher
    )
    return search_read(results)


@router.get("/search/suggest", response_model=SuggestRead)
def suggest(
    uow: UowDep,
    actor: OptionalActor,
    platform: PlatformDep,
    q: Annotated[str, Query(max_length=100, description="what has been typed so far")] = "",
) -> SuggestRead:
    searcher = searcher_of(uow, actor, today=platform.clock.now().date())
    return suggest_read(q, service.suggest(uow.directory, query=q, searcher=searcher))
