"""Proof of residency: scan every store and list any personal row or file that sits outside its owner's
home region. A table is personal when it has a foreign key to `users.id` (that column names the owner)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, Table, select

from clipshop.kit.db import DirectoryBase, RegionBase
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.platform import Platform

# A region's media kept under the id of what they belong to (`videos/<video id>/…`, `avatars/<user id>/…`,
# `products/<product id>/…`): that id's region must be the store's.
MEDIA_KEPT_BY_ID = ("videos", "avatars", "products")

# Column names that must never appear in the directory, whatever the table.
PERSONAL_COLUMN_NAMES = frozenset({"email", "password_hash", "secret_hash", "country", "address", "phone"})


@dataclass(frozen=True)
class Violation:
    store: str
    table: str
    row: str
    owner_region: str

    def __str__(self) -> str:
        return f"{self.store}: {self.table} row {self.row} belongs to region {self.owner_region}"


def owner_columns(metadata: MetaData) -> dict[str, Column[str]]:
    """For each personal table, the column holding the owning user's id (of the tables imported so far:
    the caller imports every domain's models first, `clipshop.migrations.load_models`)."""
    owners: dict[str, Column[str]] = {}
    for table in metadata.sorted_tables:
        if table.name == "users":
            owners[table.name] = table.c.id
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "users" and fk.column.name == "id":
                owners.setdefault(table.name, fk.parent)
    return owners


def _row_label(table: Table, row: object) -> str:
    return ",".join(str(getattr(row, c.name)) for c in table.primary_key.columns)


def check_residency(platform: Platform) -> list[Violation]:
    violations: list[Violation] = []
    owners = owner_columns(RegionBase.metadata)
    for region in platform.databases.regions:
        with everywhere(platform.databases).transaction() as uow:
            db = uow.region(region)
            for name, column in owners.items():
                table = column.table
                assert isinstance(table, Table)
                for row in db.execute(select(table)):
                    owner = getattr(row, column.name)
                    if region_of(owner) != region:
                        violations.append(
                            Violation(f"region {region}", name, _row_label(table, row), region_of(owner))
                        )
        for upload_id in platform.upload_volumes[region].upload_ids():
            if region_of(upload_id) != region:
                violations.append(Violation(f"media {region}", "uploads", upload_id, region_of(upload_id)))
        violations += _media_out_of_place(platform, region)
    for table in DirectoryBase.metadata.sorted_tables:
        for column in table.columns:
            if column.name in PERSONAL_COLUMN_NAMES:
                violations.append(Violation("directory", table.name, f"column {column.name}", "-"))
    violations += _personal_values_in_the_queue(platform)
    return violations


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def _personal_values_in_the_queue(platform: Platform) -> list[Violation]:
    """The job queue is shared by every region, so a job carries ids (which route to a region), never
    personal values: an email address, or a mapping with a personal field, in a queued job is reported."""
    found: list[Violation] = []

    def personal(value: object) -> bool:
        if isinstance(value, str):
            return bool(EMAIL.fullmatch(value.strip()))
        if isinstance(value, dict):
            return bool(PERSONAL_COLUMN_NAMES & {str(k) for k in value}) or any(map(personal, value.values()))
        if isinstance(value, list | tuple | set):
            return any(map(personal, value))
        return False

    for task_id, name, args, kwargs in platform.jobs.waiting():
        if personal(args) or personal(kwargs):
            found.append(Violation("job queue", name, task_id, "-"))
    return found


def _media_out_of_place(platform: Platform, region: str) -> list[Violation]:
    store = platform.media_store(region)
    found: list[Violation] = []
    for kind in MEDIA_KEPT_BY_ID:
        owners = sorted({key.split("/")[1] for key in store.keys(kind) if key.count("/") >= 2})
        for owner in owners:
            owner_region = region_of(owner) if is_valid_id(owner) else "unknown"
            if owner_region != region:
                found.append(Violation(f"media {region}", kind, owner, owner_region))
    return found
