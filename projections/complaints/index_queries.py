"""Queries of the `complaints` read model: the staff index of intakes,
complaints and reports, one case by id, and who is answerable for the cases
on a page of the deadline board.

What they return names people only by pseudonym (Art. 33): a row holds
nothing else of them. Jurisdiction: a member of staff sees the cases of
their unit's region and those their unit received (the intake unit routes
and re-routes them, Art. 37, and its first receiver stays answerable until a
hand-over, 首问负责制).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from domain.complaints.parties import Channel
from domain.shared.calendar import WorkingDayCalendar
from psycopg import sql
from psycopg.rows import dict_row

from projections.complaints.index import DUE_KINDS, ComplaintsIndex, Kind
from projections.queries import Page, Scope, Where, deadline_view, newest_first
from projections.runtime import active_tables

SCOPED_BY = ("unit_code", "intake_unit_code")


@dataclass(frozen=True)
class CaseQuery:
    scope: Scope
    today: date
    kinds: tuple[Kind, ...] = ()
    statuses: tuple[str, ...] = ()  # the kinds' own Status values
    unit: str | None = None  # the unit that has the case, and those under it
    channel: Channel | None = None
    received_from: date | None = None
    received_to: date | None = None
    respondent_name: str | None = None  # a part of it
    respondent_uscc: str | None = None
    overdue: bool | None = None  # its soonest running deadline has passed
    responsible_no: str | None = None  # 首问负责: whose cases
    after: str | None = None
    limit: int = 50
    # Whether the reader may see a conduct complaint's intake (its roles say:
    # Intake.readable_by), and who the reader is: never the staff member named.
    confidential: bool = False
    reader_no: str | None = None


INDEX_COLUMNS = sql.SQL(
    "id, seq, version, kind, number, status, classification, source, channel,"
    " unit_code, intake_unit_code, respondent_name, respondent_uscc,"
    " respondent_region, received_on, people, anonymous, responsible_no,"
    " responsible_name, intake_id, complaint_id, report_id, linked_id, conduct_id,"
    " dispute_id,"
    " duplicates, returned, disputed_with, {dues}, mediation_stopped,"
    " verification_stopped, verification_extended, missed, decided_on, ground,"
    " recovered_fen, rating, closed, deadline_kind, deadline_due,"
    " deadline_provisional"
).format(dues=sql.SQL(", ").join(sql.Identifier(f"{k}_due") for k in DUE_KINDS))


def search(
    conn: psycopg.Connection[Any], q: CaseQuery, calendar: WorkingDayCalendar
) -> Page[dict[str, Any]]:
    """The index: newest first, stable however many cases arrive between pages."""
    where = Where()
    where.scope(q.scope, *SCOPED_BY)
    _confidential(where, q.confidential, q.reader_no)
    if q.kinds:
        where.add("kind = ANY(%s)", [k.value for k in q.kinds])
    if q.statuses:
        where.add("status = ANY(%s)", list(q.statuses))
    for column, value in (
        ("channel", q.channel.value if q.channel else None),
        ("respondent_uscc", q.respondent_uscc),
        ("responsible_no", q.responsible_no),
    ):
        if value is not None:
            where.add(sql.SQL("{} = %s").format(sql.Identifier(column)), value)
    where.unit(q.unit)
    if q.respondent_name:
        where.add(
            "respondent_name LIKE %s", "%" + _like_escape(q.respondent_name) + "%"
        )
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
        active_tables(conn, ComplaintsIndex.name)(),
        INDEX_COLUMNS,
        where,
        q.after,
        q.limit,
    )
    return Page([view(r, calendar, q.today) for r in page.items], page.next_cursor)


def find(
    conn: psycopg.Connection[Any],
    case_id: UUID,
    scope: Scope,
    calendar: WorkingDayCalendar,
    today: date,
    *,
    confidential: bool = False,
    reader_no: str | None = None,
) -> dict[str, Any] | None:
    """One case as the index shows it; None if unknown, outside `scope`, or
    kept from the reader (see `CaseQuery.confidential`)."""
    where = Where()
    where.add("id = %s", case_id)
    where.scope(scope, *SCOPED_BY)
    _confidential(where, confidential, reader_no)
    query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
        INDEX_COLUMNS, active_tables(conn, ComplaintsIndex.name)(), where.sql()
    )
    with conn.cursor(row_factory=dict_row) as cur:
        r = cur.execute(query, where.params).fetchone()
    return view(r, calendar, today) if r is not None else None


def answerable(
    conn: psycopg.Connection[Any], case_ids: Sequence[UUID]
) -> dict[UUID, dict[str, str]]:
    """首问负责制 (seed 001): the member of staff answerable for each case, for
    the deadline board's rows of this model (the shared board names a case
    by neutral columns only, so a board in the line's words adds them)."""
    query = sql.SQL(
        "SELECT id, responsible_no, responsible_name FROM {} WHERE id = ANY(%s)"
    ).format(active_tables(conn, ComplaintsIndex.name)())
    rows = conn.execute(query, (list(case_ids),)).fetchall()
    return {r[0]: {"staff_no": r[1], "name": r[2]} for r in rows}


def _confidential(where: Where, allowed: bool, reader_no: str | None) -> None:
    """A conduct complaint's intake (issue 10 §6): to its readers only, and
    never to the member of staff it is about."""
    where.add(
        "(NOT confidential OR (%s AND subject_no IS DISTINCT FROM %s))",
        allowed,
        reader_no,
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def view(
    r: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> dict[str, Any]:
    """A row as the staff index shows it."""
    return {
        "id": r["id"],
        "version": r["version"],
        "kind": r["kind"],
        "number": r["number"],
        "status": r["status"],
        "classification": r["classification"],
        "source": r["source"],
        "channel": r["channel"],
        "unit_code": r["unit_code"],
        "intake_unit_code": r["intake_unit_code"],
        "respondent": {
            "name": r["respondent_name"],
            "uscc": r["respondent_uscc"],
            "region_code": r["respondent_region"],
        },
        "received_on": r["received_on"],
        "people": r["people"],  # pseudonyms
        "anonymous": r["anonymous"],
        "responsible": {"staff_no": r["responsible_no"], "name": r["responsible_name"]},
        "intake_id": r["intake_id"],
        "complaint_id": r["complaint_id"],
        "report_id": r["report_id"],
        "linked_id": r["linked_id"],
        "conduct_id": r["conduct_id"],
        "dispute_id": r["dispute_id"],
        "possible_duplicates": r["duplicates"],
        "returned": r["returned"],
        "disputed_with": r["disputed_with"],
        # The periods as last set (the running one is `deadline`).
        "periods": {k: r[f"{k}_due"] for k in DUE_KINDS if r[f"{k}_due"]},
        "mediation_stopped": r["mediation_stopped"],
        "verification_stopped": r["verification_stopped"],
        "verification_extended": r["verification_extended"],
        "missed": [_missed(m) for m in r["missed"]],
        "decided_on": r["decided_on"],
        "ground": r["ground"],
        "recovered_fen": r["recovered_fen"],
        "rating": r["rating"],
        "closed": r["closed"],
        "deadline": deadline_view(
            calendar,
            today,
            r["deadline_kind"],
            r["deadline_due"],
            r["deadline_provisional"],
        ),
    }


def _missed(recorded: str) -> dict[str, Any]:
    kind, _, due = recorded.partition(":")
    return {"kind": kind, "due": date.fromisoformat(due)}
