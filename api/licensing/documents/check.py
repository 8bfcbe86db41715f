"""电子证照核验: anyone holding a document's QR code checks that the bureau
issued it, which document it is and its PDF's SHA-256, and for a
certificate whether the licence is still valid (the licence register).

The code is the case's id and 128 random bits recorded in the document's
`DocumentIssued` event: not derived from any number, so it cannot be guessed
or counted through; a malformed, unknown or forged code is one 404.

Where the ledger is kept (the audit context), the answer carries the
inclusion proof of that `DocumentIssued` event — which holds the PDF's hash —
in the latest signed checkpoint of the licensing log, so the check does not
rest on this server's word alone.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from api.http.errors import ProblemError
from domain.licensing.application import LicenceApplication
from domain.licensing.documents import (
    DOCUMENT_TITLES,
    DocumentKind,
    IssuedDocument,
    same_code,
    split_code,
)
from domain.licensing.licence import LicenceStatus
from domain.licensing.parties import PartyType
from domain.licensing.service import Licensing
from projections.licensing import licences_queries
from projections.runtime import ReadModelMissingError, events_table

UNKNOWN = "no document of this bureau has that verification code"
STATUS_WORDS = {
    LicenceStatus.VALID.value: "有效",
    LicenceStatus.WITHDRAWN.value: "已撤回",
    LicenceStatus.REVOKED.value: "已撤销",
    LicenceStatus.CANCELLED.value: "已注销",
    LicenceStatus.EXPIRED.value: "已过期",
}


def find(
    service: Licensing, code: str
) -> tuple[LicenceApplication, DocumentKind, IssuedDocument]:
    """The case and document a code names; 404 for anything else."""
    parts = split_code(code)
    application = (
        service.find(LicenceApplication, UUID(hex=parts[0])) if parts else None
    )
    if application is not None:
        for kind, held in application.documents.items():
            if same_code(held.verification_code, code):
                return application, kind, held
    raise ProblemError(404, UNKNOWN, slug="not-found")


def licence_state(
    conn: psycopg.Connection[Any], licence_id: UUID | None, today: date
) -> dict[str, Any]:
    """From the licence register: valid, withdrawn, revoked, cancelled or
    expired (a validity past its end reads as expired before the clock has
    recorded it)."""
    row = licences_queries.status_of(conn, licence_id) if licence_id else None
    if row is None:
        raise ProblemError(
            503,
            "the licence register has not read this licence yet; try again shortly",
            slug="not-caught-up",
            headers={"Retry-After": "2"},
        )
    status = row["status"]
    if status == LicenceStatus.VALID.value and row["valid_until"] is not None:
        status = LicenceStatus.EXPIRED.value if row["valid_until"] < today else status
    return {
        "licence_number": row["licence_number"],
        "certificate_name": row["certificate_name"],
        "status": status,
        "status_text": STATUS_WORDS.get(status, status),
        "valid": status == LicenceStatus.VALID.value,
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
        "ended_on": row["ended_on"],
    }


def document_event_version(
    service: Licensing, application: LicenceApplication, held: IssuedDocument
) -> int:
    """The version of the event that recorded this document as it is held."""
    return max(
        e.originator_version
        for e in service.history(application.id)
        if isinstance(e, LicenceApplication.DocumentIssued)
        and e.document == held.document
    )


def position_of(
    conn: psycopg.Connection[Any], app: Any, case_id: UUID, version: int
) -> int | None:
    row = conn.execute(
        sql.SQL(
            "SELECT notification_id FROM {} WHERE originator_id = %s"
            " AND originator_version = %s"
        ).format(events_table(app)),
        (case_id, version),
    ).fetchone()
    return None if row is None else int(row[0])


def inclusion(
    settings: Any, conn: psycopg.Connection[Any], log: str, position: int
) -> dict[str, Any] | None:
    """The event's inclusion proof in the log's latest signed checkpoint, or
    None where no ledger is kept, or none has signed past the event yet."""
    try:  # the audit context is optional: no ledger, no proof
        from api.audit.checkpoints import latest_believed
        from api.audit.keys import verifying_key
        from projections.audit import ledger_queries
    except ImportError:  # pragma: no cover - a deployment without it
        return None
    key = verifying_key(settings)
    if key is None:
        return None
    try:
        with conn.transaction():
            checkpoint = latest_believed(conn, log, key)
            leaf = ledger_queries.leaf_at(conn, log, position)
            if checkpoint is None or leaf is None or leaf.index >= checkpoint.size:
                return None
            proof = ledger_queries.inclusion_proof(
                conn, log, leaf.index, checkpoint.size
            )
    except (psycopg.errors.UndefinedTable, ReadModelMissingError, LookupError):
        return None
    return {
        "log": log,
        "position": position,
        "leaf_index": leaf.index,
        "tree_size": checkpoint.size,
        "leaf_hash": _b64(leaf.hash),
        "proof": [_b64(h) for h in proof],
        "checkpoint": checkpoint.note,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def public_view(
    service: Licensing,
    application: LicenceApplication,
    kind: DocumentKind,
    held: IssuedDocument,
) -> dict[str, Any]:
    """What the check shows: no personal data (a natural person's name is
    withheld, as 双公示 withholds it)."""
    applicant = application.applicant
    person = applicant.party_type is PartyType.NATURAL_PERSON
    unit = service.registry.get_unit(application.unit_code)
    view: dict[str, Any] = {
        "genuine": True,
        "kind": kind.value,
        "title": DOCUMENT_TITLES[kind],
        "receipt_number": application.receipt_number,
        "item": {"code": application.item.code, "name": application.item.name},
        "applicant": {
            "name": None if person else applicant.name,
            "uscc": None if person else applicant.uscc,
        },
        "licensing_authority": unit.name if unit else application.unit_code,
        "document": {
            "sha256": held.document.sha256,
            "size": held.document.size,
            "media_type": held.document.media_type,
        },
        "decision_number": application.decision_number,
        "decided_on": application.decided_on,
        "certificate_number": application.certificate_number,
        "licence": None,
        "ledger": None,
    }
    return view


def check(
    service: Licensing,
    conn: psycopg.Connection[Any],
    settings: Any,
    today: date,
    code: str,
) -> dict[str, Any]:
    application, kind, held = find(service, code)
    view = public_view(service, application, kind, held)
    if kind is DocumentKind.CERTIFICATE:
        view["licence"] = licence_state(conn, application.licence_id, today)
    version = document_event_version(service, application, held)
    position = position_of(conn, service, application.id, version)
    if position is not None:
        view["ledger"] = inclusion(settings, conn, service.name, position)
    return view
