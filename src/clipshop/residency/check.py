"""Proof of residency: scan every store and list any personal row or file that sits outside its owner's
home region. A table is personal when it has a foreign key to `users.id` (that column names the owner).

The stores: every region's database and media, the directory (no personal column; no public copy left of
a comment, profile or account that is gone from its home region), the job queue (ids only), each region's
feed models in its media store (no user of another region), and the payment processor's own store (ids and
amounts, never a person's details)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, Table, select

from clipshop.config import MODELS_FOLDER
from clipshop.kit.db import DirectoryBase, RegionBase, UnitOfWork
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform import Platform

# A region's media kept under the id of what they belong to (`videos/<video id>/…`, `avatars/<user id>/…`,
# `products/<product id>/…`): that id's region must be the store's.
MEDIA_KEPT_BY_ID = ("videos", "avatars", "products")

# Column names that must never appear in the directory, whatever the table.
PERSONAL_COLUMN_NAMES = frozenset({"email", "password_hash", "secret_hash", "country", "address", "phone"})

# Ids looked up per query.
CHUNK = 500

# Directory copies of what lives in a home region: (directory table, its key column) -> (region table, key).
# A copy whose original is gone (a deleted comment, an erased account) is personal data left behind.
PROJECTIONS = {
    ("public_comments", "id"): ("comments", "id"),
    ("public_profiles", "user_id"): ("users", "id"),
    ("account_index", "user_id"): ("users", "id"),
}


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
    with everywhere(platform.databases).transaction() as uow:
        violations += _copies_left_behind(uow, platform.databases.regions)
        violations += _other_regions_users_in_models(uow, platform)
    violations += _personal_values_in_the_queue(platform)
    violations += _personal_values_at_the_processor(platform)
    return violations


def _copies_left_behind(uow: UnitOfWork, regions: list[str]) -> list[Violation]:
    found: list[Violation] = []
    for (copy_name, copy_key), (origin_name, origin_key) in PROJECTIONS.items():
        copy = DirectoryBase.metadata.tables[copy_name].c[copy_key]
        keys_by_region: dict[str, list[str]] = defaultdict(list)
        for (key,) in uow.directory.execute(select(copy)):
            if is_valid_id(key, set(regions)):
                keys_by_region[region_of(key)].append(key)
        origin = RegionBase.metadata.tables[origin_name].c[origin_key]
        for region, keys in keys_by_region.items():
            kept: set[str] = set()
            for chunk in _chunks(keys):
                kept.update(uow.region(region).scalars(select(origin).where(origin.in_(chunk))))
            found += [Violation("directory", copy_name, key, region) for key in keys if key not in kept]
    return found


def _other_regions_users_in_models(uow: UnitOfWork, platform: Platform) -> list[Violation]:
    """A region's models (the keys under `models/` in its media store) are fitted on its own people's
    behaviour and name no viewer. Another region's person may appear only as the creator of public videos (a
    model learns who made what); any other user id of another region in a model's files is a finding. So is
    a folder of models where earlier versions kept them, outside every region's store (`data_dir/models/`:
    `clipshop migrate` moves it into the stores)."""
    regions = platform.databases.regions
    found: list[Violation] = []
    left_behind = platform.settings.models_folder()
    if left_behind.is_dir():
        found += [
            Violation("models", root.name, str(root), root.name)
            for root in sorted(left_behind.iterdir())
            if root.is_dir()
        ]
    any_id = re.compile(rb"(" + b"|".join(r.encode() for r in regions) + rb")_[0-9a-f]{32}(?![0-9a-f])")
    users = DirectoryBase.metadata.tables["account_index"].c.user_id
    creators = DirectoryBase.metadata.tables["public_videos"].c.creator_id
    for region in regions:
        store = platform.media_store(region)
        holding: dict[str, str] = {}  # a foreign id -> the first key that holds it
        for key in store.keys(f"{MODELS_FOLDER}/"):
            for match in any_id.finditer(store.read_bytes(key)):
                if match.group(1).decode() != region:
                    holding.setdefault(match.group(0).decode(), key)
        for chunk in _chunks(sorted(holding)):
            people = select(users).where(
                users.in_(chunk), users.not_in(select(creators).where(creators.in_(chunk)))
            )
            for user in uow.directory.scalars(people):
                found.append(Violation(f"models {region}", holding[user], user, region_of(user)))
    return found


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _personal_values_at_the_processor(platform: Platform) -> list[Violation]:
    """The payment processor is told amounts, a card and our ids; a person's details sent along with them
    (an email, an address, a name in a mapping) would leave their region with it. Only the built-in sandbox
    processor's store can be read back; a real processor's is its own."""
    processor = platform.payments
    if not isinstance(processor, SandboxProvider):
        return []
    return [
        Violation("payment processor", table, key, "-")
        for table, key, value in processor.stored()
        if _personal(value)
    ]


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def _personal_values_in_the_queue(platform: Platform) -> list[Violation]:
    """The job queue is shared by every region, so a job carries ids (which route to a region), never
    personal values: an email address, or a mapping with a personal field, in a queued job is reported."""
    return [
        Violation("job queue", name, task_id, "-")
        for task_id, name, args, kwargs in platform.jobs.waiting()
        if _personal(args) or _personal(kwargs)
    ]


def _personal(value: object) -> bool:
    """An email address, or a mapping with a personal field, anywhere in `value`."""
    if isinstance(value, str):
        return bool(EMAIL.fullmatch(value.strip()))
    if isinstance(value, dict):
        return bool(PERSONAL_COLUMN_NAMES & {str(k) for k in value}) or any(map(_personal, value.values()))
    if isinstance(value, list | tuple | set):
        return any(map(_personal, value))
    return False


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
