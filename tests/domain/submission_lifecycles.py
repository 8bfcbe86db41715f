"""Online submissions (网上申报) built through their commands: the builders the
domain tests share, and every event class in a lifecycle for the persistence
round-trip tests."""

from __future__ import annotations

from typing import Any

from domain.licensing.submission import (
    MaterialCorrection,
    MaterialDocuments,
    OnlineSubmission,
)
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.documents import DocumentRef, content_address
from tests.domain.conftest import (
    CLERK,
    PLAIN_ITEM,
    RECEIVED_ON,
    applicant,
    item,
    materials_of,
    staff_audit,
)

PUBLIC = Audit(
    actor=Actor(kind=ActorKind.PUBLIC, id="public:online", name="申请人"),
    request_id="req-public",
)
CLERK_REPLYING = staff_audit(Role.CLERK, reason="材料需补正")
MATERIALS = materials_of(PLAIN_ITEM)


def ref(text: str, name: str = "scan.pdf") -> DocumentRef:
    content = f"%PDF-1.7 {text} %%EOF".encode()
    return DocumentRef(
        sha256=content_address(content),
        media_type="application/pdf",
        size=len(content),
        name=name,
    )


def documents(*names: str, version: str = "v1") -> tuple[MaterialDocuments, ...]:
    return tuple(
        MaterialDocuments(material=n, documents=(ref(f"{n}-{version}"),)) for n in names
    )


def corrections(*names: str) -> tuple[MaterialCorrection, ...]:
    return tuple(MaterialCorrection(material=n, reason=f"{n}不清晰") for n in names)


def submit(
    materials: tuple[str, ...] = MATERIALS, number: str = "32080320260918000007"
) -> OnlineSubmission:
    """A submission, its Submitted event still pending."""
    return OnlineSubmission.submit(
        audit=PUBLIC,
        number=number,
        query_code_hash="0" * 64,
        item=item(PLAIN_ITEM),
        applicant=applicant(),
        agent=None,
        materials=documents(*materials),
        unit_code="320803",
        on=RECEIVED_ON,
    )


def submission_lifecycles() -> list[list[Any]]:
    accepted = submit()
    accepted.request_corrections(corrections(MATERIALS[0]), RECEIVED_ON, CLERK_REPLYING)
    accepted.resubmit(documents(MATERIALS[0], version="v2"), RECEIVED_ON, PUBLIC)
    accepted.accept("32080320260918000007", accepted.id, RECEIVED_ON, CLERK)
    closed = submit(number="32080320260918000008")
    closed.close(RECEIVED_ON, staff_audit(Role.CLERK, reason="不属于本局职权"))
    return [list(accepted.collect_events()), list(closed.collect_events())]
