"""The ASGI app: the JSON API under /api/v1, media, and the server-rendered pages."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from threadpoolctl import threadpool_limits

from clipshop import __version__
from clipshop.accounts.api import actor_for_token
from clipshop.accounts.api import router as accounts
from clipshop.accounts.passwords import common_passwords
from clipshop.ads.api import ROUTERS as ads_routers
from clipshop.ads.index import ads_runtime
from clipshop.analytics.api import router as analytics
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.feed.api import router as feed
from clipshop.feed.runtime import feed_runtime
from clipshop.inbox.api import router as inbox
from clipshop.mailing.api import router as mail
from clipshop.moderation.api import router as moderation
from clipshop.platform import Platform
from clipshop.platform.http import (
    CommittingRoute,
    RefuseNulCharacters,
    SecurityHeaders,
    install_error_handlers,
)
from clipshop.residency.api import router as operator
from clipshop.rights.api import router as rights
from clipshop.search.api import router as search
from clipshop.shop.api import ROUTERS as shop_routers
from clipshop.social.api import router as social
from clipshop.videos.api import media_router
from clipshop.videos.api import router as videos
from clipshop.web.pages import mount_web

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    return route.name


# A full collection of the cyclic garbage collector once per this many young ones (Python's default is 10).
FULL_COLLECTION_EVERY = 100


def settle_heap() -> None:
    """After start-up: what is loaded by now (code, each region's model with its millions of small objects,
    none of them in cycles) lives as long as the process, so the cyclic collector stops walking it; and
    full collections, which walk everything else and pause a request for milliseconds each, run ten times
    less often. Both showed as For You tail latency."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def one_blas_thread() -> None:
    """Run numpy's OpenBLAS (the only BLAS a server loads) on one thread, from the thread that calls this
    first (threadpoolctl lets only that one set the limit). A request's matrix products (the ranking heads,
    the exact nearest-item search) are small: a second thread speeds none of them up, but OpenBLAS's threads
    spin between calls, so one request at a time kept two cores busy, and concurrent requests lost the
    cores to spinning threads (For You on PostgreSQL served half as many requests/s at 16 connections as at
    1). Training runs in processes of its own, with their own threads."""
    threadpool_limits(1, "blas")


def _warm(platform: Platform, *, settle: bool) -> None:
    """Load now what the first requests would otherwise wait for: each region's For You model, the
    in-memory copy of the directory's ranking facts, and (in a server) the index of ads with each region's
    slices and rates, and the common-password list."""
    runtime = feed_runtime(platform)
    runtime.models.warm(list(platform.settings.regions))
    runtime.cache.warm()
    if settle:
        ads_runtime(platform).warm(list(platform.settings.regions))
        common_passwords()
        settle_heap()


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the app around a platform (one with its jobs registered, see `assembly.build_platform`); with
    `jobs_consumer_in_app` the job consumer runs in this process. An app that makes its own platform owns
    the process (a server) and settles its heap after start-up."""
    owns_process = platform is None
    platform = platform or build_platform(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = platform.settings.http_threads
        if owns_process:
            one_blas_thread()  # uvicorn runs this in the main thread, before any other sets a limit
        # Load each region's For You model, and copy the directory's ranking facts into memory, now, in the
        # background, rather than on the first request.
        threading.Thread(target=_warm, args=(platform,), kwargs={"settle": owns_process}, daemon=True).start()
        if platform.settings.jobs_consumer_in_app and platform.settings.jobs_backend != "memory":
            platform.jobs.start_consumer(workers=platform.settings.jobs_workers)
        try:
            yield
        finally:
            platform.jobs.stop_consumer()

    app = FastAPI(
        title="Clipshop",
        version=__version__,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        description="A shoppable short-video platform whose users' personal data stays in their home region. "
        "Errors are RFC 9457 problem details with a stable `code`.",
    )
    app.state.platform = platform
    app.state.authenticate = actor_for_token
    install_error_handlers(app)
    app.add_middleware(RefuseNulCharacters)
    app.add_middleware(
        SecurityHeaders,
        docs_path=f"{API_PREFIX}/docs",
        https=platform.settings.base_url.startswith("https://"),
        media_origins=platform.media_origins(),
    )

    api = APIRouter(prefix=API_PREFIX, route_class=CommittingRoute)
    for router in (
        accounts,
        mail,
        inbox,
        rights,
        videos,
        social,
        feed,
        search,
        *shop_routers,
        *ads_routers,
        analytics,
        moderation,
        operator,
    ):
        api.include_router(router)

    @api.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(api)
    app.include_router(media_router)
    mount_web(app)
    return app
