"""The document store (DESIGN §2 Storage): bytes by SHA-256 content address.

PostgreSQL by default — one table, `casetrace_documents.documents`, made with
the other tables at start under the schema lock — or an S3-compatible object
store when `CASETRACE_DOCUMENT_STORE=s3` (bucket, endpoint and credentials
from the environment, `api/host/settings.py`). Both implement
`domain.shared.documents.DocumentStore`; other code reaches the one in use as
`services.documents` (or `open_document_store` in a process of its own).

Idempotent by address: the same bytes stored twice are stored once, and a
row or object is never overwritten. Bytes are hashed on the way in (a caller
may name the address it expects) and again on the way out, so a store that
changed a document's bytes is reported, never served.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg_pool import ConnectionPool

from api.host.database import open_pool
from domain.shared.documents import MediaType, checked, verified

if TYPE_CHECKING:  # boto3 is imported only when an S3 store is configured
    from types_boto3_s3 import S3Client

    from api.host.settings import Settings

SCHEMA = "casetrace_documents"
TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
-- Written once per address, never updated: a new version is a new row.
CREATE TABLE IF NOT EXISTS {SCHEMA}.documents (
    sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
    media_type text        NOT NULL,
    size       integer     NOT NULL CHECK (size > 0),
    content    bytea       NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT now(),
    -- The database itself refuses bytes that are not what their address says.
    CHECK (encode(sha256(content), 'hex') = sha256),
    CHECK (octet_length(content) = size)
);
"""


class PostgresDocumentStore:
    """Documents in PostgreSQL, one row per address."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def put(
        self, content: bytes, media_type: MediaType, expected: str | None = None
    ) -> str:
        address = verified(content, expected)
        with self.pool.connection() as conn:
            conn.execute(
                f"INSERT INTO {SCHEMA}.documents (sha256, media_type, size, content)"  # noqa: S608
                " VALUES (%s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                (address, media_type, len(content), content),
            )
        return address

    def get(self, sha256: str) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT content FROM {SCHEMA}.documents WHERE sha256 = %s",  # noqa: S608
                (sha256,),
            ).fetchone()
        return checked(sha256, None if row is None else bytes(row[0]))

    def close(self) -> None:
        self.pool.close()


@dataclass(frozen=True)
class S3Location:
    """Where an S3-compatible store keeps the documents."""

    bucket: str
    endpoint_url: str | None = None  # None: AWS itself
    region: str = "us-east-1"
    # None: boto3's own chain (AWS_ACCESS_KEY_ID…, a profile, an instance role).
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = "documents/sha256/"


class S3DocumentStore:
    """Documents as objects named by their address. The upload carries its
    SHA-256 checksum, so the object store refuses bytes changed in transit."""

    def __init__(self, location: S3Location, client: S3Client | None = None) -> None:
        self.location = location
        self.client = client or s3_client(location)

    def key(self, sha256: str) -> str:
        return f"{self.location.prefix}{sha256}"

    def put(
        self, content: bytes, media_type: MediaType, expected: str | None = None
    ) -> str:
        address = verified(content, expected)
        if self._exists(address):
            return address
        self.client.put_object(
            Bucket=self.location.bucket,
            Key=self.key(address),
            Body=content,
            ContentType=media_type,
            ChecksumSHA256=base64.b64encode(hashlib.sha256(content).digest()).decode(),
        )
        return address

    def get(self, sha256: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(
                Bucket=self.location.bucket, Key=self.key(sha256)
            )
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return checked(sha256, answer["Body"].read())

    def _exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def close(self) -> None:
        self.client.close()


def _missing(exc: Any) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


def s3_client(location: S3Location) -> S3Client:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=location.endpoint_url,
        region_name=location.region,
        aws_access_key_id=location.access_key_id,
        aws_secret_access_key=location.secret_access_key,
        # Path-style addressing: local S3-compatible servers (MinIO, moto)
        # have no per-bucket host names.
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def open_document_store(
    settings: Settings, url: str
) -> PostgresDocumentStore | S3DocumentStore:
    """The configured store: `settings.document_store` is "postgres" (the
    default, in the database at `url`) or "s3" (`settings.s3`)."""
    if settings.document_store == "s3":
        if settings.s3 is None:
            msg = "CASETRACE_DOCUMENT_STORE=s3 needs CASETRACE_S3_BUCKET"
            raise ValueError(msg)
        return S3DocumentStore(settings.s3)
    if settings.document_store != "postgres":
        msg = f"CASETRACE_DOCUMENT_STORE is 'postgres' or 's3', not {settings.document_store!r}"
        raise ValueError(msg)
    # No connection is held until a document is stored or read.
    pool = open_pool(url, settings.timeouts, name="documents", min_size=0, max_size=2)
    return PostgresDocumentStore(pool)
