"""What every page shares: the templates, who is looking, and the answers a page gives (render, log in
first, not found). A page never writes: the unit of work it opens is rolled back and closed before the
template renders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from clipshop import __version__
from clipshop.kit.actors import Actor
from clipshop.platform.http import optional_actor

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
STATIC_DIR = HERE / "static"
SAFE_NEXT = re.compile(r"^/(?![/\\])[^\s]*$")

# Countries offered at sign-up; the home region follows from the country, so the common ones come first.
SIGNUP_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
    ("IE", "Ireland"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("PT", "Portugal"),
    ("AT", "Austria"),
    ("CH", "Switzerland"),
    ("SE", "Sweden"),
    ("NO", "Norway"),
    ("DK", "Denmark"),
    ("FI", "Finland"),
    ("IS", "Iceland"),
    ("PL", "Poland"),
    ("CZ", "Czechia"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("RO", "Romania"),
    ("MX", "Mexico"),
    ("PR", "Puerto Rico"),
    ("BR", "Brazil"),
    ("AR", "Argentina"),
    ("CL", "Chile"),
    ("CO", "Colombia"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("SG", "Singapore"),
    ("IN", "India"),
    ("ZA", "South Africa"),
    ("NG", "Nigeria"),
    ("KE", "Kenya"),
    ("AE", "United Arab Emirates"),
)


def viewer_of(request: Request) -> Actor | None:
    """Who is looking, from the session cookie or bearer token; None when missing, expired or revoked."""
    try:
        return optional_actor(request)
    finally:
        release_reads(request)


def release_reads(request: Request) -> None:
    """Roll back and close what the page read, before it renders."""
    uow = getattr(request.state, "uow", None)
    if uow is not None:
        uow.rollback()
        uow.close()
        request.state.uow = None


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site only, never another origin."""
    return value if value and SAFE_NEXT.match(value) else "/"


def login_redirect(request: Request) -> RedirectResponse:
    """Send a visitor to log in, then back to the page they asked for."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def render(
    request: Request, template: str, *, viewer: Actor | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "version": __version__, **context},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def not_found(request: Request, viewer: Actor | None, *, title: str, message: str) -> HTMLResponse:
    return render(request, "not_found.html", viewer=viewer, status_code=404, title=title, message=message)
