"""Who is kept apart from whom by a block, for the packages below the one that knows (social): the inbox
must not name or count, in a line written before a block, the account blocked either way. Social installs
its answer (`social.shield`) through the composition root; these packages see only this port."""

from __future__ import annotations

from typing import Protocol

from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork


class Separation(Protocol):
    def apart_from(self, uow: UnitOfWork, viewer: Actor) -> frozenset[str]:
        """The accounts `viewer` blocked or that blocked `viewer`."""
        ...


class NoSeparation:
    """The answer of a platform no composition root finished: a wiring bug, refused loudly rather than
    showing a person the account they blocked."""

    def apart_from(self, uow: UnitOfWork, viewer: Actor) -> frozenset[str]:
        raise RuntimeError(
            "no separation installed: build the platform with clipshop.assembly.build_platform"
        )
