"""Events and snapshots come back from the store with their real types.

Every event class of LicenceApplication and Licence is produced once, stored
through the pydantic mapper and read back; the result must equal the original
*and* have the same type at every node (a StrEnum equals its string, so
equality alone would not catch an enum coming back as `str`). There are no
Decimal fields to check: fees are integer fen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import event
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from pydantic import BaseModel

from domain.audit.read import AuditRead
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake, Sightings
from domain.complaints.odr import Dispute, OdrEnterprise
from domain.complaints.report import Report
from domain.enforcement.case import DecisionNumber, EnforcementCase
from domain.licensing.applicant_record import ApplicantRecord
from domain.licensing.application import DeadlineKind, LicenceApplication
from domain.licensing.documents import DocumentKind, new_verification_code
from domain.licensing.follow_up import FollowUp
from domain.licensing.liaison import Liaison
from domain.licensing.licence import (
    CancellationGround,
    Licence,
    LicenceChange,
    LicenceStatus,
    ReissueCause,
    ReminderSubject,
    RevocationGround,
)
from domain.licensing.parties import (
    Agent,
    Applicant,
    CertificateService,
    ExclusionKind,
    NonAcceptanceGround,
    PartyType,
)
from domain.licensing.rating import HandlingRating
from domain.licensing.service import Licensing
from domain.licensing.submission import OnlineSubmission
from domain.registry.catalogue import (
    CATALOGUE_ID,
    ApprovalMode,
    Catalogue,
    Handling,
    ItemTerms,
    Material,
)
from domain.registry.service import Registry
from domain.shared.audit import Audit
from domain.shared.calendar import DueDate
from domain.shared.clock import FixedClock
from domain.shared.documents import DocumentRef
from domain.shared.events import (
    Aggregate,
    AggregateSnapshot,
    PydanticMapper,
    SnapshotState,
    event_classes,
)
from domain.shared.service import ContextService
from tests.domain.aftercare_lifecycles import aftercare_lifecycles
from tests.domain.complaints_lifecycles import complaints_lifecycles
from tests.domain.conftest import (
    ACCEPTED_ON,
    APPROVER,
    BOOTSTRAP,
    CALENDAR,
    CALENDAR_2027,
    CLERK,
    CLERK_WITH_REASON,
    COMMIT_ITEM,
    CORRECTION_DUE,
    POPO,
    REVIEWER,
    REVIEWER_WITH_REASON,
    SPOT_ITEM,
    TWO_VERIFIERS,
    applicant,
    check_commitment,
    commitment_letter,
    granted_case,
    issue_licence,
    item,
    materials_of,
    receive_application,
    system_audit,
)
from tests.domain.enforcement_lifecycles import enforcement_lifecycles
from tests.domain.inspections_lifecycles import INSPECTIONS, inspections_lifecycles
from tests.domain.submission_lifecycles import submission_lifecycles
from tests.domain.test_licensing_import import imported_lifecycle

TRANSCODERS = {
    "library JSONTranscoder": {},
    # The transcoder the service is configured with (api/storage.py).
    "orjson": {"TRANSCODER_TOPIC": "api.host.storage:OrjsonTranscoder"},
}


# -- one of every event ----------------------------------------------------------------


def _application_lifecycles() -> list[list[Any]]:
    """Events of every LicenceApplication event class, per aggregate, in order."""
    lifecycles: list[list[Any]] = []

    # Correction, 容缺, verification, Art. 45 exclusion, extension, grant, certificate.
    a = receive_application(
        SPOT_ITEM,
        materials=tuple(m for m in materials_of(SPOT_ITEM) if m != "产品合格证"),
    )
    a.request_correction(("产品合格证",), CORRECTION_DUE, CLERK_WITH_REASON)
    a.submit_corrections(("产品合格证",), date(2026, 9, 28), CLERK)
    a.accept_with_deficiencies(
        "RQ-1", ("安装告知书",), date(2026, 10, 9), date(2026, 9, 29), CALENDAR, CLERK
    )
    a.cure_deficiencies(("安装告知书",), date(2026, 10, 8), CLERK)
    a.record_verification(
        TWO_VERIFIERS[0],
        True,
        "现场核查",
        date(2026, 10, 8),
        date(2026, 10, 8),
        REVIEWER,
    )
    a.sign_verification(1, TWO_VERIFIERS[1], date(2026, 10, 8), REVIEWER)
    a.suspend_clock(
        ExclusionKind.EXPERT_REVIEW,
        3,
        "专家评审约3个工作日",
        date(2026, 10, 9),
        REVIEWER_WITH_REASON,
    )
    a.resume_clock(date(2026, 10, 14), CALENDAR, REVIEWER)
    a.extend(date(2026, 10, 20), CALENDAR, APPROVER)
    a.grant("XK-1", uuid4(), False, date(2026, 10, 21), CALENDAR, APPROVER)
    a.issue_certificate("ZS-1", date(2026, 10, 22), CLERK)
    a.serve_certificate(CertificateService.ELECTRONIC, date(2026, 10, 23), CLERK)
    a.record_document(
        DocumentKind.CERTIFICATE,
        DocumentRef(
            sha256="a" * 64, media_type="application/pdf", size=1, name="许可证书.pdf"
        ),
        a.version - 1,
        new_verification_code(a.id.hex),
        system_audit("documents"),
    )
    lifecycles.append(list(a.collect_events()))

    # Refusal with its remedy notice and interview.
    b = receive_application(SPOT_ITEM, receipt_number="R-B")
    b.accept("SL-1", ACCEPTED_ON, CALENDAR, CLERK)
    b.refuse("BY-1", ("不符",), "TSG 08-2017", date(2026, 10, 9), CALENDAR, APPROVER)
    b.schedule_interview(date(2026, 10, 16), "会议室", date(2026, 10, 12), CLERK)
    b.record_interview(date(2026, 10, 16), ("张三",), "记录", CLERK)
    lifecycles.append(list(b.collect_events()))

    # Deemed acceptance, then withdrawal.
    c = receive_application(SPOT_ITEM, receipt_number="R-C")
    c.deem_acceptance(date(2026, 9, 25), CALENDAR, system_audit())
    c.withdraw(date(2026, 9, 28), CLERK_WITH_REASON)
    lifecycles.append(list(c.collect_events()))

    # Not accepted.
    d = receive_application(SPOT_ITEM, receipt_number="R-D")
    d.reject(
        "BSL-1",
        NonAcceptanceGround.OUTSIDE_POWERS,
        "省局",
        ACCEPTED_ON,
        CLERK_WITH_REASON,
    )
    lifecycles.append(list(d.collect_events()))

    # 容缺 deadline missed.
    e = receive_application(SPOT_ITEM, receipt_number="R-E")
    e.accept_with_deficiencies(
        "RQ-1", ("安装告知书",), date(2026, 10, 9), ACCEPTED_ON, CALENDAR, CLERK
    )
    e.terminate_for_missed_supply(date(2026, 10, 12), system_audit())
    lifecycles.append(list(e.collect_events()))

    # The decision deadline passed with no decision: the clock records it.
    m = receive_application(SPOT_ITEM, receipt_number="R-M")
    m.accept("SL-M", ACCEPTED_ON, CALENDAR, CLERK)
    m.record_missed_deadline(DeadlineKind.DECISION, date(2026, 12, 31), system_audit())
    lifecycles.append(list(m.collect_events()))

    # A 2027 notice is published: provisional dates are recomputed.
    n = receive_application(SPOT_ITEM, receipt_number="R-N", on=date(2026, 12, 28))
    n.recompute_deadlines(CALENDAR_2027, system_audit())
    lifecycles.append(list(n.collect_events()))
    return lifecycles


def _licence_lifecycles() -> list[list[Any]]:
    lifecycles: list[list[Any]] = []

    f = issue_licence(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, licence_id=uuid4()
    )
    f.change(LicenceChange(holder_name="新名称"), "BG-1", date(2026, 4, 1), APPROVER)
    f.reissue_certificate(ReissueCause.DAMAGED, date(2026, 4, 2), CLERK)
    check_commitment(f, "一致", False, date(2026, 5, 6))
    f.request_renewal(date(2031, 9, 1), CLERK)
    f.renew("YX-1", 72, date(2032, 2, 1), APPROVER)
    f.withdraw("依法补偿", date(2033, 1, 5), APPROVER)
    f.cancel(CancellationGround.REVOKED_OR_WITHDRAWN, date(2033, 1, 6), APPROVER)
    lifecycles.append(list(f.collect_events()))

    g = issue_licence(
        COMMIT_ITEM,
        mode=ApprovalMode.NOTIFY_AND_COMMIT,
        licence_id=uuid4(),
        valid_from=date(2026, 11, 2),
    )
    g.recompute_deadlines(CALENDAR_2027, system_audit())
    check_commitment(g, "不实", True, date(2026, 5, 6))
    g.revoke(RevocationGround.COMMITMENT_BREACHED, 3, date(2026, 5, 8), APPROVER)
    lifecycles.append(list(g.collect_events()))

    r = issue_licence(licence_id=uuid4())
    r.request_renewal(date(2031, 2, 1), CLERK)
    r.deem_renewal(60, date(2031, 3, 15), system_audit())
    lifecycles.append(list(r.collect_events()))

    w = issue_licence(licence_id=uuid4())
    w.request_renewal(date(2031, 2, 1), CLERK)
    w.close_renewal_request("R-W", date(2031, 2, 3), CLERK)
    lifecycles.append(list(w.collect_events()))

    q = issue_licence(licence_id=uuid4())
    q.request_renewal(date(2031, 2, 1), CLERK)
    q.refuse_renewal(("条件不再具备",), date(2031, 3, 1), APPROVER)
    q.expire(date(2031, 3, 15), system_audit())
    lifecycles.append(list(q.collect_events()))

    # A use registration stopped, back in use, then scrapped (TSG 08-2017).
    u = issue_licence(licence_id=uuid4())
    u.suspend("TY-1", date(2027, 1, 4), APPROVER)
    u.reactivate("QY-1", date(2027, 6, 1), APPROVER)
    u.scrap("BF-1", date(2028, 1, 4), APPROVER)
    lifecycles.append(list(u.collect_events()))

    h = issue_licence(licence_id=uuid4())
    h.send_reminder(ReminderSubject.EXPIRY, date(2031, 3, 1), system_audit())
    h.expire(date(2031, 3, 15), system_audit())
    lifecycles.append(list(h.collect_events()))
    return lifecycles


def _applicant_record_lifecycles() -> list[list[Any]]:
    record = ApplicantRecord.open(applicant(), CLERK)
    record.ban("XK-TZSB-SCXK", date(2029, 5, 8), uuid4(), "行政许可法 第79条", APPROVER)
    record.record_false_commitment(uuid4(), date(2026, 5, 6), REVIEWER_WITH_REASON)
    record.restore_credit(date(2027, 5, 6), APPROVER)
    return [list(record.collect_events())]


def _audit_lifecycles() -> list[list[Any]]:
    read = AuditRead.record(
        "audit_events", {"actor": "320803-017", "from": "2026-11-01"}, APPROVER
    )
    return [list(read.collect_events())]


def all_lifecycles() -> list[list[Any]]:
    return (
        _audit_lifecycles()
        + _application_lifecycles()
        + _licence_lifecycles()
        + _applicant_record_lifecycles()
        + aftercare_lifecycles()
        + [imported_lifecycle()]
        + complaints_lifecycles()
        + inspections_lifecycles()
        + enforcement_lifecycles()
        + submission_lifecycles()
    )


def assert_same_types(original: Any, restored: Any, path: str = "event") -> None:
    """Equal, and the same Python type at every node of the value."""
    assert type(restored) is type(original), (
        f"{path}: {type(restored).__name__} came back, not {type(original).__name__}"
    )
    if isinstance(original, BaseModel):
        for name in type(original).model_fields:
            assert_same_types(
                getattr(original, name), getattr(restored, name), f"{path}.{name}"
            )
    elif isinstance(original, tuple | list):
        assert len(restored) == len(original), path
        for index, (left, right) in enumerate(zip(original, restored, strict=True)):
            assert_same_types(left, right, f"{path}[{index}]")
    elif isinstance(original, frozenset | set):
        assert restored == original, path
        assert {type(x) for x in restored} == {type(x) for x in original}, path
    elif isinstance(original, dict):
        assert restored.keys() == original.keys(), path
        for key in original:
            assert_same_types(original[key], restored[key], f"{path}[{key!r}]")
    else:
        assert restored == original, path


@pytest.fixture(params=list(TRANSCODERS), ids=list(TRANSCODERS))
def store(request: pytest.FixtureRequest) -> Iterator[ContextService]:
    """A bare service on the popo store with the project's pydantic mapper."""
    service = ContextService(env=POPO | TRANSCODERS[request.param])
    yield service
    service.close()


def test_the_lifecycles_produce_every_event_class() -> None:
    produced = {type(e) for events in all_lifecycles() for e in events}
    expected = {
        cls
        for aggregate in (
            LicenceApplication,
            Licence,
            ApplicantRecord,
            OnlineSubmission,
            FollowUp,
            Liaison,
            HandlingRating,
            Intake,
            Sightings,
            Complaint,
            Report,
            ConductComplaint,
            Dispute,
            OdrEnterprise,
            *INSPECTIONS,
            EnforcementCase,
            DecisionNumber,
            AuditRead,
        )
        for cls in event_classes(aggregate)
        if cls.__name__ != "Created"  # defined by the library, never emitted
    }
    assert produced == expected


def test_events_come_back_from_the_popo_store_with_their_real_types(
    store: ContextService,
) -> None:
    for events in all_lifecycles():
        store.events.put(events)
        restored = list(store.events.get(events[0].originator_id))
        assert len(restored) == len(events)
        for original, back in zip(events, restored, strict=True):
            assert_same_types(original, back, type(original).__name__)


def test_received_event_keeps_its_nested_value_objects(store: ContextService) -> None:
    application = receive_application(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, commitment=commitment_letter()
    )
    [received] = application.collect_events()
    assert isinstance(received, LicenceApplication.Received)
    original = received.model_copy(
        update={"agent": Agent(name="李律师", power_of_attorney="授权委托书 2026-001")}
    )
    store.events.put([original])

    [back] = store.events.get(original.originator_id)

    assert isinstance(back, LicenceApplication.Received)
    assert isinstance(back.originator_id, UUID)
    assert isinstance(back.timestamp, datetime)
    assert back.timestamp.utcoffset() is not None
    assert isinstance(back.received_on, date)
    assert isinstance(back.item, ItemTerms)
    assert isinstance(back.item.handling, Handling)
    assert all(isinstance(m, Material) for m in back.item.materials)
    assert isinstance(back.item.approval_modes, frozenset)
    assert all(type(m) is ApprovalMode for m in back.item.approval_modes)
    assert type(back.approval_mode) is ApprovalMode
    assert isinstance(back.applicant, Applicant)
    assert type(back.applicant.party_type) is PartyType
    assert isinstance(back.agent, Agent)
    assert back.commitment is not None
    assert isinstance(back.commitment.signed_on, date)
    assert isinstance(back.correction_due, DueDate)
    assert isinstance(back.correction_due.due, date)
    assert isinstance(back.audit, Audit)
    assert back == original


def test_json_transcoder_writes_plain_json_and_reads_real_types() -> None:
    mapper = PydanticMapper(transcoder=JSONTranscoder())
    for events in all_lifecycles():
        for original in events:
            stored = mapper.to_stored_event(original)
            # Plain JSON that any reader of the table can parse: no _type_ wrappers.
            plain = json.loads(stored.state)
            assert "_type_" not in stored.state.decode()
            assert plain["originator_id"] == str(original.originator_id)
            # Only an evolved class (class_version 2, upcast from 1) says so.
            expected = getattr(type(original), "class_version", 1)
            assert plain.get("class_version", 1) == expected
            assert_same_types(original, mapper.to_domain_event(stored))


# -- snapshots --------------------------------------------------------------------------


def test_licence_snapshot_restores_the_same_state_with_real_types(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(
        licensing,
        clock,
        COMMIT_ITEM,
        mode=ApprovalMode.NOTIFY_AND_COMMIT,
        commitment=commitment_letter(),
    )
    from_events = licensing.get_licence(licence_id)

    licensing.take_snapshot(licence_id)

    assert licensing.snapshots is not None
    [snapshot] = licensing.snapshots.get(licence_id)
    assert isinstance(snapshot, Licence.Snapshot)
    restored = snapshot.mutate(None)
    assert isinstance(restored, Licence)
    assert vars(restored) == vars(from_events)
    assert isinstance(restored.id, UUID)
    assert restored.version == from_events.version
    assert isinstance(restored.valid_from, date)
    assert isinstance(restored.valid_until, date)
    assert type(restored.status) is LicenceStatus
    assert type(restored.approval_mode) is ApprovalMode
    assert isinstance(restored.holder, Applicant)
    assert isinstance(restored.application_id, UUID)
    assert isinstance(restored.post_verification_due, DueDate)
    assert isinstance(restored.created_on, datetime)
    assert restored.created_on == from_events.created_on


def test_licence_snapshot_is_used_and_later_events_apply_on_top(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock)
    licensing.take_snapshot(licence_id)
    licensing.reissue_certificate(
        licence_id, CLERK, ReissueCause.LOST, expected_version=1
    )

    licence = licensing.get_licence(licence_id)

    assert licence.version == 2
    assert licence.reissues == 1
    assert type(licence.status) is LicenceStatus
    assert isinstance(licence.valid_from, date)


def test_catalogue_snapshot_restores_item_terms(registry: Registry) -> None:
    from_events = registry.catalogue()

    registry.take_snapshot(CATALOGUE_ID)

    assert registry.snapshots is not None
    [snapshot] = registry.snapshots.get(CATALOGUE_ID)
    assert isinstance(snapshot, Catalogue.Snapshot)
    restored = snapshot.mutate(None)
    assert isinstance(restored, Catalogue)
    assert restored.items == from_events.items
    terms = restored.items[SPOT_ITEM]
    assert_same_types(item(SPOT_ITEM), terms, "terms")


# -- upcasting (class_version) -----------------------------------------------------------


class UpcastProbe(Aggregate):
    """A test-only aggregate whose creation event gained a field in version 2."""

    PINNED_TOPIC = "tests.UpcastProbe"

    class Noted(Aggregate.Created):
        class_version: ClassVar[int] = 2
        text: str
        priority: int  # new in v2; v1 events had only `text`

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["priority"] = 0

    @event(Noted)
    def __init__(self, *, audit: Audit, text: str, priority: int) -> None:
        self.text = text
        self.priority = priority


def test_v1_event_is_upcast_when_read(store: ContextService) -> None:
    probe_id = uuid4()
    v1_state = {
        "originator_id": str(probe_id),
        "originator_version": 1,
        "timestamp": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC).isoformat(),
        "audit": BOOTSTRAP.model_dump(mode="json"),
        "originator_topic": "tests.UpcastProbe",
        "text": "written before priorities existed",
    }
    store.recorder.insert_events(
        [
            StoredEvent(
                originator_id=probe_id,
                originator_version=1,
                topic="tests.UpcastProbe.Noted",
                state=json.dumps(v1_state).encode(),
            )
        ]
    )

    probe: Aggregate = store.repository.get(probe_id)

    assert isinstance(probe, UpcastProbe)
    assert probe.text == "written before priorities existed"
    assert probe.priority == 0


def test_current_event_is_stored_with_its_class_version_and_not_upcast_again(
    store: ContextService,
) -> None:
    probe = UpcastProbe(audit=BOOTSTRAP, text="new", priority=5)
    [noted] = probe.collect_events()

    stored = store.mapper.to_stored_event(noted)
    store.events.put([noted])

    assert json.loads(stored.state)["class_version"] == 2
    restored: Aggregate = store.repository.get(probe.id)
    assert isinstance(restored, UpcastProbe)
    assert restored.priority == 5


# -- Decimal, and every kind of value in a snapshot ------------------------------------


class Colour(StrEnum):
    RED = "red"


class Money(BaseModel):
    amount: Decimal
    currency: str


class PriceProbeState(SnapshotState):
    price: Money
    rate: Decimal
    due: date
    owner: UUID
    colour: Colour
    seen: datetime


class PriceProbe(Aggregate):
    """A test-only aggregate holding every kind of value an event may carry."""

    PINNED_TOPIC = "tests.PriceProbe"

    class Snapshot(AggregateSnapshot):
        state: PriceProbeState

    class Priced(Aggregate.Created):
        price: Money
        rate: Decimal
        due: date
        owner: UUID
        colour: Colour
        seen: datetime

    @event(Priced)
    def __init__(
        self,
        *,
        audit: Audit,
        price: Money,
        rate: Decimal,
        due: date,
        owner: UUID,
        colour: Colour,
        seen: datetime,
    ) -> None:
        self.price, self.rate, self.due = price, rate, due
        self.owner, self.colour, self.seen = owner, colour, seen


def _price_probe() -> PriceProbe:
    return PriceProbe(
        audit=BOOTSTRAP,
        price=Money(amount=Decimal("1234.50"), currency="CNY"),
        rate=Decimal("0.0001"),
        due=date(2026, 12, 31),
        owner=uuid4(),
        colour=Colour.RED,
        seen=datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC),
    )


def _values(probe: PriceProbe) -> dict[str, Any]:
    return {
        k: getattr(probe, k)
        for k in ("price", "rate", "due", "owner", "colour", "seen")
    }


@pytest.mark.parametrize("transcoder", list(TRANSCODERS))
def test_decimals_and_every_value_type_survive_the_store_and_a_snapshot(
    transcoder: str,
) -> None:
    store = ContextService(
        env=POPO | TRANSCODERS[transcoder] | {"IS_SNAPSHOTTING_ENABLED": "y"}
    )
    original = _price_probe()
    store.save(original)
    store.take_snapshot(original.id)
    assert store.snapshots is not None
    snapshot = next(iter(store.snapshots.get(original.id)))
    for restored in (store.repository.get(original.id), snapshot.mutate(None)):
        assert_same_types(_values(original), _values(restored), "probe")
        # Decimal keeps its exact digits, not a float's approximation.
        assert str(restored.price.amount) == "1234.50"


def test_an_event_recorded_before_the_text_rules_loads_as_recorded() -> None:
    # Facts stored before the shared text type (a NUL, an untrimmed name) must
    # still load: refusing them would leave the case unreadable for ever.
    mapper = PydanticMapper(transcoder=JSONTranscoder())
    application = receive_application(
        COMMIT_ITEM, mode=ApprovalMode.NOTIFY_AND_COMMIT, commitment=commitment_letter()
    )
    [received] = application.collect_events()
    stored = mapper.to_stored_event(received)
    state = json.loads(stored.state)
    state["applicant"]["name"] = " 淮安\x00旧数据 "
    old = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )
    back = mapper.to_domain_event(old)
    assert back.applicant.name == " 淮安\x00旧数据 "
    with pytest.raises(ValueError, match="U\\+0000"):
        Applicant.model_validate(state["applicant"])  # a request is refused
