"""Queries of the `applications` read model: the staff index and the public
progress lookup (办件查询).

Each read model is two sibling modules: `applications.py` states its tables
and folds events into them (what the projector runs), `applications_queries.py`
reads them (what the routers call). Two flat modules rather than a package per
model: there is no third part to hold, they sort together, and the dependency
runs one way (queries need the model's name and vocabulary; the fold never
needs a query), so a projector process never loads the query code.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from domain.licensing.application import Status
from domain.licensing.matter import MATTER_NAMES, Matter
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.licensing.applications import Applications
from projections.queries import (
    Page,
    Scope,
    Where,
    deadline_view,
    newest_first,
)
from projections.runtime import active_tables

# What the applicant and the public see (办件状态), never the internal detail.
PUBLIC_STATUS: Mapping[Status, str] = {
    Status.RECEIVED: "已收件",
    Status.CORRECTION_REQUESTED: "待补正",
    Status.ACCEPTED: "已受理，审查中",
    Status.NOT_ACCEPTED: "不予受理",
    Status.GRANTED: "准予许可，制证中",
    Status.REFUSED: "不予许可",
    Status.CERTIFICATE_ISSUED: "已制证，待送达",
    Status.CERTIFICATE_SERVED: "已办结",
    Status.WITHDRAWN: "已撤回",
    Status.TERMINATED: "终止办理",
}
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.CORRECTION_REQUESTED,
        Status.ACCEPTED,
        Status.GRANTED,
        Status.CERTIFICATE_ISSUED,
    }
)


@dataclass(frozen=True)
class ApplicationQuery:
    scope: Scope
    today: date
    statuses: tuple[Status, ...] = ()
    item: str | None = None
    category: str | None = None
    unit: str | None = None
    applicant_uscc: str | None = None
    applicant_name: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = None
    after: str | None = None
    limit: int = 50


INDEX_COLUMNS = (
    "id, seq, version, receipt_number, item_code, item_name, category, unit_code,"
    " applicant_name, applicant_uscc, status, matter, received_on, acceptance,"
    " accepted_on,"
    " decision, decided_on, closed_on, clock_stopped, deadline_kind, deadline_due,"
    " deadline_provisional"
)


def search(
    conn: psycopg.Connection[Any], q: ApplicationQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """The applications index: newest receipt first, stable under new receipts."""
    where = Where()
    where.scope(q.scope, "unit_code", "interview_unit_code")
    if q.statuses:
        where.add("status = ANY(%s)", [s.value for s in q.statuses])
    for column, value in (
        ("item_code", q.item),
        ("category", q.category),
        ("applicant_uscc", q.applicant_uscc),
    ):
        if value is not None:
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
    where.unit(q.unit)
    if q.applicant_name:
        where.add("applicant_name LIKE %s", "%" + _like_escape(q.applicant_name) + "%")
    if q.received_from is not None:
        where.add("received_on >= %s", q.received_from)
    if q.received_to is not None:
        where.add("received_on <= %s", q.received_to)
    if q.overdue is True:
        where.add("deadline_due < %s", q.today)
    elif q.overdue is False:
        where.add("(deadline_due IS NULL OR deadline_due >= %s)", q.today)
    page = newest_first(
        conn,
        active_tables(conn, Applications.name)(),
        sql.SQL(INDEX_COLUMNS),
        where,
        q.after,
        q.limit,
    )
    return Page(
        [_index_view(r, calendar, q.today) for r in page.items], page.next_cursor
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def public_status(status: Status, closed_on: date | None) -> tuple[str, bool]:
    """How the public reads a status, and whether the case is finished: a
    matter that makes no certificate (停用, 注销 …) is finished when granted."""
    if status is Status.GRANTED and closed_on is not None:
        return PUBLIC_STATUS[Status.CERTIFICATE_SERVED], True
    return PUBLIC_STATUS[status], status not in OPEN_STATUSES


def _index_view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    status = Status(r["status"])
    return {
        "id": r["id"],
        "version": r["version"],
        "receipt_number": r["receipt_number"],
        "item": {
            "code": r["item_code"],
            "name": r["item_name"],
            "category": r["category"],
        },
        "matter": r["matter"],
        "unit_code": r["unit_code"],
        "applicant": {"name": r["applicant_name"], "uscc": r["applicant_uscc"]},
        "status": status.value,
        "public_status": public_status(status, r["closed_on"])[0],
        "received_on": r["received_on"],
        "acceptance": r["acceptance"],
        "accepted_on": r["accepted_on"],
        "decision": r["decision"],
        "decided_on": r["decided_on"],
        "closed_on": r["closed_on"],
        "clock_stopped": r["clock_stopped"],
        "deadline": deadline_view(
            calendar,
            today,
            r["deadline_kind"],
            r["deadline_due"],
            r["deadline_provisional"],
        ),
    }


def progress(
    conn: psycopg.Connection[Any],
    receipt_number: str,
    code_hash: Callable[[str], str],
    calendar: WorkingDayCalendar,
    today: date,
) -> dict[str, Any] | None:
    """办件查询: the public view of one application, only with its query code.

    `code_hash` hashes the code given for this receipt number; an unknown number
    and a wrong code both answer None, after the same work."""
    tables = active_tables(conn, Applications.name)
    with conn.cursor(row_factory=dict_row) as cur:
        r = cur.execute(
            sql.SQL(
                "SELECT query_code_hash, receipt_number, item_name, matter, status,"
                " received_on,"
                " accepted_on, decision, decided_on, closed_on, certificate_issued_on,"
                " certificate_served_on, clock_stopped, deadline_kind, deadline_due,"
                " deadline_provisional FROM {} WHERE receipt_number = %s"
            ).format(tables()),
            (receipt_number,),
        ).fetchone()
    expected = code_hash(receipt_number)
    stored = r["query_code_hash"] if r else "0" * len(expected)
    if not hmac.compare_digest(stored, expected) or r is None:
        return None
    said, finished = public_status(Status(r["status"]), r["closed_on"])
    return {
        "receipt_number": r["receipt_number"],
        "item_name": r["item_name"],
        "matter": r["matter"],
        "matter_name": MATTER_NAMES[Matter(r["matter"])],
        "status": said,
        "finished": finished,
        "received_on": r["received_on"],
        "accepted_on": r["accepted_on"],
        "decision": {"granted": "准予许可", "refused": "不予许可"}.get(
            r["decision"] or ""
        ),
        "decided_on": r["decided_on"],
        "certificate_issued_on": r["certificate_issued_on"],
        "certificate_served_on": r["certificate_served_on"],
        "closed_on": r["closed_on"],
        "clock_stopped": r["clock_stopped"],
        "deadline": deadline_view(
            calendar,
            today,
            r["deadline_kind"],
            r["deadline_due"],
            r["deadline_provisional"],
        ),
    }
