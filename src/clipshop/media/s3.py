"""The S3 adapter of the media port: a region's finished media in a bucket of its own on any S3-compatible
service (AWS S3, MinIO, Ceph, R2…), fetched by viewers from the bucket's public address or a CDN in front
of it, never through the app.

- **Names.** An object is named by its key, so `url(key)` is `{public base}/{key}`: the files of a folder
  keep their relative paths and an HLS playlist's relative URIs find its segments (a presigned URL would not:
  each carries its own query).
- **The gate.** Files of a withheld or adults-only video must not be served to whoever holds their URL, which
  a public bucket cannot ask. `conceal` moves a folder under `gated/`, which the bucket's policy never makes
  public (`public_read_policy`); the app's `/media` route reads it there for whoever the gate lets through
  (`gated_url`). Every read looks at the public name first and then under `gated/`; a move copies before it
  deletes, so a reader finds the file all along.
- **Replacing a folder** (`put_folder`, a video's ladder). S3 has no rename, so the new set is written in the
  order a player reads backwards: segments and pictures first, then the rungs' playlists, the master playlist
  last, and only then are the old set's leftovers deleted. Each object is replaced whole; a player that
  follows the new master finds every file it names, and one still on the old master finds the old files
  until the new ones have replaced them. A folder written while concealed is written under `gated/`.
- **Large files** go up in parts (`multipart_bytes`, boto3's transfer manager), several at once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import ClientError

from clipshop.errors import NotFound
from clipshop.kit.ports import StoredMedia
from clipshop.media import served

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType

# Where concealed files live in a bucket; no key of the port may start with it.
GATED = "gated/"
MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
# S3 deletes at most this many objects per request.
DELETE_BATCH = 1000
# How much of an object one read of `open`'s stream fetches (Starlette reads 64 KiB at a time).
READ_AHEAD = 1024 * 1024


def s3_client(
    *,
    endpoint_url: str | None,
    region_name: str,
    access_key_id: str | None,
    secret_access_key: str | None,
    connections: int,
) -> S3Client:
    """A client of the S3 service (thread-safe: one serves every region's store). No credentials given:
    boto3's own chain (environment, profile, instance role)."""
    config = Config(
        region_name=region_name,
        max_pool_connections=connections,
        retries={"mode": "standard", "max_attempts": 5},
        # Checksums only where S3 demands them: several S3-compatible services refuse the newer trailers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


def public_read_policy(bucket: str) -> dict[str, Any]:
    """The bucket policy that lets anyone read the served prefixes (never `gated/`, never anything else)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ServedMediaArePublic",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in served.SERVED_PREFIXES],
            }
        ],
    }


def prepare_bucket(client: S3Client, bucket: str, *, region_name: str, public_read: bool) -> bool:
    """Create `bucket` if it is missing (True when created), let browsers fetch from it from any page (CORS:
    GET and HEAD, with Range) and, if `public_read`, let anyone read its served prefixes."""
    created = False
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        if _code(error) not in MISSING:
            raise
        if region_name == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={
                    "LocationConstraint": cast("BucketLocationConstraintType", region_name)
                },
            )
        created = True
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["*"],
                    "AllowedMethods": ["GET", "HEAD"],
                    "AllowedHeaders": ["Range"],
                    "ExposeHeaders": ["Content-Length", "Content-Range", "ETag"],
                    "MaxAgeSeconds": 3600,
                }
            ]
        },
    )
    if public_read:
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    return created


@dataclass(frozen=True)
class _Object:
    key: str
    """The port's name of the file."""
    name: str
    """The object's name in the bucket: the key, or the key under `gated/`."""
    size: int

    @property
    def gated(self) -> bool:
        return self.name != self.key


class S3MediaStore:
    """A region's media as the objects of one bucket, served at `{public_url}/{key}` (see the module)."""

    def __init__(
        self,
        *,
        region: str,
        bucket: str,
        client: S3Client,
        public_url: str,
        multipart_bytes: int = 16 * 1024 * 1024,
        threads: int = 8,
    ) -> None:
        self.region = region
        self.bucket = bucket
        self.client = client
        self.public_url = public_url.rstrip("/")
        self.transfer = TransferConfig(
            multipart_threshold=multipart_bytes,
            multipart_chunksize=multipart_bytes,
            max_concurrency=threads,
        )

    # Writing

    def put_bytes(self, key: str, data: bytes) -> None:
        key = _checked(key)
        self._send([(self._current_name(key), key, io.BytesIO(data))])

    def put_file(self, key: str, source: Path) -> None:
        key = _checked(key)
        self._send([(self._current_name(key), key, str(source))])

    def put_folder(self, prefix: str, source: Path) -> None:
        base = _checked(prefix)
        files = {f"{base}/{p.relative_to(source).as_posix()}": p for p in source.rglob("*") if p.is_file()}
        held = self._held(base)
        place = GATED if any(o.gated for o in held) else ""
        # Pictures and segments, then playlists from the deepest to the master: a player never meets a
        # playlist naming a file not written yet.
        steps: dict[tuple[bool, int], list[str]] = {}
        for key in sorted(files):
            playlist = served.is_playlist(key)
            steps.setdefault((playlist, -key.count("/") if playlist else 0), []).append(key)
        for step in sorted(steps):
            self._send([(place + key, key, str(files[key])) for key in steps[step]])
        written = {place + key for key in files}
        self._delete(o.name for o in held if o.name not in written)

    def delete_prefix(self, prefix: str) -> None:
        self._delete(o.name for o in self._held(_checked(prefix)))

    def conceal(self, prefix: str) -> None:
        self._move([o for o in self._held(_checked(prefix)) if not o.gated], to=GATED)

    def reveal(self, prefix: str) -> None:
        self._move([o for o in self._held(_checked(prefix)) if o.gated], to="")

    # Reading

    def read_bytes(self, key: str) -> bytes:
        return self._get(_checked(key))

    def read_range(self, key: str, *, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        return self._get(_checked(key), f"bytes={start}-{end - 1}")

    def open(self, key: str) -> BinaryIO:
        described = self.describe(key)
        if described is None:
            raise FileNotFoundError(key)
        reader = _ObjectReader(self, key, described.size)
        return cast(BinaryIO, io.BufferedReader(reader, buffer_size=READ_AHEAD))

    def describe(self, key: str) -> StoredMedia | None:
        key = _checked(key)
        for name in (key, GATED + key):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as error:
                if _code(error) in MISSING:
                    continue
                raise
            return StoredMedia(size=head["ContentLength"], modified_at=head["LastModified"].timestamp())
        return None

    def exists(self, key: str) -> bool:
        return self.describe(key) is not None

    def keys(self, prefix: str = "") -> list[str]:
        return sorted({o.key for o in self._held(_checked(prefix) if prefix else "")})

    def concealed_keys(self, prefix: str = "", *, before: datetime | None = None) -> list[str]:
        """The keys under `prefix` whose files are concealed (for putting each where its gate says), with
        `before` only those whose concealed copy was made before then: one listing of the concealed
        objects alone, however many files are public."""
        base = _checked(prefix) if prefix else ""
        listed = self._listed(GATED + base)
        keys = (name[len(GATED) :] for name, _, made in listed if before is None or made < before)
        return sorted(key for key in keys if not base or key == base or key.startswith(base + "/"))

    def url(self, key: str) -> str:
        return f"{self.public_url}/{quote(key)}"

    def gated_url(self, key: str) -> str:
        return f"/media/{self.region}/{key}"

    # The bucket

    def _held(self, base: str) -> list[_Object]:
        """Every object of the file or folder `base` ("" for the whole store), public or concealed."""
        found: list[_Object] = []
        for place in ("", GATED) if base else ("",):
            for name, size, _ in self._listed(place + base):
                key = name[len(GATED) :] if name.startswith(GATED) else name
                if not base or key == base or key.startswith(base + "/"):
                    found.append(_Object(key=key, name=name, size=size))
        return found

    def _listed(self, prefix: str) -> Iterator[tuple[str, int, datetime]]:
        """(name, size, last modified) of every object whose name starts with `prefix`."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"], item["Size"], item["LastModified"]

    def _current_name(self, key: str) -> str:
        """Where a file written at `key` goes: under `gated/` while a concealed copy of it is there."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=GATED + key)
        except ClientError as error:
            if _code(error) in MISSING:
                return key
            raise
        return GATED + key

    def _send(self, uploads: list[tuple[str, str, str | BinaryIO]]) -> None:
        """Upload (name, key, path or stream) triples at once; each object gets its key's type and cache."""
        with create_transfer_manager(self.client, self.transfer) as manager:
            futures = [
                manager.upload(source, self.bucket, name, extra_args=_headers(key))
                for name, key, source in uploads
            ]
            _wait(futures)

    def _move(self, objects: list[_Object], *, to: str) -> None:
        """Copy each object to its key under `to`, then delete the originals (readers find one or the other
        all along: see `describe`)."""
        if not objects:
            return
        with create_transfer_manager(self.client, self.transfer) as manager:
            futures = [
                manager.copy(
                    {"Bucket": self.bucket, "Key": o.name},
                    self.bucket,
                    to + o.key,
                    extra_args={**_headers(o.key), "MetadataDirective": "REPLACE"},
                )
                for o in objects
            ]
            _wait(futures)
        self._delete(o.name for o in objects)

    def _delete(self, names: Iterable[str]) -> None:
        batch: list[str] = []
        for name in names:
            batch.append(name)
            if len(batch) == DELETE_BATCH:
                self._delete_batch(batch)
                batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, names: list[str]) -> None:
        answer = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": [{"Key": n} for n in names], "Quiet": True}
        )
        failed = answer.get("Errors", [])
        if failed:
            first = failed[0]
            raise OSError(f"{len(failed)} objects of bucket {self.bucket} not deleted, e.g. {first}")

    def _get(self, key: str, byte_range: str | None = None) -> bytes:
        for name in (key, GATED + key):
            try:
                if byte_range:
                    answer = self.client.get_object(Bucket=self.bucket, Key=name, Range=byte_range)
                else:
                    answer = self.client.get_object(Bucket=self.bucket, Key=name)
            except ClientError as error:
                if _code(error) in MISSING:
                    continue
                if _code(error) == "InvalidRange":  # from past the end: nothing, as a file would give
                    return b""
                raise
            return answer["Body"].read()
        raise FileNotFoundError(key)


class _ObjectReader(io.RawIOBase):
    """A seekable stream over one stored file, each read a ranged GET (buffered by `open`)."""

    def __init__(self, store: S3MediaStore, key: str, size: int) -> None:
        super().__init__()
        self.store, self.key, self.size, self.position = store, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        end = min(self.size, self.position + len(view))
        if end <= self.position:
            return 0
        data = self.store.read_range(self.key, start=self.position, end=end)
        view[: len(data)] = data
        self.position += len(data)
        return len(data)


def _checked(key: str) -> str:
    """A key of the port as an object name: relative, without `..`, never under `gated/` (NotFound
    otherwise, as the local store answers a key outside its root)."""
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.parts[0] == GATED.rstrip("/"):
        raise NotFound("media", key)
    return pure.as_posix()


def _headers(key: str) -> dict[str, str]:
    return {"ContentType": served.media_type(key), "CacheControl": served.cache_control(key)}


def _wait(futures: list[Any]) -> None:
    """Wait for every transfer; the first failure is raised."""
    for future in futures:
        future.result()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
