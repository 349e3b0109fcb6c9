"""The pages a browser sees: Jinja2 shells that the JS modules under static/js fill from the JSON API.

Pages read the viewer from the session cookie exactly as the API does, but never write: the unit of work a
page opens is rolled back and closed before the template renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import PathConvertor, register_url_convertor

from clipshop.accounts import service as accounts
from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.mail.folder import FolderTransport
from clipshop.media.limits import UploadLimits, duration_text
from clipshop.platform.http import get_platform, get_uow
from clipshop.social.shield import shield_of
from clipshop.videos import service as videos
from clipshop.web.operator_pages import OPERATOR_PAGES
from clipshop.web.rendering import (
    SIGNUP_COUNTRIES,
    STATIC_DIR,
    login_redirect,
    not_found,
    release_reads,
    render,
    safe_next,
    viewer_of,
)
from clipshop.web.search_page import SEARCH_PAGES
from clipshop.web.shop_pages import SHOP_FORMS, SHOP_PAGES
from clipshop.web.studio_pages import STUDIO_PAGES


@dataclass(frozen=True)
class ProfileView:
    """What a profile page shows before its script refreshes the counters."""

    user_id: str
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    follower_count: int
    following_count: int
    like_count: int


@dataclass(frozen=True)
class VideoView:
    """What a shared video's page says about it to link previews."""

    id: str
    caption: str
    poster_url: str | None
    creator_handle: str | None


def _blocked_by(request: Request, viewer: Actor | None) -> frozenset[str]:
    """The accounts that blocked `viewer`, read in a unit of work of the viewer's own (the page's reads
    are not homed anywhere once the viewer is known)."""
    if viewer is None:
        return frozenset()
    with get_platform(request).uow(actor=viewer).transaction() as uow:
        return shield_of(uow, viewer).blocked_by


def _profile(request: Request, handle: str, viewer: Actor | None) -> ProfileView | None:
    """The profile to show `viewer`, or None: also when the account blocked them."""
    try:
        uow = get_uow(request)
        try:
            profile = accounts.get_profile(uow, handle=handle)
        except NotFound:
            return None
        if profile.user_id in _blocked_by(request, viewer):
            return None
        return ProfileView(
            user_id=profile.user_id,
            handle=profile.handle,
            display_name=profile.display_name,
            bio=profile.bio,
            avatar_url=profile.avatar_url,
            follower_count=profile.follower_count,
            following_count=profile.following_count,
            like_count=profile.like_count,
        )
    finally:
        release_reads(request)


def _video(request: Request, video_id: str, viewer: Actor | None) -> VideoView | None:
    """The video's page facts for `viewer`, or None: also when its creator blocked them. An age-restricted
    video's link preview shows neither its caption nor its poster."""
    try:
        uow = get_uow(request)
        try:
            video = videos.get_public_video(uow, video_id=video_id)
        except NotFound:
            return None
        if video.creator_id in _blocked_by(request, viewer):
            return None
        creator = accounts.get_profile_by_id(uow, user_id=video.creator_id)
        hidden = video.age_restricted
        return VideoView(
            id=video.id,
            caption="" if hidden else video.caption,
            poster_url=None if hidden else video.poster_url,
            creator_handle=creator.handle if creator is not None else None,
        )
    finally:
        release_reads(request)


def for_you_page(request: Request) -> Response:
    return render(
        request,
        "feed.html",
        viewer=viewer_of(request),
        nav="home",
        tab="for-you",
        source="for-you",
        ads_viewable_s=get_platform(request).settings.ads_viewable_s,
    )


def following_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "feed.html", viewer=viewer, nav="following", tab="following", source="following")


def video_page(request: Request, video_id: str) -> Response:
    viewer = viewer_of(request)
    video = _video(request, video_id, viewer)
    if video is None:
        return not_found(
            request,
            viewer,
            title="Video not found",
            message="This video was removed, or the link is mistyped.",
        )
    return render(
        request,
        "feed.html",
        viewer=viewer,
        nav="home",
        tab="for-you",
        source="video",
        video=video,
        base_url=get_platform(request).settings.base_url.rstrip("/"),
        ads_viewable_s=get_platform(request).settings.ads_viewable_s,
    )


def profile_page(request: Request, handle: str) -> Response:
    viewer = viewer_of(request)
    profile = _profile(request, handle, viewer)
    if profile is None:
        return not_found(
            request,
            viewer,
            title="Couldn't find this account",
            message=f"Nobody here goes by @{handle.lower().lstrip('@')}. Check the spelling, or "
            "look for something else to watch.",
        )
    is_self = viewer is not None and viewer.id == profile.user_id
    return render(
        request,
        "profile.html",
        viewer=viewer,
        nav="profile" if is_self else "",
        profile=profile,
        is_self=is_self,
    )


def tag_page(request: Request, tag: str) -> Response:
    name = tag.lstrip("#").lower()
    return render(request, "tag.html", viewer=viewer_of(request), tag=name)


def upload_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    limits = UploadLimits.from_settings(get_platform(request).settings)
    return render(
        request,
        "upload.html",
        viewer=viewer,
        nav="upload",
        max_upload_bytes=limits.max_bytes,
        limits=limits,
        duration_text=duration_text,
    )


def settings_page(request: Request) -> Response:
    """The account's data rights: download everything held about it, delete it."""
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "settings.html", viewer=viewer, nav="settings")


def inbox_page(request: Request) -> Response:
    """The account's notifications, grouped; opening it marks what it shows read."""
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "inbox.html", viewer=viewer, nav="inbox")


def signup_page(request: Request, next: str | None = None) -> Response:
    viewer = viewer_of(request)
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "signup.html", viewer=None, next=safe_next(next), countries=SIGNUP_COUNTRIES)


def login_page(request: Request, next: str | None = None) -> Response:
    viewer = viewer_of(request)
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", viewer=None, nav="login", next=safe_next(next))


def forgot_password_page(request: Request) -> Response:
    minutes = get_platform(request).settings.password_reset_minutes
    return render(request, "forgot_password.html", viewer=viewer_of(request), minutes=minutes)


def reset_password_page(request: Request, token: str = "") -> Response:
    return render(request, "reset_password.html", viewer=viewer_of(request), token=token)


def verify_email_page(request: Request, token: str = "") -> Response:
    return render(
        request,
        "mail_link.html",
        viewer=viewer_of(request),
        title="Confirm your email address",
        message="One click confirms that this address is yours.",
        button="Confirm my address",
        done="Thank you: your address is verified.",
        action="/api/v1/auth/verify-email",
        token=token,
    )


def unsubscribe_page(request: Request, token: str = "") -> Response:
    return render(
        request,
        "mail_link.html",
        viewer=viewer_of(request),
        title="Unsubscribe",
        message="Stop this kind of mail. Mail about your account and your orders still comes.",
        button="Unsubscribe",
        done="Done: you will get no more of these.",
        action=f"/api/v1/mail/unsubscribe?{urlencode({'token': token})}",
        token=token,
    )


def dev_mail_page(request: Request, m: str | None = None) -> Response:
    """The folder mail backend's messages, newest first, and one of them (development only)."""
    platform = get_platform(request)
    if platform.settings.env == "prod":
        return unknown_page(request, "dev/mail")
    transport = platform.mail
    enabled = isinstance(transport, FolderTransport)
    messages = transport.messages() if isinstance(transport, FolderTransport) else []
    shown = transport.message(m) if m and isinstance(transport, FolderTransport) else None
    return render(
        request,
        "dev_mail.html",
        viewer=viewer_of(request),
        enabled=enabled,
        backend=transport.name,
        folder=str(transport.root) if isinstance(transport, FolderTransport) else "",
        messages=messages,
        shown=shown,
    )


class PagePathConvertor(PathConvertor):
    """Any path except those of the API, media and static files, which keep their JSON 404s, even for
    routes added after the pages."""

    regex = r"(?!api/|media/|static/).*"


register_url_convertor("pagepath", PagePathConvertor())


def unknown_page(request: Request, path: str) -> Response:
    return not_found(
        request,
        viewer_of(request),
        title="Page not found",
        message="There is nothing at this address. The feed is a good place to start over.",
    )


def mount_web(app: FastAPI) -> None:
    """Add the pages and /static; the catch-all 404 page goes last so it never hides another route."""
    pages: list[tuple[str, Any]] = [
        ("/", for_you_page),
        ("/following", following_page),
        ("/v/{video_id}", video_page),
        ("/@{handle}", profile_page),
        ("/tag/{tag}", tag_page),
        ("/upload", upload_page),
        ("/settings", settings_page),
        ("/inbox", inbox_page),
        ("/signup", signup_page),
        ("/login", login_page),
        ("/forgot-password", forgot_password_page),
        ("/reset-password", reset_password_page),
        ("/verify-email", verify_email_page),
        ("/unsubscribe", unsubscribe_page),
        ("/dev/mail", dev_mail_page),
        *SEARCH_PAGES,
        *SHOP_PAGES,
        *STUDIO_PAGES,
        *OPERATOR_PAGES,
    ]
    for path, endpoint in pages:
        app.add_api_route(
            path,
            endpoint,
            methods=["GET", "HEAD"],
            include_in_schema=False,
            response_class=HTMLResponse,
            name=f"page_{endpoint.__name__}",
        )
    for path, endpoint in SHOP_FORMS:
        app.add_api_route(
            path, endpoint, methods=["POST"], include_in_schema=False, name=f"form_{endpoint.__name__}"
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route(
        "/{path:pagepath}",
        unknown_page,
        methods=["GET", "HEAD"],
        include_in_schema=False,
        response_class=HTMLResponse,
        name="page_not_found",
    )
