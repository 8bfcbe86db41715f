"""Who the client is, and how many failed public lookups it may make.

The client is the peer address, unless the peer is one of the configured
proxies (CASETRACE_TRUSTED_PROXIES, IPs or CIDRs; none by default): then it is
the nearest address in X-Forwarded-For / Forwarded that is not a trusted
proxy. Anyone else's forwarding headers are ignored, so a client cannot rotate
them to escape its limit.

Failures are counted in PostgreSQL (`casetrace_api.lookup_failures`), so the
limit holds across workers, processes and hosts. An attempt is counted before
the lookup runs, under a per-client lock, and refunded when it succeeds: a
burst of concurrent guesses cannot slip past the count.
"""

from __future__ import annotations

import ipaddress
import math
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from starlette.requests import Request

from api.host.recorder import API_SCHEMA
from api.http.errors import ProblemError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_FOR = re.compile(r'(?:^|[;,\s])for=("[^"]*"|[^;,\s]*)', re.IGNORECASE)


def networks(specs: Iterable[str]) -> list[Network]:
    """Parse CASETRACE_TRUSTED_PROXIES entries (a bad one fails the start)."""
    return [ipaddress.ip_network(spec, strict=False) for spec in specs]


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def _node(value: str) -> str:
    """An address from a Forwarded `for=` value: quotes, brackets, port gone."""
    value = value.strip().strip('"')
    if value.startswith("["):  # "[2001:db8::1]:4711"
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:  # "192.0.2.1:8080"
        return value.split(":", 1)[0]
    return value


def forwarded_chain(request: Request) -> list[str]:
    """The forwarded-for addresses, client first (RFC 7239 Forwarded, else
    X-Forwarded-For); each header may be repeated."""
    forwarded = request.headers.getlist("forwarded")
    if forwarded:
        return [_node(m) for m in FORWARDED_FOR.findall(", ".join(forwarded))]
    return [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not _trusted(peer, proxies):
        return peer
    chain = forwarded_chain(request)
    # Walk back from the nearest hop: each trusted proxy vouches for the
    # address before it; the first untrusted one is the client.
    for hop in reversed(chain):
        if not _trusted(hop, proxies):
            return hop
    return chain[0] if chain else peer


@dataclass(frozen=True)
class Attempt:
    """A lookup counted as failed until it is refunded."""

    client: str
    id: int


# Failed public lookups (a receipt number with a wrong query code) per client.
MAX_FAILURES = 10  # per client per window
WINDOW_S = 15 * 60


class LookupLimiter:
    """At most `max_failures` failed lookups per client per sliding window."""

    def __init__(
        self,
        pool: ConnectionPool[psycopg.Connection[Any]],
        max_failures: int,
        window_s: float,
    ) -> None:
        self.pool = pool
        self.max_failures = max_failures
        self.window_s = window_s

    def attempt(self, client: str) -> Attempt | int:
        """Count an attempt, or the seconds until the client may try again."""
        table = f"{API_SCHEMA}.lookup_failures"
        with self.pool.connection() as conn, conn.transaction():
            if secrets.randbelow(100) == 0:  # now and then, forget old failures
                conn.execute(
                    f"DELETE FROM {table} WHERE at < now() - %s * interval '1 second'",  # noqa: S608
                    (self.window_s,),
                )
            # One client's attempts are counted one at a time, in every process.
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))",
                (f"lookup:{client}",),
            )
            row = conn.execute(
                f"SELECT count(*), extract(epoch FROM min(at) + %s * interval '1 second'"  # noqa: S608
                f" - now()) FROM {table}"
                " WHERE client = %s AND at > now() - %s * interval '1 second'",
                (self.window_s, client, self.window_s),
            ).fetchone()
            count, wait = row if row else (0, None)
            if count >= self.max_failures:
                return max(math.ceil(float(wait or 1)), 1)
            inserted = conn.execute(
                f"INSERT INTO {table} (client) VALUES (%s) RETURNING id",  # noqa: S608
                (client,),
            ).fetchone()
            return Attempt(client, int(inserted[0]) if inserted else 0)

    def refund(self, attempt: Attempt) -> None:
        """The lookup succeeded: it does not count (nor wipe earlier failures)."""
        with self.pool.connection() as conn:
            conn.execute(
                f"DELETE FROM {API_SCHEMA}.lookup_failures WHERE id = %s",  # noqa: S608
                (attempt.id,),
            )


def refused(wait_s: int, what: str) -> ProblemError:
    return ProblemError(
        429,
        f"too many {what} from this address; try again later",
        headers={"Retry-After": str(wait_s)},
    )


@contextmanager
def counted_lookup(
    limiter: LookupLimiter, client: str, failures: tuple[int, ...] = (404,)
) -> Iterator[Attempt]:
    """A public lookup, counted as a failure when it ends in one of `failures`
    ("not found"; a wrong key's 401 where a key is the secret); refused (429)
    before any other database work when the client has failed too often."""
    attempt = limiter.attempt(client)
    if isinstance(attempt, int):
        raise refused(attempt, "failed lookups")
    try:
        yield attempt
    except ProblemError as exc:
        if exc.status not in failures:  # not caught up yet, …: not a guess
            limiter.refund(attempt)
        raise
    except BaseException:  # a rule refused it (409, 422): not a guess either
        limiter.refund(attempt)
        raise
    limiter.refund(attempt)
