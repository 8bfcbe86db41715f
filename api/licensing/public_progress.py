"""/public/v1/progress: 办件查询 by receipt number and query code, no token.

Nothing personal is shown. A wrong code answers exactly as an unknown number
does; a client that keeps failing is refused for a while (429), before any
lookup, so codes cannot be guessed at speed. The failures are counted in
PostgreSQL for every process, per client address (api/limits.py).
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.http.errors import ProblemError
from api.http.limits import Attempt, LookupLimiter, client_address, counted_lookup
from api.http.openapi import PUBLIC, problems
from api.http.reads import Reader
from api.http.views import JSON
from api.licensing import schemas
from api.licensing.reads import PublicReader
from domain.shared.query_code import query_code_hash
from domain.shared.text import Line
from projections.licensing import applications_queries as applications

router = APIRouter(prefix="/public/v1/progress", tags=["public"])


@dataclass(frozen=True)
class Lookup:
    receipt_number: str
    query_code: str
    attempt: Attempt


def lookup(
    request: Request,
    receipt_number: Annotated[Annotated[str, Line(40)], Query()],
    query_code: Annotated[Annotated[str, Line(40)], Query()],
) -> Iterator[Lookup]:
    """The lookup, counted per client address (api/http/limits.py)."""
    limiter: LookupLimiter = request.app.state.lookup_limiter
    client = client_address(request, request.app.state.trusted_proxies)
    with counted_lookup(limiter, client) as attempt:
        yield Lookup(receipt_number, query_code, attempt)


def find_progress(
    reader: Reader, receipt_number: str, query_code: str
) -> dict[str, Any] | None:
    """The public view of one application, or None for an unknown number or
    a wrong code alike (the caller counts the attempt)."""
    return applications.progress(
        reader.conn,
        receipt_number,
        lambda number: query_code_hash(number, query_code),
        reader.calendar,
        reader.today,
    )


@router.get(
    "",
    response_class=JSON,
    summary="办件查询: an application's progress",
    response_model=schemas.Progress,
    responses=problems(*PUBLIC, 404, 429),
)
def get_progress(
    lookup: Annotated[Lookup, Depends(lookup)],  # first: before the reader
    reader: PublicReader,
) -> JSON:
    found = find_progress(reader, lookup.receipt_number, lookup.query_code)
    if found is None:
        raise ProblemError(
            404, "no application matches that receipt number and query code"
        )
    return JSON(found)
