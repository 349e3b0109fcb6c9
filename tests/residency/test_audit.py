"""The per-region access audit log: a gapless hash chain that the database keeps append-only, appends
serialised under concurrency, and tampering (an edit, a removed entry, a reordering, a removed tail, a
rewrite with recomputed hashes) named by `verify` or by `check_head` against a signed head."""

from __future__ import annotations

import hashlib
import stat
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from clipshop.config import Settings
from clipshop.kit.db import make_engine
from clipshop.residency.audit import (
    AuditEntry,
    BrokenAuditLog,
    Decision,
    SignedHead,
    Verification,
    append,
    check_head,
    entry_hash,
    head,
    load_public_key,
    public_key_pem,
    signing_key,
    verify,
)
from support import without_triggers

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ZEROS = "0" * 64

SUPPORT_READS_CONTACT = Decision(
    actor_id="us_0001",
    role="support",
    jurisdiction="us",
    data_class="contact",
    purpose="support",
    records=("eu_0002",),
    reason="ticket 4711",
    allowed=True,
    fields=("email",),
)


@pytest.fixture
def log(settings: Settings) -> Iterator[Engine]:
    """The eu region's database, where its audit log lives (SQLite, and PostgreSQL when configured)."""
    engine = make_engine(settings.region_database_url("eu"))
    yield engine
    engine.dispose()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def fill(log: Engine, entries: int) -> list[AuditEntry]:
    """`entries` decisions, a minute apart, each about a record of its own."""
    return [
        append(log, replace(SUPPORT_READS_CONTACT, records=(f"eu_{n:04}",)), at=START + timedelta(minutes=n))
        for n in range(1, entries + 1)
    ]


def stored(log: Engine) -> list[tuple[int, str, str, str]]:
    with log.connect() as conn:
        rows = conn.execute(text("SELECT seq, records, prev_hash, hash FROM audit_log ORDER BY seq"))
        return [(row.seq, row.records, row.prev_hash, row.hash) for row in rows]


def rehash_from(conn: Connection, seq: int) -> None:
    """What a careful attacker does after an edit: recompute every hash from entry `seq` on."""
    prev = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": seq - 1}).scalar_one()
    for entry in conn.execute(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).all():
        row = AuditEntry(**entry._mapping)
        row.prev_hash = prev
        prev = entry_hash(row)
        conn.execute(
            text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
            {"p": row.prev_hash, "h": prev, "s": row.seq},
        )


# The chain


def test_entries_are_numbered_from_one_and_each_names_the_hash_before_it(log: Engine) -> None:
    first, second, third = fill(log, 3)

    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == ZEROS
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert [e.hash for e in (first, second, third)] == [entry_hash(e) for e in (first, second, third)]
    assert stored(log) == [
        (1, '["eu_0001"]', ZEROS, first.hash),
        (2, '["eu_0002"]', first.hash, second.hash),
        (3, '["eu_0003"]', second.hash, third.hash),
    ]
    assert verify(log) == Verification(ok=True, count=3)


def test_the_hash_is_the_sha256_of_the_documented_canonical_form(log: Engine) -> None:
    decision = Decision(
        actor_id="eu_0001",
        role="support",
        jurisdiction="us",
        data_class="contact",
        purpose="support",
        records=("eu_0002", "eu_0003"),
        reason="ticket 4711 für Zoë",
        allowed=False,
        fields=("email", "phone"),
    )
    # 14:00 in UTC+2 is 12:00 UTC: the canonical form is always in UTC.
    entry = append(log, decision, at=datetime(2026, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))))

    canonical = (
        '{"actor_id":"eu_0001","at":"2026-06-01T12:00:00.000000+00:00","data_class":"contact",'
        '"fields":["email","phone"],"jurisdiction":"us","prev_hash":"' + ZEROS + '","purpose":"support",'
        '"reason":"ticket 4711 für Zoë","records":["eu_0002","eu_0003"],"result":"denied",'
        '"role":"support","seq":1}'
    )
    assert entry.hash == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert (entry.result, entry.at) == ("denied", START)


def test_an_empty_log_verifies(log: Engine) -> None:
    assert verify(log) == Verification(ok=True, count=0)


def test_an_entry_survives_the_callers_rollback(log: Engine) -> None:
    with log.connect() as caller:
        if log.dialect.name == "sqlite":
            caller.exec_driver_sql("BEGIN")  # the driver itself would begin only before a write
        caller.execute(text("SELECT count(*) FROM audit_log"))  # the caller's transaction is open
        if log.dialect.name == "postgresql":
            # On PostgreSQL the caller may also have written; the append does not wait for it. (SQLite has
            # one writer at a time: there the gateway records before writing, see `append`.)
            caller.execute(
                text(
                    "INSERT INTO ledger_transactions (id, kind, reference, currency, memo, created_at)"
                    " VALUES ('eu_t1', 'order', 'eu_o1', 'EUR', '', :at)"
                ),
                {"at": START},
            )
        append(log, SUPPORT_READS_CONTACT, at=START)
        caller.rollback()

    with log.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_transactions")).scalar_one() == 0
    assert [row[0] for row in stored(log)] == [1]
    assert verify(log) == Verification(ok=True, count=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actor_id": ""}, "Decision.actor_id must be a non-empty string"),
        ({"role": "r" * 25}, "Decision.role is 25 characters long; at most 24 fit"),
        ({"records": ["eu_0002"]}, "Decision.records must be a tuple of strings"),
        ({"fields": ("email", 3)}, "Decision.fields must be a tuple of strings"),
        ({"allowed": 1}, "Decision.allowed must be True or False"),
    ],
)
def test_a_decision_that_cannot_be_recorded_as_given_is_refused(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(SUPPORT_READS_CONTACT, **change)


def test_a_time_without_zone_is_refused(log: Engine) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        append(log, SUPPORT_READS_CONTACT, at=datetime(2026, 6, 1, 12, 0))
    assert stored(log) == []


# The database keeps the log append-only


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET reason = 'nothing to see'", "DELETE FROM audit_log WHERE seq = 1"]
)
def test_the_database_refuses_to_change_or_remove_an_entry(log: Engine, statement: str) -> None:
    entries = fill(log, 2)

    with pytest.raises(DBAPIError, match="append-only"), log.begin() as conn:
        conn.execute(text(statement))

    assert [row[3] for row in stored(log)] == [e.hash for e in entries]
    assert verify(log) == Verification(ok=True, count=2)


# Concurrency


def test_concurrent_appends_make_one_gapless_chain(log: Engine) -> None:
    threads, each = 8, 25
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def appender(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                decision = replace(SUPPORT_READS_CONTACT, actor_id=f"service:t{n}", reason=str(i))
                append(log, decision, at=START)
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    workers = [threading.Thread(target=appender, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    assert verify(log) == Verification(ok=True, count=threads * each)
    with log.connect() as conn:
        rows = conn.execute(text("SELECT seq, actor_id, reason FROM audit_log ORDER BY seq")).all()
    assert [row.seq for row in rows] == list(range(1, threads * each + 1))
    # Every decision once, and each thread's in the order it made them.
    for n in range(threads):
        assert [row.reason for row in rows if row.actor_id == f"service:t{n}"] == [
            str(i) for i in range(each)
        ]


# Tampering, by someone who can drop the triggers


def test_an_edited_entry_is_named(log: Engine) -> None:
    fill(log, 5)
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'routine check' WHERE seq = 3"))

    result = verify(log)

    assert (result.ok, result.count, result.first_broken) == (False, 5, 3)
    assert result.problem is not None and result.problem.startswith(
        "entry 3 was altered: its contents hash to"
    )


def test_edited_records_that_are_no_longer_a_list_are_named(log: Engine) -> None:
    fill(log, 3)
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET records = 'nobody' WHERE seq = 2"))

    assert verify(log) == Verification(
        ok=False,
        count=3,
        first_broken=2,
        problem="entry 2 was altered: its records are not a JSON list of strings",
    )


def test_a_removed_entry_is_named(log: Engine) -> None:
    fill(log, 5)
    with without_triggers(log) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))

    assert verify(log) == Verification(
        ok=False,
        count=4,
        first_broken=3,
        problem="entry 3 is missing: the log goes from entry 2 to entry 4",
    )


def test_a_removed_and_renumbered_entry_is_named(log: Engine) -> None:
    entries = fill(log, 5)
    with without_triggers(log) as conn:  # remove entry 3 and close the gap
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        for seq in (4, 5):
            conn.execute(
                text("UPDATE audit_log SET seq = :new WHERE seq = :old"), {"new": seq - 1, "old": seq}
            )

    result = verify(log)

    assert (result.ok, result.count, result.first_broken) == (False, 4, 3)
    assert result.problem == (
        f"entry 3 does not follow the entry before it: it names {entries[2].hash[:12]}… as the previous hash"
        f" instead of entry 2's, {entries[1].hash[:12]}… (an entry was removed, inserted or moved)"
    )


def test_reordered_entries_are_named(log: Engine) -> None:
    fill(log, 5)
    with without_triggers(log) as conn:  # entry 3 now comes before entry 2
        conn.execute(text("UPDATE audit_log SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = -2"))

    result = verify(log)

    assert (result.ok, result.count, result.first_broken) == (False, 5, 2)
    assert result.problem is not None and result.problem.startswith(
        "entry 2 does not follow the entry before it"
    )


def test_a_removed_tail_passes_verify_but_not_the_signed_head(log: Engine, key: Ed25519PrivateKey) -> None:
    fill(log, 5)
    signed = head(log, "eu", key)
    with without_triggers(log) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))

    assert verify(log) == Verification(ok=True, count=3)  # what is left is consistent in itself
    assert check_head(log, signed, key.public_key()) == Verification(
        ok=False,
        count=3,
        first_broken=4,
        problem="the signed head holds entry 5, but the log ends at entry 3: entries 4 to 5 were removed",
    )


def test_a_rewrite_with_recomputed_hashes_passes_verify_but_not_the_signed_head(
    log: Engine, key: Ed25519PrivateKey
) -> None:
    entries = fill(log, 5)
    signed = head(log, "eu", key)
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET actor_id = 'us_9999' WHERE seq = 3"))
        rehash_from(conn, 3)

    assert verify(log) == Verification(ok=True, count=5)
    result = check_head(log, signed, key.public_key())
    assert (result.ok, result.count, result.first_broken) == (False, 5, 5)
    assert result.problem is not None and result.problem.startswith(
        f"entry 5 no longer has the hash the signed head holds ({entries[4].hash[:12]}…, now"
    )


def test_the_triggers_are_back_after_tampering(log: Engine) -> None:
    fill(log, 1)
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'x' WHERE seq = 1"))

    with pytest.raises(DBAPIError, match="append-only"), log.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


# Signed heads


def test_a_signed_head_holds_while_the_log_only_grows(log: Engine, key: Ed25519PrivateKey) -> None:
    entries = fill(log, 3)
    at = datetime(2026, 6, 2, tzinfo=UTC)

    signed = head(log, "eu", key, at=at)
    fill(log, 2)

    assert (signed.region, signed.seq, signed.hash, signed.at) == ("eu", 3, entries[2].hash, at)
    assert SignedHead.from_json(signed.to_json()) == signed
    assert check_head(log, SignedHead.from_json(signed.to_json()), key.public_key()) == Verification(
        ok=True, count=5
    )


def test_the_head_of_an_empty_log_is_entry_zero(log: Engine, key: Ed25519PrivateKey) -> None:
    signed = head(log, "eu", key)
    assert (signed.seq, signed.hash) == (0, ZEROS)
    fill(log, 1)
    assert check_head(log, signed, key.public_key()) == Verification(ok=True, count=1)


def test_damage_after_the_signed_entry_is_named_too(log: Engine, key: Ed25519PrivateKey) -> None:
    fill(log, 3)
    signed = head(log, "eu", key)
    fill(log, 3)
    with without_triggers(log) as conn:
        conn.execute(text("UPDATE audit_log SET purpose = 'marketing' WHERE seq = 5"))

    result = check_head(log, signed, key.public_key())

    assert (result.ok, result.first_broken) == (False, 5)


@pytest.mark.parametrize(
    "forgery",
    [
        {"seq": 2},
        {"hash": "f" * 64},
        {"region": "us"},
        {"at": datetime(2030, 1, 1, tzinfo=UTC)},
        {"signature": "not base64!"},
    ],
)
def test_a_head_changed_after_signing_is_refused(
    log: Engine, key: Ed25519PrivateKey, forgery: dict[str, object]
) -> None:
    fill(log, 3)
    forged = replace(head(log, "eu", key), **forgery)

    assert check_head(log, forged, key.public_key()) == Verification(
        ok=False,
        count=3,
        problem="the signature does not match: the head was not signed with this key, or was changed since",
    )


def test_a_head_signed_with_another_key_is_refused(log: Engine, key: Ed25519PrivateKey) -> None:
    fill(log, 1)
    signed = head(log, "eu", Ed25519PrivateKey.generate())
    result = check_head(log, signed, key.public_key())
    assert (result.ok, result.first_broken) == (False, None)


def test_a_broken_log_is_not_signed(log: Engine, key: Ed25519PrivateKey) -> None:
    fill(log, 3)
    with without_triggers(log) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))

    with pytest.raises(BrokenAuditLog, match="entry 2 is missing") as raised:
        head(log, "eu", key)
    assert raised.value.verification.first_broken == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "expected a JSON object with format"),
        ("{", "not JSON"),
        ('{"format": "clipshop-audit-head-1", "region": "eu", "seq": -1}', "seq must be a whole number"),
        (
            '{"format": "clipshop-audit-head-1", "region": "eu", "seq": 1, "hash": "ABC"}',
            "hash must be 64 lowercase hexadecimal digits",
        ),
        (
            '{"format": "clipshop-audit-head-1", "region": "eu", "seq": 1, "hash": "' + ZEROS + '",'
            ' "signature": "", "at": "2026-06-01T12:00:00"}',
            "has no time zone",
        ),
    ],
)
def test_a_document_that_is_not_a_signed_head_is_refused(document: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SignedHead.from_json(document)


# The signing key


def test_the_signing_key_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    path = tmp_path / "data" / "keys" / "audit-ed25519.pem"
    with pytest.raises(FileNotFoundError, match="no audit signing key"):
        signing_key(settings, create=False)

    made = signing_key(settings)

    assert settings.audit_key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_pem(signing_key(settings)) == public_key_pem(made)
    assert public_key_pem(signing_key(settings, create=False)) == public_key_pem(made)
    assert [p.name for p in path.parent.iterdir()] == ["audit-ed25519.pem"]  # no temporary file left
    public = load_public_key(public_key_pem(made).encode())
    assert public_key_pem(public) == public_key_pem(made)


def test_the_key_file_setting_is_honoured_and_other_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "audit.pem"
    settings = Settings(data_dir=tmp_path / "data", audit_key_file=path)
    signing_key(settings)
    assert path.exists() and not (tmp_path / "data").exists()

    ec_key = generate_private_key(SECP256R1())
    path.write_bytes(
        ec_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        signing_key(settings)
    ec_public = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        load_public_key(ec_public)
