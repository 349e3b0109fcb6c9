"""An S3-compatible server on loopback for the media tests: moto's standalone server on a free port, spoken to
over real HTTP by boto3 and by plain HTTP clients (the viewers of a public bucket)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.server import ThreadedMotoServer

from clipshop.media.s3 import S3MediaStore, prepare_bucket, s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS_KEY, SECRET_KEY, SIGNING_REGION = "clipshop-test", "clipshop-test-secret", "us-east-1"


@dataclass
class S3Server:
    """A running server: its address, a client of it, and buckets made per test."""

    endpoint_url: str
    client: S3Client

    def bucket_for(self, root: Path, region: str) -> str:
        """A bucket of one test (named after its `tmp_path`), created with the public-read policy."""
        name = f"t{hashlib.sha1(str(root).encode()).hexdigest()[:12]}-{region}"
        prepare_bucket(self.client, name, region_name=SIGNING_REGION, public_read=True)
        return name

    def store(self, root: Path, region: str, *, multipart_bytes: int = 16 * 1024 * 1024) -> S3MediaStore:
        bucket = self.bucket_for(root, region)
        return S3MediaStore(
            region=region,
            bucket=bucket,
            client=self.client,
            public_url=f"{self.endpoint_url}/{bucket}",
            multipart_bytes=multipart_bytes,
        )

    def settings(self) -> dict[str, Any]:
        """The deployment-wide settings that point Clipshop at this server."""
        return {
            "s3_endpoint_url": self.endpoint_url,
            "s3_region_name": SIGNING_REGION,
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
            # S3's smallest part: a test's "large" file needs only a few megabytes.
            "s3_multipart_bytes": 5 * 1024 * 1024,
        }


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's server on 127.0.0.1 (a free port) for the duration."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = s3_client(
            endpoint_url=endpoint,
            region_name=SIGNING_REGION,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
            connections=16,
        )
        yield S3Server(endpoint_url=endpoint, client=client)
    finally:
        server.stop()
