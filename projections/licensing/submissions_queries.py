"""Queries of the `submissions` read model: staff's list of online submissions
(网上申报), those awaiting pre-review first of all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from domain.licensing.submission import SubmissionStatus
from psycopg import sql

from projections.licensing.submissions import Submissions
from projections.queries import Page, Scope, Where, newest_first
from projections.runtime import active_tables


@dataclass(frozen=True)
class SubmissionQuery:
    scope: Scope
    statuses: tuple[SubmissionStatus, ...] = ()
    item_code: str | None = None
    unit: str | None = None
    after: str | None = None
    limit: int = 50


def submissions(
    conn: psycopg.Connection[Any], q: SubmissionQuery
) -> Page[dict[str, Any]]:
    """Online submissions in the reader's jurisdiction, newest first."""
    where = Where()
    where.scope(q.scope, "unit_code")
    if q.statuses:
        where.add("status = ANY(%s)", [s.value for s in q.statuses])
    if q.item_code is not None:
        where.add("item_code = %s", q.item_code)
    where.unit(q.unit)
    page = newest_first(
        conn,
        active_tables(conn, Submissions.name)(),
        sql.SQL("*"),
        where,
        q.after,
        q.limit,
    )
    return Page([_view(r) for r in page.items], page.next_cursor)


def _view(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "version": r["version"],
        "submission_number": r["submission_number"],
        "item": {"code": r["item_code"], "name": r["item_name"]},
        "applicant": {"name": r["applicant_name"], "uscc": r["applicant_uscc"]},
        "unit_code": r["unit_code"],
        "status": r["status"],
        "submitted_on": r["submitted_on"],
        "replied_on": r["replied_on"],
        "resubmitted_on": r["resubmitted_on"],
        "receipt_number": r["receipt_number"],
        "application_id": r["application_id"],
        "decided_on": r["decided_on"],
    }
