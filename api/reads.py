"""The read side as the API sees it: a pool of connections to the read models,
today's legal date, the reader's jurisdiction, and read-your-writes waits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Header, Query, Request
from psycopg_pool import ConnectionPool
from pydantic import Field

from api.auth import CurrentPrincipal, Principal
from api.errors import ProblemError
from domain.shared.audit import Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock, legal_date
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import RegionCode, covers, normalise_region_code
from domain.shared.uscc import USCC
from projections.queries import MAX_LIMIT, Page, Scope
from projections.runtime import ensure_runtime, wait_for

LICENSING_MODELS = ("applications", "licences")
CONSISTENCY_TIMEOUT_S = 5.0


class ReadSide:
    def __init__(
        self, url: str, calendar: WorkingDayCalendar, clock: Clock, pool_size: int
    ) -> None:
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(pool_size, 2),
            kwargs={"autocommit": True},
            open=True,
            name="reads",
        )
        self.calendar = calendar
        self.clock = clock
        with self.pool.connection() as conn:
            ensure_runtime(conn)  # so a wait before any projector ran is a clean 503

    def today(self) -> date:
        return legal_date(self.clock.now())

    def close(self) -> None:
        self.pool.close()


@dataclass(frozen=True)
class Reader:
    """One query's context: its connection, today, the calendar and the scope."""

    conn: psycopg.Connection[Any]
    today: date
    calendar: WorkingDayCalendar
    principal: Principal | None

    @property
    def scope(self) -> Scope:
        if self.principal is None:
            return Scope()
        if Role.AUDITOR in self.principal.roles:
            return Scope(everything=True)
        return Scope((normalise_region_code(self.principal.unit_code),))

    def unit(self, unit: str | None) -> str | None:
        """A unit filter, which must lie within the reader's jurisdiction."""
        if unit is None:
            return None
        try:
            code = normalise_region_code(unit)
        except InvalidInputError as exc:  # name the query parameter at fault
            raise InvalidInputError(exc.detail, field="unit") from None
        scope = self.scope
        if not scope.everything and not any(covers(p, code) for p in scope.prefixes):
            raise ProblemError(
                403, f"unit {code} is outside your jurisdiction", slug="forbidden"
            )
        return code


def _connection(
    request: Request,
    consistent_after: Annotated[
        int | None,
        Query(
            ge=0,
            description="a command's `position`: wait until the read model has caught up to it",
        ),
    ] = None,
    x_consistent_after: Annotated[int | None, Header(ge=0)] = None,
) -> Iterator[psycopg.Connection[Any]]:
    reads: ReadSide = request.app.state.reads
    target = consistent_after if consistent_after is not None else x_consistent_after
    with reads.pool.connection() as conn:
        if target and not wait_for(
            conn, LICENSING_MODELS, target, CONSISTENCY_TIMEOUT_S
        ):
            raise ProblemError(
                503,
                f"the read models have not reached position {target} within"
                f" {CONSISTENCY_TIMEOUT_S:g} s; retry shortly",
                slug="not-caught-up",
                headers={"Retry-After": "1"},
            )
        yield conn


Connection = Annotated[psycopg.Connection[Any], Depends(_connection)]


def staff_reader(
    request: Request, principal: CurrentPrincipal, conn: Connection
) -> Reader:
    reads: ReadSide = request.app.state.reads
    return Reader(conn, reads.today(), reads.calendar, principal)


def public_reader(request: Request, conn: Connection) -> Reader:
    reads: ReadSide = request.app.state.reads
    return Reader(conn, reads.today(), reads.calendar, None)


StaffReader = Annotated[Reader, Depends(staff_reader)]

# The query parameters every list shares.
UnitFilter = Annotated[
    RegionCode | None,
    Query(description="region code of a unit (and the units under it), e.g. 320803"),
]
UsccFilter = Annotated[USCC | None, Query()]
# Opaque: only a `next_cursor` this list issued is valid, which the format names
# (no pattern could say it); anything else is a 422 naming `after`.
AFTER = Query(description="`next_cursor` of the previous page, passed back unchanged")
After = Annotated[
    Annotated[str, Field(max_length=200, json_schema_extra={"format": "cursor"})]
    | None,
    AFTER,
]
BoardAfter = Annotated[
    Annotated[
        str, Field(max_length=200, json_schema_extra={"format": "deadline-cursor"})
    ]
    | None,
    AFTER,
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def upper(code: str | None) -> str | None:
    return code.upper() if code else None


def page_body(page: Page[Any], **extra: Any) -> dict[str, Any]:
    return {**extra, "items": page.items, "next_cursor": page.next_cursor}


PublicReader = Annotated[Reader, Depends(public_reader)]
