"""The auditors' view over HTTP (DESIGN §5): every event across every case
of every context, with its filters and a keyset cursor, one request's events,
one person's, and the same streamed as CSV or NDJSON. Auditors only; each
read is recorded in the `audit` log before it is answered (api/audit/reads.py)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Iterator, Mapping
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Optional
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import StoredEvent
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from psycopg import sql
from pydantic import BaseModel, ConfigDict, Field

from api.audit.reads import (
    LOG_PATTERN,
    StaffReader,
    auditor_only,
    record_read,
    require_auditor,
)
from api.http.auth import CurrentPrincipal
from api.http.exports import BOM, csv_lines
from api.http.openapi import STAFF, problems
from api.http.reads import Limit, Reader
from api.http.views import JSON, history_entry
from domain.shared.clock import SHANGHAI
from domain.shared.errors import InvalidInputError
from domain.shared.events import PydanticMapper
from domain.shared.jurisdiction import RegionCode, normalise_region_code
from domain.shared.text import Line
from projections.audit import index_queries
from projections.audit.index_queries import AuditQuery
from projections.runtime import events_table

# -- parameters ---------------------------------------------------------------------

INSTANT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
)
AUDIT_CURSOR = Query(description="`next_cursor` of the previous page, unchanged")
AuditAfter = Annotated[
    Optional[  # noqa: UP045
        Annotated[
            str,
            Field(
                max_length=300,
                pattern=r"^[A-Za-z0-9_-]+$",
                json_schema_extra={"format": "audit-cursor"},
            ),
        ]
    ],
    AUDIT_CURSOR,
]
Text = Annotated[str, Line(200)]


def instant(text: Optional[str], name: str, *, end: bool) -> Optional[datetime]:  # noqa: UP045
    """`from`/`to` as given: an RFC 3339 instant, or a day in Beijing time
    (`from` its first moment, `to` the moment after it: the day included)."""
    if text is None:
        return None
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        day = datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidInputError(
            f"{text!r} is not a date or an instant", field=name
        ) from None
    start = datetime.combine(day, time(), tzinfo=SHANGHAI)
    return start + timedelta(days=1) if end else start


class Filters(BaseModel):
    """The filters of GET /v1/audit/events (and its exports)."""

    actor: Optional[Text] = None  # noqa: UP045
    unit: Optional[str] = None  # noqa: UP045
    role: Optional[str] = None  # noqa: UP045
    type: Optional[str] = None  # noqa: UP045
    case_kind: Optional[str] = None  # noqa: UP045
    case_id: Optional[UUID] = None  # noqa: UP045
    request_id: Optional[str] = None  # noqa: UP045
    log: Optional[str] = None  # noqa: UP045
    date_from: Optional[str] = None  # noqa: UP045
    date_to: Optional[str] = None  # noqa: UP045

    def query(self, after: Optional[str], limit: int) -> AuditQuery:  # noqa: UP045
        since = instant(self.date_from, "from", end=False)
        until = instant(self.date_to, "to", end=True)
        if since is not None and until is not None and until <= since:
            raise InvalidInputError("`to` is before `from`", field="to")
        query = AuditQuery(
            actor=self.actor,
            unit=None if self.unit is None else normalise_region_code(self.unit),
            role=self.role,
            type=self.type,
            case_kind=self.case_kind,
            case_id=self.case_id,
            request_id=self.request_id,
            log=self.log,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
        query.where()  # a malformed cursor is refused before anything is read
        return query

    def recorded(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


def filters(
    actor: Annotated[
        Optional[Text],  # noqa: UP045
        Query(description="who acted: a staff number, or e.g. system:clock"),
    ] = None,
    unit: Annotated[
        Optional[RegionCode],  # noqa: UP045
        Query(description="the acting unit's region code (and the units under it)"),
    ] = None,
    role: Annotated[
        Optional[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]],  # noqa: UP045
        Query(description="the role the actor acted in (clerk, approver, …)"),
    ] = None,
    type: Annotated[
        Optional[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.]{0,200}$")]],  # noqa: UP045
        Query(description="the event's name (Received) or its whole topic"),
    ] = None,
    case_kind: Annotated[
        Optional[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,60}$")]],  # noqa: UP045
        Query(description="the kind of case, e.g. licence_application, complaint"),
    ] = None,
    case_id: Annotated[Optional[UUID], Query(description="one case")] = None,  # noqa: UP045
    request_id: Annotated[
        Optional[Text],  # noqa: UP045
        Query(description="the X-Request-Id every event of a request carries"),
    ] = None,
    log: Annotated[
        Optional[Annotated[str, Field(pattern=LOG_PATTERN)]],  # noqa: UP045
        Query(description="one event log (licensing, complaints, registry, …)"),
    ] = None,
    date_from: Annotated[
        Optional[Annotated[str, Field(pattern=INSTANT_PATTERN)]],  # noqa: UP045
        Query(alias="from", description="from this day (Beijing time) or instant"),
    ] = None,
    date_to: Annotated[
        Optional[Annotated[str, Field(pattern=INSTANT_PATTERN)]],  # noqa: UP045
        Query(alias="to", description="to this day (included) or instant (excluded)"),
    ] = None,
) -> Filters:
    return Filters(
        actor=actor,
        unit=unit,
        role=role,
        type=type,
        case_kind=case_kind,
        case_id=case_id,
        request_id=request_id,
        log=log,
        date_from=date_from,
        date_to=date_to,
    )


AuditFilters = Annotated[Filters, Depends(filters)]

# -- responses ----------------------------------------------------------------------


class AuditActor(BaseModel):
    kind: str = Field(description="staff, system, public or business")
    id: str
    name: str
    role: Optional[str]  # noqa: UP045
    unit_code: Optional[str]  # noqa: UP045


class AuditEvent(BaseModel):
    log: str = Field(description="the event log (one per context, and registry)")
    position: int = Field(description="its position in that log (the ledger's leaf)")
    at: datetime
    case_kind: str
    case_id: UUID
    version: int
    type: str
    topic: str
    actor: AuditActor
    unit_code: Optional[str]  # noqa: UP045
    role: Optional[str]  # noqa: UP045
    reason: Optional[str]  # noqa: UP045
    request_id: str
    causation: Optional[str]  # noqa: UP045
    summary: str = Field(
        description="the event in the bureau's words, as in its history"
    )


EVENT_EXAMPLE: dict[str, Any] = {
    "log": "licensing",
    "position": 1842,
    "at": "2026-11-23T01:12:09.511Z",
    "case_kind": "licence_application",
    "case_id": "f8dbc714-9c06-5e0e-9a3f-4fb2899a3def",
    "version": 1,
    "type": "Received",
    "topic": "casetrace.licensing.LicenceApplication.Received",
    "actor": {
        "kind": "staff",
        "id": "320803-017",
        "name": "王敏",
        "role": "clerk",
        "unit_code": "320803",
    },
    "unit_code": "320803",
    "role": "clerk",
    "reason": None,
    "request_id": "005c4fd7e3e140b78536991590d05260",
    "causation": "command:receive",
    "summary": "受理：特种设备使用登记（淮安测试机械有限公司）",
}


class AuditPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [EVENT_EXAMPLE], "next_cursor": None}]
        }
    )

    items: list[AuditEvent]
    next_cursor: Optional[str]  # noqa: UP045


# -- the events, worded ----------------------------------------------------------------


def _stored(
    request: Request, conn: psycopg.Connection[Any], rows: list[dict[str, Any]]
) -> dict[tuple[str, int], Any]:
    """The page's events decoded from their logs (one query per log)."""
    logs = request.app.state.services.logs()
    wanted: dict[str, list[int]] = {}
    for r in rows:
        wanted.setdefault(r["log"], []).append(r["position"])
    found: dict[tuple[str, int], Any] = {}
    for name, positions in wanted.items():
        app = logs.get(name)
        if app is None:
            continue
        records = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state"
                " FROM {} WHERE notification_id = ANY(%s)"
            ).format(events_table(app)),
            (positions,),
            binary=True,
        ).fetchall()
        for position, oid, version, topic, state in records:
            found[(name, position)] = _decoded(app, oid, version, topic, state)
    return found


UNREADABLE = object()  # a stored event that no longer decodes (altered in place)


def _decoded(
    app: Any, oid: Any, version: int, topic: str | None, state: bytes | None
) -> Any:
    """The event as recorded (not validated again: it was when written); an
    event altered behind the service's back may not decode, and the page
    says so rather than failing (`casetrace verify` locates it)."""
    mapper = app.mapper
    if topic is None or state is None:  # the library never writes either
        return UNREADABLE
    state = bytes(state)
    try:
        if isinstance(mapper, PydanticMapper):
            return mapper.read_recorded(topic, state)
        return mapper.to_domain_event(StoredEvent(oid, version, topic, state))
    except Exception:
        return UNREADABLE


def _summary(event: Any) -> str:
    if event is None:
        return "（原始事件已不在事件库中）"  # the ledger's `casetrace verify` says more
    if event is UNREADABLE:
        return "（原始事件无法读取：已被改动）"
    return str(history_entry(event)["summary"])


def _shaped(row: Mapping[str, Any], event: Any) -> dict[str, Any]:
    return {
        "log": row["log"],
        "position": row["position"],
        "at": row["at"],
        "case_kind": row["case_kind"],
        "case_id": row["case_id"],
        "version": row["version"],
        "type": row["type"],
        "topic": row["topic"],
        "actor": {
            "kind": row["actor_kind"],
            "id": row["actor_id"],
            "name": row["actor_name"],
            "role": row["role"],
            "unit_code": row["unit_code"],
        },
        "unit_code": row["unit_code"],
        "role": row["role"],
        "reason": row["reason"],
        "request_id": row["request_id"],
        "causation": row["causation"],
        "summary": _summary(event),
    }


def worded(
    request: Request, conn: psycopg.Connection[Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    events = _stored(request, conn, rows)
    return [_shaped(r, events.get((r["log"], r["position"]))) for r in rows]


# -- routes: auditors ---------------------------------------------------------------

router = APIRouter(tags=["audit"], dependencies=[Depends(auditor_only)])


@router.get(
    "/v1/audit/events",
    response_class=JSON,
    response_model=AuditPage,
    responses=problems(*STAFF),
    summary="Every recorded event across every case and context (auditors)",
)
def audit_events(
    request: Request,
    principal: CurrentPrincipal,
    reader: StaffReader,
    given: AuditFilters,
    after: AuditAfter = None,
    limit: Limit = 50,
) -> JSON:
    require_auditor(principal)
    query = given.query(after, limit)
    record_read(
        request, principal, "audit_events", {**given.recorded(), "after": after}
    )
    return _page(request, reader, query)


def _page(request: Request, reader: Reader, query: AuditQuery) -> JSON:
    page = index_queries.events(reader.conn, query)
    items = worded(request, reader.conn, page.items)
    return JSON({"items": items, "next_cursor": page.next_cursor})


@router.get(
    "/v1/audit/requests/{request_id}",
    response_class=JSON,
    response_model=AuditPage,
    responses=problems(*STAFF),
    summary="Every event one request caused, across contexts (auditors)",
)
def audit_request(
    request: Request,
    principal: CurrentPrincipal,
    reader: StaffReader,
    request_id: Annotated[
        Text, Path(description="the request's X-Request-Id (single-line text)")
    ],
    after: AuditAfter = None,
    limit: Limit = 200,
) -> JSON:
    require_auditor(principal)
    query = AuditQuery(request_id=request_id, after=after, limit=limit)
    query.where()  # a malformed cursor is refused before anything is recorded
    record_read(
        request, principal, "audit_request", {"request_id": request_id, "after": after}
    )
    return _page(request, reader, query)


@router.get(
    "/v1/audit/actors/{staff_no}",
    response_class=JSON,
    response_model=AuditPage,
    responses=problems(*STAFF),
    summary="What one person did, in time order (auditors)",
)
def audit_actor(
    request: Request,
    principal: CurrentPrincipal,
    reader: StaffReader,
    staff_no: Annotated[
        Text,
        Path(description="the person's staff number (or a system actor's id)"),
    ],
    given: AuditFilters,
    after: AuditAfter = None,
    limit: Limit = 50,
) -> JSON:
    require_auditor(principal)
    if given.actor is not None and given.actor != staff_no:
        raise InvalidInputError(
            "`actor` is the path's staff number here", field="actor"
        )
    given = given.model_copy(update={"actor": staff_no})
    query = given.query(after, limit)
    record_read(request, principal, "audit_actor", {**given.recorded(), "after": after})
    return _page(request, reader, query)


# -- exports ------------------------------------------------------------------------

CSV_HEADER = (
    "时间",
    "日志",
    "位置",
    "案件类型",
    "案件ID",
    "版本",
    "事件",
    "操作人类别",
    "操作人",
    "姓名",
    "角色",
    "单位",
    "理由",
    "请求编号",
    "起因",
    "摘要",
)


def _csv_row(e: Mapping[str, Any]) -> list[object]:
    actor = e["actor"]
    return [
        e["at"].isoformat(),
        e["log"],
        e["position"],
        e["case_kind"],
        e["case_id"],
        e["version"],
        e["type"],
        actor["kind"],
        actor["id"],
        actor["name"],
        e["role"],
        e["unit_code"],
        e["reason"],
        e["request_id"],
        e["causation"],
        e["summary"],
    ]


def _export(request: Request, query: AuditQuery, form: str) -> Iterator[bytes]:
    """The matching events a page at a time, on a connection of the export's
    own (a long export must not hold one of the queries' few)."""
    url = request.app.state.services.url
    with psycopg.connect(url) as conn:
        # One snapshot for the whole export: its pages are one view.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        if form == "csv":
            yield (BOM + csv_lines([CSV_HEADER])).encode()
        for rows in index_queries.walk(conn, query):
            events = worded(request, conn, rows)
            if form == "csv":
                yield csv_lines(_csv_row(e) for e in events).encode()
            else:
                yield b"".join(orjson.dumps(e, default=str) + b"\n" for e in events)


def _export_route(form: str, media: str, example: str) -> None:
    def export(
        request: Request,
        principal: CurrentPrincipal,
        reader: StaffReader,
        given: AuditFilters,
    ) -> StreamingResponse:
        require_auditor(principal)
        query = given.query(None, index_queries.EXPORT_BATCH)
        index_queries.events(reader.conn, AuditQuery(limit=1))  # the index exists
        record_read(request, principal, f"audit_export_{form}", given.recorded())
        return StreamingResponse(
            _export(request, query, form),
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="audit-events.{form}"',
                "Cache-Control": "no-store",
            },
        )

    router.add_api_route(
        f"/v1/audit/events.{form}",
        export,
        methods=["GET"],
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "streamed, in time order",
                "content": {media: {"schema": {"type": "string"}, "example": example}},
            },
            **problems(*STAFF),
        },
        summary=f"The same events as {form.upper()}, streamed (auditors)",
        name=f"audit_events_{form}",
    )


_export_route(
    "csv",
    "text/csv; charset=utf-8",
    BOM + ",".join(CSV_HEADER) + "\r\n",
)
_export_route("ndjson", "application/x-ndjson", '{"log":"licensing","position":1}\n')
