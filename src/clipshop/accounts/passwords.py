"""Password rules (NIST SP 800-63B: length over composition, common passwords refused) and argon2 hashing."""

from __future__ import annotations

import gc
import importlib
import sys
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clipshop.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verifying against this keeps a log-in for an unknown email as slow as one for a known email.
_DUMMY_HASH = _hasher.hash("clipshop-timing-equaliser")


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords. Importing it builds every word list it has (about 15 MiB);
    only this one is kept, and the package is dropped and collected at once (a server runs full
    collections seldom, and the lists would wait for one)."""
    lists = importlib.import_module("zxcvbn.frequency_lists").FREQUENCY_LISTS
    common = frozenset(lists["passwords"])
    del lists
    for name in [n for n in sys.modules if n == "zxcvbn" or n.startswith("zxcvbn.")]:
        del sys.modules[name]
    gc.collect()
    return common


def check_password_rules(password: str, *, email: str = "", handle: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(
            f"Choose a password of at least {MIN_LENGTH} characters.",
            code="password_too_short",
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise Invalid(
            f"Passwords can be at most {MAX_LENGTH} characters.", code="password_too_long", field="password"
        )
    lowered = password.lower()
    if lowered in common_passwords() or lowered in {
        email.lower(),
        email.split("@")[0].lower(),
        handle.lower(),
    }:
        raise Invalid(
            "That password is among the most common ones or matches your name; choose another.",
            code="password_too_common",
            field="password",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
