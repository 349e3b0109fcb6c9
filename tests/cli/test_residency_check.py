"""`clipshop residency check`: the residency scan as a command, its exit status a gate for deployments."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.platform import Platform
from support import Member, copy_account, settings_environ


def run_check(platform: Platform, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    for name, value in settings_environ(platform.settings).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["residency", "check", *args])
    return result.exit_code, result.output


def test_a_clean_deployment_passes(
    platform: Platform, alice: Member, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_check(platform, monkeypatch, "--json")
    assert code == 0
    assert json.loads(output) == {"regions": ["us", "eu", "au"], "violations": []}
    code, output = run_check(platform, monkeypatch)
    assert code == 0 and "No personal data outside its home region" in output


def test_a_row_out_of_place_fails_the_check_and_is_named(
    platform: Platform, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_account(platform, bob, into="us")  # exactly what must never happen

    code, output = run_check(platform, monkeypatch, "--json")

    assert code == 1
    assert json.loads(output)["violations"] == [
        {"store": "region us", "table": "users", "row": bob.id, "owner_region": "eu"}
    ]
