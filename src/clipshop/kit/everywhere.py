"""A unit of work at home in every region at once, for the few that must see them all and answer for it:
the residency check and export, operator commands, and the demo's seeding. Every other module is kept from
importing this one by an import-linter contract (`pyproject.toml`), so the residency gateway stays the
only door between regions."""

from __future__ import annotations

from clipshop.kit.db import Databases, UnitOfWork


def everywhere(databases: Databases) -> UnitOfWork:
    uow = UnitOfWork(databases)
    uow._everywhere = True
    return uow
