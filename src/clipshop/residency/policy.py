"""The residency policy, read from a TOML file an operator can review like code (the default is
`policy.toml` beside this module): which data class each region table holds, the purposes data may be asked
for, and the grants (role, jurisdiction, data class and purpose → allowed, with the fields that may be seen).
What no grant names is refused."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipshop.kit.actors import Role
from clipshop.kit.db import Fence

DEFAULT_FILE = Path(__file__).with_name("policy.toml")
ANY = "*"
HOME = "home"  # a grant's jurisdiction: the actor works under the region whose data it asks for


class PolicyError(ValueError):
    """The policy file is malformed; the message names the entry."""


@dataclass(frozen=True)
class DataClass:
    name: str
    personal: bool
    open: bool
    about: str
    tables: frozenset[str]


@dataclass(frozen=True)
class Grant:
    role: Role
    jurisdiction: str
    data_class: str
    purpose: str
    write: bool
    fields: frozenset[str]
    why: str

    def covers(
        self, *, role: Role, jurisdiction: str, region: str, data_class: str, purpose: str, write: bool
    ) -> bool:
        if self.role is not role or self.purpose != purpose or (write and not self.write):
            return False
        if self.data_class not in (ANY, data_class):
            return False
        if self.jurisdiction == HOME:
            return jurisdiction == region
        return self.jurisdiction in (ANY, jurisdiction)

    def shows(self, field: str) -> bool:
        return ANY in self.fields or field in self.fields


@dataclass(frozen=True)
class Policy(Fence):
    """The fence the databases keep (which table holds which class, which classes are open) and the grants
    the gateway decides by."""

    data_classes: tuple[DataClass, ...] = ()
    purposes: tuple[str, ...] = ()
    grants: tuple[Grant, ...] = ()
    source: str = ""

    def grant_for(
        self, *, role: Role, jurisdiction: str, region: str, data_class: str, purpose: str, write: bool
    ) -> Grant | None:
        """The first grant that allows this, or None (default deny)."""
        for grant in self.grants:
            if grant.covers(
                role=role,
                jurisdiction=jurisdiction,
                region=region,
                data_class=data_class,
                purpose=purpose,
                write=write,
            ):
                return grant
        return None

    def personal_classes(self) -> frozenset[str]:
        return frozenset(c.name for c in self.data_classes if c.personal)

    def unclassified(self, tables: Iterable[str]) -> list[str]:
        """Of `tables`, those no class names (a new table must be classed before it ships)."""
        return sorted(t for t in tables if t not in self.classes)


def load(path: Path | None = None) -> Policy:
    """Read and check a policy file (the default one when `path` is None)."""
    path = path or DEFAULT_FILE
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PolicyError(f"cannot read the residency policy {path}: {e}") from e
    return parse(raw, source=str(path))


def parse(raw: dict[str, Any], *, source: str = "<policy>") -> Policy:
    data_classes: list[DataClass] = []
    classes: dict[str, str] = {}
    for name, entry in raw.get("classes", {}).items():
        tables = frozenset(entry.get("tables", []))
        for table in tables:
            if table in classes:
                raise PolicyError(f"{source}: table {table} is in both {classes[table]} and {name}")
            classes[table] = name
        personal = bool(entry.get("personal", True))
        is_open = bool(entry.get("open", False))
        if personal and is_open:
            raise PolicyError(f"{source}: class {name} is personal and cannot be open to every region")
        data_classes.append(DataClass(name, personal, is_open, str(entry.get("about", "")), tables))
    purposes = tuple(raw.get("purposes", {}))
    known_classes = {c.name for c in data_classes}
    grants: list[Grant] = []
    for number, entry in enumerate(raw.get("grants", []), start=1):
        where = f"{source}: grant {number}"
        try:
            role = Role(entry["role"])
            grant = Grant(
                role=role,
                jurisdiction=str(entry["jurisdiction"]),
                data_class=str(entry["data_class"]),
                purpose=str(entry["purpose"]),
                write=bool(entry.get("write", False)),
                fields=frozenset(entry.get("fields", [])),
                why=str(entry.get("why", "")),
            )
        except (KeyError, ValueError) as e:
            raise PolicyError(
                f"{where}: {e!r} (a grant needs role, jurisdiction, data_class, purpose)"
            ) from e
        if grant.data_class != ANY and grant.data_class not in known_classes:
            raise PolicyError(f"{where}: no data class {grant.data_class!r}")
        if grant.purpose not in purposes:
            raise PolicyError(f"{where}: no purpose {grant.purpose!r}")
        if not grant.fields:
            raise PolicyError(f'{where}: name the fields it shows, or "*"')
        grants.append(grant)
    return Policy(
        classes=classes,
        open_to_read=frozenset(c.name for c in data_classes if c.open),
        data_classes=tuple(data_classes),
        purposes=purposes,
        grants=tuple(grants),
        source=source,
    )
