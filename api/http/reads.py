"""The read side as the API sees it: a pool of connections to the read models,
today's legal date, the reader's jurisdiction, and read-your-writes waits.

Read-your-writes tokens name their log (`licensing:1234`): a command's answer
carries its log's position, and a query waits until every read model that
follows that log has read it that far. A bare position (`1234`, as before
logs were named) is one on the log of the context the route belongs to: each
context makes its readers with `staff_reader(log)` / `public_reader(log)`.

A wait never holds one of the pool's few connections: a staff query polls,
taking a connection for each look only, and a public query does not wait at
all (it is answered from what is there, or refused at once with 503), so no
number of unauthenticated requests can starve the staff's queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import psycopg
from eventsourcing.application import Application
from fastapi import Depends, Header, Query, Request
from psycopg_pool import ConnectionPool
from pydantic import Field

from api.host.database import Timeouts, open_pool
from api.http.auth import CurrentPrincipal, Principal
from api.http.errors import ProblemError
from domain.shared.audit import Role
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import Clock, legal_date
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import RegionCode, covers, normalise_region_code
from domain.shared.service import CommandResult
from domain.shared.uscc import USCC
from projections.deadline_board import Source, sources_of
from projections.queries import MAX_LIMIT, Page, Scope
from projections.runtime import (
    AnyReadModel,
    ModelStatus,
    caught_up,
    ensure_runtime,
    followers,
    statuses,
    wait_until,
)

CONSISTENCY_TIMEOUT_S = 5.0


class ReadSide:
    def __init__(
        self,
        url: str,
        calendar: WorkingDayCalendar,
        clock: Clock,
        pool_size: int,
        timeouts: Timeouts | None = None,
        *,
        applications: Mapping[str, Application[Any]],
        models: Sequence[AnyReadModel],
    ) -> None:
        """`applications` names each log the API serves (log name → the
        Application writing it); `models` are the read models following them."""
        self.pool: ConnectionPool[psycopg.Connection[Any]] = open_pool(
            url,
            timeouts or Timeouts(),
            name="reads",
            min_size=1,
            max_size=max(pool_size, 2),
        )
        self.calendar = calendar
        self.clock = clock
        self.applications = applications
        self.models = models
        self.followers = followers(models, applications)  # log → model names
        self.deadlines = sources_of(models)
        with self.pool.connection() as conn:
            ensure_runtime(conn)  # so a wait before any projector ran is a clean 503

    def today(self) -> date:
        return legal_date(self.clock.now())

    def caught_up(self, target: LogPosition) -> bool:
        """One look, on a connection held only for it."""
        with self.pool.connection() as conn:
            return self.caught_up_on(conn, target)

    def caught_up_on(self, conn: psycopg.Connection[Any], target: LogPosition) -> bool:
        """Whether every model following the target's log has read it that far."""
        models = self.followers[target.log]
        return caught_up(conn, models, target.position, target.log)

    def status(self, conn: psycopg.Connection[Any]) -> list[ModelStatus]:
        """Each model's position, head and stall on each log it follows."""
        return statuses(conn, self.applications, self.models)

    def close(self) -> None:
        self.pool.close()


@dataclass(frozen=True)
class Reader:
    """One query's context: its connection, today, the calendar and the scope."""

    conn: psycopg.Connection[Any]
    today: date
    calendar: WorkingDayCalendar
    principal: Principal | None
    deadlines: tuple[Source, ...] = ()  # the models the deadline board reads

    @property
    def scope(self) -> Scope:
        if self.principal is None:
            return Scope()
        if Role.AUDITOR in self.principal.roles:
            return Scope(everything=True)
        return Scope((normalise_region_code(self.principal.unit_code),))

    @property
    def roles(self) -> frozenset[str]:
        """The reader's roles (none for the public)."""
        return frozenset(self.principal.roles) if self.principal else frozenset()

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


# A log position as the client writes it: `<log>:<digits>`, or digits alone
# (on the route's own log). Digits only: an int parser would also take "+0.0"
# or "1_000", which the documented pattern refuses.
POSITION_PATTERN = r"^(?:[a-z][a-z0-9_]{0,62}:)?[0-9]{1,18}$"


def written_at(result: CommandResult) -> dict[str, Any]:
    """Where a command's answer says its write is: the position, and the token
    naming its log to pass back as `consistent_after`."""
    return {
        "position": result.position,
        "consistency_token": f"{result.log}:{result.position}",
    }


@dataclass(frozen=True)
class LogPosition:
    """A position on a named log, to read one's writes at."""

    log: str
    position: int


@dataclass(frozen=True)
class ConsistencyToken:
    """`consistent_after` as given: its log (None for a bare position), its
    position, and the parameter it came in (to name in a 422)."""

    log: str | None
    position: int
    parameter: str

    def on(self, route_log: str, known: Mapping[str, object]) -> LogPosition:
        """The position on its log (a bare one on the route's); an unknown log
        is the client's mistake."""
        log = self.log if self.log is not None else route_log
        if not log:  # a route over every log (/v1/deadlines) has none of its own
            raise InvalidInputError(
                "name the log of the position here, e.g."
                f" {min(known, default='<log>')}:{self.position}",
                field=self.parameter,
            )
        if log not in known:
            names = ", ".join(sorted(known))
            raise InvalidInputError(
                f"no event log named {log!r} (known: {names})", field=self.parameter
            )
        return LogPosition(log, self.position)


def _consistent_after(
    consistent_after: Annotated[
        str | None,
        Query(
            pattern=POSITION_PATTERN,
            description="a command's `consistency_token` (`<log>:<position>`, e.g."
            " `<context>:1234`; a bare `position` is one on this route's log):"
            " answer only once every read model following that log has caught up"
            " to it (staff queries wait up to 5 s; public ones do not wait)",
        ),
    ] = None,
    x_consistent_after: Annotated[str | None, Header(pattern=POSITION_PATTERN)] = None,
) -> ConsistencyToken | None:
    if consistent_after is not None:
        given, parameter = consistent_after, "consistent_after"
    elif x_consistent_after is not None:
        given, parameter = x_consistent_after, "x-consistent-after"
    else:
        return None
    log, _, digits = given.rpartition(":")
    return ConsistencyToken(log or None, int(digits), parameter)


ConsistentAfter = Annotated[ConsistencyToken | None, Depends(_consistent_after)]


def not_caught_up(target: LogPosition, detail: str) -> ProblemError:
    return ProblemError(
        503,
        f"the read models have not reached position {target.position} of the"
        f" {target.log} log {detail}; retry shortly",
        slug="not-caught-up",
        headers={"Retry-After": "1"},
    )


def _target(
    reads: ReadSide, token: ConsistencyToken | None, log: str
) -> LogPosition | None:
    """What to wait for, if anything (position 0: nothing)."""
    if token is None:
        return None
    target = token.on(log, reads.followers)
    return target if target.position else None


@contextmanager
def _reader(request: Request, principal: Principal | None) -> Iterator[Reader]:
    reads: ReadSide = request.app.state.reads
    with reads.pool.connection() as conn:
        yield Reader(conn, reads.today(), reads.calendar, principal, reads.deadlines)


Dependency = Callable[..., Iterator[Reader]]


def staff_reader(log: str) -> Dependency:
    """The reader of a context's staff queries, whose own log is `log`: waits
    (bounded) for read-your-writes without holding a connection."""

    def staff(
        request: Request, principal: CurrentPrincipal, token: ConsistentAfter
    ) -> Iterator[Reader]:
        reads: ReadSide = request.app.state.reads
        target = _target(reads, token, log)
        if target is not None and not wait_until(
            lambda: reads.caught_up(target), CONSISTENCY_TIMEOUT_S
        ):
            raise not_caught_up(target, f"within {CONSISTENCY_TIMEOUT_S:g} s")
        with _reader(request, principal) as reader:
            yield reader

    return staff


def public_reader(log: str) -> Dependency:
    """The reader of a context's public queries, whose own log is `log`: never
    waits, since an unauthenticated request must not hold anything for long."""

    def public(request: Request, token: ConsistentAfter) -> Iterator[Reader]:
        reads: ReadSide = request.app.state.reads
        target = _target(reads, token, log)
        with _reader(request, None) as reader:
            if target is not None and not reads.caught_up_on(reader.conn, target):
                raise not_caught_up(target, "yet (public queries do not wait)")
            yield reader

    return public


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


# A statistics query's period (every context's): `from` and `to`, this year to
# today by default, at most 20 years.
PeriodFrom = Annotated[
    IsoDate | None,
    Query(alias="from", description="first day; default 1 January this year"),
]
PeriodTo = Annotated[
    IsoDate | None, Query(alias="to", description="last day; default today")
]
MAX_PERIOD_DAYS = 366 * 20


def period(
    date_from: date | None, date_to: date | None, today: date
) -> tuple[date, date]:
    first = date_from or today.replace(month=1, day=1)
    last = date_to or today
    if first > last:
        raise InvalidInputError("`from` is after `to`", field="from")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise InvalidInputError("the period may span at most 20 years", field="to")
    return first, last
