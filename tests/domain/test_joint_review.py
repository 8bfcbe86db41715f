"""并联审批 (joint review): the participants' limits, their opinions, deemed
opinions, and the decision that waits for them (行政许可法 Arts. 26, 42 ¶2, 82).

Dates are hand-counted on the 2026 calendar: accepted Thu 9/24; 中秋 9/25–27
and 国庆 10/1–7 are off, Sat 10/10 is a make-up working day. 10 working days:
9/28–30 = 1..3, 10/8 = 4, 10/9 = 5, Sat 10/10 = 6, 10/12–15 = 7..10 → Thu
10/15. 15 working days: 10/16 = 11, 10/19–22 = 12..15 → Thu 10/22.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from domain.licensing.application import Status
from domain.licensing.joint_review import JointReview, Stance, joint_review_id
from domain.licensing.service import Licensing
from domain.registry.catalogue import CATALOGUE_ID, Handling, ItemTerms
from domain.registry.service import Registry
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from tests.domain.conftest import (
    ACCEPTED_ON,
    ADMIN,
    APPROVER,
    CALENDAR,
    CALENDAR_2027,
    CLERK,
    RECEIVED_ON,
    accepted_case,
    item,
    item_with,
    move_to,
    receive_via,
    staff_audit,
    system_audit,
)

JOINT_ITEM = "XK-TZSB-SCXK"  # 特种设备生产许可, made a joint item here
HOUSING = "ZJ"  # 住建部门: another department, silence deemed agreement
FIRE = "XF"  # 消防救援机构: another department, no deemed opinion
CITY_UNIT = "SJ"  # 市局特种设备安全监察处: a unit of this bureau (3208)
HOUSING_DUE = date(2026, 10, 15)  # 10 wd after Thu 9/24 (see the module doc)
FIRE_DUE = date(2026, 10, 22)  # 15 wd
DEEMED_RULE = "本事项办事指南: 逾期未提出意见视为同意 (UNCONFIRMED)"

PARTICIPANTS: list[dict[str, Any]] = [
    {
        "code": HOUSING,
        "name": "住建部门",
        "limit_wd": 10,
        "deemed_agreement": True,
        "deemed_rule": DEEMED_RULE,
    },
    {"code": FIRE, "name": "消防救援机构", "limit_wd": 15},
    {
        "code": CITY_UNIT,
        "name": "市局特种设备安全监察处",
        "unit_code": "3208",
        "limit_wd": 10,
    },
]


def joint_terms(**changes: Any) -> ItemTerms:
    terms: dict[str, Any] = {
        "handling": Handling.UNIFIED,
        "statutory_limit_wd": 45,
        "promised_limit_wd": 30,
        "extension_wd": 15,
        "time_limit_rule": "行政许可法 第42条第2款：联合办理45个工作日，可延长15个工作日",
        "joint_review": PARTICIPANTS,
        "on_site_review": False,  # the opinions are what these tests are about
    }
    return item_with(JOINT_ITEM, **{**terms, **changes})


@pytest.fixture
def joint(registry: Registry) -> None:
    """The shipped item revised into a joint item, as an admin would."""
    registry.revise_item(CATALOGUE_ID, ADMIN, code=JOINT_ITEM, terms=joint_terms())


def accept_joint(licensing: Licensing, clock: FixedClock) -> UUID:
    return accepted_case(licensing, clock, JOINT_ITEM)


def review_of(licensing: Licensing, app_id: UUID) -> JointReview:
    review = licensing.find(JointReview, joint_review_id(app_id))
    assert review is not None
    return review


def external(reason: str | None = None) -> Any:
    """A reviewer of the county handling the application."""
    return staff_audit(Role.REVIEWER, reason=reason)


def record(
    licensing: Licensing,
    app_id: UUID,
    participant: str,
    stance: Stance = Stance.AGREE,
    **kwargs: Any,
) -> None:
    who = kwargs.pop("audit", None)
    if who is None:
        city = participant == CITY_UNIT
        unit = "3208" if city else "320803"
        who = staff_audit(Role.REVIEWER, unit, reason="依参与单位的审查意见")
    if participant != CITY_UNIT:
        kwargs.setdefault("document", f"{participant}〔2026〕1号")
    licensing.record_opinion(
        joint_review_id(app_id), who, participant=participant, stance=stance, **kwargs
    )


def grant(licensing: Licensing, app_id: UUID) -> None:
    licensing.grant(app_id, APPROVER, decision_number="JD-1", scope="充装")


def refuse(licensing: Licensing, app_id: UUID) -> None:
    licensing.refuse(app_id, APPROVER, decision_number="JD-2", reasons=("不符合",))


# -- the catalogue ------------------------------------------------------------------


def test_a_joint_item_is_handled_as_unified_with_45_plus_15_days() -> None:
    terms = joint_terms()
    assert [p.code for p in terms.joint_review] == [HOUSING, FIRE, CITY_UNIT]
    with pytest.raises(ValidationError, match="handled as unified"):
        joint_terms(handling=Handling.ORDINARY)
    with pytest.raises(ValidationError, match="within 45 working days"):
        joint_terms(statutory_limit_wd=60)
    with pytest.raises(ValidationError, match="extendable by 15"):
        joint_terms(extension_wd=20)


def test_a_participant_deems_silence_agreement_only_under_a_named_rule() -> None:
    silent = [{**PARTICIPANTS[0], "deemed_rule": None}]
    with pytest.raises(ValidationError, match="name the rule"):
        joint_terms(joint_review=silent)


def test_participants_have_distinct_codes_and_limits_inside_the_items() -> None:
    twice = [PARTICIPANTS[1], {**PARTICIPANTS[1], "name": "另一个"}]
    with pytest.raises(ValidationError, match="its own code"):
        joint_terms(joint_review=twice)
    long = [{**PARTICIPANTS[1], "limit_wd": 40}]
    with pytest.raises(ValidationError, match="may not exceed"):
        joint_terms(statutory_limit_wd=30, promised_limit_wd=20, joint_review=long)


def test_an_ordinary_item_has_no_joint_review() -> None:
    assert item(JOINT_ITEM).joint_review == ()


# -- starting the review --------------------------------------------------------------


@pytest.mark.usefixtures("joint")
def test_acceptance_starts_each_participants_task_with_its_own_limit(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)

    review = review_of(licensing, app_id)
    assert review.started_on == ACCEPTED_ON
    dues = {code: t.limit.due.due for code, t in review.tasks.items()}
    assert dues == {HOUSING: HOUSING_DUE, FIRE: FIRE_DUE, CITY_UNIT: HOUSING_DUE}
    # The application's own limit is the item's: 45 working days.
    assert licensing.get_application(app_id).decision_limit_wd == 45


@pytest.mark.usefixtures("joint")
def test_deemed_acceptance_starts_the_review_on_the_receipt_date(
    licensing: Licensing, clock: FixedClock
) -> None:
    """Art. 32 (4): no notice in 5 working days is acceptance on receipt, so
    the tasks run from Fri 9/18: Sun 9/20 (make-up) = 1, 9/21–24 = 2..5,
    9/28–30 = 6..8, 10/8 = 9, 10/9 = 10."""
    receipt = receive_via(licensing, JOINT_ITEM)
    move_to(clock, date(2026, 9, 25))

    licensing.deem_acceptance(receipt.id, system_audit())

    review = review_of(licensing, receipt.id)
    assert review.started_on == RECEIVED_ON
    assert review.tasks[HOUSING].limit.due.due == date(2026, 10, 9)


def test_an_ordinary_item_starts_no_joint_review(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock)
    assert licensing.find(JointReview, joint_review_id(app_id)) is None


# -- opinions and the decision ----------------------------------------------------------


@pytest.mark.usefixtures("joint")
def test_the_decision_waits_for_every_opinion(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    record(licensing, app_id, HOUSING)
    record(licensing, app_id, FIRE, Stance.AGREE_WITH_CONDITIONS, conditions=("整改",))

    with pytest.raises(IllegalTransitionError, match="市局特种设备安全监察处"):
        grant(licensing, app_id)
    with pytest.raises(IllegalTransitionError, match="waits for the opinions"):
        refuse(licensing, app_id)
    assert licensing.get_application(app_id).status is Status.ACCEPTED

    record(licensing, app_id, CITY_UNIT)
    grant(licensing, app_id)

    assert licensing.get_application(app_id).status is Status.GRANTED
    assert review_of(licensing, app_id).concluded == Status.GRANTED


@pytest.mark.usefixtures("joint")
def test_a_refusal_may_rest_on_a_disagreement_and_closes_the_open_tasks(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    record(licensing, app_id, FIRE, Stance.DISAGREE, reasons=("消防间距不足",))

    with pytest.raises(IllegalTransitionError, match="消防救援机构 disagreed"):
        grant(licensing, app_id)
    refuse(licensing, app_id)

    review = review_of(licensing, app_id)
    assert review.concluded == Status.REFUSED
    assert review.open_tasks == []
    assert review.due_deadlines() == []
    concluded = licensing.history(review.id)[-1]
    assert isinstance(concluded, JointReview.Concluded)
    assert concluded.open_participants == (HOUSING, CITY_UNIT)


@pytest.mark.usefixtures("joint")
def test_an_opinion_states_its_reasons_conditions_and_written_source(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    with pytest.raises(InvalidInputError, match="reasons"):
        record(licensing, app_id, FIRE, Stance.DISAGREE)
    with pytest.raises(InvalidInputError, match="conditions"):
        record(licensing, app_id, FIRE, Stance.AGREE_WITH_CONDITIONS)
    with pytest.raises(InvalidInputError, match="书面意见"):
        record(licensing, app_id, FIRE, document=None)
    record(licensing, app_id, FIRE)
    with pytest.raises(IllegalTransitionError, match="was recorded on"):
        record(licensing, app_id, FIRE)


@pytest.mark.usefixtures("joint")
def test_a_bureau_units_opinion_is_recorded_by_its_own_staff_only(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    with pytest.raises(PermissionDeniedError, match="outside"):
        record(licensing, app_id, CITY_UNIT, audit=external("书面意见"))
    with pytest.raises(PermissionDeniedError, match="needs one of the roles"):
        record(licensing, app_id, FIRE, audit=CLERK)

    record(licensing, app_id, CITY_UNIT)

    opinion = review_of(licensing, app_id).tasks[CITY_UNIT].opinion
    assert opinion is not None
    assert opinion.stance is Stance.AGREE
    assert opinion.within_limit


# -- the clock ------------------------------------------------------------------------


@pytest.mark.usefixtures("joint")
def test_silence_past_the_limit_is_deemed_agreement_where_the_rule_says_so(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    review_id = joint_review_id(app_id)
    move_to(clock, HOUSING_DUE)
    with pytest.raises(Exception, match="runs until 2026-10-15"):
        licensing.lapse_opinion(review_id, participant=HOUSING, audit=system_audit())

    move_to(clock, date(2026, 10, 16))
    licensing.lapse_opinion(review_id, participant=HOUSING, audit=system_audit())

    review = review_of(licensing, app_id)
    opinion = review.tasks[HOUSING].opinion
    assert opinion is not None
    assert (opinion.stance, opinion.deemed, opinion.within_limit) == (
        Stance.AGREE,
        True,
        False,
    )
    deemed = licensing.history(review_id)[-1]
    assert isinstance(deemed, JointReview.OpinionDeemed)
    assert deemed.rule == DEEMED_RULE
    assert deemed.audit.actor.id == "system:clock"


@pytest.mark.usefixtures("joint")
def test_silence_without_a_deeming_rule_is_a_missed_deadline_recorded_once(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accept_joint(licensing, clock)
    review_id = joint_review_id(app_id)
    move_to(clock, date(2026, 10, 23))
    licensing.lapse_opinion(review_id, participant=FIRE, audit=system_audit())

    review = review_of(licensing, app_id)
    assert review.missed == [("opinion:XF", FIRE_DUE)]
    assert review.tasks[FIRE].opinion is None
    assert ("opinion:XF", FIRE_DUE, review.tasks[FIRE].limit.rule) not in list(
        review.due_deadlines()
    )
    with pytest.raises(IllegalTransitionError, match="no opinion:XF deadline"):
        licensing.lapse_opinion(review_id, participant=FIRE, audit=system_audit())

    # A late opinion is still the participant's, marked late.
    record(licensing, app_id, FIRE)
    opinion = review_of(licensing, app_id).tasks[FIRE].opinion
    assert opinion is not None
    assert not opinion.within_limit


@pytest.mark.usefixtures("joint")
def test_withdrawal_ends_the_review(licensing: Licensing, clock: FixedClock) -> None:
    app_id = accept_joint(licensing, clock)
    licensing.withdraw(app_id, staff_audit(Role.CLERK, reason="申请人撤回"))

    review = review_of(licensing, app_id)
    assert review.concluded == Status.WITHDRAWN
    with pytest.raises(IllegalTransitionError, match="ended"):
        record(licensing, app_id, FIRE)


def started_in_december(n: int) -> JointReview:
    """A review accepted Mon 2026-12-21: its 15-day limit runs into 2027,
    whose holidays were not yet published (provisional)."""
    terms = joint_terms()
    return JointReview.start(
        application_id=UUID(int=n),
        receipt_number=f"R-{n}",
        item_code=terms.code,
        item_name=terms.name,
        unit_code="320803",
        applicant_name="甲",
        participants=terms.joint_review,
        accepted_on=date(2026, 12, 21),
        calendar=CALENDAR,
        audit=CLERK,
    )


def test_the_participants_limits_move_with_a_new_calendar() -> None:
    """A provisional limit (a year with no notice yet) is recomputed by the
    shared TimedCase rule, per participant."""
    review = started_in_december(1)
    assert review.tasks[FIRE].limit.due.provisional
    stale = review.stale_limits(CALENDAR_2027)
    assert set(stale) == {"opinion:ZJ", "opinion:XF", "opinion:SJ"}
    # 15 wd after Mon 12/21: 12/22–31 = 1..8, 元旦 1/1 off, 1/4–8 = 9..13,
    # 1/11–12 = 14..15 → Tue 1/12; the 2027 notice makes Mon 1/4 a holiday too.
    assert review.tasks[FIRE].limit.due.due == date(2027, 1, 12)
    review.recompute_deadlines(CALENDAR_2027, system_audit())
    assert review.tasks[FIRE].limit.due.due == date(2027, 1, 13)
    assert not review.stale_limits(CALENDAR_2027)


def joint_review_lifecycles() -> list[list[Any]]:
    """Every joint review event, for tests/domain/test_recorded.py."""
    review = started_in_december(2)
    review.recompute_deadlines(CALENDAR_2027, system_audit())
    review.record_opinion(
        FIRE,
        Stance.DISAGREE,
        ("间距不足",),
        (),
        "消防〔2026〕9号",
        date(2026, 12, 22),
        CLERK,
    )
    due = review.tasks[HOUSING].limit.due.due
    review.lapse(HOUSING, date.fromordinal(due.toordinal() + 1), system_audit())
    review.lapse(CITY_UNIT, date.fromordinal(due.toordinal() + 1), system_audit())
    review.conclude("refused", date(2027, 1, 20), APPROVER)
    return [list(review.collect_events())]
