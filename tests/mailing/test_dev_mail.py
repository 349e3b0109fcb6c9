"""The embedded default's folder backend: messages written under the data dir, listed and shown at
/dev/mail outside production. Outbox rows are in the data export, erased with the account, and the job
queue carries ids only."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backends import Backend, make_settings
from clipshop.config import Settings
from clipshop.kit.everywhere import everywhere
from clipshop.mailing.models import OutboxMail
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from support import PASSWORD, Member


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return make_settings(backend, tmp_path)  # the default: the folder backend


def test_the_folder_backend_writes_messages_that_dev_mail_lists_and_shows(
    client: Any, platform: Platform, sign_up: Any
) -> None:
    assert client.get("/dev/mail").text.count('id="dev-mail-empty"') == 1
    alice: Member = sign_up("alice", "US")
    assert client.post("/api/v1/auth/password-reset", json={"email": alice.email}).status_code == 202
    # Queued jobs carry ids, never an address.
    queued = platform.jobs.waiting()
    assert {name for _, name, _, _ in queued} == {"send_mail"}
    assert all(alice.email not in json.dumps([args, kwargs]) for _, _, args, kwargs in queued)
    assert check_residency(platform) == []
    platform.jobs.drain()

    files = sorted(p.name for p in platform.settings.email_folder_path().iterdir())
    assert len(files) == 2 and all(name.endswith(".eml") for name in files)
    page = client.get("/dev/mail")
    assert page.status_code == 200
    names = re.findall(r'href="/dev/mail\?m=([0-9a-f]{32}\.eml)"', page.text)
    assert sorted(names) == files
    assert "Reset your Clipshop password" in page.text and "Confirm your email address" in page.text
    shown = [client.get("/dev/mail", params={"m": name}).text for name in names]
    assert any("http://testserver/reset-password?token=us_" in text for text in shown)
    assert all(f"data-mail-to>{alice.email}<" in text for text in shown)
    assert client.get("/dev/mail", params={"m": "../jobs.db"}).text.count("dev-mail-message") == 0

    # Not in production.
    platform.settings = platform.settings.model_copy(update={"env": "prod"})
    assert client.get("/dev/mail").status_code == 404


def test_outbox_rows_are_exported_and_erased_with_the_account(
    client: Any, platform: Platform, sign_up: Any
) -> None:
    zoe: Member = sign_up("zoe", "DE")
    platform.jobs.drain()
    export = client.get("/api/v1/me/export", headers=zoe.auth)
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    [mail] = json.loads(archive.read("region/outbox_mails.json"))
    assert mail["kind"] == "verify_email" and mail["user_id"] == zoe.id and mail["sent_at"] is not None

    assert client.post("/api/v1/me/delete", headers=zoe.auth, json={"password": PASSWORD}).status_code == 202
    platform.jobs.drain()
    with everywhere(platform.databases).transaction() as uow:
        left = uow.region("eu").scalar(select(func.count()).select_from(OutboxMail))
    assert left == 0
    assert check_residency(platform) == []
