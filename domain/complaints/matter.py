"""What a complaint (投诉) and a report (举报) share: where they came from, who
is answerable for them, which unit handles them, how they move between
units, who read the person's data, and the deadlines the clock saw pass.

Routing (Arts. 12–13, 25–30, 37):
- the intake desk routes a case to the unit with authority (`route`);
- a unit without authority sends it back to the intake unit with its reason
  (`return_to_intake`, Art. 37: it may not transfer it itself), and the
  intake unit routes it again;
- a higher level may take a case over (`take_over`, Art. 12 ¶3 / Art. 26).

Time limits and moves: the periods that run from receipt (a complaint's 7
working days to accept, Art. 14; a report's 15 to verify, 处罚程序规定
Art. 18) run from receipt **by the unit with authority**: routing to another
unit restarts them from that unit's receipt (DOMAIN §3.4a). A takeover by a
higher level continues every period: the case is the same case, received,
accepted or verified as it was. Periods that run from a decision (mediation's
45 working days from acceptance, notices after a decision) are never
restarted by a move.

首问负责制 (seed 001): the member of staff who first received the matter is
answerable for it until a hand-over to a named colleague is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.complaints.parties import Channel, Respondent, art
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.clock import legal_date
from domain.shared.dates import years_after
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import covers, normalise_region_code
from domain.shared.personal import Sealed
from domain.shared.time_limit import Counting, TimeLimit
from domain.shared.timed import TimedCase

RULE_FIRST_INQUIRY = "首问负责制 (seed 001; DESIGN §1)"
# UNCONFIRMED (DOMAIN §10): the measures set no retention period; the bureau's
# 文书档案 practice keeps a complaint or report file 3 years after the matter
# closes (the same span as Art. 15 (4)'s bar). It is counted from the last
# recorded act on the matter's cases (the closure, or a later rating or
# recorded access), so never earlier than 3 years after the closure.
RETENTION_YEARS = 3
RULE_RETENTION = (
    "个人信息保存期限：事项办结后3年（本局文书档案保管规定，UNCONFIRMED），"
    "期满销毁密钥 (DESIGN §2 crypto-shredding)"
)
RULE_PERSONAL_DATA = f"{art(33)}; DESIGN §2 (每次查阅留痕)"


def working_limit(
    calendar: WorkingDayCalendar, start: date, days: int, rule: str
) -> TimeLimit:
    """A period of working days (the measures say 工作日 expressly)."""
    return TimeLimit.begin(
        calendar, start=start, days=days, counting=Counting.WORKING, rule=rule
    )


class Answerable(Aggregate):
    """Base of everything the 12315 line handles (an intake, a complaint, a
    report): someone is answerable for it, and it seals people's data. Each
    concrete aggregate gets these events under its own pinned topic (the
    library redefines a base's event classes on every subclass)."""

    # These events apply themselves (`apply`) and are triggered by their class
    # on the concrete aggregate (`type(self).HandedOver`): a method decorated
    # with @event here would trigger the base's own class, which has no topic.

    class HandedOver(Aggregate.Event):
        """首问负责: answerability passes to a named colleague."""

        staff_no: str
        staff_name: str

        def apply(self, aggregate: Any) -> None:
            aggregate.responsible_no = self.staff_no
            aggregate.responsible_name = self.staff_name

    class PersonalDataRead(Aggregate.Event):
        """Someone entitled opened the person's data; the reason is in the audit
        stamp (Art. 33: every access recorded)."""

        pseudonyms: tuple[str, ...]

    class PersonalDataShredded(Aggregate.Event):
        """The retention period of the matter ended: the keys of its people
        were destroyed (the events and their bytes stay as they were)."""

        pseudonyms: tuple[str, ...]
        rule: str
        retained_until: date

        def apply(self, aggregate: Any) -> None:
            aggregate.shredded = True

    number: str  # every kind has its number (登记编号, case numbers)

    def _answerable(self, audit: Audit) -> None:
        """The member of staff who first received the matter (首问负责制)."""
        self.responsible_no: str = audit.actor.id
        self.responsible_name: str = audit.actor.name

    @property
    def people(self) -> tuple[Sealed, ...]:
        """Every person whose data this seals (each kind says)."""
        return ()

    def hand_over(self, staff_no: str, staff_name: str, audit: Audit) -> None:
        """首问负责: the answerable member of staff hands the matter over."""
        require_reason(audit, "handing a matter over")
        if staff_no == self.responsible_no:
            raise InvalidInputError(
                "the matter is already theirs",
                field="staff_no",
                rule=RULE_FIRST_INQUIRY,
            )
        self.trigger_event(
            type(self).HandedOver, audit=audit, staff_no=staff_no, staff_name=staff_name
        )

    @property
    def is_done(self) -> bool:
        """Nothing more is owed on it (each kind says)."""
        return bool(getattr(self, "closed", False))

    def retained_until(self) -> date:
        """The last day its people's data is kept, from its last recorded act."""
        return years_after(legal_date(self.modified_on), RETENTION_YEARS)

    def record_shredded(
        self, pseudonyms: tuple[str, ...], until: date, audit: Audit
    ) -> None:
        require_actor(audit)
        if getattr(self, "shredded", False):
            raise IllegalTransitionError("its people's data was already destroyed")
        self.trigger_event(
            type(self).PersonalDataShredded,
            audit=audit,
            pseudonyms=pseudonyms,
            rule=RULE_RETENTION,
            retained_until=until,
        )

    def record_personal_data_read(self, audit: Audit) -> None:
        require_reason(audit, "reading a person's data")
        self.trigger_event(
            type(self).PersonalDataRead,
            audit=audit,
            pseudonyms=tuple(p.person.pseudonym for p in self.people),
        )


class Timed(Answerable, TimedCase):
    """Base of the 12315 line's cases a period runs on (a complaint, a report,
    a conduct complaint, an ODR dispute): answerable, with deadlines
    (domain/shared/timed.py); each sets `missed` and `closed` when opened."""


class Matter(Timed):
    """Base of Complaint and Report: each redefines these events under its own
    pinned topic (the library gives every subclass its own event classes)."""

    class Routed(Aggregate.Event):
        """The intake unit routes the case to the unit with authority (Art. 37)."""

        unit_code: str
        received_on: date  # receipt by that unit: the periods from receipt restart
        limit: TimeLimit | None  # the restarted period from receipt, if running

        def apply(self, aggregate: Any) -> None:
            aggregate.unit_code = self.unit_code
            aggregate.received_on = self.received_on
            aggregate.returned = False
            aggregate.on_routed(self.limit)

    class ReturnedToIntake(Aggregate.Event):
        """A unit without authority sends the case back (Art. 37), with reason."""

        returned_on: date

        def apply(self, aggregate: Any) -> None:
            aggregate.returned = True
            aggregate.unit_code = aggregate.intake_unit_code

    class TakenOver(Aggregate.Event):
        """A higher level handles the case itself; every period continues."""

        unit_code: str
        taken_on: date

        def apply(self, aggregate: Any) -> None:
            aggregate.unit_code = self.unit_code

    # -- state shared by both kinds -------------------------------------------------

    def _begin(
        self,
        *,
        audit: Audit,
        number: str,
        intake_id: UUID,
        channel: Channel,
        respondent: Respondent,
        facts: str,
        intake_unit_code: str,
        unit_code: str,
        received_on: date,
        linked_id: UUID | None,
    ) -> None:
        """What each kind's creation mutator records first."""
        self._answerable(audit)
        self.number = number
        self.intake_id = intake_id
        self.channel = channel
        self.respondent = respondent
        self.facts = facts
        self.intake_unit_code = intake_unit_code
        self.unit_code = unit_code
        self.received_on = received_on
        self.linked_id = linked_id
        self.returned = False
        self.missed: list[tuple[str, date]] = []
        self.closed = False

    # -- moves between units -----------------------------------------------------------

    def route(
        self, unit_code: str, on: date, calendar: WorkingDayCalendar, audit: Audit
    ) -> None:
        """Art. 37: only the intake unit routes, to a unit whose jurisdiction
        covers the respondent (Arts. 12–13), a case not yet decided."""
        require_reason(audit, "routing a case")
        self._require_open("route")
        unit = normalise_region_code(unit_code)
        if not covers(audit.actor.unit_code or "", self.intake_unit_code):
            raise IllegalTransitionError(
                "only the intake unit routes a case; a unit without authority"
                " returns it to the intake unit",
                rule=art(37),
            )
        if unit == self.unit_code and not self.returned:
            raise InvalidInputError(
                f"the case is already with unit {unit}", field="unit_code"
            )
        self.require_competent(unit)
        self.trigger_event(
            type(self).Routed,
            audit=audit,
            unit_code=unit,
            received_on=on,
            limit=self._restarted_limit(on, calendar),
        )

    def return_to_intake(self, on: date, audit: Audit) -> None:
        """Art. 37: the receiving unit without authority cannot transfer the case
        itself; it returns it to the intake unit with its reason."""
        require_reason(audit, "returning a case to the intake unit")
        self._require_open("return")
        if self.returned:
            raise IllegalTransitionError(
                "the case is already back with the intake unit", rule=art(37)
            )
        if self._decided():
            raise IllegalTransitionError(
                "a case already decided on is not returned", rule=art(37)
            )
        self.trigger_event(type(self).ReturnedToIntake, audit=audit, returned_on=on)

    def take_over(self, unit_code: str, on: date, audit: Audit) -> None:
        """A higher level handles a case of a unit below it (Art. 12 ¶3)."""
        require_reason(audit, "taking a case over")
        self._require_open("take over")
        unit = normalise_region_code(unit_code)
        if unit == self.unit_code or not covers(unit, self.unit_code):
            raise InvalidInputError(
                f"only a level above unit {self.unit_code} takes its case over",
                field="unit_code",
                rule=art(12, "第3款"),
            )
        self.trigger_event(
            type(self).TakenOver, audit=audit, unit_code=unit, taken_on=on
        )

    # -- what each kind decides --------------------------------------------------------

    def _decided(self) -> bool:
        raise NotImplementedError

    def _restarted_limit(
        self, on: date, calendar: WorkingDayCalendar
    ) -> TimeLimit | None:
        raise NotImplementedError

    def on_routed(self, limit: TimeLimit | None) -> None:
        """What a move does to the kind's own periods (see the module)."""
        raise NotImplementedError

    def _require_open(self, action: str) -> None:
        if self.closed:
            raise IllegalTransitionError(f"a closed case cannot {action}")

    def require_competent(self, unit: str) -> None:
        require_competent(self.respondent, unit)


def require_competent(respondent: Respondent, unit: str) -> None:
    """Arts. 12–13: where the respondent operates; for a seller on a platform,
    also the platform's domicile; a higher level also qualifies."""
    places = [respondent.region_code]
    if respondent.platform is not None:
        places.append(respondent.platform.region_code)
    if not any(covers(unit, place) for place in places):
        raise InvalidInputError(
            f"unit {unit} has no jurisdiction over the respondent"
            f" (region {respondent.region_code})",
            field="unit_code",
            rule=art(12),
        )
