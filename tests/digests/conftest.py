"""Settings that send mail to a real SMTP server on loopback (`smtp_inbox`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backends import Backend, make_settings
from clipshop.config import Settings
from smtp_inbox import Inbox, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    return make_settings(backend, tmp_path, email_backend="smtp", smtp_port=smtp[1], smtp_timeout_s=5)
