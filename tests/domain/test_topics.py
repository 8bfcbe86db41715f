"""Stored topics are forever (STYLE §3): every event class's topic is pinned here.

Renaming or moving an event class changes nothing stored only if the old topic
is registered for the new class; these lists fail first, so that it is done on
purpose. The library defines `Created` on every aggregate; it is never emitted
(each aggregate names its own creation event) but its topic is pinned as well.
"""

from __future__ import annotations

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.credit.batch import ImportBatch
from domain.licensing.applicant_record import ApplicantRecord
from domain.licensing.application import LicenceApplication
from domain.licensing.joint_review import JointReview
from domain.licensing.licence import Licence
from domain.registry.catalogue import Catalogue
from domain.registry.enterprise import Enterprise
from domain.registry.staff import Staff
from domain.registry.token import Token
from domain.registry.unit import Unit
from domain.shared.events import Aggregate, event_classes

EXPECTED_TOPICS: dict[type[Aggregate], list[str]] = {
    LicenceApplication: [
        "casetrace.licensing.LicenceApplication.Received",
        "casetrace.licensing.LicenceApplication.CorrectionRequested",
        "casetrace.licensing.LicenceApplication.CorrectionsSubmitted",
        "casetrace.licensing.LicenceApplication.Accepted",
        "casetrace.licensing.LicenceApplication.AcceptedWithDeficiencies",
        "casetrace.licensing.LicenceApplication.AcceptanceDeemed",
        "casetrace.licensing.LicenceApplication.NotAccepted",
        "casetrace.licensing.LicenceApplication.DeficienciesCured",
        "casetrace.licensing.LicenceApplication.ProcessingTerminated",
        "casetrace.licensing.LicenceApplication.VerificationRecorded",
        "casetrace.licensing.LicenceApplication.VerificationSigned",
        "casetrace.licensing.LicenceApplication.ClockSuspended",
        "casetrace.licensing.LicenceApplication.ClockResumed",
        "casetrace.licensing.LicenceApplication.DeadlineExtended",
        "casetrace.licensing.LicenceApplication.Granted",
        "casetrace.licensing.LicenceApplication.Refused",
        "casetrace.licensing.LicenceApplication.InterviewScheduled",
        "casetrace.licensing.LicenceApplication.InterviewHeld",
        "casetrace.licensing.LicenceApplication.CertificateIssued",
        "casetrace.licensing.LicenceApplication.CertificateServed",
        "casetrace.licensing.LicenceApplication.Withdrawn",
        "casetrace.licensing.LicenceApplication.DeadlineMissed",
        "casetrace.licensing.LicenceApplication.DeadlineRecomputed",
        "casetrace.licensing.LicenceApplication.DocumentIssued",
        "casetrace.licensing.LicenceApplication.Imported",
        "casetrace.licensing.LicenceApplication.Created",
    ],
    Licence: [
        "casetrace.licensing.Licence.Issued",
        "casetrace.licensing.Licence.Changed",
        "casetrace.licensing.Licence.CertificateReissued",
        "casetrace.licensing.Licence.RenewalRequested",
        "casetrace.licensing.Licence.Renewed",
        "casetrace.licensing.Licence.RenewalRefused",
        "casetrace.licensing.Licence.RenewalDeemedGranted",
        "casetrace.licensing.Licence.CommitmentVerified",
        "casetrace.licensing.Licence.CommitmentBreached",
        "casetrace.licensing.Licence.CommitmentCheckRecorded",
        "casetrace.licensing.Licence.DeadlineRecomputed",
        "casetrace.licensing.Licence.Withdrawn",
        "casetrace.licensing.Licence.Revoked",
        "casetrace.licensing.Licence.Cancelled",
        "casetrace.licensing.Licence.Expired",
        "casetrace.licensing.Licence.ReminderSent",
        "casetrace.licensing.Licence.Suspended",
        "casetrace.licensing.Licence.Reactivated",
        "casetrace.licensing.Licence.Scrapped",
        "casetrace.licensing.Licence.RenewalRequestClosed",
        "casetrace.licensing.Licence.Created",
    ],
    JointReview: [
        "casetrace.licensing.JointReview.Started",
        "casetrace.licensing.JointReview.OpinionRecorded",
        "casetrace.licensing.JointReview.OpinionDeemed",
        "casetrace.licensing.JointReview.Concluded",
        "casetrace.licensing.JointReview.DeadlineMissed",
        "casetrace.licensing.JointReview.DeadlinesRecomputed",
        "casetrace.licensing.JointReview.Created",
    ],
    ApplicantRecord: [
        "casetrace.licensing.ApplicantRecord.Opened",
        "casetrace.licensing.ApplicantRecord.ReapplicationBanned",
        "casetrace.licensing.ApplicantRecord.FalseCommitmentRecorded",
        "casetrace.licensing.ApplicantRecord.CreditRestored",
        "casetrace.licensing.ApplicantRecord.Created",
    ],
    Catalogue: [
        "casetrace.registry.Catalogue.Opened",
        "casetrace.registry.Catalogue.ItemPublished",
        "casetrace.registry.Catalogue.ItemRevised",
        "casetrace.registry.Catalogue.ItemWithdrawn",
        "casetrace.registry.Catalogue.Created",
    ],
    Enterprise: [
        "casetrace.registry.Enterprise.Registered",
        "casetrace.registry.Enterprise.Renamed",
        "casetrace.registry.Enterprise.CreditFlagged",
        "casetrace.registry.Enterprise.CreditRestored",
        "casetrace.registry.Enterprise.Distributed",
        "casetrace.registry.Enterprise.Created",
    ],
    Staff: [
        "casetrace.registry.Staff.Enrolled",
        "casetrace.registry.Staff.RolesChanged",
        "casetrace.registry.Staff.Deactivated",
        "casetrace.registry.Staff.Reactivated",
        "casetrace.registry.Staff.TokenGranted",
        "casetrace.registry.Staff.TokenRevoked",
        "casetrace.registry.Staff.Created",
    ],
    Token: [
        "casetrace.registry.Token.Issued",
        "casetrace.registry.Token.Revoked",
        "casetrace.registry.Token.Created",
    ],
    Unit: [
        "casetrace.registry.Unit.Established",
        "casetrace.registry.Unit.Created",
    ],
    ImportBatch: [
        "casetrace.credit.ImportBatch.Imported",
        "casetrace.credit.ImportBatch.Created",
    ],
}

AGGREGATE_TOPICS: dict[type[Aggregate], str] = {
    LicenceApplication: "casetrace.licensing.LicenceApplication",
    Licence: "casetrace.licensing.Licence",
    JointReview: "casetrace.licensing.JointReview",
    Catalogue: "casetrace.registry.Catalogue",
    Enterprise: "casetrace.registry.Enterprise",
    Staff: "casetrace.registry.Staff",
    Token: "casetrace.registry.Token",
    Unit: "casetrace.registry.Unit",
    ImportBatch: "casetrace.credit.ImportBatch",
}

SNAPSHOT_TOPICS: dict[type[Aggregate], str] = {
    Licence: "casetrace.licensing.Licence.Snapshot",
    Catalogue: "casetrace.registry.Catalogue.Snapshot",
}

ALL_EVENT_CLASSES = [
    event_class
    for aggregate in EXPECTED_TOPICS
    for event_class in event_classes(aggregate)
]


@pytest.mark.parametrize("aggregate", EXPECTED_TOPICS, ids=lambda a: a.__name__)
def test_event_topics_are_pinned(aggregate: type[Aggregate]) -> None:
    topics = [get_topic(cls) for cls in event_classes(aggregate)]
    assert topics == EXPECTED_TOPICS[aggregate]


@pytest.mark.parametrize("aggregate", EXPECTED_TOPICS, ids=lambda a: a.__name__)
def test_pinned_event_topics_resolve_to_the_event_classes(
    aggregate: type[Aggregate],
) -> None:
    for cls in event_classes(aggregate):
        assert resolve_topic(get_topic(cls)) is cls


@pytest.mark.parametrize("aggregate", AGGREGATE_TOPICS, ids=lambda a: a.__name__)
def test_aggregate_topics_are_pinned(aggregate: type[Aggregate]) -> None:
    assert get_topic(aggregate) == AGGREGATE_TOPICS[aggregate]
    assert resolve_topic(AGGREGATE_TOPICS[aggregate]) is aggregate


@pytest.mark.parametrize("aggregate", SNAPSHOT_TOPICS, ids=lambda a: a.__name__)
def test_snapshot_topics_are_pinned(aggregate: type[Aggregate]) -> None:
    snapshot_class = vars(aggregate)["Snapshot"]
    assert get_topic(snapshot_class) == SNAPSHOT_TOPICS[aggregate]


@pytest.mark.parametrize(
    "event_class", ALL_EVENT_CLASSES, ids=lambda cls: get_topic(cls).split(".", 2)[2]
)
def test_every_event_class_has_an_audit_field(
    event_class: type[Aggregate.Event],
) -> None:
    assert "audit" in event_class.model_fields
    assert event_class.model_fields["audit"].is_required()
