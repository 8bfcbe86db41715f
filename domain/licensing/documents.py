"""Written notices and certificates (书面凭证、电子证照): which a case has, and from
which of its events each is made.

Art. 32 ¶2 requires a dated written voucher for every way an application is
handled at intake; Art. 38 a written decision (a refusal with reasons and the
remedy notice); Art. 44 the certificate, served. Each document is rendered
from the event that decided it (its *source*), never from "now", so the same
events always give the same document; the rendered document is stored by
content address and recorded on the case by `LicenceApplication.DocumentIssued`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, NamedTuple

from domain.shared.documents import DocumentRef
from domain.shared.errors import NotFoundError

RULE_VOUCHER = "行政许可法 第32条第2款"  # the dated written voucher
RULE_DECISION = "行政许可法 第38条"
RULE_CERTIFICATE = "行政许可法 第44条"
# A document's verification code: 128 random bits (hex), never derived from
# a number someone could count through.
CODE_BYTES = 16
CODE_LENGTH = 32 + 2 * CODE_BYTES  # the case's id (hex) and the token


class DocumentKind(StrEnum):
    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理通知书
    CORRECTION_NOTICE = "correction_notice"  # 补正材料通知书 (一次告知)
    NON_ACCEPTANCE_DECISION = "non_acceptance_decision"  # 不予受理决定书
    GRANT_DECISION = "grant_decision"  # 准予行政许可决定书
    REFUSAL_DECISION = "refusal_decision"  # 不予行政许可决定书
    CERTIFICATE = "certificate"  # 许可证书 (电子证照)
    PROOF_OF_SERVICE = "proof_of_service"  # 送达回证


DOCUMENT_TITLES: dict[DocumentKind, str] = {
    DocumentKind.ACCEPTANCE_NOTICE: "受理通知书",
    DocumentKind.CORRECTION_NOTICE: "补正材料通知书",
    DocumentKind.NON_ACCEPTANCE_DECISION: "不予受理决定书",
    DocumentKind.GRANT_DECISION: "准予行政许可决定书",
    DocumentKind.REFUSAL_DECISION: "不予行政许可决定书",
    DocumentKind.CERTIFICATE: "许可证书",
    DocumentKind.PROOF_OF_SERVICE: "送达回证",
}

# The events each kind is made from (by class name on LicenceApplication); the
# latest of them is the document's source.
SOURCES: dict[DocumentKind, frozenset[str]] = {
    DocumentKind.ACCEPTANCE_NOTICE: frozenset(
        {"Accepted", "AcceptedWithDeficiencies", "AcceptanceDeemed"}
    ),
    DocumentKind.CORRECTION_NOTICE: frozenset({"CorrectionRequested"}),
    DocumentKind.NON_ACCEPTANCE_DECISION: frozenset({"NotAccepted"}),
    DocumentKind.GRANT_DECISION: frozenset({"Granted"}),
    DocumentKind.REFUSAL_DECISION: frozenset({"Refused"}),
    DocumentKind.CERTIFICATE: frozenset({"CertificateIssued"}),
    DocumentKind.PROOF_OF_SERVICE: frozenset({"CertificateServed"}),
}

RULES: dict[DocumentKind, str] = {
    DocumentKind.ACCEPTANCE_NOTICE: RULE_VOUCHER,
    DocumentKind.CORRECTION_NOTICE: "行政许可法 第32条第1款第4项",
    DocumentKind.NON_ACCEPTANCE_DECISION: RULE_VOUCHER,
    DocumentKind.GRANT_DECISION: RULE_DECISION,
    DocumentKind.REFUSAL_DECISION: RULE_DECISION,
    DocumentKind.CERTIFICATE: RULE_CERTIFICATE,
    DocumentKind.PROOF_OF_SERVICE: RULE_CERTIFICATE,
}


class IssuedDocument(NamedTuple):
    """A document as its case holds it (from `DocumentIssued`)."""

    document: DocumentRef
    source_version: int
    verification_code: str


def sources(events: Iterable[Any]) -> dict[DocumentKind, Any]:
    """Each kind of document the case has, with the event it is made from."""
    found: dict[DocumentKind, Any] = {}
    for e in events:
        name = type(e).__name__
        for kind, names in SOURCES.items():
            if name in names:
                found[kind] = e
    return found


def source_of(events: Iterable[Any], kind: DocumentKind) -> Any:
    """The event a document is made from; a case without one has no such
    document yet (the one-time notice of a case never asked to correct, …)."""
    found = sources(events).get(kind)
    if found is None:
        raise NotFoundError(
            f"the application has no {DOCUMENT_TITLES[kind]} ({kind.value}) yet"
        )
    return found


def new_verification_code(case_id_hex: str) -> str:
    """The code in a document's verification URL: the case (so the check
    finds it without an index) and a random token only the document shows."""
    return case_id_hex + secrets.token_hex(CODE_BYTES)


def split_code(code: str) -> tuple[str, str] | None:
    """The case id (hex) and the whole code, or None for a malformed code."""
    if len(code) != CODE_LENGTH or any(c not in "0123456789abcdef" for c in code):
        return None
    return code[:32], code


def same_code(recorded: str, given: str) -> bool:
    return hmac.compare_digest(recorded.encode(), given.encode())
