"""The document store on PostgreSQL and on an S3-compatible server (moto in
server mode, started here on a free loopback port): idempotent by address,
hashes checked on the way in and on the way out, every version kept."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from api.host.database import open_pool
from api.host.documents import (
    SCHEMA,
    TABLES,
    PostgresDocumentStore,
    S3DocumentStore,
    S3Location,
    open_document_store,
    s3_client,
)
from api.host.settings import Settings
from domain.shared.documents import (
    DocumentIntegrityError,
    content_address,
    store_document,
)


def a_pdf() -> bytes:
    """Bytes no other test stored (the database lives for the whole run)."""
    return f"%PDF-1.7\n% {uuid.uuid4()}\ntrailer<<>>\n%%EOF\n".encode()


CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_location(endpoint: str, bucket: str) -> S3Location:
    location = S3Location(bucket=bucket, endpoint_url=endpoint, **CREDENTIALS)
    client = s3_client(location)
    client.create_bucket(Bucket=bucket)
    client.close()
    return location


def postgres_store(database_url: str) -> PostgresDocumentStore:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(TABLES)
    pool = open_pool(
        database_url, Settings().timeouts, name="t-docs", min_size=0, max_size=2
    )
    return PostgresDocumentStore(pool)


@pytest.fixture
def pg_store(database_url: str) -> Iterator[PostgresDocumentStore]:
    store = postgres_store(database_url)
    yield store
    store.close()


@pytest.fixture
def s3_store(s3_endpoint: str) -> Iterator[S3DocumentStore]:
    store = S3DocumentStore(s3_location(s3_endpoint, f"b-{uuid.uuid4().hex}"))
    yield store
    store.close()


@pytest.fixture(params=["postgres", "s3"])
def store(
    request: pytest.FixtureRequest, database_url: str, s3_endpoint: str
) -> Iterator[Any]:
    """Each test on both stores (the S3 one once per database run)."""
    chosen: PostgresDocumentStore | S3DocumentStore = (
        postgres_store(database_url)
        if request.param == "postgres"
        else S3DocumentStore(s3_location(s3_endpoint, f"b-{uuid.uuid4().hex}"))
    )
    yield chosen
    chosen.close()


def test_put_returns_the_sha256_address_and_get_returns_the_same_bytes(
    store: Any,
) -> None:
    pdf = a_pdf()
    address = store.put(pdf, "application/pdf")
    assert address == content_address(pdf)
    assert store.get(address) == pdf


def test_putting_the_same_bytes_twice_stores_them_once(store: Any) -> None:
    pdf = a_pdf()
    first = store.put(pdf, "application/pdf")
    assert store.put(pdf, "application/pdf") == first
    assert store.get(first) == pdf


def test_an_unknown_address_is_none(store: Any) -> None:
    assert store.get(content_address(b"never stored")) is None


def test_bytes_that_do_not_hash_to_the_expected_address_are_refused(
    store: Any,
) -> None:
    pdf = a_pdf()
    wrong = content_address(b"something else")
    with pytest.raises(DocumentIntegrityError):
        store.put(pdf, "application/pdf", expected=wrong)
    assert store.get(content_address(pdf)) is None


def test_empty_bytes_are_refused(store: Any) -> None:
    with pytest.raises(DocumentIntegrityError):
        store.put(b"", "application/pdf")


def test_a_new_version_is_a_new_address_and_the_old_one_is_kept(store: Any) -> None:
    pdf = a_pdf()
    old = store_document(store, pdf, "application/pdf", "营业执照.pdf")
    new = store_document(store, pdf + b"% v2\n", "application/pdf", "营业执照.pdf")
    assert old.sha256 != new.sha256
    assert (old.size, new.size) == (len(pdf), len(pdf) + 5)
    assert store.get(old.sha256) == pdf
    assert store.get(new.sha256) == pdf + b"% v2\n"


def test_the_database_refuses_a_row_whose_bytes_do_not_hash_to_its_address(
    pg_store: PostgresDocumentStore,
) -> None:
    with (
        pytest.raises(psycopg.errors.CheckViolation),
        pg_store.pool.connection() as conn,
    ):
        conn.execute(
            f"INSERT INTO {SCHEMA}.documents (sha256, media_type, size, content)"
            " VALUES (%s, 'application/pdf', 3, 'abc')",
            (content_address(b"xyz"),),
        )


def test_an_object_changed_in_the_bucket_is_reported_not_served(
    s3_store: S3DocumentStore,
) -> None:
    pdf = a_pdf()
    address = s3_store.put(pdf, "application/pdf")
    s3_store.client.put_object(
        Bucket=s3_store.location.bucket, Key=s3_store.key(address), Body=b"tampered"
    )
    with pytest.raises(DocumentIntegrityError):
        s3_store.get(address)


def test_the_s3_store_is_chosen_by_the_environment(s3_endpoint: str) -> None:
    pdf = a_pdf()
    s3_location(s3_endpoint, "configured")
    settings = Settings.from_env(
        {
            "CASETRACE_DOCUMENT_STORE": "s3",
            "CASETRACE_S3_BUCKET": "configured",
            "CASETRACE_S3_ENDPOINT_URL": s3_endpoint,
            "CASETRACE_S3_ACCESS_KEY_ID": "testing",
            "CASETRACE_S3_SECRET_ACCESS_KEY": "testing",
        }
    )
    store = open_document_store(settings, "postgresql://unused")
    try:
        assert isinstance(store, S3DocumentStore)
        address = store.put(pdf, "application/pdf")
        assert store.get(address) == pdf
    finally:
        store.close()


def test_an_s3_store_without_a_bucket_or_an_unknown_store_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CASETRACE_S3_BUCKET"):
        open_document_store(Settings(document_store="s3"), "postgresql://unused")
    with pytest.raises(ValueError, match="'postgres' or 's3'"):
        open_document_store(Settings(document_store="disk"), "postgresql://unused")


def test_services_store_documents_in_postgresql_by_default(database_url: str) -> None:
    pdf = a_pdf()
    from api.host.storage import open_services

    services = open_services(Settings(pool_size=1), url=database_url)
    try:
        assert isinstance(services.documents, PostgresDocumentStore)
        address = services.documents.put(pdf, "application/pdf")
        assert services.documents.get(address) == pdf
    finally:
        services.close()
