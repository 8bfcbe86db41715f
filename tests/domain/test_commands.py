"""A command declared once (domain.shared.service.command): the generated
method loads the case, checks the role (in one place) and the jurisdiction,
refuses a stale version and saves the decision; the declarations are the
service's specs, and its permissions come from them."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import event
from pydantic import Field

from domain.shared.audit import Actor, ActorKind, Audit, Caller, Role
from domain.shared.command import CaseType
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.shared.events import Aggregate
from domain.shared.service import (
    READ,
    CommandResult,
    ContextService,
    StaleVersionError,
    command,
    creation,
    system_command,
)
from domain.shared.text import Line
from tests.domain.conftest import POPO, staff_audit, system_audit

UNIT = "320803"


class Priority(StrEnum):
    LOW = "low"
    HIGH = "high"


class Ticket(Aggregate):
    """A case of a context made up for these tests."""

    PINNED_TOPIC = "casetrace.tests.commands.Ticket"

    class Opened(Aggregate.Created):
        unit_code: str

    class Noted(Aggregate.Event):
        text: str

    class Escalated(Aggregate.Event):
        priority: Priority

    @event(Opened)
    def __init__(self, *, audit: Audit, unit_code: str) -> None:
        self.unit_code = unit_code
        self.notes: list[str] = []
        self.priority = Priority.LOW

    def note(self, text: str, audit: Audit) -> None:
        self._noted(audit=audit, text=text)

    @event(Noted)
    def _noted(self, audit: Audit, text: str) -> None:
        self.notes.append(text)

    @event(Escalated)
    def escalate(self, audit: Audit, priority: Priority) -> None:
        self.priority = priority


class Memo(Aggregate):
    """Another kind of case: no command of the desk acts on it."""

    PINNED_TOPIC = "casetrace.tests.commands.Memo"

    class Written(Aggregate.Created):
        pass

    @event(Written)
    def __init__(self, *, audit: Audit) -> None:
        pass


class Receipt(CommandResult):
    pass


def as_receipt(result: CommandResult) -> Receipt:
    return Receipt(**result.model_dump(), case=result.case)


class Desk(ContextService):
    name = "desk"
    cases: ClassVar = (CaseType(Ticket, "ticket", lambda t: t.unit_code),)

    @creation({Role.CLERK}, summary="Open a ticket", body="OpenBody", replay=as_receipt)
    def open(self, audit: Audit, *, unit_code: Annotated[str, Line(12)]) -> Receipt:
        self.within_jurisdiction(audit.actor, unit_code)
        return as_receipt(self.commit(Ticket(audit=audit, unit_code=unit_code)))

    @command(
        {Role.CLERK, Role.REVIEWER},
        summary="Note something on the ticket",
        body="NoteBody",
        decision=True,
    )
    def add_note(
        self, ticket: Ticket, audit: Audit, text: Annotated[str, Line(200)]
    ) -> list[Memo]:
        ticket.note(text, audit)
        return [Memo(audit=audit)]

    @command({Role.APPROVER}, summary="Resolve", route="resolve-it")
    def resolve(self, ticket: Ticket, audit: Audit) -> None:
        ticket.note("resolved", audit)

    @system_command()
    def escalate(self, ticket: Ticket, priority: Priority, audit: Audit) -> None:
        ticket.escalate(audit, priority)


@pytest.fixture
def desk() -> Iterator[Desk]:
    service = Desk(env=POPO)
    yield service
    service.close()


def opened(desk: Desk) -> UUID:
    return desk.open(staff_audit(Role.CLERK, UNIT), unit_code=UNIT).id


def caller(*roles: Role, unit: str = UNIT) -> Caller:
    actor = Actor(kind=ActorKind.STAFF, id="S-1", name="张三", unit_code=unit)
    audit = Audit(actor=actor, request_id="req-1", reason="理由")
    return Caller(audit=audit, roles=frozenset(roles))


def log_length(desk: Desk) -> int:
    return len(desk.notification_log.select(start=1, limit=10))


# -- the generated method ---------------------------------------------------------


def test_a_command_loads_the_case_decides_and_saves_what_the_decision_returns(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)

    result = desk.add_note(ticket_id, staff_audit(Role.CLERK, reason="r"), "查看")

    assert result.version == 2
    assert desk.repository.get(ticket_id).notes == ["查看"]
    assert log_length(desk) == 3  # opened, noted, and the memo saved with it


def test_a_current_expected_version_is_accepted(desk: Desk) -> None:
    ticket_id = opened(desk)

    result = desk.resolve(ticket_id, staff_audit(Role.APPROVER), expected_version=1)

    assert result.version == 2


def test_a_stale_expected_version_is_refused_and_nothing_is_stored(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)
    with pytest.raises(StaleVersionError, match="ticket is at version 1, not 2"):
        desk.resolve(ticket_id, staff_audit(Role.APPROVER), expected_version=2)
    assert log_length(desk) == 1


def test_an_unknown_case_is_not_found_by_the_name_of_its_kind(desk: Desk) -> None:
    with pytest.raises(NotFoundError, match=r"^ticket "):
        desk.resolve(uuid4(), staff_audit(Role.APPROVER))


def test_a_case_of_another_kind_is_not_found(desk: Desk) -> None:
    memo = Memo(audit=system_audit())
    desk.save(memo)
    with pytest.raises(NotFoundError):
        desk.resolve(memo.id, staff_audit(Role.APPROVER))


def test_a_role_the_command_does_not_declare_is_refused_before_the_case_is_read(
    desk: Desk,
) -> None:
    with pytest.raises(PermissionDeniedError, match="resolve needs one of the roles"):
        desk.resolve(uuid4(), staff_audit(Role.CLERK))


def test_staff_outside_the_cases_unit_are_refused_and_nothing_is_stored(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)
    with pytest.raises(PermissionDeniedError, match="outside"):
        desk.resolve(ticket_id, staff_audit(Role.APPROVER, unit="320804"))
    assert log_length(desk) == 1


def test_a_caller_with_several_roles_is_recorded_in_the_one_the_command_permits(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)

    desk.resolve(ticket_id, caller(Role.AUDITOR, Role.APPROVER))

    last = desk.history(ticket_id)[-1]
    assert last.audit.actor.role is Role.APPROVER
    assert last.audit.reason == "理由"


def test_a_caller_holding_no_permitted_role_is_refused(desk: Desk) -> None:
    ticket_id = opened(desk)
    with pytest.raises(PermissionDeniedError, match=r"\['approver'\]"):
        desk.resolve(ticket_id, caller(Role.AUDITOR, Role.CLERK))
    assert log_length(desk) == 1


def test_a_system_command_is_refused_to_a_person(desk: Desk) -> None:
    ticket_id = opened(desk)
    with pytest.raises(PermissionDeniedError, match="only by the system"):
        desk.escalate(ticket_id, Priority.HIGH, staff_audit(Role.APPROVER))
    assert log_length(desk) == 1


def test_a_system_command_runs_for_the_clock_whatever_the_unit(desk: Desk) -> None:
    ticket_id = opened(desk)

    desk.escalate(ticket_id, Priority.HIGH, system_audit("clock"))

    assert desk.repository.get(ticket_id).priority is Priority.HIGH


def test_a_creation_checks_the_role_before_it_runs(desk: Desk) -> None:
    with pytest.raises(PermissionDeniedError, match="open needs one of the roles"):
        desk.open(staff_audit(Role.REVIEWER, UNIT), unit_code=UNIT)
    assert log_length(desk) == 0


def test_a_creation_is_stamped_with_the_role_chosen_for_the_caller(
    desk: Desk,
) -> None:
    receipt = desk.open(caller(Role.AUDITOR, Role.CLERK), unit_code=UNIT)

    assert isinstance(receipt, Receipt)
    [opened_event] = desk.history(receipt.id)
    assert opened_event.audit.actor.role is Role.CLERK


def test_execute_runs_a_command_by_name_with_its_arguments_by_name(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)

    result = desk.execute(
        "add_note", ticket_id, caller(Role.REVIEWER), {"text": "按名"}, 1
    )

    assert result.version == 2
    assert desk.repository.get(ticket_id).notes == ["按名"]


# -- the declarations ------------------------------------------------------------------


def test_the_service_collects_its_commands_in_the_order_declared() -> None:
    assert list(Desk.commands) == ["open", "add_note", "resolve", "escalate"]


def test_a_spec_says_route_body_reason_parameters_and_case() -> None:
    spec = Desk.commands["add_note"]

    assert spec.verb == "add-note"
    assert spec.body == "NoteBody"
    assert spec.decision
    assert spec.what == "ticket"
    assert [p.name for p in spec.parameters] == ["text"]
    assert Desk.commands["resolve"].verb == "resolve-it"
    assert Desk.commands["resolve"].body == "NoBody"
    assert Desk.commands["open"].creates
    assert Desk.commands["open"].verb == ""


def test_a_system_command_has_no_roles_and_no_route() -> None:
    spec = Desk.commands["escalate"]

    assert spec.system_only
    assert spec.verb is None
    assert spec.body is None


def test_permissions_are_derived_from_the_declarations() -> None:
    assert Desk.permissions == {
        READ: frozenset(Role),
        "open": {Role.CLERK},
        "add_note": {Role.CLERK, Role.REVIEWER},
        "resolve": {Role.APPROVER},
        "escalate": frozenset(),
    }


def test_a_system_commands_argument_is_read_from_its_text_form() -> None:
    spec = Desk.commands["escalate"]

    assert spec.arguments_from("high") == {"priority": Priority.HIGH}
    assert Desk.commands["resolve"].arguments_from("") == {}


def test_a_command_called_with_an_argument_it_does_not_take_fails_like_any_call(
    desk: Desk,
) -> None:
    ticket_id = opened(desk)
    with pytest.raises(TypeError):
        desk.resolve(ticket_id, staff_audit(Role.APPROVER), "surplus")  # type: ignore[call-arg]
    assert log_length(desk) == 1


def test_a_command_on_a_kind_of_case_the_service_does_not_declare_is_refused_at_once() -> (
    None
):
    with pytest.raises(TypeError, match="Memo is not in"):

        class Wrong(ContextService):
            cases: ClassVar = (CaseType(Ticket, "ticket"),)

            @command({Role.CLERK}, summary="?")
            def touch(self, memo: Memo, audit: Audit) -> None:
                pass


def test_a_persons_command_with_parameters_must_name_its_request_body() -> None:
    with pytest.raises(TypeError, match="name its request body"):

        class Wrong(ContextService):
            cases: ClassVar = (CaseType(Ticket, "ticket"),)

            @command({Role.CLERK}, summary="?")
            def weigh(
                self, ticket: Ticket, audit: Audit, grams: Annotated[int, Field(ge=1)]
            ) -> None:
                pass


def test_a_command_may_not_take_the_name_of_a_method_every_service_has() -> None:
    with pytest.raises(TypeError, match="close"):

        class Wrong(ContextService):
            cases: ClassVar = (CaseType(Ticket, "ticket"),)

            @command({Role.CLERK}, summary="?")
            def close(self, ticket: Ticket, audit: Audit) -> None:
                pass
