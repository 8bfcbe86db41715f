"""After the decision: follow-up visits (回访, seed 000), enterprise liaison by
quarter (质企联系, seed 001) and the applicant's rating (工作评议, seed 000).
Dates are counted by hand in each test."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.licensing.follow_up import (
    FollowUp,
    InformationKind,
    InformationPassed,
    follow_up_id,
)
from domain.licensing.liaison import (
    Contact,
    Liaison,
    next_quarter,
    quarter_end,
    quarter_label,
    quarter_of,
)
from domain.licensing.licence import RevocationGround
from domain.licensing.rating import AlreadyRatedError, HandlingRating
from domain.licensing.service import Licensing
from domain.registry.enterprise import EnterpriseProfile
from domain.registry.service import Registry
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.errors import (
    AuditContractError,
    DeadlineError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.satisfaction import Rating
from tests.domain.conftest import (
    APPLICANT_USCC,
    APPROVER,
    BOOTSTRAP,
    CLERK,
    accepted,
    accepted_case,
    granted,
    granted_case,
    licence,
    move_to,
    receive_via,
    settled,
    staff_audit,
    system_audit,
)

CLOCK = system_audit()
PUBLIC = Audit(
    actor=Actor(kind=ActorKind.PUBLIC, id="public:test", name="申请人"),
    request_id="req-public",
)
STANDARD_CHANGE = InformationPassed(
    kind=InformationKind.STANDARD, content="GB 7588.1-2020 代替 GB 7588-2003"
)


def schedule(interval_months: int = 12) -> FollowUp:
    """A schedule opened with a licence granted on Sun 2026-03-15."""
    return settled(FollowUp.after_grant(licence(), interval_months, APPROVER))


# -- 回访 ----------------------------------------------------------------------------


def test_the_first_visit_falls_due_one_interval_after_the_grant() -> None:
    # 2026-03-15 + 12 months = 2027-03-15; + 6 months = 2026-09-15.
    assert schedule().next_due == date(2027, 3, 15)
    assert schedule(6).next_due == date(2026, 9, 15)


def test_a_visit_schedules_the_next_one_interval_after_its_own_date() -> None:
    follow_up = schedule(1)
    # 2026-03-31 + 1 month is clamped to the end of April: 2026-04-30.
    follow_up.record_visit(
        date(2026, 3, 31), "运行正常", (STANDARD_CHANGE,), date(2026, 4, 1), CLERK
    )
    (visited,) = follow_up.collect_events()
    assert isinstance(visited, FollowUp.VisitRecorded)
    assert visited.information == (STANDARD_CHANGE,)
    assert visited.next_due == date(2026, 4, 30)
    assert follow_up.next_due == date(2026, 4, 30)


@pytest.mark.parametrize(
    "visited_on",
    [date(2026, 3, 14), date(2026, 4, 2)],
    ids=["before-the-grant", "after-today"],
)
def test_a_visit_dated_before_the_grant_or_after_today_is_refused(
    visited_on: date,
) -> None:
    follow_up = schedule()
    with pytest.raises(InvalidInputError, match="from 2026-03-15") as refused:
        follow_up.record_visit(visited_on, "运行正常", (), date(2026, 4, 1), CLERK)
    assert refused.value.field == "visited_on"
    assert follow_up.collect_events() == []


def test_a_visit_without_an_actor_is_refused() -> None:
    with pytest.raises(AuditContractError):
        schedule().record_visit(date(2026, 4, 1), "x", (), date(2026, 4, 1), None)  # type: ignore[arg-type]


def test_a_missed_visit_is_recorded_the_day_after_it_fell_due_and_the_next_follows() -> (
    None
):
    follow_up = schedule(6)  # due 2026-09-15
    with pytest.raises(DeadlineError, match="due by 2026-09-15"):
        follow_up.record_missed_visit(date(2026, 9, 15), CLOCK)
    follow_up.record_missed_visit(date(2026, 9, 16), CLOCK)
    (missed,) = follow_up.collect_events()
    assert isinstance(missed, FollowUp.VisitMissed)
    assert (missed.due, missed.next_due) == (date(2026, 9, 15), date(2027, 3, 15))
    assert "回访" in missed.rule
    # Once recorded, the same visit is not missed again: the next is not yet due.
    with pytest.raises(DeadlineError, match="due by 2027-03-15"):
        follow_up.record_missed_visit(date(2026, 9, 17), CLOCK)


def test_a_grant_schedules_the_follow_up_in_the_same_save(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock)  # granted Fri 2026-10-09
    follow_up = licensing.get_follow_up(follow_up_id(licence_id))
    assert follow_up.licence_id == licence_id
    assert follow_up.interval_months == 12  # the catalogue's default
    assert follow_up.next_due == date(2027, 10, 9)
    assert follow_up.unit_code == "320803"


def test_visits_end_with_the_licence(licensing: Licensing, clock: FixedClock) -> None:
    _, licence_id = granted_case(licensing, clock)
    schedule_id = follow_up_id(licence_id)
    licensing.revoke_licence(
        licence_id, APPROVER, ground=RevocationGround.INELIGIBLE_APPLICANT
    )
    with pytest.raises(IllegalTransitionError, match="revoked"):
        licensing.record_follow_up(
            schedule_id,
            staff_audit(Role.REVIEWER),
            visited_on=date(2026, 10, 9),
            findings="已停产",
        )
    move_to(clock, date(2027, 10, 10))
    with pytest.raises(IllegalTransitionError, match="ended with it"):
        licensing.record_missed_visit(schedule_id, CLOCK)
    assert licensing.get_follow_up(schedule_id).visits == 0


def test_only_the_clock_records_a_missed_visit(
    licensing: Licensing, clock: FixedClock
) -> None:
    _, licence_id = granted_case(licensing, clock)
    move_to(clock, date(2027, 10, 10))
    with pytest.raises(PermissionDeniedError, match="only by the system"):
        licensing.record_missed_visit(follow_up_id(licence_id), APPROVER)


# -- 质企联系: quarters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "first", "last", "label"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "2026Q1"),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), "2026Q1"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), "2026Q2"),
        (date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30), "2026Q3"),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), "2026Q4"),
    ],
)
def test_quarter_boundaries(day: date, first: date, last: date, label: str) -> None:
    assert quarter_of(day) == first
    assert quarter_end(first) == last
    assert quarter_label(first) == label
    assert quarter_of(quarter_end(first)) == first


def test_the_quarter_after_the_fourth_is_the_next_years_first() -> None:
    assert next_quarter(date(2026, 10, 1)) == date(2027, 1, 1)
    assert next_quarter(date(2026, 7, 1)) == date(2026, 10, 1)


CONTACT = Contact(staff_no="V-1", name="李四")
DESIGNATED = staff_audit(Role.APPROVER, reason="分片包干：海州区")


def liaison(since: date = date(2026, 11, 20)) -> Liaison:
    return settled(
        Liaison.designate(
            uscc=APPLICANT_USCC,
            enterprise_name="连云港示例计量有限公司",
            contact=CONTACT,
            unit_code="320803",
            since=since,
            audit=DESIGNATED,
        )
    )


def test_the_quarter_of_designation_owes_a_visit_by_its_last_day() -> None:
    owed = liaison().due_quarter
    assert owed == date(2026, 10, 1)
    assert owed is not None
    assert quarter_end(owed) == date(2026, 12, 31)


def test_designating_a_contact_needs_a_reason() -> None:
    with pytest.raises(AuditContractError):
        Liaison.designate(
            uscc=APPLICANT_USCC,
            enterprise_name="x",
            contact=CONTACT,
            unit_code="320803",
            since=date(2026, 11, 20),
            audit=staff_audit(Role.APPROVER),
        )


def test_a_visit_meets_its_quarter_and_the_next_quarter_is_owed() -> None:
    case = liaison()
    case.record_visit(
        date(2026, 12, 1), ("计量器具未按期检定",), "", date(2026, 12, 1), CLERK
    )
    case.record_visit(
        date(2026, 12, 2), (), "协调检定机构上门", date(2026, 12, 2), CLERK
    )
    first, second = case.collect_events()
    assert isinstance(first, Liaison.VisitRecorded)
    assert isinstance(second, Liaison.VisitRecorded)
    assert (first.quarter, first.first_of_quarter) == (date(2026, 10, 1), True)
    assert (second.quarter, second.first_of_quarter) == (date(2026, 10, 1), False)
    assert case.due_quarter == date(2027, 1, 1)


def test_a_missed_quarter_is_recorded_only_after_its_last_day() -> None:
    case = liaison()
    with pytest.raises(DeadlineError, match="2026Q4's visit is due by 2026-12-31"):
        case.record_missed_quarter(date(2026, 12, 31), CLOCK)
    case.record_missed_quarter(date(2027, 1, 1), CLOCK)
    (missed,) = case.collect_events()
    assert isinstance(missed, Liaison.QuarterMissed)
    assert (missed.quarter, missed.due) == (date(2026, 10, 1), date(2026, 12, 31))
    assert case.due_quarter == date(2027, 1, 1)
    with pytest.raises(IllegalTransitionError, match="recorded missed"):
        case.record_visit(date(2026, 12, 30), (), "", date(2027, 1, 1), CLERK)


def test_a_later_quarters_visit_leaves_the_earlier_quarter_owed() -> None:
    case = liaison()
    case.record_visit(date(2027, 1, 5), (), "", date(2027, 1, 5), CLERK)
    assert case.due_quarter == date(2026, 10, 1)  # the clock will record it missed
    case.record_missed_quarter(date(2027, 1, 6), CLOCK)
    assert case.due_quarter == date(2027, 4, 1)  # 2027Q1 was visited


def test_a_visit_before_designation_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="from 2026-11-20"):
        liaison().record_visit(date(2026, 11, 19), (), "", date(2026, 12, 1), CLERK)


def test_an_ended_liaison_owes_nothing_and_takes_no_visit() -> None:
    case = liaison()
    case.end(date(2026, 12, 1), staff_audit(Role.APPROVER, reason="企业注销"))
    assert case.due_quarter is None
    with pytest.raises(IllegalTransitionError, match="ended on 2026-12-01"):
        case.record_visit(date(2026, 12, 1), (), "", date(2026, 12, 1), CLERK)
    with pytest.raises(IllegalTransitionError, match="ended"):
        case.record_missed_quarter(date(2027, 1, 1), CLOCK)


def test_the_contact_changes_only_to_another_person() -> None:
    case = liaison()
    with pytest.raises(IllegalTransitionError, match="already"):
        case.change_contact(CONTACT, date(2026, 12, 1), DESIGNATED)
    other = Contact(staff_no="V-2", name="王五")
    case.change_contact(other, date(2026, 12, 1), DESIGNATED)
    assert case.contact == other


def register_enterprise(registry: Registry, uscc: str = APPLICANT_USCC) -> None:
    profile = EnterpriseProfile(
        uscc=uscc, name="连云港示例计量有限公司", region_code="320803"
    )
    registry.register_enterprise(profile, BOOTSTRAP)


def test_a_liaison_is_designated_once_per_enterprise_to_a_contact_covering_it(
    licensing: Licensing, registry: Registry, clock: FixedClock
) -> None:
    register_enterprise(registry)
    move_to(clock, date(2026, 11, 20))
    result = licensing.designate_liaison(
        DESIGNATED, uscc=APPLICANT_USCC, contact_staff_no="V-1"
    )
    case = licensing.get_liaison(result.id)
    assert (case.contact.staff_no, case.unit_code) == ("V-1", "320803")
    with pytest.raises(IllegalTransitionError, match="already has a liaison"):
        licensing.designate_liaison(
            DESIGNATED, uscc=APPLICANT_USCC, contact_staff_no="V-2"
        )


def test_a_liaison_needs_the_enterprise_in_the_directory_and_an_active_contact(
    licensing: Licensing, registry: Registry
) -> None:
    with pytest.raises(NotFoundError, match="not in the directory"):
        licensing.designate_liaison(
            DESIGNATED, uscc=APPLICANT_USCC, contact_staff_no="V-1"
        )
    register_enterprise(registry)
    with pytest.raises(InvalidInputError, match="not an active member") as refused:
        licensing.designate_liaison(
            DESIGNATED, uscc=APPLICANT_USCC, contact_staff_no="NOBODY"
        )
    assert refused.value.field == "contact_staff_no"


def test_a_contact_whose_unit_does_not_cover_the_enterprise_is_refused(
    licensing: Licensing, registry: Registry
) -> None:
    register_enterprise(registry)
    registry.enrol_staff("N-1", "赵六", "320804", frozenset({Role.CLERK}), BOOTSTRAP)
    with pytest.raises(InvalidInputError, match="does not cover region 320803"):
        licensing.designate_liaison(
            DESIGNATED, uscc=APPLICANT_USCC, contact_staff_no="N-1"
        )


# -- 工作评议 ------------------------------------------------------------------------


def test_rating_before_the_decision_is_refused() -> None:
    with pytest.raises(IllegalTransitionError, match="once the application is decided"):
        HandlingRating.rate(
            accepted(),
            Rating.SATISFIED,
            "",
            date(2026, 10, 1),
            PUBLIC,
            already_rated=False,
        )


def test_a_decided_application_is_rated_with_its_decision() -> None:
    rating = HandlingRating.rate(
        granted(),
        Rating.FAIRLY_SATISFIED,
        "",
        date(2026, 10, 12),
        PUBLIC,
        already_rated=False,
    )
    (rated,) = rating.collect_events()
    assert isinstance(rated, HandlingRating.Rated)
    assert (rated.decision, rated.decided_on) == ("granted", date(2026, 10, 9))
    assert rated.rating is Rating.FAIRLY_SATISFIED


def test_one_rating_per_decision_through_the_service(
    licensing: Licensing, clock: FixedClock
) -> None:
    move_to(clock, date(2026, 9, 18))
    receipt = receive_via(licensing)
    with pytest.raises(IllegalTransitionError, match="decided"):
        licensing.rate_handling(
            receipt.receipt_number, receipt.query_code, Rating.SATISFIED, "", PUBLIC
        )
    move_to(clock, date(2026, 9, 24))
    licensing.accept(receipt.id, CLERK)
    licensing.refuse(
        receipt.id, APPROVER, decision_number="BYXK-1", reasons=("条件不符",)
    )
    first = licensing.rate_handling(
        receipt.receipt_number, receipt.query_code, Rating.DISSATISFIED, "太慢", PUBLIC
    )
    assert first.case.rating is Rating.DISSATISFIED
    with pytest.raises(AlreadyRatedError):
        licensing.rate_handling(
            receipt.receipt_number, receipt.query_code, Rating.SATISFIED, "", PUBLIC
        )


def test_a_wrong_query_code_is_refused_as_an_unknown_receipt(
    licensing: Licensing, clock: FixedClock
) -> None:
    app_id = accepted_case(licensing, clock)
    number = licensing.get_application(app_id).receipt_number
    with pytest.raises(NotFoundError) as wrong:
        licensing.rate_handling(number, "AAAA-BBBB-CCCC", Rating.SATISFIED, "", PUBLIC)
    with pytest.raises(NotFoundError) as unknown:
        licensing.rate_handling(
            "32080320990101000000", "AAAA-BBBB-CCCC", Rating.SATISFIED, "", PUBLIC
        )
    assert str(wrong.value) == str(unknown.value)


def test_the_rating_id_follows_from_the_application() -> None:
    application = granted()
    a, b = (
        HandlingRating.rate(
            application,
            Rating.SATISFIED,
            "",
            date(2026, 10, 12),
            PUBLIC,
            already_rated=False,
        )
        for _ in range(2)
    )
    assert a.id == b.id != UUID(int=0)
