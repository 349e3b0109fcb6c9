"""Money as integer minor units: parsing what people type, formatting for people, splitting exactly."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies

from clipshop.errors import Invalid

CURRENCIES = frozenset(list_currencies())


def check_currency(code: str, *, field: str = "currency") -> str:
    value = code.strip().upper()
    if value not in CURRENCIES:
        raise Invalid(
            f"{code!r} is not an ISO 4217 currency code (e.g. USD, EUR).",
            code="invalid_currency",
            field=field,
        )
    return value


def to_minor(amount: str, currency: str, *, field: str = "price") -> int:
    """'19.99' USD -> 1999; refuses more decimals than the currency has, negatives and non-numbers."""
    try:
        value = Decimal(amount.strip())
    except (InvalidOperation, AttributeError):
        raise Invalid(
            f"{amount!r} is not an amount; write it like 19.99.", code="invalid_amount", field=field
        ) from None
    digits = get_currency_precision(currency)
    minor = value.scaleb(digits)
    if not value.is_finite() or value < 0 or minor != minor.to_integral_value():
        raise Invalid(
            f"{amount!r} is not a valid {currency} amount (at most {digits} decimals, not negative).",
            code="invalid_amount",
            field=field,
        )
    return int(minor)


def display(minor: int, currency: str, locale: str = "en_US") -> str:
    digits = get_currency_precision(currency)
    return str(format_currency(Decimal(minor).scaleb(-digits), currency, locale=locale))


def basis_points(amount: int, bp: int) -> int:
    """`bp` hundredths of a percent of `amount`, rounded down (the remainder stays with the merchant)."""
    return amount * bp // 10_000


def share(part_of: int, numerator: int, denominator: int) -> int:
    """floor(part_of * numerator / denominator), for allocating a partial amount in proportion."""
    return 0 if denominator == 0 else part_of * numerator // denominator
