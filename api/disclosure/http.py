"""The public disclosure routes (双公示, DESIGN §6), no token: the search
(paged JSON with a stable cursor), one entry, and the feeds — Atom with
RFC 5005 archives and JSON Feed 1.1 — with ETag / If-None-Match.

Archive pages never change once full: they are rendered once per process
and base URL, kept in memory, and served `immutable` for a year; the head
is rendered per request (its ETag answers a matching If-None-Match with 304).
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Annotated, Any, Optional
from uuid import UUID

import psycopg
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.disclosure import feeds
from api.disclosure.params import (
    RECORD_EXAMPLE,
    CategoryFilter,
    DecidedFrom,
    DecidedTo,
    KindFilter,
    NumberFilter,
    PublicReader,
    Text,
)
from api.http.openapi import PUBLIC, problems
from api.http.reads import After, Limit, ReadSide, page_body
from api.http.views import JSON
from domain.disclosure.record import DecisionKind, PublicRecord
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.uscc import USCC
from projections.disclosure import entries_queries as q
from projections.runtime import ReadModelMissingError

router = APIRouter(prefix="/public/v1/disclosures", tags=["public"])

ARCHIVE_CACHE = "public, max-age=31536000, immutable"
HEAD_CACHE = "public, max-age=0, must-revalidate"
CACHED_PAGES = 1024
FORMATS = {"atom": feeds.atom, "json": feeds.json_feed}


ENTRY_EXAMPLE: dict[str, Any] = {
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "status": "published",
    "published_on": "2026-11-24",
    "published_at": "2026-11-24T01:00:02Z",
    "display_until": "2029-11-24",
    "late": False,
    "unlawful": False,
    "updated_at": "2026-11-24T01:00:02Z",
    "record": RECORD_EXAMPLE,
}


class Entry(BaseModel):
    """An entry as the public sees it: its record while it is on display; a
    tombstone (no record; why and when it went) once retracted or its
    display period ended."""

    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    id: UUID
    status: str = Field(description="published | retracted | ended")
    published_on: Optional[date]  # noqa: UP045
    published_at: Optional[datetime]  # noqa: UP045
    display_until: Optional[date] = Field(  # noqa: UP045
        description="a penalty's last day on display (处罚信息公示规定 Art. 13)"
    )
    late: bool = Field(description="published after the 7 working days (双公示)")
    unlawful: bool = Field(
        description="published after the 20 working days of 处罚信息公示规定 Arts. 9–10"
    )
    updated_at: Optional[datetime]  # noqa: UP045
    record: Optional[PublicRecord] = Field(  # noqa: UP045
        description="the published fields; none on a tombstone"
    )
    decision_number: Optional[str] = Field(None, description="on a tombstone")  # noqa: UP045
    kind: Optional[DecisionKind] = Field(None, description="on a tombstone")  # noqa: UP045
    retracted_on: Optional[date] = None  # noqa: UP045
    retraction_reason: Optional[str] = None  # noqa: UP045
    display_ended_on: Optional[date] = None  # noqa: UP045


class EntryList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [ENTRY_EXAMPLE], "next_cursor": None}]
        }
    )

    items: list[Entry]
    next_cursor: Optional[str]  # noqa: UP045


@router.get(
    "",
    response_class=JSON,
    response_model=EntryList,
    responses=problems(*PUBLIC),
    summary="Decisions on display (双公示): search, newest first, with a stable cursor",
)
def search(
    reader: PublicReader,
    party: Annotated[
        Optional[Text],  # noqa: UP045
        Query(description="part of the party's name, as published"),
    ] = None,
    uscc: Annotated[
        Optional[USCC],  # noqa: UP045
        Query(description="the party's unified social credit code"),
    ] = None,
    decision_number: NumberFilter = None,
    kind: KindFilter = None,
    category: CategoryFilter = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if decided_from and decided_to and decided_from > decided_to:
        raise InvalidInputError("`from` is after `to`", field="from")
    query = q.EntryQuery(
        party=party,
        uscc=uscc,
        decision_number=decision_number,
        kind=kind,
        category=category,
        decided_from=decided_from,
        decided_to=decided_to,
        after=after,
        limit=limit,
    )
    return JSON(page_body(q.search(reader.conn, query)))


# -- the feeds (declared before `/{entry_id}`) -------------------------------------


class Pages:
    """Rendered archive pages, by base URL, format and number (bounded)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple[str, str, int], feeds.Document] = OrderedDict()

    def cached(self, key: tuple[str, str, int]) -> feeds.Document | None:
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def keep(self, key: tuple[str, str, int], document: feeds.Document) -> None:
        with self.lock:
            self.pages[key] = document
            while len(self.pages) > CACHED_PAGES:
                self.pages.popitem(last=False)


ARCHIVES = Pages()


def feed_id(request: Request) -> str:
    from api.audit.keys import DEFAULT_NAME, verifying_key

    key = verifying_key(request.app.state.settings)
    return f"tag:{key.name if key else DEFAULT_NAME},2026:disclosures"


def _checkpoints(
    request: Request, conn: psycopg.Connection[Any]
) -> list[dict[str, Any]]:
    """Each log's latest signed checkpoint that verifies (the ledger's), so a
    feed reader can hold the logs to them; none where the ledger is not kept."""
    from api.audit.checkpoints import latest_believed
    from api.audit.keys import verifying_key

    key = verifying_key(request.app.state.settings)
    if key is None:
        return []
    found = []
    try:
        with conn.transaction():
            for name in sorted(request.app.state.services.logs()):
                cp = latest_believed(conn, name, key)
                if cp is not None:
                    found.append({"log": cp.log, "size": cp.size, "note": cp.note})
    except (psycopg.errors.UndefinedTable, ReadModelMissingError):
        return []
    return found


def _answer(request: Request, document: feeds.Document, cache: str) -> Response:
    headers = {"ETag": document.etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.media_type, headers=headers)


def _matches(header: Optional[str], etag: str) -> bool:  # noqa: UP045
    """RFC 9110 §13.1.2: weak comparison, a list, or `*`."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _links(request: Request) -> feeds.Links:
    return feeds.Links(str(request.base_url).rstrip("/"))


Format = Annotated[
    str,
    Path(pattern=r"^(atom|json)$", description="atom (RFC 4287) or json (JSON Feed)"),
]
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "an Atom feed (RFC 4287, paged by RFC 5005) or a JSON Feed 1.1",
        "content": {
            "application/atom+xml": {"schema": {"type": "string"}},
            "application/feed+json": {"schema": {"type": "object"}},
        },
    },
    304: {"description": "not modified (If-None-Match matched the ETag)"},
}


@router.get(
    "/feed.{fmt}",
    response_class=Response,
    responses={**FEED_RESPONSES, **problems(*PUBLIC)},
    summary="The feed's head: the newest items, and the ledger's checkpoints",
)
def head(fmt: Format, request: Request, reader: PublicReader) -> Response:
    size = q.feed_size(reader.conn)
    complete = feeds.pages_complete(size)
    items = q.feed_items(reader.conn, complete * feeds.PAGE, size)
    render = FORMATS[fmt]
    document = render(
        feed_id(request),
        items,
        _links(request),
        page=None,
        complete=complete,
        checkpoints=_checkpoints(request, reader.conn),
    )
    return _answer(request, document, HEAD_CACHE)


@router.get(
    "/archive/{page}.{fmt}",
    response_class=Response,
    responses={**FEED_RESPONSES, **problems(*PUBLIC, 404)},
    summary="An archived page of the feed (RFC 5005): never changes",
)
async def archive(
    page: Annotated[int, Path(ge=0, le=10**9, description="the page, 0 the oldest")],
    fmt: Format,
    request: Request,
) -> Response:
    """A page already rendered is answered from memory on the event loop: no
    database connection, no thread (the bench's 8. row); the first request
    renders it in a worker thread."""
    links = _links(request)
    key = (links.base, fmt, page)
    document = ARCHIVES.cached(key)
    if document is None:
        document = await run_in_threadpool(_render_archive, request, page, fmt, links)
        ARCHIVES.keep(key, document)
    return _answer(request, document, ARCHIVE_CACHE)


def _render_archive(
    request: Request, page: int, fmt: str, links: feeds.Links
) -> feeds.Document:
    reads: ReadSide = request.app.state.reads
    with reads.pool.connection() as conn:
        complete = feeds.pages_complete(q.feed_size(conn))
        if page >= complete:
            raise NotFoundError(f"archive page {page} is not complete yet")
        first = page * feeds.PAGE
        items = q.feed_items(conn, first, first + feeds.PAGE)
    return FORMATS[fmt](feed_id(request), items, links, page=page, complete=complete)


@router.get(
    "/{entry_id}",
    response_class=JSON,
    response_model=Entry,
    responses=problems(*PUBLIC, 404),
    summary="One published decision (or its tombstone)",
)
def one(
    entry_id: Annotated[UUID, Path(description="the entry's id")],
    reader: PublicReader,
) -> JSON:
    found = q.entry(reader.conn, entry_id)
    if found is None:
        raise NotFoundError(f"no published decision {entry_id}")
    return JSON(found)
