"""Online submission and pre-review (网上申报、网上预审) without I/O: the
OnlineSubmission's rules, and the Licensing service turning an accepted
submission into a received application (in memory, the popo store)."""

from __future__ import annotations

import pytest

from domain.licensing.application import Status
from domain.licensing.parties import Channel
from domain.licensing.pre_review import SubmissionReceipt
from domain.licensing.service import Licensing
from domain.licensing.submission import (
    OnlineSubmission,
    SubmissionStatus,
)
from domain.registry.service import Registry
from domain.shared.audit import Role
from domain.shared.errors import (
    AuditContractError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.query_code import query_code_hash
from tests.domain.conftest import (
    BOOTSTRAP,
    CLERK,
    PLAIN_ITEM,
    RECEIVED_ON,
    applicant,
    item,
    settled,
    staff_audit,
)
from tests.domain.submission_lifecycles import (
    CLERK_REPLYING,
    MATERIALS,
    PUBLIC,
    corrections,
    documents,
    ref,
    submit,
)


def submitted(materials: tuple[str, ...] = MATERIALS) -> OnlineSubmission:
    return settled(submit(materials))


# -- the aggregate -------------------------------------------------------------


def test_a_submission_records_each_material_with_its_documents() -> None:
    s = submitted()
    assert s.status is SubmissionStatus.SUBMITTED
    assert [m.material for m in s.materials] == list(MATERIALS)
    assert s.document(ref(f"{MATERIALS[0]}-v1").sha256) == ref(f"{MATERIALS[0]}-v1")


def test_staff_cannot_submit_online_in_the_applicants_place() -> None:
    with pytest.raises(PermissionDeniedError):
        OnlineSubmission.submit(
            audit=CLERK,
            number="N",
            query_code_hash="0" * 64,
            item=item(PLAIN_ITEM),
            applicant=applicant(),
            agent=None,
            materials=documents(*MATERIALS),
            unit_code="320803",
            on=RECEIVED_ON,
        )


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("营业执照", "不相关的材料"), "not materials of item"),
        ((MATERIALS[0], MATERIALS[0]), "each material once"),
        ((), "at least one material"),
    ],
)
def test_materials_not_of_the_item_repeated_or_none_are_refused(
    names: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        submitted(names)


def test_a_pre_review_reply_names_each_material_to_correct_and_needs_a_reason() -> None:
    s = submitted()
    with pytest.raises(AuditContractError):
        s.request_corrections(corrections(MATERIALS[0]), RECEIVED_ON, CLERK)
    with pytest.raises(InvalidInputError, match="not materials of item"):
        s.request_corrections(corrections("别的材料"), RECEIVED_ON, CLERK_REPLYING)
    s.request_corrections(corrections(MATERIALS[0]), RECEIVED_ON, CLERK_REPLYING)
    assert s.status is SubmissionStatus.CORRECTIONS_REQUESTED
    assert [c.material for c in s.corrections] == [MATERIALS[0]]


def test_resubmission_keeps_the_old_version_and_makes_the_new_one_current() -> None:
    s = submitted()
    s.request_corrections(corrections(MATERIALS[0]), RECEIVED_ON, CLERK_REPLYING)
    s.resubmit(documents(MATERIALS[0], version="v2"), RECEIVED_ON, PUBLIC)
    assert s.status is SubmissionStatus.RESUBMITTED
    current = {m.material: m.documents[0].sha256 for m in s.materials}
    assert current[MATERIALS[0]] == ref(f"{MATERIALS[0]}-v2").sha256
    assert s.document(ref(f"{MATERIALS[0]}-v1").sha256)  # every version is kept
    assert len(s.versions) == len(MATERIALS) + 1


def test_a_resubmission_supplies_exactly_the_materials_the_reply_named() -> None:
    s = submitted()
    s.request_corrections(corrections(*MATERIALS[:2]), RECEIVED_ON, CLERK_REPLYING)
    with pytest.raises(InvalidInputError, match="still missing"):
        s.resubmit(documents(MATERIALS[0], version="v2"), RECEIVED_ON, PUBLIC)
    with pytest.raises(InvalidInputError, match="not named"):
        s.resubmit(documents(*MATERIALS[:3], version="v2"), RECEIVED_ON, PUBLIC)


def test_resubmitting_without_a_reply_asking_for_corrections_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        submitted().resubmit(documents(MATERIALS[0]), RECEIVED_ON, PUBLIC)


def test_acceptance_needs_every_material_of_the_item() -> None:
    s = submitted(MATERIALS[:-1])
    with pytest.raises(IllegalTransitionError, match="not yet submitted"):
        s.accept("R", s.id, RECEIVED_ON, CLERK)


def test_nothing_is_replied_to_once_the_submission_is_with_the_applicant() -> None:
    s = submitted()
    s.request_corrections(corrections(MATERIALS[0]), RECEIVED_ON, CLERK_REPLYING)
    with pytest.raises(IllegalTransitionError):
        s.accept("R", s.id, RECEIVED_ON, CLERK)
    with pytest.raises(IllegalTransitionError):
        s.request_corrections(corrections(MATERIALS[1]), RECEIVED_ON, CLERK_REPLYING)


def test_closing_needs_a_reason_and_closes_once() -> None:
    s = submitted()
    with pytest.raises(AuditContractError):
        s.close(RECEIVED_ON, CLERK)
    s.close(RECEIVED_ON, CLERK_REPLYING)
    assert s.status is SubmissionStatus.CLOSED
    with pytest.raises(IllegalTransitionError):
        s.close(RECEIVED_ON, CLERK_REPLYING)


# -- the service -----------------------------------------------------------------


@pytest.fixture
def bureau(registry: Registry) -> Registry:
    registry.establish_unit("320803", "海州区市场监督管理局", BOOTSTRAP)
    return registry


def submit_via(
    licensing: Licensing, materials: tuple[str, ...] = MATERIALS
) -> SubmissionReceipt:
    return licensing.submit_online(
        PUBLIC,
        unit_code="320803",
        item_code=PLAIN_ITEM,
        applicant=applicant(),
        agent=None,
        materials=documents(*materials),
    )


def test_an_accepted_submission_is_received_as_an_online_application_with_its_documents(
    bureau: Registry, licensing: Licensing
) -> None:
    receipt = submit_via(licensing)
    accepted = licensing.accept_submission(receipt.id, CLERK)
    submission = licensing.get_submission(receipt.id)
    assert submission.status is SubmissionStatus.ACCEPTED
    # The application keeps the submission's number, so one query code follows both.
    assert submission.receipt_number == receipt.submission_number
    application = licensing.find_by_receipt(
        receipt.submission_number, receipt.query_code
    )
    assert application.id == submission.application_id
    assert application.status is Status.RECEIVED
    assert application.channel is Channel.ONLINE
    assert application.materials == MATERIALS
    assert application.material_documents == submission.materials
    assert application.submission_number == receipt.submission_number
    assert accepted.version == submission.version


def test_the_applicant_finds_the_submission_only_with_its_query_code(
    bureau: Registry, licensing: Licensing
) -> None:
    receipt = submit_via(licensing)
    found = licensing.find_submission(receipt.submission_number, receipt.query_code)
    assert found.query_code_hash == query_code_hash(
        receipt.submission_number, receipt.query_code
    )
    with pytest.raises(NotFoundError):
        licensing.find_submission(receipt.submission_number, "WRONG-CODE-0000")


def test_a_submission_to_an_unknown_unit_is_refused(
    registry: Registry, licensing: Licensing
) -> None:
    with pytest.raises(InvalidInputError, match="no unit"):
        submit_via(licensing)


def test_only_a_clerk_of_the_units_jurisdiction_replies(
    bureau: Registry, licensing: Licensing
) -> None:
    receipt = submit_via(licensing)
    with pytest.raises(PermissionDeniedError):
        licensing.accept_submission(receipt.id, staff_audit(Role.APPROVER))
    with pytest.raises(PermissionDeniedError):
        licensing.accept_submission(receipt.id, staff_audit(Role.CLERK, unit="320101"))
    with pytest.raises(PermissionDeniedError):
        licensing.close_submission(
            receipt.id, staff_audit(Role.REVIEWER, reason="非本局事项")
        )
