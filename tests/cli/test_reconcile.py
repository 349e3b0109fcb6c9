"""`clipshop reconcile`: re-enqueues lost work and heals the directory from every region, saying what it
fixed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from clipshop.accounts.models import PublicProfile
from clipshop.cli import app
from clipshop.platform import Platform
from support import Member, settings_environ


def run_reconcile(platform: Platform, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    for name, value in settings_environ(platform.settings).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["reconcile", *args], terminal_width=200)
    return result.exit_code, result.output


def fixed_column(output: str) -> dict[str, str]:
    """The table's "fixed" cell of each region's row."""
    rows = [line.split("│") for line in output.splitlines() if line.startswith("│")]
    return {cells[1].strip(): cells[3].strip() for cells in rows}


def test_it_prints_what_it_fixed_in_each_region(
    platform: Platform, alice: Member, bob: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platform.uow().transaction() as uow:  # as if bob's sign-up died before its directory commit
        uow.directory.delete(uow.directory.get_one(PublicProfile, bob.id))

    code, output = run_reconcile(platform, monkeypatch)

    assert code == 0, output
    assert output.splitlines()[0] == "Re-enqueued 0 videos"
    assert fixed_column(output) == {"us": "nothing", "eu": "public profiles: 1", "au": "nothing"}
    with platform.uow().transaction() as uow:
        assert uow.directory.get_one(PublicProfile, bob.id).handle == "bob"

    code, output = run_reconcile(platform, monkeypatch, "--full")
    assert code == 0 and fixed_column(output) == {"us": "nothing", "eu": "nothing", "au": "nothing"}
