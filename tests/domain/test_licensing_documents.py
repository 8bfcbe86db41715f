"""Written notices on the case (行政许可法 Arts. 32, 38, 44): which events make
which document, and recording a rendered one exactly once. No I/O."""

from __future__ import annotations

import pytest

from domain.licensing.application import LicenceApplication
from domain.licensing.documents import (
    CODE_LENGTH,
    DocumentKind,
    new_verification_code,
    same_code,
    source_of,
    sources,
    split_code,
)
from domain.shared.documents import DocumentRef, content_address
from domain.shared.errors import IllegalTransitionError, NotFoundError
from tests.domain.conftest import (
    ACCEPTED_ON,
    CALENDAR,
    CLERK,
    CLERK_WITH_REASON,
    PLAIN_ITEM,
    materials_of,
    receive_application,
    system_audit,
)

ISSUER = system_audit("documents", request_id="req-doc")


def ref(content: bytes = b"%PDF-1.4 notice") -> DocumentRef:
    return DocumentRef(
        sha256=content_address(content),
        media_type="application/pdf",
        size=len(content),
        name="受理通知书.pdf",
    )


def accepted_events() -> tuple[LicenceApplication, list[object]]:
    application = receive_application()
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    return application, list(application.collect_events())


def test_each_kind_is_made_from_the_event_that_decided_it() -> None:
    application = receive_application()
    missing = materials_of(PLAIN_ITEM)[:1]
    application.request_correction(missing, ACCEPTED_ON, CLERK_WITH_REASON)
    application.submit_corrections(missing, ACCEPTED_ON, CLERK)
    application.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    events = list(application.collect_events())
    found = sources(events)
    assert set(found) == {
        DocumentKind.CORRECTION_NOTICE,
        DocumentKind.ACCEPTANCE_NOTICE,
    }
    assert isinstance(
        found[DocumentKind.ACCEPTANCE_NOTICE], LicenceApplication.Accepted
    )
    assert found[DocumentKind.CORRECTION_NOTICE].missing_items == missing


def test_a_document_without_its_event_does_not_exist_yet() -> None:
    _, events = accepted_events()
    with pytest.raises(NotFoundError, match="许可证书"):
        source_of(events, DocumentKind.CERTIFICATE)


def test_a_rendered_document_is_recorded_with_its_hash_source_and_code() -> None:
    application, events = accepted_events()
    code = new_verification_code(application.id.hex)
    source = source_of(events, DocumentKind.ACCEPTANCE_NOTICE)
    assert application.record_document(
        DocumentKind.ACCEPTANCE_NOTICE, ref(), source.originator_version, code, ISSUER
    )
    (issued,) = application.collect_events()
    assert isinstance(issued, LicenceApplication.DocumentIssued)
    assert issued.document == ref()
    assert issued.source_version == source.originator_version
    assert issued.verification_code == code
    assert issued.rule == "行政许可法 第32条第2款"
    assert issued.audit.actor.id == "system:documents"


def test_the_same_bytes_from_the_same_source_record_nothing_new() -> None:
    application, _ = accepted_events()
    code = new_verification_code(application.id.hex)
    kind = DocumentKind.ACCEPTANCE_NOTICE
    assert application.record_document(kind, ref(), 2, code, ISSUER)
    application.collect_events()
    assert not application.record_document(kind, ref(), 2, code, ISSUER)
    assert list(application.collect_events()) == []


def test_a_document_keeps_the_verification_code_it_was_issued_with() -> None:
    application, _ = accepted_events()
    kind = DocumentKind.ACCEPTANCE_NOTICE
    first = new_verification_code(application.id.hex)
    application.record_document(kind, ref(), 2, first, ISSUER)
    other = new_verification_code(application.id.hex)
    with pytest.raises(IllegalTransitionError, match="verification code"):
        application.record_document(kind, ref(b"%PDF other"), 2, other, ISSUER)


def test_a_verification_code_is_the_case_and_128_random_bits() -> None:
    application, _ = accepted_events()
    one = new_verification_code(application.id.hex)
    two = new_verification_code(application.id.hex)
    assert len(one) == CODE_LENGTH == 64
    assert one[:32] == application.id.hex
    assert one != two  # never derived from a number someone could count through
    assert split_code(one) == (application.id.hex, one)
    assert same_code(one, one)
    assert not same_code(one, two)


@pytest.mark.parametrize(
    "code", ["", "0" * 63, "0" * 65, "G" * 64, "A" * 64, "0" * 60 + "-abc"]
)
def test_a_malformed_verification_code_is_no_code(code: str) -> None:
    assert split_code(code) is None
