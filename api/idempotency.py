"""Idempotency-Key store: a retried POST gets the first response, never a second case.

A key is claimed before the command runs (so two concurrent retries cannot
both run it), completed with the response, or released when the outcome is
one a retry should re-attempt (5xx, 409 races, 412, 401). Keys are kept for a
day. A claim whose request died mid-way stays "in progress" (409) rather than
risk running the command twice; the caller retries with a new key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from api.storage import API_SCHEMA

StoredResponse = tuple[int, list[tuple[bytes, bytes]], bytes]
# A retry comes within seconds or hours; a day is ample. Stored answers may hold
# a query code shown once at receipt, so they are not kept longer than needed.
KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Claim:
    stored: StoredResponse | None = None
    in_progress: bool = False
    conflict: bool = False


class IdempotencyStore:
    def __init__(self, url: str, pool_size: int = 2) -> None:
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=True
        )

    def close(self) -> None:
        self.pool.close()

    def claim(self, principal: str, key: str, fingerprint: str) -> Claim:
        with self.pool.connection() as conn:
            if secrets.randbelow(100) == 0:  # now and then, forget old keys
                conn.execute(
                    f"DELETE FROM {API_SCHEMA}.idempotency_keys"  # noqa: S608
                    " WHERE created_at < now() - %s * interval '1 second'",
                    (KEEP_SECONDS,),
                )
            inserted = conn.execute(
                f"INSERT INTO {API_SCHEMA}.idempotency_keys (principal, key, fingerprint)"  # noqa: S608
                " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (principal, key, fingerprint),
            ).fetchone()
            if inserted:
                return Claim()
            row = conn.execute(
                f"SELECT fingerprint, status, headers, body FROM {API_SCHEMA}.idempotency_keys"  # noqa: S608
                " WHERE principal = %s AND key = %s",
                (principal, key),
            ).fetchone()
        if row is None:  # released between our insert and select: claim again
            return self.claim(principal, key, fingerprint)
        stored_fingerprint, status, headers, body = row
        if stored_fingerprint != fingerprint:
            return Claim(conflict=True)
        if status is None:
            return Claim(in_progress=True)
        pairs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return Claim(stored=(status, pairs, bytes(body)))

    def complete(
        self,
        principal: str,
        key: str,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        pairs = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers]
        with self.pool.connection() as conn:
            conn.execute(
                f"UPDATE {API_SCHEMA}.idempotency_keys SET status = %s, headers = %s, body = %s"  # noqa: S608
                " WHERE principal = %s AND key = %s",
                (status, Jsonb(pairs), body, principal, key),
            )

    def release(self, principal: str, key: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                f"DELETE FROM {API_SCHEMA}.idempotency_keys WHERE principal = %s AND key = %s"  # noqa: S608
                " AND status IS NULL",
                (principal, key),
            )
