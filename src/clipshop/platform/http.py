"""The HTTP edge every domain's routes share: one commit per request, problem details, the dependency aliases.

It knows no domain: how a token becomes an actor is installed by the composition root
(`app.state.authenticate`, the accounts domain's answer)."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Annotated, Any

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from clipshop.errors import ClipshopError, RateLimited, Unauthenticated
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.platform import Platform

log = logging.getLogger(__name__)

SESSION_COOKIE = "clipshop_session"

# The actor behind a session token (None when it is unknown, expired or revoked).
Authenticate = Callable[[UnitOfWork, Platform, str], Actor | None]
PROBLEM_JSON = "application/problem+json"


# The request a CommittingRoute is handling, seen by its endpoint's worker thread (each trip to a worker
# thread runs in a copy of the request task's context).
_handling: ContextVar[Request] = ContextVar("clipshop_handling")
# Worker threads of their own for finishing a request (commit or roll back). A request that holds SQLite's
# write lock must never wait for a worker thread while every shared one is held by a request waiting for
# that very lock: the waiters would give up only at the busy timeout.
_finishing: RunVar[anyio.CapacityLimiter] = RunVar("clipshop_finishing")
FINISHING_THREADS = 4


class CommittingRoute(APIRoute):
    """Commits the request's unit of work before the response is sent: a plain-function endpoint commits in
    its own worker thread as soon as it returns, so what it wrote (and SQLite's write lock) is never held
    across a handoff to another thread; an async endpoint's work is committed after it returns."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not hasattr(endpoint, "__commits_in_its_thread__"):
            endpoint = _commits_in_its_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            handling = _handling.set(request)
            try:
                response = await handler(request)
            except BaseException:
                await _finish(request, _rollback_and_close)
                raise
            finally:
                _handling.reset(handling)
            await _finish(request, _commit_and_close)
            return response

        return route


def _commits_in_its_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            uow = _handled_uow()
            if uow is not None:
                uow.rollback()
            raise
        uow = _handled_uow()
        if uow is not None:
            try:
                uow.commit()
            except BaseException:
                uow.rollback()
                raise
        return result

    run.__commits_in_its_thread__ = True  # type: ignore[attr-defined]
    return run


def _handled_uow() -> UnitOfWork | None:
    request = _handling.get(None)
    return getattr(request.state, "uow", None) if request is not None else None


async def _finish(request: Request, finish: Callable[[UnitOfWork], None]) -> None:
    uow: UnitOfWork | None = getattr(request.state, "uow", None)
    if uow is None:
        return
    if not uow.in_transaction():
        uow.close()  # nothing to send to a database: no trip to a worker thread
        return
    try:
        limiter = _finishing.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(FINISHING_THREADS)
        _finishing.set(limiter)
    await anyio.to_thread.run_sync(finish, uow, limiter=limiter)


def _commit_and_close(uow: UnitOfWork) -> None:
    """One trip to a worker thread for both (each trip is a handoff between threads)."""
    try:
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        uow.close()


def _rollback_and_close(uow: UnitOfWork) -> None:
    try:
        uow.rollback()
    finally:
        uow.close()


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork | None = getattr(request.state, "uow", None)
    if uow is None:
        uow = request.state.uow = get_platform(request).uow()
    return uow


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def optional_actor(request: Request) -> Actor | None:
    if hasattr(request.state, "actor"):
        cached: Actor | None = request.state.actor
        return cached
    token = request_token(request)
    actor = None
    if token:
        authenticate: Authenticate = request.app.state.authenticate
        uow = get_uow(request)
        actor = authenticate(uow, get_platform(request), token)
        if actor is not None:
            uow.act_for(actor)  # the request works for its actor, at home in the actor's region
        # Authentication only reads: hand its connection back now rather than hold it for the whole
        # request (an async handler may wait on other work meanwhile, and the pool is shared).
        uow.end_reads()
    request.state.actor = actor
    return actor


# The dependencies that never wait are coroutines: FastAPI runs a plain function dependency on a worker
# thread, and every such hop is a handoff between threads on each request.
async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthenticated()
    return actor


async def _platform(request: Request) -> Platform:
    return get_platform(request)


async def _uow(request: Request) -> UnitOfWork:
    return get_uow(request)


PlatformDep = Annotated[Platform, Depends(_platform)]
UowDep = Annotated[UnitOfWork, Depends(_uow)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def problem_response(request: Request, error: ClipshopError) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after_s)} if isinstance(error, RateLimited) else None
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _clipshop_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClipshopError)
    return problem_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
            "message": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    error = ClipshopError(
        f"{first['field']}: {first['message']}", code="validation_error", field=first["field"], errors=errors
    )
    error.status, error.title = 422, "The request is not valid"
    return problem_response(request, error)


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthenticated",
    403: "forbidden",
    416: "range_not_satisfiable",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error = ClipshopError(str(exc.detail), code=_HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}"))
    error.status, error.title = exc.status_code, str(exc.detail)
    response = problem_response(request, error)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    error = ClipshopError(
        "Something went wrong on our side; nothing was saved. Try again.", code="internal_error"
    )
    error.status, error.title = 500, "Internal error"
    return problem_response(request, error)


def install_error_handlers(app: Any) -> None:
    app.add_exception_handler(ClipshopError, _clipshop_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def content_security_policy(media_origins: Sequence[str] = ()) -> str:
    """Every answer's policy: scripts, styles and everything a page fetches come from this origin only (no
    inline script, so an injected one never runs), or for media from the buckets or CDNs that serve them
    (`media_origins`: the player fetches playlists and segments, pages show posters); images may be any
    https URL (a product's picture); video plays from blob: URLs (Media Source Extensions); no page may be
    framed (checkout cannot be clickjacked)."""
    media = "".join(f" {origin}" for origin in media_origins)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: https:{media}",
            f"media-src 'self' blob:{media}",
            "worker-src 'self' blob:",
            f"connect-src 'self'{media}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


# The interactive API reference (Swagger UI) is an inline script and a CDN bundle: only that page runs them.
API_DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' https://cdn.jsdelivr.net",
        "img-src 'self' data: https:",
        "object-src 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


class SecurityHeaders:
    """Adds the browser-safety headers to every answer, pages and API alike (`content_security_policy`,
    `SECURITY_HEADERS`; `Strict-Transport-Security` too when the site is served over https)."""

    def __init__(self, app: Any, *, docs_path: str, https: bool, media_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.docs_path = docs_path
        self.policy = content_security_policy(media_origins)
        self.extra = [(b"strict-transport-security", b"max-age=31536000")] if https else []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = API_DOCS_POLICY if scope.get("path") == self.docs_path else self.policy
        added = [(b"content-security-policy", policy.encode()), *SECURITY_HEADERS, *self.extra]

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RefuseNulCharacters:
    """Answer 422 to a request whose URL or JSON body holds a NUL character: no database stores one in text
    (PostgreSQL refuses it outright), and no legitimate client sends one."""

    JSON_LIMIT = 8 * 1024 * 1024

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await self._refuse(scope, receive, send, "the address")
            return
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False) and size <= self.JSON_LIMIT
        body = b"".join(chunks)
        if b"\\u0000" in body or b"\x00" in body:
            await self._refuse(scope, receive, send, "the body")
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any, where: str) -> None:
        error = ClipshopError(
            f"{where.capitalize()} contains a NUL character (\\u0000); remove it and send again.",
            code="nul_character",
        )
        error.status, error.title = 422, "The request is not valid"
        response = JSONResponse(
            error.problem(instance=scope.get("path")), status_code=422, media_type=PROBLEM_JSON
        )
        await response(scope, receive, send)


def client_address(request: Request) -> str:
    """The address the request came from; behind a proxy, the client's (uvicorn reads `X-Forwarded-For`
    from the proxies named in `FORWARDED_ALLOW_IPS`)."""
    return request.client.host if request.client else "unknown"


def write_limit(action: str) -> Any:
    """A route dependency counting one `action` (a field of `config.WriteRates`) against the signed-in
    account and the client's address: `@router.post(..., dependencies=[write_limit("comment")])`."""

    def check(request: Request, actor: CurrentActor) -> None:
        get_platform(request).check_write(action, account=actor.id, address=client_address(request))

    return Depends(check)


def address_limit(action: str) -> Any:
    """As `write_limit`, for a write made before there is an account (a sign-up): per address only."""

    def check(request: Request) -> None:
        get_platform(request).check_write(action, account=None, address=client_address(request))

    return Depends(check)
