"""The access audit log of a region: every access decision about the region's data, kept in that region.

Entries are numbered 1, 2, 3… with no gaps and chained: an entry's `hash` is the hex SHA-256 of its
canonical form, which holds the previous entry's hash (`prev_hash`, 64 zeros for the first entry). The
canonical form is the UTF-8 JSON object of the keys `actor_id at data_class fields jurisdiction prev_hash
purpose reason records result role seq`, keys sorted, no whitespace (separators `,` and `:`), other than
ASCII characters written as themselves, `at` in ISO 8601 in UTC with microseconds
(`2026-06-01T12:00:00.000000+00:00`), `records` and `fields` as lists of strings. Anyone holding a copy of
the table can recompute every hash.

The database refuses UPDATE and DELETE on the table. Whoever can drop that trigger can also rewrite the
table and recompute every hash after the change, so `verify` alone shows only that the log is consistent
in itself. A signed head (`head`), given to someone outside the database, pins one entry's hash:
`check_head` then finds a rewrite up to that entry and a removed tail.

`BrokenAuditLog` is raised by `head` for a log that does not verify; `ValueError` for a decision that
cannot be recorded as given and for a signed head or key that cannot be read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select, text

from clipshop.config import Settings
from clipshop.kit.db import Prebuilt, PrebuiltInsert, pipelined, table_of
from clipshop.residency.models import (
    ACTOR_ID_LENGTH,
    DATA_CLASS_LENGTH,
    JURISDICTION_LENGTH,
    PURPOSE_LENGTH,
    ROLE_LENGTH,
    AuditEntry,
)

__all__ = [
    "AuditEntry",
    "BrokenAuditLog",
    "Decision",
    "SignedHead",
    "Verification",
    "append",
    "check_head",
    "entry_hash",
    "head",
    "load_public_key",
    "public_key_pem",
    "signing_key",
    "verify",
]

ZERO_HASH = "0" * 64
HEAD_FORMAT = "clipshop-audit-head-1"
# The PostgreSQL advisory lock that serialises appends to a region's log ("auditlog" as a number). Advisory
# locks belong to one database, and each region has its own, so regions never wait for each other.
APPEND_LOCK = int.from_bytes(b"auditlog", "big")

_TABLE = AuditEntry.__table__
_LIMITS = {
    "actor_id": ACTOR_ID_LENGTH,
    "role": ROLE_LENGTH,
    "jurisdiction": JURISDICTION_LENGTH,
    "data_class": DATA_CLASS_LENGTH,
    "purpose": PURPOSE_LENGTH,
}


@dataclass(frozen=True)
class Decision:
    """What the gateway decided about one access: who, from where, which data for what, and the answer."""

    actor_id: str  # a user id, "service:<name>" for jobs, "operator:cli" for commands
    role: str  # user, merchant, creator, advertiser, support, moderator, operator, service
    jurisdiction: str  # the region the actor works from
    data_class: str  # contact, addresses, behaviour, orders, private_content, public_content…
    purpose: str  # fulfilment, returns, support, moderation, legal_request, aggregate_analytics, service…
    records: tuple[str, ...]  # ids of the records touched (empty for a query)
    reason: str  # why: a ticket, an order id, the rule's name
    allowed: bool
    fields: tuple[str, ...] = ()  # the fields the grant exposed

    def __post_init__(self) -> None:
        for name, limit in _LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"Decision.{name} must be a non-empty string, not {value!r}")
            if len(value) > limit:
                raise ValueError(f"Decision.{name} is {len(value)} characters long; at most {limit} fit")
        if not isinstance(self.reason, str):
            raise ValueError(f"Decision.reason must be a string, not {self.reason!r}")
        if not isinstance(self.allowed, bool):
            raise ValueError(f"Decision.allowed must be True or False, not {self.allowed!r}")
        for name in ("records", "fields"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"Decision.{name} must be a tuple of strings, not {value!r}")


@dataclass(frozen=True)
class Verification:
    """What recomputing a log's chain found. `first_broken` is the first entry (by number) that is
    missing, altered or out of place; `problem` says what is wrong in words."""

    ok: bool
    count: int  # entries in the log
    first_broken: int | None = None
    problem: str | None = None


class BrokenAuditLog(RuntimeError):
    """The log does not verify, so its head is not signed."""

    def __init__(self, verification: Verification) -> None:
        super().__init__(f"the audit log does not verify: {verification.problem}")
        self.verification = verification


@dataclass(frozen=True)
class SignedHead:
    """A region's log as it stood at `at`: its last entry `seq` (0 for an empty log) and that entry's
    `hash`, signed with the deployment's Ed25519 audit key (`signature`, base64). Kept by someone outside
    the database, it later proves the log still holds that entry unchanged, and everything before it."""

    region: str
    seq: int
    hash: str
    at: datetime
    signature: str

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers."""
        return _head_bytes(self.region, self.seq, self.hash, self.at)

    def to_json(self) -> str:
        body = {
            "format": HEAD_FORMAT,
            "region": self.region,
            "seq": self.seq,
            "hash": self.hash,
            "at": _timestamp(self.at),
            "signature": self.signature,
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def from_json(cls, document: str | bytes) -> SignedHead:
        """Read a head written by `to_json`; ValueError says what is wrong with anything else."""
        try:
            body = json.loads(document)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a signed audit head: not JSON ({error})") from None
        if not isinstance(body, dict) or body.get("format") != HEAD_FORMAT:
            raise ValueError(f"not a signed audit head: expected a JSON object with format {HEAD_FORMAT!r}")
        region, seq, hash_, at, signature = (
            body.get(key) for key in ("region", "seq", "hash", "at", "signature")
        )
        if not isinstance(region, str) or not region:
            raise ValueError("not a signed audit head: region must be a non-empty string")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("not a signed audit head: seq must be a whole number, 0 or more")
        if not isinstance(hash_, str) or not _is_hex_hash(hash_):
            raise ValueError("not a signed audit head: hash must be 64 lowercase hexadecimal digits")
        if not isinstance(signature, str):
            raise ValueError("not a signed audit head: signature must be a base64 string")
        if not isinstance(at, str):
            raise ValueError("not a signed audit head: at must be an ISO 8601 time")
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise ValueError(f"not a signed audit head: at {at!r} is not an ISO 8601 time") from None
        if when.tzinfo is None:
            raise ValueError(f"not a signed audit head: at {at!r} has no time zone")
        return cls(region=region, seq=seq, hash=hash_, at=when.astimezone(UTC), signature=signature)


def append(engine: Engine, decision: Decision, *, at: datetime) -> AuditEntry:
    """Record `decision` as the next entry of the log in `engine`'s database (a region's), committed at
    once on a connection and in a transaction of its own: a caller that rolls back keeps the entry.

    Appends are serialised: on PostgreSQL by an advisory lock held to the commit, on SQLite by taking the
    write lock at the start (BEGIN IMMEDIATE). SQLite has one writer at a time, so while another connection
    holds a write transaction on the same database (a request that has already written to this region and
    not committed) the append waits for it, then fails at the engine's busy timeout: on SQLite, record a
    decision before writing to the region it is about, or after committing."""
    (entry,) = append_all(engine, [decision], at=at)
    return entry


def append_all(engine: Engine, decisions: Sequence[Decision], *, at: datetime) -> list[AuditEntry]:
    """`append` for several decisions taken together (one access to several data classes): the entries
    follow each other in the log, appended in one serialised transaction."""
    return [AuditEntry(**row) for row in append_rows(engine, decisions, at=at)]


def append_rows(engine: Engine, decisions: Sequence[Decision], *, at: datetime) -> list[dict[str, Any]]:
    """`append_all`, giving back the entries' column values rather than mapped rows (the gateway, on hot
    paths, needs neither)."""
    if at.tzinfo is None:
        raise ValueError("append needs an aware datetime (UTC) for `at`")
    at = at.astimezone(UTC)
    rows: list[dict[str, Any]] = [
        {
            "at": at,
            "actor_id": decision.actor_id,
            "role": decision.role,
            "jurisdiction": decision.jurisdiction,
            "data_class": decision.data_class,
            "purpose": decision.purpose,
            "records": _json_list(decision.records),
            "reason": decision.reason,
            "result": "allowed" if decision.allowed else "denied",
            "fields": _json_list(decision.fields),
        }
        for decision in decisions
    ]
    with engine.connect() as conn:
        seq, prev = _begin_serialised(conn)
        for row in rows:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["hash"] = prev = _hash_of(row)
        with pipelined(conn) as send_commit:
            _INSERT.run(conn, rows)
            send_commit()
        conn.commit()
    return rows


def verify(engine: Engine) -> Verification:
    """Recompute the whole chain of the log in `engine`'s database and say where it first breaks."""
    verification, _seq, _hash = _walk(engine)
    return verification


def head(engine: Engine, region: str, key: Ed25519PrivateKey, *, at: datetime | None = None) -> SignedHead:
    """Sign the last entry of `region`'s log (in `engine`'s database), at `at` (now by default). Only a
    log that verifies is signed: signing a broken one would vouch for the damage (BrokenAuditLog)."""
    verification, seq, last_hash = _walk(engine)
    if not verification.ok:
        raise BrokenAuditLog(verification)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    signature = key.sign(_head_bytes(region, seq, last_hash, when))
    return SignedHead(
        region=region, seq=seq, hash=last_hash, at=when, signature=base64.b64encode(signature).decode()
    )


def check_head(engine: Engine, signed: SignedHead, public_key: Ed25519PublicKey) -> Verification:
    """Whether `signed` was signed by `public_key`'s owner, and the log in `engine`'s database still holds
    entry `signed.seq` with `signed.hash` and its whole chain verifies. Finds what `verify` cannot: a
    removed tail, and a rewrite whose hashes were recomputed (up to the signed entry)."""
    try:
        public_key.verify(base64.b64decode(signed.signature, validate=True), signed.signed_bytes())
    except (InvalidSignature, ValueError):  # a bad signature, or one that is not even base64
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(_TABLE)).scalar_one()
        problem = "the signature does not match: the head was not signed with this key, or was changed since"
        return Verification(ok=False, count=count, problem=problem)
    verification, _seq, _hash = _walk(engine, pin=(signed.seq, signed.hash))
    return verification


def entry_hash(entry: AuditEntry) -> str:
    """The hex SHA-256 of `entry`'s canonical form (see the module's docstring); equals `entry.hash`
    for an entry nobody changed. ValueError when its records or fields are not JSON lists of strings."""
    return _hash_of({column.name: getattr(entry, column.name) for column in _TABLE.c})


def signing_key(settings: Settings, *, create: bool = True) -> Ed25519PrivateKey:
    """The deployment's audit signing key, read from `settings.audit_key_path()`; made there on first use
    (readable by its owner only) unless `create` is false (then FileNotFoundError)."""
    path = settings.audit_key_path()
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"there is no audit signing key at {path}")
        _create_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half of `key` as PEM (SubjectPublicKeyInfo), for whoever keeps and checks heads."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValueError for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"the PEM holds a {type(key).__name__}, not an Ed25519 public key")
    return key


# Prebuilt (kit.db.prebuilt): an append runs on hot paths (a checkout that crosses regions), so its
# statements are compiled once and sent straight to the driver.
_SERIALISED = Prebuilt(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
_LOCK = Prebuilt(text("SELECT pg_advisory_xact_lock(:key)"))
_LAST = Prebuilt(select(_TABLE.c.seq, _TABLE.c.hash).order_by(_TABLE.c.seq.desc()).limit(1))
_INSERT = PrebuiltInsert(table_of(AuditEntry))


def _begin_serialised(conn: Connection) -> tuple[int, str]:
    """Start `conn`'s transaction so that no other append to the same log can run until it ends; the
    number and hash of the log's last entry (0 and zeros for an empty log)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # Each statement after the lock must see the entry committed by whoever held it before; under
        # READ COMMITTED (for this transaction) it does. The three go in one round trip.
        with pipelined(conn):
            _SERIALISED.run(conn, {})
            _LOCK.run(conn, {"key": APPEND_LOCK})
            last = _LAST.rows(conn, {})
    elif dialect == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        last = _LAST.rows(conn, {})
    else:
        raise NotImplementedError(f"no serialised audit appends on {dialect}")
    return (int(last[0][0]), str(last[0][1])) if last else (0, ZERO_HASH)


def _walk(engine: Engine, pin: tuple[int, str] | None = None) -> tuple[Verification, int, str]:
    """Recompute the chain in order of `seq`; with `pin`, entry pin[0] must also have hash pin[1]. Returns
    the verification, and the number and hash of the last entry before the first break."""
    count, expected, prev = 0, 1, ZERO_HASH
    broken: tuple[int, str] | None = None
    if pin is not None and pin[0] == 0 and pin[1] != ZERO_HASH:
        broken = (0, f"the signed head gives entry 0 (an empty log) the hash {_short(pin[1])}, not zeros")
    with engine.connect() as conn:
        rows = conn.execution_options(yield_per=1000).execute(select(_TABLE).order_by(_TABLE.c.seq))
        for row in rows:
            count += 1
            if broken is not None:
                continue  # only count the rest
            problem = _row_problem(row._mapping, expected, prev)
            if problem is not None:
                broken = (min(row.seq, expected), problem)
                continue
            if pin is not None and row.seq == pin[0] and row.hash != pin[1]:
                broken = (
                    row.seq,
                    f"entry {row.seq} no longer has the hash the signed head holds ({_short(pin[1])}, now"
                    f" {_short(row.hash)}): the log was rewritten up to that entry",
                )
                continue
            expected, prev = row.seq + 1, row.hash
    last = expected - 1
    if broken is None and pin is not None and pin[0] > last:
        gone = f"entry {pin[0]} was" if pin[0] == last + 1 else f"entries {last + 1} to {pin[0]} were"
        broken = (
            last + 1,
            f"the signed head holds entry {pin[0]}, but the log ends at entry {last}: {gone} removed",
        )
    if broken is None:
        return Verification(ok=True, count=count), last, prev
    return Verification(ok=False, count=count, first_broken=broken[0], problem=broken[1]), last, prev


def _row_problem(row: Mapping[Any, Any], expected: int, prev: str) -> str | None:
    seq = row["seq"]
    if seq > expected:
        if expected == 1:
            return f"entry 1 is missing: the log starts at entry {seq}"
        missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected} to {seq - 1} are"
        return f"{missing} missing: the log goes from entry {expected - 1} to entry {seq}"
    if seq < expected:
        return f"entry {seq} is out of place: entry {expected} comes next"
    if row["prev_hash"] != prev:
        before = "the first entry's, zeros" if seq == 1 else f"entry {seq - 1}'s, {_short(prev)}"
        return (
            f"entry {seq} does not follow the entry before it: it names {_short(row['prev_hash'])} as the"
            f" previous hash instead of {before} (an entry was removed, inserted or moved)"
        )
    try:
        recomputed = _hash_of(row)
    except ValueError as error:
        return f"entry {seq} was altered: {error}"
    if recomputed != row["hash"]:
        return (
            f"entry {seq} was altered: its contents hash to {_short(recomputed)}, but it records"
            f" {_short(row['hash'])}"
        )
    return None


def _hash_of(values: Mapping[Any, Any]) -> str:
    canonical = {
        "seq": values["seq"],
        "at": _timestamp(values["at"]),
        "actor_id": values["actor_id"],
        "role": values["role"],
        "jurisdiction": values["jurisdiction"],
        "data_class": values["data_class"],
        "purpose": values["purpose"],
        "records": _string_list(values["records"], "records"),
        "reason": values["reason"],
        "result": values["result"],
        "fields": _string_list(values["fields"], "fields"),
        "prev_hash": values["prev_hash"],
    }
    return hashlib.sha256(_canonical_json(canonical)).hexdigest()


def _head_bytes(region: str, seq: int, hash_: str, at: datetime) -> bytes:
    return _canonical_json(
        {"format": HEAD_FORMAT, "region": region, "seq": seq, "hash": hash_, "at": _timestamp(at)}
    )


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), separators=(",", ":"), ensure_ascii=False)


def _string_list(stored: str, name: str) -> list[str]:
    try:
        items = json.loads(stored)
    except (TypeError, json.JSONDecodeError):
        items = None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"its {name} are not a JSON list of strings")
    return items


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _is_hex_hash(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _short(hash_: str) -> str:
    return f"{hash_[:12]}…"


def _create_key(path: Path) -> None:
    """Write a new key to `path` unless another process does first: the key is written whole to a
    private temporary file, then linked into place, which never replaces a file that exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        # FileExistsError: another process made the key first, and everyone uses that one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
