"""Who is asking: an account (or a service) with its home region, its role and the jurisdiction it works from,
enough to route to its cell and to decide what it may see without a lookup."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Role(enum.StrEnum):
    """What an actor is, as the residency policy names it. Platform staff get theirs from
    `clipshop staff add`; merchant, creator and advertiser are what a user is to the records at hand (staff
    of the shop that owns an order, the creator of a video), claimed by the domain that knows it and checked
    by the gateway."""

    USER = "user"
    MERCHANT = "merchant"
    CREATOR = "creator"
    ADVERTISER = "advertiser"
    SUPPORT = "support"
    MODERATOR = "moderator"
    OPERATOR = "operator"
    SERVICE = "service"


STAFF_ROLES = frozenset({Role.SUPPORT, Role.MODERATOR, Role.OPERATOR})
ADULT_AGE = 18


@dataclass(frozen=True)
class Actor:
    """The signed-in account a request acts for, or the named service of one region a job runs as."""

    id: str
    region: str
    handle: str
    role: Role = Role.USER
    # Where the actor works from; an account's is its home region unless staff were placed elsewhere.
    jurisdiction: str = ""
    # The account's birth date, from its home region (None when it never gave one): what its age is worked
    # out from, e.g. to hide age-restricted videos from minors.
    birth_date: date | None = None

    def __post_init__(self) -> None:
        if not self.jurisdiction:
            object.__setattr__(self, "jurisdiction", self.region)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def age_on(self, day: date) -> int | None:
        """Whole years of age on `day`, or None when the birth date is unknown."""
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_adult_on(self, day: date) -> bool:
        """18 or older on `day`; an unknown age is not taken for an adult."""
        age = self.age_on(day)
        return age is not None and age >= ADULT_AGE

    @classmethod
    def service(cls, name: str, region: str) -> Actor:
        """A job working in `region` on the platform's behalf, e.g. `Actor.service("payouts", "eu")`."""
        return cls(id=f"service:{name}", region=region, handle=name, role=Role.SERVICE)
