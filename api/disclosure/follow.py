"""`casetrace follow`: other deployments' disclosure feeds into this one's
national store (一张网; projections/disclosure/national.py).

One read of a source: the head with If-None-Match (304: nothing new); then
the `prev-archive` chain back to the newest archive page already read (or to
the first page); then those pages oldest first, and the head last, each in
one transaction with the source's new position. A crash between pages
leaves a position from which the next read carries on; a page read twice
changes nothing. A source that cannot be read (refused, timed out, 5xx,
malformed) is logged and recorded, the others carry on, and it is tried
again on a later round, with a backoff that doubles up to MAX_BACKOFF_S.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import structlog

from api.disclosure import remote
from api.disclosure.remote import FeedError, Page
from projections.disclosure import national

log = structlog.get_logger("casetrace.follow")

MAX_PAGES = 10_000  # a chain longer than this is refused (a loop or an attack)
MAX_BACKOFF_S = 3600.0
ACCEPT = "application/atom+xml, application/xml;q=0.9"


class FetchError(Exception):
    """The other side answered, but not with a document we can use."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: 304, not modified
    etag: str | None


def fetch(client: httpx.Client, url: str, etag: str | None = None) -> Fetched:
    """GET a document, at most remote.MAX_BYTES of it."""
    headers = {"Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return Fetched(None, etag)
        if response.status_code != 200:
            raise FetchError(f"{url} answered {response.status_code}")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > remote.MAX_BYTES:
                raise FetchError(f"{url} is larger than {remote.MAX_BYTES} bytes")
        return Fetched(bytes(body), response.headers.get("etag"))


@dataclass
class Outcome:
    """One source's read in one round."""

    url: str
    ok: bool
    pages: int = 0  # documents applied (archives and head)
    applied: national.Applied = field(default_factory=national.Applied)
    skipped: int = 0
    error: str | None = None

    def line(self) -> str:
        if not self.ok:
            return f"{self.url}: failed: {self.error}"
        a = self.applied
        return (
            f"{self.url}: {self.pages} pages, {a.added} new, {a.gone} gone,"
            f" {a.filled} filled in, {self.skipped} skipped"
        )


class Follower:
    """Reads sources into the national store of the database at `url`."""

    def __init__(self, database_url: str, client: httpx.Client) -> None:
        self.database_url = database_url
        self.client = client

    def prepare(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            national.create(conn)

    def read(self, url: str) -> Outcome:
        """One source, its failures caught, recorded and logged."""
        try:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                national.enrol(conn, url)
                try:
                    outcome = self._read(conn, url)
                except (httpx.HTTPError, FetchError, FeedError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    failures = national.failed(conn, url, error)
                    log.warning(
                        "follow_failed", url=url, error=error, failures=failures
                    )
                    return Outcome(url, ok=False, error=error)
                national.succeeded(conn, url)
        except psycopg.Error as exc:  # our own database: nothing was recorded
            log.error("follow_store_failed", url=url, error=str(exc))
            return Outcome(url, ok=False, error=f"store: {exc}")
        log.info(
            "follow_read",
            url=url,
            pages=outcome.pages,
            added=outcome.applied.added,
            gone=outcome.applied.gone,
            skipped=outcome.skipped,
        )
        return outcome

    def _read(self, conn: psycopg.Connection[Any], url: str) -> Outcome:
        at = national.position(conn, url)
        head = fetch(self.client, url, at.etag)
        outcome = Outcome(url, ok=True)
        if head.body is None:
            return outcome  # 304: nothing new since the ETag we hold
        page = remote.parse_page(head.body, url)
        if at.feed_id is not None and page.feed_id != at.feed_id:
            raise FeedError(
                f"{url} is now feed {page.feed_id!r}, was {at.feed_id!r}: refused"
                " (another deployment at the same address?)"
            )
        pages_read, last = at.pages_read, at.last_archive
        for archive_url, archive in self._unread(page, at.last_archive):
            if archive.feed_id.split(":archive:")[0] != page.feed_id:
                raise FeedError(f"{archive_url} belongs to feed {archive.feed_id!r}")
            pages_read, last = pages_read + 1, archive_url
            moved = national.Position(page.feed_id, pages_read, last, at.etag)
            self._apply(conn, url, page.feed_id, archive, moved, outcome)
        moved = national.Position(page.feed_id, pages_read, last, head.etag)
        self._apply(conn, url, page.feed_id, page, moved, outcome)
        return outcome

    def _unread(self, head: Page, last_read: str | None) -> list[tuple[str, Page]]:
        """The archive pages after `last_read`, oldest first: the chain is
        walked back only as far as the newest page already read."""
        chain: list[tuple[str, Page]] = []
        seen: set[str] = set()
        link = head.prev_archive
        while link is not None and link != last_read:
            if link in seen or len(chain) >= MAX_PAGES:
                raise FeedError(f"prev-archive chain loops or is too long at {link}")
            seen.add(link)
            fetched = fetch(self.client, link)
            assert fetched.body is not None  # noqa: S101 - no If-None-Match sent
            page = remote.parse_page(fetched.body, link)
            if not page.archive:
                raise FeedError(f"{link} is not an archive page (no fh:archive)")
            chain.append((link, page))
            link = page.prev_archive
        chain.reverse()
        return chain

    def _apply(
        self,
        conn: psycopg.Connection[Any],
        url: str,
        feed_id: str,  # the head's: an archive page has an id of its own
        page: Page,
        moved: national.Position,
        outcome: Outcome,
    ) -> None:
        for skipped in page.skipped:
            log.warning(
                "follow_entry_skipped", url=url, ref=skipped.ref, why=skipped.why
            )
        outcome.applied += national.apply_page(
            conn,
            url,
            feed_id,
            page.published,
            page.tombstones,
            skipped=len(page.skipped),
            moved_to=moved,
        )
        outcome.pages += 1
        outcome.skipped += len(page.skipped)


def backoff(failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failures in a row."""
    return min(interval * (1 << min(max(failures - 1, 0), 20)), MAX_BACKOFF_S)


@dataclass
class Rounds:
    """Rounds over the sources, each source waiting out its own backoff."""

    follower: Follower
    urls: Sequence[str]
    interval: float
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    not_before: dict[str, datetime] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def round(self) -> list[Outcome]:
        outcomes = []
        for url in self.urls:
            if self.now() < self.not_before.get(url, datetime.min.replace(tzinfo=UTC)):
                continue
            outcome = self.follower.read(url)
            outcomes.append(outcome)
            if outcome.ok:
                self.failures.pop(url, None)
                self.not_before.pop(url, None)
            else:
                n = self.failures[url] = self.failures.get(url, 0) + 1
                wait = timedelta(seconds=backoff(n, self.interval))
                self.not_before[url] = self.now() + wait
        return outcomes

    def forever(self, sleep: Callable[[float], None] = time.sleep) -> None:
        while True:
            self.round()
            sleep(self.interval)
