"""The personal-data vault: one key per person, kept outside the event store.

`domain/shared/personal.py` seals a person's details into an event with that
person's key (AES-256-GCM; the person's id is the associated data, so a box
cannot be moved to another person). The keys live in
`casetrace_vault.person_keys`, not in the events, so:
- a copy of the event tables is not a copy of the people in them;
- destroying a person's key (`shred`, crypto-shredding when the retention
  period ends) makes their details unreadable everywhere at once, while every
  stored event, and every hash a ledger took of it, stays exactly as it was.

With `CASETRACE_VAULT_KEY` (32 bytes, base64) set, each person's key is itself
stored encrypted under that master key (envelope encryption), so the
database alone does not open anything; without it (a development machine)
the keys are stored as they are, and the README says so.

The blind index (`index`) — how duplicates are matched without storing a
phone number — is an HMAC-SHA256 under a secret made once per database and
kept in the same schema.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import ConnectionPool

SCHEMA = "casetrace_vault"
TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.person_keys (
    person_id  uuid        PRIMARY KEY,
    key        bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Shredded people: the key is gone, the fact that it was destroyed is kept.
CREATE TABLE IF NOT EXISTS {SCHEMA}.shredded (
    person_id   uuid        PRIMARY KEY,
    shredded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.secrets (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);
"""
NONCE_BYTES = 12
KEY_BYTES = 32


class VaultKeyError(ValueError):
    """CASETRACE_VAULT_KEY is not 32 bytes of base64."""


def master_key(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise VaultKeyError("CASETRACE_VAULT_KEY is not base64") from exc
    if len(key) != KEY_BYTES:
        raise VaultKeyError("CASETRACE_VAULT_KEY must be 32 bytes (base64)")
    return key


class PostgresVault:
    """`domain.shared.personal.Vault` on PostgreSQL (one round trip per call)."""

    def __init__(self, pool: ConnectionPool[Any], master: bytes | None = None) -> None:
        self.pool = pool
        self.master = master
        self._index_secret: bytes | None = None

    def seal(self, person_id: UUID, plaintext: bytes) -> str:
        key = self._created_key(person_id)
        nonce = os.urandom(NONCE_BYTES)
        box = nonce + AESGCM(key).encrypt(nonce, plaintext, person_id.bytes)
        return base64.b64encode(box).decode()

    def open(self, person_id: UUID, box: str) -> bytes | None:
        key = self._key(person_id)
        if key is None:
            return None
        raw = base64.b64decode(box)
        return AESGCM(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], person_id.bytes
        )

    def shred(self, person_id: UUID) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute(
                f"WITH gone AS (DELETE FROM {SCHEMA}.person_keys WHERE person_id = %s"  # noqa: S608
                " RETURNING person_id)"
                f" INSERT INTO {SCHEMA}.shredded (person_id) SELECT person_id FROM gone"
                " ON CONFLICT DO NOTHING RETURNING person_id",
                (person_id,),
            ).fetchone()
        return row is not None

    def index(self, text: str) -> str:
        return hmac.new(self._secret(), text.encode(), hashlib.sha256).hexdigest()

    # -- internals -----------------------------------------------------------------

    def _created_key(self, person_id: UUID) -> bytes:
        """A new person's key (a repeated call returns the one stored)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                f"INSERT INTO {SCHEMA}.person_keys (person_id, key) VALUES (%s, %s)"  # noqa: S608
                " ON CONFLICT (person_id) DO UPDATE SET key = person_keys.key"
                " RETURNING key",
                (person_id, self._wrap(os.urandom(KEY_BYTES), person_id)),
            ).fetchone()
        if row is None:  # pragma: no cover - RETURNING always answers
            raise RuntimeError("the vault stored no key")
        return self._unwrap(bytes(row[0]), person_id)

    def _key(self, person_id: UUID) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT key FROM {SCHEMA}.person_keys WHERE person_id = %s",  # noqa: S608
                (person_id,),
            ).fetchone()
        return None if row is None else self._unwrap(bytes(row[0]), person_id)

    def _secret(self) -> bytes:
        if self._index_secret is None:
            with self.pool.connection() as conn:
                conn.execute(
                    f"INSERT INTO {SCHEMA}.secrets (name, value) VALUES ('index', %s)"  # noqa: S608
                    " ON CONFLICT DO NOTHING",
                    (self._wrap(os.urandom(KEY_BYTES), None),),
                )
                row = conn.execute(
                    f"SELECT value FROM {SCHEMA}.secrets WHERE name = 'index'"  # noqa: S608
                ).fetchone()
            if row is None:  # pragma: no cover - inserted above if missing
                raise RuntimeError("the vault has no index secret")
            self._index_secret = self._unwrap(bytes(row[0]), None)
        return self._index_secret

    def _wrap(self, key: bytes, person_id: UUID | None) -> bytes:
        if self.master is None:
            return key
        nonce = os.urandom(NONCE_BYTES)
        context = person_id.bytes if person_id else b"index"
        return nonce + AESGCM(self.master).encrypt(nonce, key, context)

    def _unwrap(self, stored: bytes, person_id: UUID | None) -> bytes:
        if self.master is None:
            return stored
        context = person_id.bytes if person_id else b"index"
        return AESGCM(self.master).decrypt(
            stored[:NONCE_BYTES], stored[NONCE_BYTES:], context
        )
