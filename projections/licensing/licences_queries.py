"""Queries of the `licences` read model: the licence register (持证 register).

Beside `licences.py` (its tables and fold), as `applications_queries` is
beside `applications.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
from domain.licensing.licence import LicenceStatus
from psycopg import sql
from psycopg.rows import dict_row

from projections.licensing.licences import Licences
from projections.queries import Page, Scope, Where, newest_first
from projections.runtime import active_tables


@dataclass(frozen=True)
class LicenceQuery:
    scope: Scope
    today: date
    holder_uscc: str | None = None
    statuses: tuple[LicenceStatus, ...] = ()
    expiring_within_days: int | None = None
    unit: str | None = None
    after: str | None = None
    limit: int = 50


def register(conn: psycopg.Connection[Any], q: LicenceQuery) -> Page[dict[str, Any]]:
    """The licence register: latest issued first."""
    where = Where()
    where.scope(q.scope, "unit_code")
    if q.holder_uscc is not None:
        where.add("holder_uscc = %s", q.holder_uscc)
    if q.statuses:
        where.add("status = ANY(%s)", [s.value for s in q.statuses])
    where.unit(q.unit)
    if q.expiring_within_days is not None:
        where.add(
            "status = 'valid' AND valid_until >= %s AND valid_until <= %s",
            q.today,
            q.today + timedelta(days=q.expiring_within_days),
        )
    page = newest_first(
        conn,
        active_tables(conn, Licences.name)(),
        sql.SQL("*"),
        where,
        q.after,
        q.limit,
    )
    return Page([_register_view(r, q.today) for r in page.items], page.next_cursor)


def _register_view(r: dict[str, Any], today: date) -> dict[str, Any]:
    until = r["valid_until"]
    return {
        "id": r["id"],
        "version": r["version"],
        "licence_number": r["licence_number"],
        "holder": {"name": r["holder_name"], "uscc": r["holder_uscc"]},
        "item": {"code": r["item_code"], "name": r["item_name"]},
        "certificate_name": r["certificate_name"],
        "unit_code": r["unit_code"],
        "status": r["status"],
        "valid_from": r["valid_from"],
        "valid_until": until,
        "days_to_expiry": (until - today).days if until else None,
        "renewal_deadline": r["renewal_deadline"],
        "renewal_requested_on": r["renewal_requested_on"],
        "commitment_check_due": r["post_verification_due"],
        "commitment_breached": r["commitment_breached"],
        "application_id": r["application_id"],
        "decision_number": r["decision_number"],
        "ended_on": r["ended_on"],
    }


def status_of(conn: psycopg.Connection[Any], licence_id: Any) -> dict[str, Any] | None:
    """One licence's status and validity (电子证照核验), or None if the
    register has not read it yet."""
    query = sql.SQL(
        "SELECT licence_number, certificate_name, status, valid_from, valid_until,"
        " ended_on FROM {} WHERE id = %s"
    ).format(active_tables(conn, Licences.name)())
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, (licence_id,)).fetchone()
