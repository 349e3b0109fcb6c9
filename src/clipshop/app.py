"""The ASGI app: the JSON API under /api/v1, media, and the server-rendered pages."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from clipshop import __version__
from clipshop.config import Settings
from clipshop.kit.web import CommittingRoute, RefuseNulCharacters, install_error_handlers
from clipshop.platform import Platform

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the app around a platform; with `jobs_consumer_in_app` the job consumer runs in this process."""
    platform = platform or Platform(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = platform.settings.http_threads
        # Load each region's For You model now, in the background, rather than on its first request.
        threading.Thread(
            target=platform.feed_models.warm, args=(list(platform.settings.regions),), daemon=True
        ).start()
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
    install_error_handlers(app)
    app.add_middleware(RefuseNulCharacters)

    from clipshop.accounts.api import router as accounts
    from clipshop.feed.api import router as feed
    from clipshop.shop.api import router as shop
    from clipshop.shop.seller_api import router as seller
    from clipshop.social.api import router as social
    from clipshop.videos.api import media_router
    from clipshop.videos.api import router as videos
    from clipshop.web.pages import mount_web

    api = APIRouter(prefix=API_PREFIX, route_class=CommittingRoute)
    for router in (accounts, videos, social, feed, shop, seller):
        api.include_router(router)

    @api.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(api)
    app.include_router(media_router)
    mount_web(app)
    return app
