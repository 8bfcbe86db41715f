"""History lines are keyed by the event's pinned topic: every licensing event
has its own line, and two events of the same class name never share one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

import domain.licensing.service  # noqa: F401  (imports every licensing aggregate)
from api.http import glossary
from api.http.summaries import Summaries, SummaryRegistry
from api.licensing.summaries import SUMMARIES
from domain.licensing.applicant_record import ApplicantRecord
from domain.licensing.application import LicenceApplication
from domain.licensing.follow_up import FollowUp
from domain.licensing.joint_review import JointReview
from domain.licensing.liaison import Liaison
from domain.licensing.licence import Licence
from domain.licensing.rating import HandlingRating
from domain.licensing.submission import OnlineSubmission
from domain.shared.events import Aggregate, event_classes


def aggregates(base: type[Aggregate]) -> Iterator[type[Aggregate]]:
    for cls in base.__subclasses__():
        if "PINNED_TOPIC" in vars(cls):
            yield cls
        yield from aggregates(cls)


LICENSING = [
    a
    for a in aggregates(Aggregate)
    if a.PINNED_TOPIC.startswith("casetrace.licensing.")
]
# The library's `Created` of each aggregate is never emitted (each names its own).
EVENTS = [e for a in LICENSING for e in event_classes(a) if e.__name__ != "Created"]


def test_the_licensing_aggregates_are_found() -> None:
    assert set(LICENSING) == {
        LicenceApplication,
        Licence,
        ApplicantRecord,
        FollowUp,
        Liaison,
        HandlingRating,
        OnlineSubmission,
        JointReview,
    }


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.TOPIC)
def test_every_licensing_event_has_a_line_under_its_topic(
    event: type[Aggregate.Event],
) -> None:
    assert event.TOPIC in SUMMARIES.templates


def test_every_line_belongs_to_a_licensing_event() -> None:
    assert set(SUMMARIES.templates) == {e.TOPIC for e in EVENTS}


def test_the_two_withdrawn_events_each_have_their_own_line() -> None:
    """An application withdrawn by its applicant and a licence withdrawn in the
    public interest (Art. 8) both read 撤回 in their own case's history."""
    application, licence = LicenceApplication.Withdrawn, Licence.Withdrawn
    assert application.TOPIC != licence.TOPIC
    data = {"withdrawn_on": "2026-12-01"}
    assert SUMMARIES.summary(application, data) == "撤回"
    assert SUMMARIES.summary(licence, {**data, "compensation": "无"}) == "撤回"


def test_events_of_the_same_name_are_told_apart_by_topic() -> None:
    summaries = Summaries(
        templates={
            LicenceApplication.Withdrawn.TOPIC: "撤回申请",
            Licence.Withdrawn.TOPIC: "撤回许可（补偿：{compensation}）",
        }
    )
    assert summaries.summary(LicenceApplication.Withdrawn, {}) == "撤回申请"
    assert (
        summaries.summary(Licence.Withdrawn, {"compensation": "按评估价补偿"})
        == "撤回许可（补偿：按评估价补偿）"
    )


def test_a_licence_without_a_validity_period_reads_as_open_ended() -> None:
    data = {"licence_number": "TS-1", "valid_until": None}
    assert SUMMARIES.summary(Licence.Issued, data) == "许可证 TS-1 生效，长期有效"
    dated = {**data, "valid_until": date(2030, 1, 1).isoformat()}
    assert SUMMARIES.summary(Licence.Issued, dated) == (
        "许可证 TS-1 生效，有效期至 2030-01-01"
    )


def test_coded_values_and_lists_read_in_the_bureaus_words() -> None:
    assert (
        SUMMARIES.summary(LicenceApplication.NotAccepted, {"ground": "outside_powers"})
        == "不予受理（不属于本机关职权范围）"
    )
    items = {"missing_items": ["营业执照", "安装告知书"]}
    assert SUMMARIES.summary(LicenceApplication.CorrectionRequested, items) == (
        "一次性告知补正：营业执照、安装告知书"
    )


def test_an_event_nobody_describes_or_a_line_missing_a_field_reads_as_its_name() -> (
    None
):
    registry = SummaryRegistry()
    assert registry.of(Licence.Revoked).summary(Licence.Revoked, {}) == "Revoked"
    registry.register(SUMMARIES)
    assert registry.of(Licence.Revoked).summary(Licence.Revoked, {}) == "Revoked"


def test_the_query_code_hash_is_withheld_from_histories() -> None:
    assert "query_code_hash" in SUMMARIES.withheld


def test_registering_again_is_harmless_but_a_second_claim_on_a_topic_is_refused() -> (
    None
):
    registry = SummaryRegistry()
    registry.register(SUMMARIES)
    registry.register(SUMMARIES)
    other = Summaries(templates={Licence.Expired.TOPIC: "过期"})
    with pytest.raises(ValueError, match=r"Licence\.Expired"):
        registry.register(other)
    assert registry.of(Licence.Expired) is SUMMARIES


def test_a_glossary_line_given_two_meanings_is_refused() -> None:
    with pytest.raises(ValueError, match="reason"):
        glossary.register({"reason": "另一个意思 — something else"})
    assert glossary.gloss(None, "reason") == glossary.GLOSSARY["reason"]


def test_an_online_submissions_lines_name_its_materials() -> None:
    reply = {"corrections": [{"material": "型式批准申请书", "reason": "未盖章"}]}
    assert SUMMARIES.summary(OnlineSubmission.CorrectionsRequested, reply) == (
        "网上预审：一次性告知补正 型式批准申请书"
    )
    submitted = {"materials": [{"material": "A{x}"}, {"material": "B"}]}
    assert SUMMARIES.summary(OnlineSubmission.Submitted, submitted) == (
        "网上申报，提交材料：A{x}、B"
    )
