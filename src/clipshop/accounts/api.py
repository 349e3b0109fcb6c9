"""Account routes: sign-up, log-in/out, the signed-in user's profile, public profiles."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from clipshop.accounts import avatars, mails, service
from clipshop.accounts.models import User
from clipshop.accounts.schemas import (
    EmailVerification,
    LogIn,
    MeRead,
    PasswordResetAsk,
    PasswordResetConfirm,
    ProfileUpdate,
    SessionRead,
    SignUp,
    VerificationSent,
)
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.platform import Platform
from clipshop.platform.http import (
    SESSION_COOKIE,
    CommittingRoute,
    CurrentActor,
    PlatformDep,
    UowDep,
    address_limit,
    client_address,
    request_token,
    write_limit,
)

router = APIRouter(route_class=CommittingRoute, tags=["accounts"])


def actor_for_token(uow: UnitOfWork, platform: Platform, token: str) -> Actor | None:
    """How the HTTP edge turns a session token into an actor (installed by the composition root)."""
    user = service.authenticate(uow, regions=platform.regions, token=token, now=platform.clock.now())
    return service.actor_of(user) if user is not None else None


def me_read(platform: Platform, user: User) -> MeRead:
    region = region_of(user.id)
    avatar = platform.media_store(region).url(user.avatar_key) if user.avatar_key else None
    return MeRead(
        id=user.id,
        handle=user.handle,
        display_name=user.display_name,
        bio=user.bio,
        email=user.email,
        country=user.country,
        region=region,
        avatar_url=avatar,
        created_at=user.created_at,
        email_verified=user.email_verified_at is not None,
        birth_date=user.birth_date,
    )


def _set_cookie(response: Response, platform: Platform, login: service.Login) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        login.token,
        max_age=platform.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=platform.settings.base_url.startswith("https://"),
        path="/",
    )


@router.post(
    "/auth/signup", response_model=SessionRead, status_code=201, dependencies=[address_limit("signup")]
)
def sign_up(body: SignUp, response: Response, uow: UowDep, platform: PlatformDep) -> SessionRead:
    # A sign-up may finish an earlier one that died half-way when given its password (see the service):
    # the same limit as log-ins keeps that from being a way round theirs.
    email_key = service.email_digest(body.email, secret=platform.settings.secret_key)
    platform.check_rate(platform.settings.login_rate, f"signup:email:{email_key}")
    login = service.sign_up(
        uow,
        regions=platform.regions,
        secret=platform.settings.secret_key,
        email=body.email,
        password=body.password,
        handle=body.handle,
        country=body.country,
        display_name=body.display_name,
        now=platform.clock.now(),
        session_days=platform.settings.session_days,
        birth_date=body.birth_date,
    )
    mails.send_verification(platform, uow, user=login.user)
    _set_cookie(response, platform, login)
    return SessionRead(token=login.token, expires_at=login.expires_at, user=me_read(platform, login.user))


@router.post("/auth/password-reset", status_code=202)
def ask_password_reset(
    body: PasswordResetAsk, request: Request, uow: UowDep, platform: PlatformDep
) -> dict[str, str]:
    """Mail a reset link to the account with this email, if there is one. The answer is the same (202)
    either way, so it never tells whether an address has an account."""
    email_key = service.email_digest(body.email, secret=platform.settings.secret_key)
    platform.check_rate(
        platform.settings.login_rate, f"reset:ip:{client_address(request)}", f"reset:email:{email_key}"
    )
    mails.request_password_reset(platform, uow, email=body.email)
    return {"status": "If an account has this address, a reset link is on its way."}


@router.post("/auth/password-reset/confirm", status_code=204)
def confirm_password_reset(body: PasswordResetConfirm, uow: UowDep, platform: PlatformDep) -> None:
    """Choose a new password with a reset link (once, before it expires); every session of the account
    ends, so log in again."""
    mails.reset_password(platform, uow, token=body.token, password=body.password)


@router.post("/auth/verify-email", response_model=dict[str, bool])
def verify_email(body: EmailVerification, uow: UowDep, platform: PlatformDep) -> dict[str, bool]:
    """Confirm the account's address with the link of its verification mail."""
    mails.verify_email(platform, uow, token=body.token)
    return {"email_verified": True}


@router.post(
    "/me/verification",
    response_model=VerificationSent,
    status_code=202,
    dependencies=[write_limit("verification")],
)
def ask_verification(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> VerificationSent:
    """Mail a new link that verifies your address; links in earlier mails stop working. 409
    `email_already_verified` once the address is verified."""
    mails.resend_verification(platform, uow, actor=actor)
    return VerificationSent(sent_to=service.get_user(uow, actor=actor).email)


@router.post("/auth/login", response_model=SessionRead)
def log_in(
    body: LogIn, request: Request, response: Response, uow: UowDep, platform: PlatformDep
) -> SessionRead:
    client = client_address(request)
    email_key = service.email_digest(body.email, secret=platform.settings.secret_key)
    platform.check_rate(platform.settings.login_rate, f"login:ip:{client}", f"login:email:{email_key}")
    login = service.log_in(
        uow,
        secret=platform.settings.secret_key,
        email=body.email,
        password=body.password,
        now=platform.clock.now(),
        regions=platform.regions,
        previous_token=request_token(request),
        session_days=platform.settings.session_days,
    )
    _set_cookie(response, platform, login)
    return SessionRead(token=login.token, expires_at=login.expires_at, user=me_read(platform, login.user))


@router.post("/auth/logout", status_code=204)
def log_out(request: Request, response: Response, uow: UowDep, platform: PlatformDep) -> None:
    token = request_token(request)
    if token:
        service.log_out(uow, regions=platform.regions, token=token, now=platform.clock.now())
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeRead)
def me(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> MeRead:
    return me_read(platform, service.get_user(uow, actor=actor))


@router.put(
    "/me/avatar",
    response_model=MeRead,
    openapi_extra={
        "requestBody": {
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
            "required": True,
        }
    },
)
async def set_avatar(request: Request, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> MeRead:
    """Replace the avatar with the image in the request body (JPEG, PNG, WebP or GIF)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > avatars.MAX_BYTES:
            break
    user = await run_in_threadpool(
        avatars.replace_avatar,
        uow,
        actor=actor,
        image=bytes(body),
        transcoder=platform.transcoder,
        store=platform.media_store(actor.region),
        now=platform.clock.now(),
    )
    return me_read(platform, user)


@router.patch("/me", response_model=MeRead)
def update_me(body: ProfileUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> MeRead:
    user = service.update_profile(
        uow,
        actor=actor,
        now=platform.clock.now(),
        display_name=body.display_name,
        bio=body.bio,
        birth_date=body.birth_date,
    )
    return me_read(platform, user)
