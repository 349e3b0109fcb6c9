"""Who is asking: an account (or a service) with its home region, its role and the jurisdiction it works from,
enough to route to its cell and to decide what it may see without a lookup."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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


@dataclass(frozen=True)
class Actor:
    """The signed-in account a request acts for, or the named service of one region a job runs as."""

    id: str
    region: str
    handle: str
    role: Role = Role.USER
    # Where the actor works from; an account's is its home region unless staff were placed elsewhere.
    jurisdiction: str = ""

    def __post_init__(self) -> None:
        if not self.jurisdiction:
            object.__setattr__(self, "jurisdiction", self.region)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @classmethod
    def service(cls, name: str, region: str) -> Actor:
        """A job working in `region` on the platform's behalf, e.g. `Actor.service("payouts", "eu")`."""
        return cls(id=f"service:{name}", region=region, handle=name, role=Role.SERVICE)
