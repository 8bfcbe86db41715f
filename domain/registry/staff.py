"""A member of staff (执法检查人员名录库 and every user): unit, roles, active."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audit import (
    Actor,
    ActorKind,
    Audit,
    Role,
    require_actor,
    require_reason,
)
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import normalise_region_code
from domain.shared.text import clean_text


def staff_id(staff_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:registry:staff:{staff_no}")


class Staff(Aggregate):
    PINNED_TOPIC = "casetrace.registry.Staff"

    class Enrolled(Aggregate.Created):
        staff_no: str
        name: str
        unit_code: str
        roles: frozenset[Role]

    class RolesChanged(Aggregate.Event):
        roles: frozenset[Role]

    class Deactivated(Aggregate.Event):
        pass

    class Reactivated(Aggregate.Event):
        pass

    class TokenGranted(Aggregate.Event):
        token_id: UUID
        label: str

    class TokenRevoked(Aggregate.Event):
        token_id: UUID

    @staticmethod
    def create_id(*_: object, staff_no: str = "", **__: object) -> UUID:
        # The library passes create_id only the keyword arguments it names.
        return staff_id(staff_no)

    @event(Enrolled)
    def __init__(
        self,
        *,
        audit: Audit,
        staff_no: str,
        name: str,
        unit_code: str,
        roles: frozenset[Role],
    ) -> None:
        self.staff_no = staff_no
        self.name = name
        self.unit_code = unit_code
        self.roles = roles
        self.active = True
        self.token_ids: dict[UUID, str] = {}

    @classmethod
    def enrol(
        cls,
        staff_no: str,
        name: str,
        unit_code: str,
        roles: frozenset[Role],
        audit: Audit,
    ) -> Staff:
        require_actor(audit)
        # The name is the actor's name in every event this person records: it
        # passes the shared text type (DESIGN §4) like anything a person types.
        cleaned: dict[str, str] = {}
        for field, value in (("staff_no", staff_no), ("name", name)):
            try:
                cleaned[field] = clean_text(value)
            except ValueError as exc:
                raise InvalidInputError(f"{field} {exc}", field=field) from None
        if not roles:
            raise InvalidInputError(
                "a member of staff holds at least one role", field="roles"
            )
        return cls(
            audit=audit,
            staff_no=cleaned["staff_no"],
            name=cleaned["name"],
            unit_code=normalise_region_code(unit_code),
            roles=frozenset(roles),
        )

    def actor(self, role: Role | None = None) -> Actor:
        """This member of staff as the actor of an audit stamp."""
        return Actor(
            kind=ActorKind.STAFF,
            id=self.staff_no,
            name=self.name,
            role=role,
            unit_code=self.unit_code,
        )

    def change_roles(self, roles: frozenset[Role], audit: Audit) -> None:
        require_reason(audit, "changing a member of staff's roles")
        if not roles:
            raise InvalidInputError(
                "a member of staff holds at least one role", field="roles"
            )
        if roles == self.roles:
            raise IllegalTransitionError("the roles are unchanged")
        self._roles_changed(audit=audit, roles=frozenset(roles))

    def deactivate(self, audit: Audit) -> None:
        require_reason(audit, "deactivating a member of staff")
        if not self.active:
            raise IllegalTransitionError("already inactive")
        self._deactivated(audit=audit)

    def reactivate(self, audit: Audit) -> None:
        require_reason(audit, "reactivating a member of staff")
        if self.active:
            raise IllegalTransitionError("already active")
        self._reactivated(audit=audit)

    def grant_token(self, token_id: UUID, label: str, audit: Audit) -> None:
        require_actor(audit)
        if not self.active:
            raise IllegalTransitionError("an inactive member of staff gets no token")
        self._token_granted(audit=audit, token_id=token_id, label=label)

    def revoke_token(self, token_id: UUID, audit: Audit) -> None:
        require_actor(audit)
        if token_id not in self.token_ids:
            raise IllegalTransitionError(
                f"token {token_id} is not active for {self.staff_no}"
            )
        self._token_revoked(audit=audit, token_id=token_id)

    @event(RolesChanged)
    def _roles_changed(self, audit: Audit, roles: frozenset[Role]) -> None:
        self.roles = roles

    @event(Deactivated)
    def _deactivated(self, audit: Audit) -> None:
        self.active = False

    @event(Reactivated)
    def _reactivated(self, audit: Audit) -> None:
        self.active = True

    @event(TokenGranted)
    def _token_granted(self, audit: Audit, token_id: UUID, label: str) -> None:
        self.token_ids[token_id] = label

    @event(TokenRevoked)
    def _token_revoked(self, audit: Audit, token_id: UUID) -> None:
        del self.token_ids[token_id]
