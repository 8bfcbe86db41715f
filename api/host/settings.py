"""Configuration from the environment (12-factor): one place that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from api.host.database import Timeouts
from api.host.documents import S3Location

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    # Unset → a private embedded PostgreSQL with its data under data_dir/pg.
    database_url: str | None = None
    data_dir: Path = Path("var")
    # When set, every stored event is encrypted at rest (AES-GCM, 16/24/32-byte
    # key, base64), so personal data in events never sits in the clear.
    cipher_key: str | None = None
    # The master key of the personal-data vault (32 bytes, base64): each
    # person's key is stored under it (api/host/vault.py).
    vault_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # A year's State Council holiday notice, as data, before chinesecalendar ships it.
    calendar_overrides: Path | None = None
    max_body_bytes: int = 256 * 1024
    pool_size: int = 4
    log_level: str = "info"
    # Bounds on every wait on the database (seconds): while it is unreachable a
    # request fails within about pool_timeout with 503 (README "Health, outages
    # and retries").
    connect_timeout: float = 2.0
    pool_timeout: float = 1.0
    statement_timeout: float = 5.0
    lock_timeout: int = 5
    # The ledger's signing key (`casetrace ledger keygen`: Go's signed-note
    # signer-key text, whose name prefixes every log's checkpoint origin).
    # Unset: the key in data_dir/ledger.key, made on first use.
    ledger_key: str | None = None
    # The ledger's verifier key (what `casetrace ledger keygen` prints on
    # stderr), for processes that check checkpoints but do not sign.
    ledger_public_key: str | None = None
    # A log's checkpoint is signed once this many events arrived since its
    # last one, or once its last one is this many seconds old and new events
    # arrived since.
    checkpoint_events: int = 1000
    checkpoint_seconds: float = 60.0
    # Peers whose X-Forwarded-For / Forwarded headers name the client (IPs or
    # CIDRs); every other peer is the client itself.
    trusted_proxies: tuple[str, ...] = ()
    # Where the public reaches this service: the base of the verification URL
    # each written notice and certificate prints with its QR code.
    public_url: str = "http://127.0.0.1:8000"
    # A CJK TrueType font for the PDFs; unset: Debian's fonts-wqy-microhei.
    pdf_font: Path | None = None
    # Where documents' bytes live (api/host/documents.py): "postgres" or "s3"
    # (then `s3` says where: CASETRACE_S3_BUCKET, _ENDPOINT_URL, _REGION,
    # _ACCESS_KEY_ID, _SECRET_ACCESS_KEY, _PREFIX).
    document_store: str = "postgres"
    s3: S3Location | None = None
    # Online submissions' uploads (网上申报): bytes per file, files and bytes
    # per submission.
    upload_file_bytes: int = 10 * MIB
    upload_files: int = 20
    upload_total_bytes: int = 40 * MIB

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.connect_timeout,
            pool=self.pool_timeout,
            statement=self.statement_timeout,
            lock=self.lock_timeout,
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        overrides = env.get("CASETRACE_CALENDAR_OVERRIDES")
        return cls(
            database_url=env.get("CASETRACE_DATABASE_URL") or None,
            data_dir=Path(env.get("CASETRACE_DATA_DIR", "var")),
            cipher_key=env.get("CASETRACE_CIPHER_KEY") or None,
            vault_key=env.get("CASETRACE_VAULT_KEY") or None,
            host=env.get("CASETRACE_HOST", "127.0.0.1"),
            port=int(env.get("CASETRACE_PORT", "8000")),
            calendar_overrides=Path(overrides) if overrides else None,
            max_body_bytes=int(env.get("CASETRACE_MAX_BODY_BYTES", str(256 * 1024))),
            pool_size=int(env.get("CASETRACE_POOL_SIZE", "4")),
            log_level=env.get("CASETRACE_LOG_LEVEL", "info"),
            connect_timeout=float(env.get("CASETRACE_CONNECT_TIMEOUT", "2")),
            pool_timeout=float(env.get("CASETRACE_POOL_TIMEOUT", "1")),
            statement_timeout=float(env.get("CASETRACE_STATEMENT_TIMEOUT", "5")),
            lock_timeout=int(env.get("CASETRACE_LOCK_TIMEOUT", "5")),
            ledger_key=env.get("CASETRACE_LEDGER_KEY") or None,
            ledger_public_key=env.get("CASETRACE_LEDGER_PUBLIC_KEY") or None,
            checkpoint_events=int(env.get("CASETRACE_CHECKPOINT_EVENTS", "1000")),
            checkpoint_seconds=float(env.get("CASETRACE_CHECKPOINT_SECONDS", "60")),
            public_url=env.get("CASETRACE_PUBLIC_URL", "http://127.0.0.1:8000"),
            pdf_font=Path(font) if (font := env.get("CASETRACE_PDF_FONT")) else None,
            trusted_proxies=tuple(
                p
                for p in env.get("CASETRACE_TRUSTED_PROXIES", "")
                .replace(",", " ")
                .split()
                if p
            ),
            document_store=env.get("CASETRACE_DOCUMENT_STORE", "postgres"),
            s3=s3_location(env),
            upload_file_bytes=int(
                env.get("CASETRACE_UPLOAD_FILE_BYTES", str(10 * MIB))
            ),
            upload_files=int(env.get("CASETRACE_UPLOAD_FILES", "20")),
            upload_total_bytes=int(
                env.get("CASETRACE_UPLOAD_TOTAL_BYTES", str(40 * MIB))
            ),
        )


def s3_location(env: dict[str, str]) -> S3Location | None:
    bucket = env.get("CASETRACE_S3_BUCKET")
    if not bucket:
        return None
    return S3Location(
        bucket=bucket,
        endpoint_url=env.get("CASETRACE_S3_ENDPOINT_URL") or None,
        region=env.get("CASETRACE_S3_REGION") or "us-east-1",
        access_key_id=env.get("CASETRACE_S3_ACCESS_KEY_ID") or None,
        secret_access_key=env.get("CASETRACE_S3_SECRET_ACCESS_KEY") or None,
        prefix=env.get("CASETRACE_S3_PREFIX", "documents/sha256/"),
    )
