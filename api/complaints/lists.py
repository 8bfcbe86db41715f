"""The 12315 line's read models over HTTP: the index of intakes, complaints
and reports (your jurisdiction and the cases your unit received), the
supervision office's index of conduct complaints (效能投诉: 403 to any other
role; never a complaint about the reader), the deadline board with who is
answerable, and the statistics summed from the rollups. People appear by
pseudonym only."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.complaints import schemas
from api.complaints.reads import StaffReader
from api.http.deadlines import board_route
from api.http.errors import ProblemError
from api.http.openapi import STAFF, problems
from api.http.reads import (
    After,
    Limit,
    PeriodFrom,
    PeriodTo,
    Reader,
    UnitFilter,
    UsccFilter,
    page_body,
    period,
    staff_reader,
    upper,
)
from api.http.views import JSON
from domain.complaints.conduct import INTAKE_READERS, READERS
from domain.complaints.conduct import Status as ConductStatus
from domain.complaints.parties import Channel
from domain.complaints.service import Complaints
from domain.shared.audit import Role
from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.text import Line
from projections.complaints import conduct_queries, index_queries, statistics
from projections.complaints.index import Kind

router = APIRouter(tags=["complaints read models"])


def _dates(
    date_from: date | None, date_to: date | None, names: tuple[str, str]
) -> None:
    if date_from and date_to and date_from > date_to:
        raise InvalidInputError(f"{names[0]} is after {names[1]}", field=names[0])


def _index(kind: Kind, path: str, summary: str) -> None:
    @router.get(
        path,
        response_class=JSON,
        summary=summary,
        response_model=schemas.MattersPage,
        responses=problems(*STAFF),
        name=f"list_{kind.value}s",
    )
    def index(
        reader: StaffReader,
        status: Annotated[list[Annotated[str, Line(40)]] | None, Query()] = None,
        unit: UnitFilter = None,
        channel: Channel | None = None,
        received_from: IsoDate | None = None,
        received_to: IsoDate | None = None,
        respondent_name: Annotated[Annotated[str, Line(200)] | None, Query()] = None,
        respondent_uscc: UsccFilter = None,
        responsible: Annotated[Annotated[str, Line(40)] | None, Query()] = None,
        overdue: bool | None = None,
        after: After = None,
        limit: Limit = 50,
    ) -> JSON:
        _dates(received_from, received_to, ("received_from", "received_to"))
        page = index_queries.search(
            reader.conn,
            index_queries.CaseQuery(
                scope=reader.scope,
                today=reader.today,
                kinds=(kind,),
                statuses=tuple(status or ()),
                unit=reader.unit(unit),
                channel=channel,
                received_from=received_from,
                received_to=received_to,
                respondent_name=respondent_name,
                respondent_uscc=upper(respondent_uscc),
                overdue=overdue,
                responsible_no=responsible,
                after=after,
                limit=limit,
                confidential=_reads(reader, INTAKE_READERS),
                reader_no=_staff_no(reader),
            ),
            reader.calendar,
        )
        return JSON(page_body(page))


def _reads(reader: Reader, roles: frozenset[Role]) -> bool:
    return not roles.isdisjoint(reader.roles)


def _staff_no(reader: Reader) -> str | None:
    return reader.principal.staff_no if reader.principal else None


_index(Kind.INTAKE, "/v1/complaints/intakes", "The intakes (登记) index")
_index(Kind.COMPLAINT, "/v1/complaints/complaints", "The complaints (投诉) index")
_index(Kind.REPORT, "/v1/complaints/reports", "The reports (举报) index")
_index(Kind.ODR, "/v1/complaints/odr-disputes", "The ODR disputes (在线和解) index")


@router.get(
    "/v1/complaints/conduct",
    response_class=JSON,
    summary="The conduct complaints (效能投诉) index: the supervision office and auditors only",
    response_model=schemas.ConductPage,
    responses=problems(*STAFF),
    name="list_conduct_complaints",
)
def conduct_index(
    reader: StaffReader,
    status: Annotated[list[ConductStatus] | None, Query()] = None,
    unit: UnitFilter = None,
    overdue: bool | None = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    if not _reads(reader, READERS):
        raise ProblemError(
            403,
            "conduct complaints are read by the supervision office and auditors only",
            slug="forbidden",
        )
    page = conduct_queries.search(
        reader.conn,
        conduct_queries.ConductQuery(
            scope=reader.scope,
            today=reader.today,
            reader_no=_staff_no(reader) or "",
            statuses=tuple(status or ()),
            unit=reader.unit(unit),
            overdue=overdue,
            after=after,
            limit=limit,
        ),
        reader.calendar,
    )
    return JSON(page_body(page))


@router.get(
    "/v1/complaints/statistics",
    response_class=JSON,
    summary="Statistics of the 12315 line (from rollups)",
    response_model=schemas.ComplaintsStatistics,
    responses=problems(*STAFF),
)
def get_statistics(
    reader: StaffReader,
    date_from: PeriodFrom = None,
    date_to: PeriodTo = None,
    unit: UnitFilter = None,
    group_by: Annotated[
        statistics.GroupBy | None,
        Query(description="统计口径 — group by unit or month (none: the total)"),
    ] = None,
) -> JSON:
    start, end = period(date_from, date_to, reader.today)
    figures = statistics.statistics(
        reader.conn,
        statistics.StatisticsQuery(
            scope=reader.scope,
            date_from=start,
            date_to=end,
            unit=reader.unit(unit),
            group_by=group_by,
        ),
    )
    return JSON(figures)


board = APIRouter(prefix="/v1/complaints/deadlines", tags=["complaints read models"])


def entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": row["case_id"],
        "number": row["reference"],
        "kind": row["kind"],
        "due": row["due"],
        "working_days_left": row["working_days_left"],
        "state": row["state"],
        "provisional": row["provisional"],
        "rule": row["rule"],
        "unit_code": row["unit_code"],
        "matter": row["subject"]["name"],
        "respondent": row["party"]["name"] if row["party"] else "",
        "responsible": row.get("responsible"),
    }


def with_answerable(conn: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """首问负责: who is answerable for each case on the page (a conduct
    complaint's rows reach only its readers: the board asks their roles)."""
    ids = [r["case_id"] for r in rows]
    who = {
        **index_queries.answerable(conn, ids),
        **conduct_queries.answerable(conn, ids),
    }
    return [{**r, "responsible": who.get(r["case_id"])} for r in rows]


board_route(
    board,
    staff_reader(Complaints.name),
    logs=(Complaints.name,),
    summary="Deadline board of the 12315 line: acceptance, mediation, notices, verification",
    response_model=schemas.DeadlinesPage,
    shape=entry,
    annotate=with_answerable,
)
