"""An operator reads the access audit and the transparency report in a real browser: the refusals and
checkouts of other members show as rows and as bars of the chart."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from clipshop.accounts import service as accounts
from clipshop.assembly import build_platform
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere

from .conftest import DESKTOP, LiveServer, sign_up_by_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_an_operator_reads_the_audit_log_and_the_transparency_chart(
    browser: Any, live_server: LiveServer
) -> None:
    with live_server.api() as client:
        nosy = sign_up_by_api(client, "nosy", "DE")
        refused = client.get("/api/v1/operator/audit/us", headers={"Authorization": f"Bearer {nosy}"})
        assert refused.status_code == 403
        root = sign_up_by_api(client, "rootop", "US")
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {root}"}).json()
    platform = build_platform(live_server.settings)
    try:
        with everywhere(platform.databases).transaction() as uow:
            accounts.make_staff(uow, user_id=me["id"], role=Role.OPERATOR, jurisdiction="us")
    finally:
        platform.close()

    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
    )
    context.add_cookies([{"name": "clipshop_session", "value": root, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    try:
        page.goto("/operator/audit")
        page.select_option("#audit-region", "us")
        page.select_option("#audit-result", "denied")
        page.get_by_role("button", name="Show").click()
        denied = page.locator("#audit-entries tbody tr[data-result='denied']")
        expect(denied.first).to_contain_text("oversight")
        expect(page.locator("#audit-entries tbody tr[data-result='allowed']")).to_have_count(0)

        page.get_by_role("link", name="Transparency report").click()
        bars = page.locator("#tr-chart svg rect")
        expect(bars.first).to_be_visible()
        expect(
            page.locator("#tr-chart svg rect[data-result='denied'][data-purpose='oversight']")
        ).not_to_have_count(0)
        expect(page.locator("#tr-table tbody tr").first).to_be_visible()
        page.select_option("#tr-region", "eu")
        expect(page.locator("#tr-table")).not_to_contain_text("us")
    finally:
        context.close()
    assert errors == []
