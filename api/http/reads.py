"""The read side as the API sees it: a pool of connections to the read models,
today's legal date, the reader's jurisdiction, and read-your-writes waits.

A wait never holds one of the pool's few connections: a staff query polls,
taking a connection for each look only, and a public query does not wait at
all (it is answered from what is there, or refused at once with 503), so no
number of unauthenticated requests can starve the staff's queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Header, Query, Request
from psycopg_pool import ConnectionPool
from pydantic import Field

from api.host.database import Timeouts, open_pool
from api.http.auth import CurrentPrincipal, Principal
from api.http.errors import ProblemError
from domain.shared.audit import Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock, legal_date
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import RegionCode, covers, normalise_region_code
from domain.shared.uscc import USCC
from projections.queries import MAX_LIMIT, Page, Scope
from projections.runtime import caught_up, ensure_runtime, wait_until

LICENSING_MODELS = ("applications", "licences")
CONSISTENCY_TIMEOUT_S = 5.0


class ReadSide:
    def __init__(
        self,
        url: str,
        calendar: WorkingDayCalendar,
        clock: Clock,
        pool_size: int,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.pool: ConnectionPool[psycopg.Connection[Any]] = open_pool(
            url,
            timeouts or Timeouts(),
            name="reads",
            min_size=1,
            max_size=max(pool_size, 2),
        )
        self.calendar = calendar
        self.clock = clock
        with self.pool.connection() as conn:
            ensure_runtime(conn)  # so a wait before any projector ran is a clean 503

    def today(self) -> date:
        return legal_date(self.clock.now())

    def caught_up(self, target: int) -> bool:
        """One look, on a connection held only for it."""
        with self.pool.connection() as conn:
            return caught_up(conn, LICENSING_MODELS, target)

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


# A log position as the client writes it: digits only (an int parser would
# also take "+0.0" or "1_000", which the documented pattern refuses).
POSITION_PATTERN = r"^[0-9]{1,18}$"


def _consistent_after(
    consistent_after: Annotated[
        str | None,
        Query(
            pattern=POSITION_PATTERN,
            description="a command's `position`: answer only once the read model has"
            " caught up to it (staff queries wait up to 5 s; public ones do not wait)",
        ),
    ] = None,
    x_consistent_after: Annotated[str | None, Header(pattern=POSITION_PATTERN)] = None,
) -> int | None:
    given = consistent_after if consistent_after is not None else x_consistent_after
    return int(given) if given is not None else None


ConsistentAfter = Annotated[int | None, Depends(_consistent_after)]


def not_caught_up(target: int, detail: str) -> ProblemError:
    return ProblemError(
        503,
        f"the read models have not reached position {target} {detail}; retry shortly",
        slug="not-caught-up",
        headers={"Retry-After": "1"},
    )


@contextmanager
def _reader(request: Request, principal: Principal | None) -> Iterator[Reader]:
    reads: ReadSide = request.app.state.reads
    with reads.pool.connection() as conn:
        yield Reader(conn, reads.today(), reads.calendar, principal)


def staff_reader(
    request: Request, principal: CurrentPrincipal, target: ConsistentAfter
) -> Iterator[Reader]:
    """Waits (bounded) for read-your-writes without holding a connection."""
    reads: ReadSide = request.app.state.reads
    if target and not wait_until(
        lambda: reads.caught_up(target), CONSISTENCY_TIMEOUT_S
    ):
        raise not_caught_up(target, f"within {CONSISTENCY_TIMEOUT_S:g} s")
    with _reader(request, principal) as reader:
        yield reader


def public_reader(request: Request, target: ConsistentAfter) -> Iterator[Reader]:
    """Never waits: an unauthenticated request must not hold anything for long."""
    with _reader(request, None) as reader:
        if target and not caught_up(reader.conn, LICENSING_MODELS, target):
            raise not_caught_up(target, "yet (public queries do not wait)")
        yield reader


StaffReader = Annotated[Reader, Depends(staff_reader)]

# The query parameters every list shares.
UnitFilter = Annotated[
    RegionCode | None,
    Query(description="region code of a unit (and the units under it), e.g. 320803"),
]
UsccFilter = Annotated[USCC | None, Query()]
# Opaque: only a `next_cursor` this list issued is valid, which the format names
# (no pattern could say it all); anything else is a 422 naming `after`. The
# pattern (unpadded base64url, what encode_cursor writes) refuses most garbage
# before any database work, whatever state the read models are in.
AFTER = Query(description="`next_cursor` of the previous page, passed back unchanged")
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
After = Annotated[
    Annotated[
        str,
        Field(
            max_length=200,
            pattern=CURSOR_PATTERN,
            json_schema_extra={"format": "cursor"},
        ),
    ]
    | None,
    AFTER,
]
BoardAfter = Annotated[
    Annotated[
        str,
        Field(
            max_length=200,
            pattern=CURSOR_PATTERN,
            json_schema_extra={"format": "deadline-cursor"},
        ),
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
