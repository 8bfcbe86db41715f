"""Issue a written notice: render it from the case's events, store it by
content address, and record it on the case — once.

Documents are issued when first asked for (by staff of the case or by the
applicant), not in the command that decided them: the decision is the fact,
the document follows from it, so it is recorded by the system
(`system:documents`) with the decision's event as its causation and the
request's id. Asking again serves the stored bytes; rendering again (a lost
store row, a fresh process) gives the same bytes and records nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from starlette.requests import Request

from api.licensing.documents.pdf import render
from api.licensing.documents.sheets import CaseFacts, compose
from domain.licensing.application import LicenceApplication
from domain.licensing.documents import (
    DOCUMENT_TITLES,
    DocumentKind,
    IssuedDocument,
    new_verification_code,
    source_of,
)
from domain.licensing.service import Licensing
from domain.shared.audit import Actor, Audit
from domain.shared.documents import DocumentStore, MediaType, store_document

PDF: MediaType = "application/pdf"
SYSTEM_DOCUMENTS = Actor.system("documents")
ATTEMPTS = 3  # a concurrent first request records it first: take theirs


@dataclass(frozen=True)
class Issued:
    content: bytes
    held: IssuedDocument


def document_store(request: Request) -> DocumentStore:
    """The documents' store the services opened (api/host/documents.py)."""
    store: DocumentStore = request.app.state.services.documents
    return store


def verification_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/licensing/documents/{code}"


def case_facts(
    service: Licensing, application: LicenceApplication, events: list[Any], url: str
) -> CaseFacts:
    unit = service.registry.get_unit(application.unit_code)
    licence = None
    if application.licence_id is not None:  # the licence as issued, not as now
        licence = service.history(application.licence_id)[0]
    return CaseFacts(
        events=tuple(events),
        unit_name=unit.name if unit is not None else application.unit_code,
        verification_url=url,
        licence=licence,
    )


def issue(
    service: Licensing,
    store: DocumentStore,
    case_id: UUID,
    kind: DocumentKind,
    public_url: str,
    request_id: str,
) -> Issued:
    """The document's bytes, issuing it first if the case has not yet."""
    for _ in range(ATTEMPTS):
        application = service.get_application(case_id)
        events = service.history(case_id)[: application.version]
        source = source_of(events, kind)
        held = application.documents.get(kind)
        if held is not None and held.source_version == source.originator_version:
            stored = store.get(held.document.sha256)
            if stored is not None:
                return Issued(stored, held)
        code = held.verification_code if held else new_verification_code(case_id.hex)
        url = verification_url(public_url, code)
        content = render(
            compose(kind, case_facts(service, application, events, url), source)
        )
        name = f"{DOCUMENT_TITLES[kind]}-{application.receipt_number}.pdf"
        ref = store_document(store, content, PDF, name)
        audit = Audit(
            actor=SYSTEM_DOCUMENTS,
            request_id=request_id,
            causation=f"{source.TOPIC}@{source.originator_version}",
        )
        if application.record_document(
            kind, ref, source.originator_version, code, audit
        ):
            try:
                service.save(application)
            except IntegrityError:
                continue
        return Issued(content, application.documents[kind])
    raise RuntimeError(f"could not record the {kind.value} of {case_id}")
