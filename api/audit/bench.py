"""The audit context's `casetrace bench` workload (the protocol:
api/bench/workload.py). A city auditor (纪检 / 法制科) whose every read of the
audit index is recorded (`AuditRead`); generated reads with varied
operations and filters; the filtered pages an auditor runs over every log
(by person, by unit and event, one case, a time window) and an inclusion
proof; and `casetrace verify` over every log (api/bench/run.py, row 7).

The context takes no command over HTTP: an auditor's read is recorded as
the first step of answering a GET (api/audit/http.py), and the runner's
command phases POST and need a command's position. So the HTTP command
phases (3, 4) skip this workload (`http_commands`); what one read costs,
its record included, is what the query phase (6) measures.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode
from uuid import UUID, uuid5

import psycopg
from psycopg import sql

from api.bench.phases import Verified
from api.bench.workload import UNITS, Commands, Query, enrol
from api.host.storage import Services
from domain.audit.read import AuditRead
from domain.audit.service import AuditTrail
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.events import Aggregate

CITY, COUNTY = "3208", "320803"
STAFF = (("A-AUD", CITY, Role.AUDITOR, "auditor"),)
AUDITOR = Actor(
    kind=ActorKind.STAFF,
    id="A-AUD",
    name="bench A-AUD",
    role=Role.AUDITOR,
    unit_code=CITY,
)
CASES = UUID("6f0d9a52-3c55-4d7e-9d0e-2f1b0c8e7a11")  # namespace of made-up case ids
TYPES = ("Opened", "Decided", "Received", "Accepted", "Registered", "Served")
SIGN_TRIES = 20  # another signer may hold the signing lock for a round


def _audit(n: int) -> Audit:
    return Audit(actor=AUDITOR, request_id=f"bench-audit-{n}")


def _read(n: int, k: int) -> AuditRead:
    """The k-th read of session n: what an auditor asks, with varied filters
    (keys as the API records them, api/audit/http.py `Filters`)."""
    kind = (n + k) % 6
    what = "audit_events"
    filters: dict[str, Any]
    if kind == 0:
        filters = {"actor": f"S-{n % 97:03d}"}
    elif kind == 1:
        filters = {"unit": COUNTY if n % 2 else CITY, "type": TYPES[n % len(TYPES)]}
    elif kind == 2:
        filters = {"case_id": str(uuid5(CASES, str(n)))}
    elif kind == 3:
        day = date(2026, 1, 1) + timedelta(days=n % 365)
        filters = {
            "date_from": day.isoformat(),
            "date_to": (day + timedelta(days=6)).isoformat(),
            "after": f"cursor{n}",
        }
    elif kind == 4:
        what, filters = "audit_request", {"request_id": f"req-{n:010d}"}
    else:
        what, filters = "audit_inclusion_proof", {"log": "audit", "position": n}
    return AuditRead.record(what, filters, _audit(n))


@dataclass(frozen=True)
class Sample:
    """A real event of another context's log, as the audit index holds it:
    the queries filter by its actor, unit, type, case and time."""

    log: str
    position: int
    at: datetime
    case_id: UUID
    actor_id: str
    type: str


class AuditWorkload:
    """The audit context's side of the bench."""

    topic = AuditRead.Made.TOPIC
    lag_model = "audit_index"
    # Read by api/bench/run.py: no command route to POST (see the docstring).
    http_commands: ClassVar[bool] = False

    def __init__(self, services: Services) -> None:
        self.services = services
        self.tokens: dict[str, str] = {}

    def seed(self) -> None:
        self.tokens = enrol(self.services, UNITS, STAFF)

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [_read(n, 0)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        """One auditor's session: one to three reads."""
        return [_read(n, k) for k in range(1 + n % 3)]

    def commands(self, client: int) -> Commands:
        msg = (
            "the audit context takes no command over HTTP: each GET of"
            " /v1/audit/… records its AuditRead (measured by the query phase)"
        )
        raise NotImplementedError(msg)

    def queries(self) -> Sequence[Query]:
        """An auditor's filtered pages around a real event of the largest
        other log (picked now that the data is loaded), and an inclusion
        proof of that event in the checkpoint signed over the rebuilt ledger."""
        self.sign()
        sample = self._sample()
        token = self.tokens["auditor"]
        if sample is None:  # nothing but the audit log: the unfiltered page
            return [Query("audit events, first page", "/v1/audit/events", token)]

        def page(**filters: Any) -> str:
            return "/v1/audit/events?" + urlencode({**filters, "limit": 50})

        window = timedelta(seconds=30)
        return [
            Query("audit events by actor", page(actor=sample.actor_id), token),
            # One auditor's own reads, by the per-person route: most of them
            # were generated after every other log's events.
            Query(
                "audit events of one auditor",
                f"/v1/audit/actors/{AUDITOR.id}?limit=50",
                token,
            ),
            Query(
                "audit events by unit + type",
                page(unit=CITY, type=sample.type),
                token,
            ),
            Query("audit events of one case", page(case_id=str(sample.case_id)), token),
            Query(
                "audit events by time range (1 min)",
                page(
                    **{
                        "from": (sample.at - window).isoformat(),
                        "to": (sample.at + window).isoformat(),
                    }
                ),
                token,
            ),
            Query(
                "audit inclusion proof",
                "/v1/audit/proof/inclusion?"
                + urlencode({"log": sample.log, "position": sample.position}),
                token,
            ),
        ]

    def _sample(self) -> Sample | None:
        """The event half-way along the largest log other than this one's,
        as the audit index's active generation holds it."""
        from projections.audit.index_queries import MODEL
        from projections.runtime import active_tables

        heads = {
            name: int(app.recorder.max_notification_id() or 0)
            for name, app in self.services.logs().items()
            if name != AuditTrail.name
        }
        heads = {name: head for name, head in heads.items() if head}
        if not heads:
            return None
        log = max(heads, key=lambda name: heads[name])
        with psycopg.connect(self.services.url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT log, position, at, case_id, actor_id, type FROM {}"
                    " WHERE log = %s AND position >= %s ORDER BY position LIMIT 1"
                ).format(active_tables(conn, MODEL)()),
                (log, heads[log] // 2),
            ).fetchone()
        return Sample(*row) if row else None

    def sign(self) -> None:
        """A checkpoint of every log at the ledger's size (forced), retried
        while another signer holds the lock; none if the ledger is not built."""
        from api.audit.keys import ledger_key
        from api.audit.signer import CheckpointSigner
        from projections.audit import ledger_queries
        from projections.runtime import ReadModelMissingError

        logs = self.services.logs()
        url = self.services.url
        signer = CheckpointSigner(url, ledger_key(self.services.settings), logs)
        for _ in range(SIGN_TRIES):
            signer.sign_due(force=True)
            with psycopg.connect(url) as conn:
                try:
                    sizes = ledger_queries.sizes(conn)
                except ReadModelMissingError:
                    return
                latest = {cp.log: cp.size for cp in ledger_queries.latest(conn)}
            if all(latest.get(name) == sizes.get(name, 0) for name in logs):
                return
            time.sleep(0.25)

    def verify(self) -> Verified:
        """`casetrace verify` over every log, after signing what the ledger
        holds: the events re-hashed, the time it took and what it found."""
        from api.audit.keys import Key, ledger_key
        from api.audit.verify import Verifier

        self.sign()
        key = ledger_key(self.services.settings)
        logs = self.services.logs()
        verifier = Verifier(self.services.url, logs, Key(key.name, key.public_key))
        began = time.monotonic()
        reports = verifier.verify()
        seconds = time.monotonic() - began
        return Verified(
            events=sum(r.events for r in reports),
            seconds=seconds,
            logs=len(reports),
            checkpoints=sum(r.checkpoints for r in reports),
            pending=sum(len(r.pending) for r in reports),
            findings=[f.line() for r in reports for f in r.findings],
        )


def workload(services: Services) -> AuditWorkload:
    return AuditWorkload(services)
