"""What a viewer must not see of other accounts: those they blocked or that blocked them (both ways, for
feeds, profiles, comments, follows) and those they muted (their feeds only).

A block is the blocker's record, in the blocker's region. Blocks the viewer made, and blocks by accounts of
the viewer's own region, are read at home. A blocker in another region left a `BlockHint` in the viewer's
region when they blocked (the region, never who); only for those regions does the viewer's request ask,
through the residency gateway (purpose `blocking`, logged in that region's audit log), which of that
region's accounts blocked the viewer. A viewer nobody abroad blocked costs no question abroad.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from clipshop.errors import Forbidden, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.residency import gateway
from clipshop.social.models import Block, BlockHint, Mute


class Blocked(Forbidden):
    code = "blocked"


@dataclass(frozen=True)
class Shield:
    """Accounts a viewer blocked (`blocking`), accounts that blocked the viewer (`blocked_by`) and accounts
    the viewer muted (`muted`)."""

    blocking: frozenset[str] = frozenset()
    blocked_by: frozenset[str] = frozenset()
    muted: frozenset[str] = frozenset()

    @property
    def apart(self) -> frozenset[str]:
        """Blocked either way: nothing of theirs is shown, nothing passes between them."""
        return self.blocking | self.blocked_by

    @property
    def out_of_feeds(self) -> frozenset[str]:
        """Creators whose videos the viewer's feeds skip: blocked either way, or muted."""
        return self.apart | self.muted


NO_SHIELD = Shield()


def shield_of(uow: UnitOfWork, viewer: Actor | None) -> Shield:
    """The viewer's shield (empty for a signed-out visitor)."""
    if viewer is None:
        return NO_SHIELD
    db = uow.region(viewer.region)
    blocking = frozenset(db.scalars(select(Block.blocked_id).where(Block.blocker_id == viewer.id)))
    blocked_by = set(db.scalars(select(Block.blocker_id).where(Block.blocked_id == viewer.id)))
    abroad = db.scalars(select(BlockHint.region).where(BlockHint.user_id == viewer.id))
    for region in sorted(set(abroad) - {viewer.region}):
        if region not in uow.databases.region_engines:
            continue  # a region carved out of this deployment: nothing of it is shown any more
        blocked_by |= _blockers_in(uow, region, viewer)
    muted = frozenset(db.scalars(select(Mute.muted_id).where(Mute.muter_id == viewer.id)))
    return Shield(blocking=blocking, blocked_by=frozenset(blocked_by), muted=muted)


def _blockers_in(uow: UnitOfWork, region: str, viewer: Actor) -> set[str]:
    door = gateway.access(
        uow,
        region,
        data_class="blocks",
        purpose="blocking",
        records=[viewer.id],
        reason=f"which accounts of {region} blocked {viewer.id}",
        actor=viewer,
    )
    return set(door.db.scalars(select(Block.blocker_id).where(Block.blocked_id == viewer.id)))


class ShieldSeparation:
    """The shield as the inbox asks it (`kit.separation`): the accounts apart from a viewer by a block."""

    def apart_from(self, uow: UnitOfWork, viewer: Actor) -> frozenset[str]:
        return shield_of(uow, viewer).apart


def refuse_across_block(shield: Shield, user_ids: Iterable[str], *, doing: str) -> None:
    """Refuse (403 `blocked`) an action between the viewer and any of `user_ids` blocked either way."""
    for user_id in user_ids:
        if user_id in shield.blocking:
            raise Blocked(f"You blocked this account; unblock it to {doing}.", user_id=user_id)
        if user_id in shield.blocked_by:
            raise Blocked(f"You cannot {doing}: this account is not available to you.", user_id=user_id)


def guard_account(shield: Shield, user_id: str, *, what: str) -> None:
    """Refuse to show what belongs to `user_id`: as missing (404) when they blocked the viewer, and as
    blocked (403 `blocked`) when the viewer blocked them, so the viewer knows to unblock."""
    if user_id in shield.blocked_by:
        raise NotFound(what)
    if user_id in shield.blocking:
        raise Blocked(f"You blocked this account; unblock it to see its {what}.", user_id=user_id)
