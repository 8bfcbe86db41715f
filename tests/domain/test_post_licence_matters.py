"""Post-licence matters are applications: received with a receipt, decided in
their own limit, and carried out on the licence by the grant (no I/O)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.licensing.application import LicenceApplication, Status
from domain.licensing.licence import (
    CancellationGround,
    LicenceChange,
    LicenceStatus,
    ReissueCause,
)
from domain.licensing.matter import Matter
from domain.licensing.parties import CertificateService, Channel, NonAcceptanceGround
from domain.licensing.service import Licensing, Receipt
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from tests.domain.conftest import (
    APPROVER,
    CLERK,
    ON_SITE_ITEM,
    OTHER_USCC,
    SPOT_ITEM,
    applicant,
    granted_case,
    materials_of,
    move_to,
    receive_application,
    staff_audit,
)

GRANTED_ON = date(2026, 10, 9)  # granted_case's day
LATER = date(2027, 3, 1)


def receive_matter(
    service: Licensing,
    licence_id: UUID,
    matter: Matter,
    item_code: str = ON_SITE_ITEM,
    **kwargs: Any,
) -> Receipt:
    return service.receive(
        CLERK,
        item_code=item_code,
        channel=Channel.COUNTER,
        applicant=kwargs.pop("who", applicant()),
        materials=materials_of(item_code),
        matter=matter,
        licence_id=licence_id,
        **kwargs,
    )


def decide(service: Licensing, app_id: UUID, number: str = "JD-1") -> None:
    service.accept(app_id, CLERK)
    service.grant(app_id, APPROVER, decision_number=number, scope="—")


def licensed(
    service: Licensing, clock: FixedClock, item_code: str = ON_SITE_ITEM
) -> UUID:
    _, licence_id = granted_case(service, clock, item_code)
    move_to(clock, LATER)
    return licence_id


def renewal_received(licensing: Licensing, clock: FixedClock) -> tuple[UUID, Receipt]:
    """A licence granted 2026-10-09 (valid until 2031-10-08), its renewal
    received on 2031-08-03, inside the window."""
    licence_id = licensed(licensing, clock)
    move_to(clock, date(2031, 8, 3))
    return licence_id, receive_matter(licensing, licence_id, Matter.RENEWAL)


def test_a_change_is_received_with_a_receipt_and_its_own_article(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    receipt = receive_matter(
        licensing, licence_id, Matter.CHANGE, change=LicenceChange(holder_name="新名")
    )
    licensing.accept(receipt.id, CLERK)
    a = licensing.get_application(receipt.id)
    assert receipt.receipt_number
    assert receipt.query_code
    assert a.matter is Matter.CHANGE
    assert a.licence_id == licence_id
    assert a.decision_limit is not None
    assert "第49条" in a.decision_limit.rule


def test_granting_a_change_changes_the_licence_and_makes_a_certificate_to_serve(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    receipt = receive_matter(
        licensing, licence_id, Matter.CHANGE, change=LicenceChange(holder_name="新名")
    )
    decide(licensing, receipt.id, "BG-1")
    assert licensing.get_licence(licence_id).holder.name == "新名"
    licensing.issue_certificate(receipt.id, CLERK)
    licensing.serve_certificate(receipt.id, CLERK, method=CertificateService.IN_PERSON)
    assert licensing.get_application(receipt.id).status is Status.CERTIFICATE_SERVED


def test_granting_a_reissue_reissues_the_certificate(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    receipt = receive_matter(
        licensing, licence_id, Matter.REISSUE, reissue_cause=ReissueCause.LOST
    )
    decide(licensing, receipt.id)
    assert licensing.get_licence(licence_id).reissues == 1
    assert licensing.get_application(receipt.id).certificate_due is not None


def test_a_cancellation_on_request_cancels_on_the_holders_ground_and_makes_no_certificate(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    receipt = receive_matter(licensing, licence_id, Matter.CANCELLATION)
    decide(licensing, receipt.id)
    lic = licensing.get_licence(licence_id)
    assert lic.status is LicenceStatus.CANCELLED
    cancelled = [
        e for e in licensing.history(licence_id) if type(e).__name__ == "Cancelled"
    ]
    assert cancelled[0].ground is CancellationGround.HOLDER_REQUEST
    with pytest.raises(IllegalTransitionError, match="no certificate"):
        licensing.issue_certificate(receipt.id, CLERK)


def test_a_cancelled_licence_takes_no_change(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    decide(licensing, receive_matter(licensing, licence_id, Matter.CANCELLATION).id)
    with pytest.raises(IllegalTransitionError, match="cancelled"):
        receive_matter(
            licensing, licence_id, Matter.CHANGE, change=LicenceChange(scope="新范围")
        )


def test_a_matter_of_a_licence_someone_else_holds_is_refused(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    with pytest.raises(InvalidInputError, match="not the holder"):
        receive_matter(
            licensing,
            licence_id,
            Matter.CANCELLATION,
            who=applicant(uscc=OTHER_USCC),
        )


def test_a_matter_of_an_unknown_licence_is_refused(
    licensing: Licensing, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        receive_matter(licensing, uuid4(), Matter.CANCELLATION)
    assert refused.value.field == "licence_id"


def test_a_post_licence_matter_must_name_its_licence(
    licensing: Licensing, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInputError, match="names the licence"):
        licensing.receive(
            CLERK,
            item_code=ON_SITE_ITEM,
            applicant=applicant(),
            materials=materials_of(ON_SITE_ITEM),
            matter=Matter.CANCELLATION,
        )


def test_a_change_must_say_what_changes(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    with pytest.raises(InvalidInputError, match="names what changes"):
        receive_matter(licensing, licence_id, Matter.CHANGE)


def test_suspension_is_only_for_special_equipment_use_registrations(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)  # 计量标准考核
    with pytest.raises(IllegalTransitionError, match="use registrations only"):
        receive_matter(licensing, licence_id, Matter.SUSPENSION)


def test_a_use_registration_is_suspended_reactivated_and_scrapped_by_matters(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock, SPOT_ITEM)
    decide(
        licensing,
        receive_matter(licensing, licence_id, Matter.SUSPENSION, SPOT_ITEM).id,
    )
    assert licensing.get_licence(licence_id).status is LicenceStatus.SUSPENDED
    decide(
        licensing,
        receive_matter(licensing, licence_id, Matter.REACTIVATION, SPOT_ITEM).id,
    )
    assert licensing.get_licence(licence_id).status is LicenceStatus.VALID
    decide(
        licensing, receive_matter(licensing, licence_id, Matter.SCRAPPING, SPOT_ITEM).id
    )
    assert licensing.get_licence(licence_id).status is LicenceStatus.SCRAPPED


def test_only_a_suspended_registration_is_reactivated(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock, SPOT_ITEM)
    with pytest.raises(IllegalTransitionError, match="valid"):
        receive_matter(licensing, licence_id, Matter.REACTIVATION, SPOT_ITEM)


def test_a_suspended_registration_takes_no_change(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock, SPOT_ITEM)
    decide(
        licensing,
        receive_matter(licensing, licence_id, Matter.SUSPENSION, SPOT_ITEM).id,
    )
    with pytest.raises(IllegalTransitionError, match="suspended"):
        receive_matter(
            licensing,
            licence_id,
            Matter.CHANGE,
            SPOT_ITEM,
            change=LicenceChange(address="新地址"),
        )


def test_use_registration_changes_cite_the_special_equipment_law(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock, SPOT_ITEM)
    receipt = receive_matter(
        licensing,
        licence_id,
        Matter.CHANGE,
        SPOT_ITEM,
        change=LicenceChange(address="移装"),
    )
    licensing.accept(receipt.id, CLERK)
    limit = licensing.get_application(receipt.id).decision_limit
    assert limit is not None
    assert "特种设备安全法 第47条" in limit.rule


# -- renewal (Art. 50) ------------------------------------------------------------


def test_receiving_a_renewal_arms_the_deemed_grant_on_the_licence(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id, _ = renewal_received(licensing, clock)
    assert licensing.get_licence(licence_id).renewal_requested_on == date(2031, 8, 3)


def test_a_renewal_is_due_before_expiry_and_is_not_extended(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    valid_until = licensing.get_licence(licence_id).valid_until
    assert valid_until is not None
    move_to(clock, date(2031, 9, 8))  # the last day to apply
    receipt = receive_matter(licensing, licence_id, Matter.RENEWAL)
    licensing.accept(receipt.id, CLERK)
    a = licensing.get_application(receipt.id)
    assert a.decision_due is not None
    assert a.decision_due.due <= valid_until
    assert a.decision_limit_wd < a.item.statutory_limit_wd  # capped by expiry
    with pytest.raises(IllegalTransitionError, match="before expiry"):
        licensing.extend(receipt.id, APPROVER)


def test_a_renewal_outside_the_window_is_not_received(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    with pytest.raises(DeadlineError):
        receive_matter(licensing, licence_id, Matter.RENEWAL)
    assert licensing.get_licence(licence_id).renewal_requested_on is None


def test_granting_a_renewal_extends_the_validity_and_makes_no_certificate(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    before = licensing.get_licence(licence_id).valid_until
    move_to(clock, date(2031, 8, 3))
    receipt = receive_matter(licensing, licence_id, Matter.RENEWAL)
    decide(licensing, receipt.id, "YX-1")
    after = licensing.get_licence(licence_id).valid_until
    assert before is not None
    assert after is not None
    assert after > before
    assert licensing.get_application(receipt.id).certificate_due is None


def test_refusing_a_renewal_refuses_it_on_the_licence(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id, receipt = renewal_received(licensing, clock)
    licensing.accept(receipt.id, CLERK)
    licensing.refuse(
        receipt.id, APPROVER, decision_number="BY-1", reasons=("条件不再具备",)
    )
    lic = licensing.get_licence(licence_id)
    assert lic.renewal_requested_on is None
    assert type(licensing.history(licence_id)[-1]).__name__ == "RenewalRefused"


# -- stored events ----------------------------------------------------------------


def test_a_new_application_names_no_licence() -> None:
    a = receive_application()
    assert a.matter is Matter.NEW
    assert a.licence_id is None


def test_a_receipt_stored_before_matters_loads_as_a_new_application(
    licensing: Licensing,
) -> None:
    """A Received stored without `matter` and `request` loads as a new application."""
    (event,) = receive_application().collect_events()
    licensing.events.put([event])
    (stored,) = licensing.recorder.select_events(event.originator_id)
    state = json.loads(stored.state)
    del state["matter"], state["request"]
    app_id = uuid4()
    state["originator_id"] = str(app_id)
    licensing.recorder.insert_events(
        [
            StoredEvent(
                originator_id=app_id,
                originator_version=1,
                topic=stored.topic,
                state=json.dumps(state).encode(),
            )
        ]
    )
    loaded = licensing.repository.get(app_id)
    assert isinstance(loaded, LicenceApplication)
    assert loaded.matter is Matter.NEW
    assert loaded.request is None
    assert loaded.receipt_number == "32080320260918000001"


def test_withdrawing_a_renewal_application_leaves_no_renewal_to_deem_granted(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id, receipt = renewal_received(licensing, clock)
    licensing.withdraw(receipt.id, staff_audit(Role.CLERK, reason="申请人撤回"))
    assert licensing.get_licence(licence_id).renewal_requested_on is None
    assert type(licensing.history(licence_id)[-1]).__name__ == "RenewalRequestClosed"


def test_not_accepting_a_renewal_application_closes_the_request_too(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id, receipt = renewal_received(licensing, clock)
    licensing.reject(
        receipt.id,
        staff_audit(Role.CLERK, reason="不属于本机关职权"),
        ground=NonAcceptanceGround.OUTSIDE_POWERS,
        redirect_to="上海市质量技术监督局",
    )
    assert licensing.get_licence(licence_id).renewal_requested_on is None


def test_a_clerk_outside_the_granting_units_jurisdiction_cannot_receive_its_matter(
    licensing: Licensing, clock: FixedClock
) -> None:
    licence_id = licensed(licensing, clock)
    with pytest.raises(PermissionDeniedError, match="jurisdiction"):
        licensing.receive(
            staff_audit(Role.CLERK, unit="320804"),
            item_code=ON_SITE_ITEM,
            applicant=applicant(),
            materials=materials_of(ON_SITE_ITEM),
            matter=Matter.CANCELLATION,
            licence_id=licence_id,
        )
