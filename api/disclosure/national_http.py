"""The national view's public routes (一张网): the disclosures of every
deployment `casetrace follow` reads, searched like our own, and their counts.
Registered before the disclosure router, whose `/{entry_id}` would take
`national` for an id."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from datetime import datetime
from typing import Annotated, Any, Optional
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

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
from api.http.reads import After, Limit, page_body
from api.http.views import JSON
from domain.disclosure.record import PublicRecord
from domain.shared.errors import InvalidInputError
from domain.shared.uscc import USCC
from projections.disclosure import national_queries as q

router = APIRouter(prefix="/public/v1/disclosures/national", tags=["public"])

FEED_ID = "tag:huaian-3208,2026:disclosures"
FEED_URL = "https://huaian.example/public/v1/disclosures/feed.atom"
ENTRY_EXAMPLE: dict[str, Any] = {
    "source": FEED_ID,
    "source_url": FEED_URL,
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "status": "published",
    "published_at": "2026-11-24T01:00:02Z",
    "updated_at": "2026-11-24T01:00:02Z",
    "record": RECORD_EXAMPLE,
}


class NationalEntry(BaseModel):
    """A disclosure of another deployment: its record while on display; a
    tombstone (no record; why and when it went) once retracted or ended."""

    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    source: str = Field(description="the feed id of the deployment it came from")
    source_url: str = Field(description="the feed URL it was read from")
    id: UUID = Field(description="the entry's id in its feed (urn:uuid:…)")
    status: str = Field(description="published | retracted | ended")
    published_at: Optional[datetime] = Field(  # noqa: UP045
        description="when its deployment published it (none: only its tombstone seen)"
    )
    updated_at: Optional[datetime] = Field(description="its entry's Atom `updated`")  # noqa: UP045
    record: Optional[PublicRecord] = Field(  # noqa: UP045
        description="the published fields; none on a tombstone"
    )
    decision_number: Optional[str] = Field(None, description="on a tombstone")  # noqa: UP045
    kind: Optional[str] = Field(None, description="on a tombstone, if known")  # noqa: UP045
    gone_at: Optional[datetime] = Field(  # noqa: UP045
        None, description="when it was retracted or its display ended (tombstone)"
    )
    gone_reason: Optional[str] = Field(  # noqa: UP045
        None, description="the tombstone's comment"
    )


class NationalEntryList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [ENTRY_EXAMPLE], "next_cursor": None}]
        }
    )

    items: list[NationalEntry]
    next_cursor: Optional[str]  # noqa: UP045


class SourceStatus(BaseModel):
    url: str = Field(description="the followed feed's URL")
    source: Optional[str] = Field(description="its feed id (none: never read)")  # noqa: UP045
    entries: int = Field(description="its entries in the national store")
    pages_read: int = Field(description="its archive pages fully read")
    last_success_at: Optional[datetime]  # noqa: UP045
    last_failure_at: Optional[datetime]  # noqa: UP045
    last_error: Optional[str]  # noqa: UP045
    skipped: int = Field(description="entries refused as invalid")


STATISTICS_EXAMPLE: dict[str, Any] = {
    "total": 3,
    "sources": [
        {
            "url": FEED_URL,
            "source": FEED_ID,
            "entries": 3,
            "pages_read": 0,
            "last_success_at": "2026-11-24T01:05:00Z",
            "last_failure_at": None,
            "last_error": None,
            "skipped": 0,
        }
    ],
    "by_kind": {"licence": 2, "penalty": 1},
    "by_category": {"granted": 1, "revoked": 1, "penalised": 1},
    "by_status": {"published": 2, "retracted": 1},
}


class NationalStatistics(BaseModel):
    """Counts from the rollup the follower keeps (never a scan of entries).
    `unknown` counts entries only a tombstone has told us of."""

    model_config = ConfigDict(json_schema_extra={"examples": [STATISTICS_EXAMPLE]})

    total: int
    sources: list[SourceStatus]
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_status: dict[str, int]


# Before `casetrace follow` has made the store, nothing is followed: the
# national view is empty (not an outage to retry).


Source = Annotated[
    Optional[Text],  # noqa: UP045
    Query(description="a followed deployment's feed id (tag:…:disclosures)"),
]


@router.get(
    "",
    response_class=JSON,
    response_model=NationalEntryList,
    responses=problems(*PUBLIC),
    summary="Every followed deployment's disclosures (一张网), newest first",
)
def national(
    reader: PublicReader,
    party: Annotated[
        Optional[Text],  # noqa: UP045
        Query(description="part of the party's name, as published (on display only)"),
    ] = None,
    uscc: Annotated[
        Optional[USCC],  # noqa: UP045
        Query(description="the party's unified social credit code (on display only)"),
    ] = None,
    decision_number: NumberFilter = None,
    kind: KindFilter = None,
    category: CategoryFilter = None,
    status: Annotated[
        Optional[str],  # noqa: UP045
        Query(
            pattern="^(published|retracted|ended)$",
            description="published, retracted or ended (default: all)",
        ),
    ] = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    source: Source = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if decided_from and decided_to and decided_from > decided_to:
        raise InvalidInputError("`from` is after `to`", field="from")
    if not q.exists(reader.conn):
        return JSON({"items": [], "next_cursor": None})
    query = q.NationalQuery(
        party=party,
        uscc=uscc,
        decision_number=decision_number,
        kind=kind,
        category=category,
        status=status,
        decided_from=decided_from,
        decided_to=decided_to,
        source=source,
        after=after,
        limit=limit,
    )
    return JSON(page_body(q.search(reader.conn, query)))


@router.get(
    "/statistics",
    response_class=JSON,
    response_model=NationalStatistics,
    responses=problems(*PUBLIC),
    summary="Counts of the national view by source, kind, category and status",
)
def statistics(reader: PublicReader, source: Source = None) -> JSON:
    if not q.exists(reader.conn):
        return JSON(q.rollup([], [], source))
    return JSON(q.statistics(reader.conn, source))
