"""How the `applications` model folds a past matter imported from the old
system (`LicenceApplication.Imported`, domain/licensing/history.py): its row
as its history left it, and the statistics facts its history gives, each on
its own historical date, so the statistics cover the imported years."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.licensing.application import DeadlineKind, imported_status
from domain.licensing.application import LicenceApplication as A
from domain.licensing.history import Outcome, PastHandling

if TYPE_CHECKING:
    from projections.licensing.applications import ApplicationRow, Fact


def imported_row(row: ApplicationRow, e: A.Imported) -> ApplicationRow:
    """A past matter as its history left it (domain/licensing/history.py).
    No due date is kept that would start a deadline: the clock never acts
    on history. A decision or certificate late by the history counts as
    a missed deadline, so the statistics' on-time count says the same."""
    h = e.history
    row.status = imported_status(h).value
    row.accepted_on = h.accepted_on
    row.acceptance = (
        "accepted"
        if h.accepted_on
        else "not_accepted"
        if h.outcome is Outcome.NOT_ACCEPTED
        else None
    )
    row.decided_on = h.decided_on
    row.closed_on = h.certificate_served_on or h.decided_on
    if h.outcome in (Outcome.GRANTED, Outcome.REFUSED):
        row.decision = h.outcome.value
        row.within_legal = h.within_limit
        row.working_days_to_decision = h.working_days_to_decision
        days = h.working_days_to_decision
        row.within_promised = days is not None and days <= row.promised_limit_wd
    if h.outcome is Outcome.GRANTED and h.certificate_served_on is None:
        row.closed_on = None  # as a live grant: closed once served
    row.certificate_issued_on = h.certificate_issued_on
    row.certificate_served_on = h.certificate_served_on
    row.missed = [f"{kind}:{due}" for kind, due, _ in _late(h)]
    return row


def _late(h: PastHandling) -> list[tuple[str, date, date]]:
    """An imported history's deadlines that it shows were missed: (kind, due,
    the day after, when the clock would have recorded it)."""
    late = []
    if h.within_limit is False and h.decision_due is not None:
        late.append((DeadlineKind.DECISION.value, h.decision_due.due))
    done = h.certificate_served_on or h.certificate_issued_on
    due = h.certificate_due.due if h.certificate_due is not None else None
    if due is not None and (done is None or done > due):
        late.append((DeadlineKind.CERTIFICATE.value, due))
    return [(kind, on, on + timedelta(days=1)) for kind, on in late]


def imported_facts(row: ApplicationRow, e: A.Imported) -> Iterable[Fact]:
    """The facts a live matter's events would have given, each on its own date."""
    h = e.history
    yield "received", e.received_on, None, None, None
    if h.accepted_on is not None:
        yield "accepted", h.accepted_on, None, None, None
    if h.outcome is Outcome.NOT_ACCEPTED:
        yield "not_accepted", h.decided_on, None, None, None
    elif h.outcome is Outcome.WITHDRAWN:
        yield "withdrawn", h.decided_on, None, None, None
    else:
        days = row.working_days_to_decision
        for metric in ("completed", h.outcome.value):
            yield metric, h.decided_on, row.within_legal, row.within_promised, days
    if h.certificate_issued_on is not None:
        due = h.certificate_due.due if h.certificate_due is not None else None
        within = due is None or h.certificate_issued_on <= due
        yield "certificate_issued", h.certificate_issued_on, within, None, None
    if h.certificate_served_on is not None:
        yield "certificate_served", h.certificate_served_on, None, None, None
    for _, _, recorded_on in _late(h):
        yield "deadline_missed", recorded_on, False, None, None
