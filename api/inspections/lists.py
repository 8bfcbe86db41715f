"""The inspections context's staff side beyond single cases: the CSV imports
of the two directories, their listings, the draw's commitment (its snapshot
taken from the directory's read model, what the public checks it against),
the plans and inspections indexes, the nominations counted and grouped, and
the statistics summed from the rollup."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Optional
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.http.auth import CurrentPrincipal, caller
from api.http.commands import expected_version
from api.http.openapi import COMMAND, STAFF, problems
from api.http.reads import After, Limit, UnitFilter, UsccFilter, page_body, upper
from api.http.views import JSON
from api.inspections import schemas
from api.inspections.cases import PLANS
from api.inspections.reads import StaffReader, inspections
from api.inspections.views import draw_document
from domain.inspections.plan import InspectionPlan
from domain.shared.dates import IsoDate
from domain.shared.errors import DomainError, InvalidInputError
from domain.shared.jurisdiction import normalise_region_code
from domain.shared.text import Line, Reason
from projections.inspections import directory_queries, index_queries
from projections.inspections.directory import Kind as DirectoryKind
from projections.inspections.index import Kind

router = APIRouter(tags=["inspections: directories"])
indexes = APIRouter(tags=["inspections: plans"])

# Characters: within the 256 KiB body limit however Chinese the text (3
# bytes a character), some 800 rows; a larger directory goes in several files.
MAX_CSV = 80_000


class ImportBody(BaseModel):
    """A CSV file's text (UTF-8; a BOM is ignored), header first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    csv: str = Field(min_length=1, max_length=MAX_CSV)


class CommitBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Optional[Reason] = None  # noqa: UP045


def _import(kind: str, path: str, summary: str) -> None:
    @router.post(
        path,
        response_class=JSON,
        response_model=schemas.ImportReport,
        responses=problems(*STAFF, 409, 413, 415),
        summary=summary,
        name=f"import_{kind}",
    )
    def run(body: ImportBody, request: Request, principal: CurrentPrincipal) -> JSON:
        command = f"import_{kind}"
        who = caller(request, principal, command)
        report = getattr(inspections(request), command)(who, body.csv)
        return JSON(
            {
                **report.model_dump(exclude={"log"}),
                "consistency_token": f"{report.log}:{report.position}",
            }
        )


_import(
    "targets",
    "/v1/inspections/targets/import",
    "Import the target directory (检查对象名录库) from CSV, all or nothing",
)
_import(
    "inspectors",
    "/v1/inspections/pool/import",
    "Import the inspector pool (执法检查人员名录库) from CSV, all or nothing",
)


def _listing(kind: DirectoryKind, path: str, summary: str) -> None:
    @router.get(
        path,
        response_class=JSON,
        response_model=schemas.DirectoryPage,
        responses=problems(*STAFF),
        summary=summary,
        name=f"list_{kind.value}s",
    )
    def listing(
        reader: StaffReader,
        region: UnitFilter = None,
        industry: Annotated[Optional[Annotated[str, Line(5)]], Query()] = None,  # noqa: UP045
        product: Annotated[Optional[Annotated[str, Line(100)]], Query()] = None,  # noqa: UP045
        after: After = None,
        limit: Limit = 50,
    ) -> JSON:
        page = directory_queries.listing(
            reader.conn,
            kind,
            reader.scope,
            region=reader.unit(region),
            industry=industry,
            product=product,
            after=after,
            limit=limit,
        )
        return JSON(page_body(page))


_listing(
    DirectoryKind.TARGET,
    "/v1/inspections/targets",
    "The target directory (检查对象名录库)",
)
_listing(
    DirectoryKind.INSPECTOR,
    "/v1/inspections/pool",
    "The inspector pool (执法检查人员名录库)",
)


@router.post(
    "/v1/inspections/plans/{case_id}/commit-draw",
    response_class=JSON,
    response_model=schemas.PlanChanged,
    responses=problems(*COMMAND),
    summary="Publish the draw's commitment: the snapshot's and the secret seed's SHA-256",
    name="commit_draw",
    tags=["inspections: plans"],
)
def commit_draw(
    case_id: UUID,
    request: Request,
    principal: CurrentPrincipal,
    reader: StaffReader,
    body: Optional[CommitBody] = None,  # noqa: UP045
    if_match: Optional[str] = Header(default=None),  # noqa: UP045
) -> JSON:
    """The candidates and the pool are the directory's as its read model
    shows them now (pass `consistent_after` to include an import just made)."""
    request.state.case_id = str(case_id)
    service = inspections(request)
    who = caller(request, principal, "commit_draw", body.reason if body else None)
    service.acting("commit_draw", who)
    plan = service.load(InspectionPlan, case_id, "plan")
    PLANS.require_readable(request, plan)
    try:
        plan.require_committable()  # refused before the directory is read
    except DomainError:
        # A keyed retry of a commitment that was made: its first answer.
        replayed = service.replayed()
        if replayed is None:
            raise
        return PLANS.command_response(request, replayed)
    entries = directory_queries.candidates(
        reader.conn,
        normalise_region_code(plan.terms.scope.region),
        plan.terms.item_code,
    )
    pool = directory_queries.pool(reader.conn)
    result = service.commit_draw(
        case_id, who, entries, pool, expected_version(if_match)
    )
    return PLANS.command_response(request, result)


@router.get(
    "/v1/inspections/plans/{case_id}/draw",
    response_class=JSON,
    response_model=schemas.DrawDocument,
    responses=problems(*STAFF, 404),
    summary="The draw's published document (as the public sees it)",
    name="staff_draw_document",
    tags=["inspections: plans"],
)
def staff_draw_document(
    case_id: UUID, request: Request, principal: CurrentPrincipal
) -> JSON:
    plan = inspections(request).load(InspectionPlan, case_id, "plan")
    PLANS.require_readable(request, plan)
    return JSON(draw_document(plan))


def _index(kind: Kind, path: str, summary: str) -> None:
    @indexes.get(
        path,
        response_class=JSON,
        response_model=schemas.RowsPage,
        responses=problems(*STAFF),
        summary=summary,
        name=f"list_{kind.value}s",
    )
    def index(
        reader: StaffReader,
        status: Annotated[Optional[list[Annotated[str, Line(40)]]], Query()] = None,  # noqa: UP045
        unit: UnitFilter = None,
        plan_id: Optional[UUID] = None,  # noqa: UP045
        uscc: UsccFilter = None,
        item_code: Annotated[Optional[Annotated[str, Line(12)]], Query()] = None,  # noqa: UP045
        overdue: Optional[bool] = None,  # noqa: UP045
        after: After = None,
        limit: Limit = 50,
    ) -> JSON:
        page = index_queries.search(
            reader.conn,
            index_queries.IndexQuery(
                scope=reader.scope,
                today=reader.today,
                kind=kind,
                statuses=tuple(status or ()),
                unit=reader.unit(unit),
                plan_id=plan_id,
                uscc=upper(uscc),
                item_code=item_code,
                overdue=overdue,
                after=after,
                limit=limit,
            ),
            reader.calendar,
        )
        return JSON(page_body(page))


_index(Kind.PLAN, "/v1/inspections/plans", "The plans (抽查任务) index")
_index(Kind.INSPECTION, "/v1/inspections/inspections", "The inspections index")


@indexes.get(
    "/v1/inspections/nominations",
    response_class=JSON,
    response_model=schemas.NominationGroups,
    responses=problems(*STAFF),
    summary="你点我查: the public's nominations counted and grouped, most first",
    tags=["inspections: nominations"],
)
def nominations(
    reader: StaffReader,
    submitted_from: Optional[IsoDate] = None,  # noqa: UP045
    submitted_to: Optional[IsoDate] = None,  # noqa: UP045
    limit: Limit = 50,
) -> JSON:
    groups = directory_queries.nominations_grouped(
        reader.conn, reader.scope, submitted_from, submitted_to, limit
    )
    return JSON({"groups": groups})


@indexes.get(
    "/v1/inspections/statistics",
    response_class=JSON,
    response_model=schemas.Statistics,
    responses=problems(*STAFF),
    summary="Plans, targets drawn, completion and pass rates, objections, follow-ups",
)
def statistics(
    reader: StaffReader,
    date_from: Annotated[
        IsoDate, Query(alias="from", description="统计期间自 — the period's first day")
    ],
    date_to: Annotated[
        IsoDate, Query(alias="to", description="统计期间至 — the period's last day")
    ],
    unit: UnitFilter = None,
) -> JSON:
    if date_from > date_to:
        raise InvalidInputError("from is after to", field="from")
    if (date_to - date_from).days > 366 * 20:
        raise InvalidInputError("at most 20 years at once", field="to")
    figures = index_queries.statistics(
        reader.conn, reader.scope, date_from, date_to, reader.unit(unit)
    )
    return JSON(figures)
