"""Pages for platform staff: the access audit log of each region and the transparency report (operators),
the review queue (moderators and operators). Their scripts read the operator and moderation APIs; anyone
else gets the not-found page, as for a shop they do not run. And the other side of moderation: the page
where a member reads what was decided about their content and appeals."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from clipshop.kit.actors import Role
from clipshop.platform.http import get_platform
from clipshop.residency.gateway import policy_of
from clipshop.web.rendering import login_redirect, not_found, render, viewer_of


def _operator_page(request: Request, template: str) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    if viewer.role is not Role.OPERATOR:
        return not_found(
            request, viewer, title="Page not found", message="This page is for platform operators."
        )
    databases = get_platform(request).databases
    return render(
        request,
        template,
        viewer=viewer,
        nav="operator",
        regions=databases.regions,
        purposes=policy_of(databases).purposes,
    )


def audit_page(request: Request) -> Response:
    return _operator_page(request, "operator_audit.html")


def transparency_page(request: Request) -> Response:
    return _operator_page(request, "transparency.html")


def moderation_page(request: Request) -> Response:
    """The review queue with a player and decision buttons, for moderators and operators; its script reads
    the moderation API, where the gateway decides which regions each may see."""
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    if viewer.role not in (Role.MODERATOR, Role.OPERATOR):
        return not_found(request, viewer, title="Page not found", message="This page is for moderators.")
    regions = get_platform(request).databases.regions
    return render(request, "moderation.html", viewer=viewer, nav="operator", regions=regions)


def appeals_page(request: Request) -> Response:
    """What moderation decided about the viewer's content or account, each with its appeal; its script reads
    `GET /api/v1/me/moderation`."""
    viewer = viewer_of(request)
    if viewer is None:
        return login_redirect(request)
    return render(request, "appeals.html", viewer=viewer, nav="inbox")


OPERATOR_PAGES = [
    ("/operator/audit", audit_page),
    ("/operator/transparency", transparency_page),
    ("/moderation", moderation_page),
    ("/appeals", appeals_page),
]
