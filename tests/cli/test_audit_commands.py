"""`clipshop audit verify|head|check-head|key`: a region's audit log checked from the command line, with
exit status 1 when it is broken or no longer matches a head signed earlier."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.config import Settings
from clipshop.kit.db import make_engine
from clipshop.residency.audit import Decision, SignedHead, append, public_key_pem
from support import settings_environ, without_triggers

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DECISION = Decision(
    actor_id="operator:cli",
    role="operator",
    jurisdiction="eu",
    data_class="orders",
    purpose="legal_request",
    records=("eu_0001",),
    reason="court order 12/2026",
    allowed=True,
)


@pytest.fixture
def log(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The eu region's audit log with three entries, and the environment under which commands read
    `settings`."""
    for name, value in settings_environ(settings).items():
        monkeypatch.setenv(name, value)
    engine = make_engine(settings.region_database_url("eu"))
    for n in range(3):
        append(engine, DECISION, at=START + timedelta(minutes=n))
    yield engine
    engine.dispose()


def audit(*args: str) -> Result:
    return CliRunner().invoke(app, ["audit", *args])


def test_verify_counts_the_entries_of_a_sound_log(log: Engine) -> None:
    result = audit("verify", "eu")
    assert (result.exit_code, result.stdout) == (0, "The audit log of region eu verifies: 3 entries.\n")


def test_verify_names_the_first_broken_entry(log: Engine) -> None:
    with without_triggers(log) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))

    result = audit("verify", "eu")

    assert result.exit_code == 1
    assert result.stderr == (
        "The audit log of region eu is broken at entry 2: entry 2 is missing: the log goes from entry 1 to"
        " entry 3\n"
    )


def test_a_signed_head_checks_out_until_the_tail_is_removed(log: Engine, tmp_path: Path) -> None:
    head_file = tmp_path / "eu-head.json"

    signed = audit("head", "eu", "--out", str(head_file))
    assert (signed.exit_code, signed.stdout) == (
        0,
        f"Signed the head of region eu's audit log (entry 3) into {head_file}.\n",
    )
    head = SignedHead.from_json(head_file.read_text())
    assert (head.region, head.seq) == ("eu", 3)

    append(log, DECISION, at=START + timedelta(hours=1))  # the log grows: the head still holds
    held = audit("check-head", "eu", str(head_file))
    assert held.exit_code == 0
    assert held.stdout.startswith("The audit log of region eu still holds the head signed at")
    assert held.stdout.endswith("(entry 3), and all 4 entries verify.\n")

    with without_triggers(log) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 3"))
    assert audit("verify", "eu").exit_code == 0  # what is left is consistent in itself
    broken = audit("check-head", "eu", str(head_file))
    assert broken.exit_code == 1
    assert broken.stderr.endswith(
        "at entry 3: the signed head holds entry 3, but the log ends at entry 2: entry 3 was removed\n"
    )


def test_head_prints_the_signed_head_and_a_third_party_checks_it_with_the_public_key(
    log: Engine, settings: Settings, tmp_path: Path
) -> None:
    printed = audit("head", "eu")
    assert printed.exit_code == 0
    body = json.loads(printed.stdout)
    assert (body["format"], body["region"], body["seq"]) == ("clipshop-audit-head-1", "eu", 3)
    head_file = tmp_path / "head.json"
    head_file.write_text(printed.stdout)

    key = audit("key")
    assert key.exit_code == 0 and key.stdout.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert audit("key").stdout == key.stdout  # made once, then kept
    assert stat.S_IMODE(settings.audit_key_path().stat().st_mode) == 0o600
    public_file = tmp_path / "audit.pub"
    public_file.write_text(key.stdout)

    assert audit("check-head", "eu", str(head_file), "--public-key", str(public_file)).exit_code == 0

    public_file.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    wrong = audit("check-head", "eu", str(head_file), "--public-key", str(public_file))
    assert wrong.exit_code == 1
    assert wrong.stderr.endswith(
        ": the signature does not match: the head was not signed with this key, or was changed since\n"
    )


def test_a_head_is_checked_only_against_its_own_region(log: Engine, tmp_path: Path) -> None:
    head_file = tmp_path / "head.json"
    assert audit("head", "eu", "--out", str(head_file)).exit_code == 0

    result = audit("check-head", "us", str(head_file))

    assert result.exit_code == 1
    assert result.stderr == f"{head_file} is the signed head of region eu's audit log, not region us's.\n"


def test_a_broken_log_is_not_signed(log: Engine) -> None:
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'no reason' WHERE seq = 1"))

    result = audit("head", "eu")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "Not signed: the audit log of region eu is broken at entry 1: entry 1 was altered"
    )


def test_commands_that_cannot_run_as_asked_say_why(log: Engine, tmp_path: Path) -> None:
    unknown = audit("verify", "mars")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "There is no region 'mars'; the regions are us, eu, au.\n",
    )

    not_a_head = tmp_path / "head.json"
    not_a_head.write_text("{}")
    garbled = audit("check-head", "eu", str(not_a_head))
    assert garbled.exit_code == 2
    assert "not a signed audit head" in garbled.stderr

    head_file = tmp_path / "eu-head.json"
    head_file.write_text(audit("head", "eu").stdout)
    # Before any key exists here, a head can only be checked with a public key given.
    missing_key = tmp_path / "no-key.pem"
    result = CliRunner().invoke(
        app, ["audit", "check-head", "eu", str(head_file)], env={"CLIPSHOP_AUDIT_KEY_FILE": str(missing_key)}
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"there is no audit signing key at {missing_key}; pass the public key with --public-key.\n"
    )
