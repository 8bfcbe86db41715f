"""A bearer token bound to a member of staff; only its hash is ever stored.

The aggregate id is derived from the token's SHA-256, so authenticating is one
keyed read of the event store and the token itself is never written anywhere.
A token has 256 bits of entropy, so a fast hash is enough (no password KDF).
"""

from __future__ import annotations

import hashlib
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audit import Audit, require_actor
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate

TOKEN_PREFIX = "ct_"  # noqa: S105 — a public prefix, not a secret


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_id_for(secret: str) -> UUID:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return uuid5(NAMESPACE_URL, f"casetrace:registry:token:{digest}")


class Token(Aggregate):
    PINNED_TOPIC = "casetrace.registry.Token"

    class Issued(Aggregate.Created):
        staff_id: UUID
        label: str

    class Revoked(Aggregate.Event):
        pass

    @event(Issued)
    def __init__(self, *, audit: Audit, staff_id: UUID, label: str) -> None:
        self.staff_id = staff_id
        self.label = label
        self.revoked = False

    @classmethod
    def issue(cls, secret: str, staff_id: UUID, label: str, audit: Audit) -> Token:
        # The secret only derives the id; it is never an event field.
        return cls._create(
            cls.Issued,
            id=token_id_for(secret),
            audit=require_actor(audit),
            staff_id=staff_id,
            label=label,
        )

    def revoke(self, audit: Audit) -> None:
        require_actor(audit)
        if self.revoked:
            raise IllegalTransitionError("the token is already revoked")
        self._revoked(audit=audit)

    @event(Revoked)
    def _revoked(self, audit: Audit) -> None:
        self.revoked = True
