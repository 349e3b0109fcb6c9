"""The one door between regions. Code that needs personal data outside its unit of work's home region, or
staff who need anyone's, asks `access(...)`: the policy decides, the region's audit log records the
decision (allowed or denied, in its own transaction, so a rolled-back request cannot erase it), and only
then does the unit of work reach the data class asked for, for the length of the block.

    door = gateway.access(uow, region, data_class="orders", purpose="fulfilment", records=[order_id],
                          reason=f"shop {shop_id}", role=Role.MERCHANT, entitled=is_staff)
    order = door.db.get(Order, order_id)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clipshop.errors import Forbidden
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import Databases, UnitOfWork, is_sqlite
from clipshop.residency import audit
from clipshop.residency.policy import Grant, Policy

# Roles a user may claim towards the records at hand (checked by `entitled`); the others must be held.
CLAIMABLE = frozenset({Role.USER, Role.MERCHANT, Role.CREATOR, Role.ADVERTISER})


# Who asks when no one has signed in: no grant names it, so it is always refused (and recorded).
ANONYMOUS = Actor(id="anonymous", region="", handle="anonymous", jurisdiction="nowhere")


class AccessDenied(Forbidden):
    code = "access_denied"


@dataclass(frozen=True)
class Door:
    """What the gateway opened: the region's session (reaching the granted class only) and the grant, which
    says which fields may be shown."""

    db: Session
    grant: Grant
    region: str
    uow: UnitOfWork
    data_class: str
    purpose: str
    role: Role

    def shows(self, field: str) -> bool:
        return self.grant.shows(field)

    def refuse(self, records: Iterable[str], reason: str) -> AccessDenied:
        """Record that what the door found is not the actor's to see (an order of another shop) and return
        the 403 to raise; the caller must not use what it read."""
        actor = self.uow.actor or ANONYMOUS
        _record(
            self.uow,
            self.region,
            actor,
            self.role,
            self.data_class,
            self.purpose,
            tuple(records),
            f"refused: {reason}",
            None,
        )
        return AccessDenied(
            f"Not yours to see: {reason}.",
            region=self.region,
            data_class=self.data_class,
            purpose=self.purpose,
        )


def install(databases: Databases, policy: Policy) -> None:
    """Make `policy` the fence of these databases and the rule book of the gateway."""
    databases.fence = policy


def policy_of(databases: Databases) -> Policy:
    fence = databases.fence
    if not isinstance(fence, Policy):
        raise RuntimeError("no residency policy is installed on these databases (residency.gateway.install)")
    return fence


def access(
    uow: UnitOfWork,
    region: str,
    *,
    data_class: str,
    purpose: str,
    records: Iterable[str] = (),
    reason: str = "",
    role: Role | None = None,
    entitled: bool = True,
    write: bool = False,
    actor: Actor | None = None,
) -> Door:
    """Open `data_class` of `region` to `actor` for `purpose` for the rest of the unit of work, or raise
    AccessDenied (a 403 problem).

    `role` is what the actor claims to be to these records (a merchant of the shop that owns them, a
    creator of the video); `entitled` is the claiming domain's check of that claim. Platform staff roles
    cannot be claimed, only held. The actor is the unit of work's unless given. Either way the decision is
    written to `region`'s audit log."""
    (door,) = access_all(uow, region, data_classes=[data_class], purpose=purpose, records=records,
                         reason=reason, role=role, entitled=entitled, write=write, actor=actor)  # fmt: skip
    return door


def access_all(
    uow: UnitOfWork,
    region: str,
    *,
    data_classes: Sequence[str],
    purpose: str,
    records: Iterable[str] = (),
    reason: str = "",
    role: Role | None = None,
    entitled: bool = True,
    write: bool = False,
    actor: Actor | None = None,
) -> list[Door]:
    """`access` to several data classes at once: each decided on its own and written to the audit log as its
    own entry, the entries appended together (one serialised append instead of one per class). Raises
    AccessDenied for the first class refused, once every decision is recorded."""
    policy = policy_of(uow.databases)
    actor = actor or uow.actor or ANONYMOUS
    claimed = role or actor.role
    records = tuple(records)
    decided: list[tuple[str, Grant | None, str]] = []
    for data_class in data_classes:
        grant = None
        refusal = ""
        if claimed not in CLAIMABLE and claimed is not actor.role:
            refusal = f"{actor.role} cannot act as {claimed}"
        elif not entitled:
            refusal = f"not a {claimed} of these records"
        else:
            grant = policy.grant_for(
                role=claimed,
                jurisdiction=actor.jurisdiction,
                region=region,
                data_class=data_class,
                purpose=purpose,
                write=write,
            )
            if grant is None:
                refusal = "no grant"
        decided.append((data_class, grant, refusal))
    _record_all(
        uow,
        region,
        [
            _decision(actor, claimed, data_class, purpose, records,
                      reason if grant is not None else f"{reason}; refused: {refusal}".lstrip("; "), grant)
            for data_class, grant, refusal in decided
        ],
    )  # fmt: skip
    doors = []
    for data_class, grant, refusal in decided:
        if grant is None:
            raise AccessDenied(
                f"{claimed} from {actor.jurisdiction} may not {'change' if write else 'see'} {data_class} "
                f"in {region} for {purpose} ({refusal}).",
                region=region,
                data_class=data_class,
                purpose=purpose,
            )
        db = uow.admit(region, _classes(policy, data_class), write=write)
        doors.append(
            Door(
                db=db,
                grant=grant,
                region=region,
                uow=uow,
                data_class=data_class,
                purpose=purpose,
                role=claimed,
            )
        )
    return doors


def _classes(policy: Policy, data_class: str) -> set[str]:
    if data_class == "*":
        return {c.name for c in policy.data_classes}
    return {data_class}


def _record(
    uow: UnitOfWork,
    region: str,
    actor: Actor,
    role: Role,
    data_class: str,
    purpose: str,
    records: tuple[str, ...],
    reason: str,
    grant: Grant | None,
) -> None:
    _record_all(uow, region, [_decision(actor, role, data_class, purpose, records, reason, grant)])


def _decision(
    actor: Actor,
    role: Role,
    data_class: str,
    purpose: str,
    records: tuple[str, ...],
    reason: str,
    grant: Grant | None,
) -> audit.Decision:
    return audit.Decision(
        actor_id=actor.id,
        role=str(role),
        jurisdiction=actor.jurisdiction,
        data_class=data_class,
        purpose=purpose,
        records=records,
        reason=reason,
        allowed=grant is not None,
        fields=tuple(sorted(grant.fields)) if grant is not None else (),
    )


def _record_all(uow: UnitOfWork, region: str, decisions: list[audit.Decision]) -> None:
    engine, at = uow.databases.region_engines[region], datetime.now(UTC)
    if is_sqlite(engine) and uow.holds_writes(region):
        # SQLite has one write lock per database and this unit of work holds it: the entries are appended,
        # in their own transaction still, the moment the unit of work lets go (committed or rolled back).
        uow.after_end(lambda: _append(engine, decisions, at))
    else:
        _append(engine, decisions, at)


def _append(engine: Engine, decisions: list[audit.Decision], at: datetime) -> None:
    audit.append_rows(engine, decisions, at=at)
