"""What an account is known by and must be: an email (found in the directory by its keyed digest), a
handle, and a birth date old enough to sign up."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime

from clipshop.errors import Invalid
from clipshop.kit.actors import Actor

# The youngest a person may sign up at (the usual floor for services with user profiles and messaging).
MIN_SIGNUP_AGE = 13
HANDLE = re.compile(r"^[a-z0-9_.]{3,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def email_digest(email: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def normalise_handle(handle: str) -> str:
    value = handle.strip().lstrip("@").lower()
    if not HANDLE.match(value):
        raise Invalid(
            "A handle is 3 to 30 characters: letters, digits, '_' and '.'.",
            code="invalid_handle",
            field="handle",
        )
    return value


def check_birth_date(birth_date: date, *, now: datetime) -> None:
    """Refuse a birth date in the future, before 1900, or of someone under `MIN_SIGNUP_AGE`."""
    today = now.date()
    if birth_date > today or birth_date.year < 1900:
        raise Invalid(
            "Give your real birth date (YYYY-MM-DD).", code="invalid_birth_date", field="birth_date"
        )
    probe = Actor(id="", region="", handle="", birth_date=birth_date)
    if (probe.age_on(today) or 0) < MIN_SIGNUP_AGE:
        raise Invalid(
            f"You must be at least {MIN_SIGNUP_AGE} to use Clipshop.", code="too_young", field="birth_date"
        )
