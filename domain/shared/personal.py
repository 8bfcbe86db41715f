"""Personal data sealed inside events, under a key of each person's own.

投诉举报处理暂行办法 Art. 33: the bureau keeps a reporter's (and, by the same
article's logic, a complainant's) information confidential — never to the
reported party, never to unrelated staff. DESIGN §2 (Storage): the data is
encrypted inside the event with a per-person key, so destroying that key
(crypto-shredding) when the retention period ends makes the data unreadable
without rewriting a single stored event; the log, and the ledger's hashes
over the stored bytes, stay intact.

An event therefore holds a `Sealed` value: who (a `PersonRef`: an id and a
stable pseudonym such as 举报人#7F3A, which is all that lists, other roles,
statistics, logs and the public ever see) and a box (the person's details,
encrypted). The domain only knows the `Vault` protocol; the keys live outside
the event store (api/host/vault.py), so a copy of the events is not a copy of
the people in them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Protocol, runtime_checkable
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.shared.text import Line, OptionalLine

# Who a sealed person is in a case: the prefix of their pseudonym.
SUBMITTER = "来件人"  # at intake, before it is known what the matter is
COMPLAINANT = "投诉人"
REPORTER = "举报人"
AGENT = "代理人"
REPRESENTATIVE = "代表人"


class PersonalDetails(BaseModel):
    """A natural person's contact details (Art. 9: name, phone, address; an
    ID number optional; Art. 10: an agent shows the original ID)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Line(100)]
    phone: Annotated[str, Line(40)]
    address: Annotated[str, OptionalLine(300)] = ""
    id_number: Annotated[str, OptionalLine(40)] = ""


class PersonRef(BaseModel):
    """A person as everyone but the entitled sees them: a stable pseudonym."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    pseudonym: str


class Sealed(BaseModel):
    """A person's details in an event: the reference, and the details encrypted
    under the person's own key (unreadable once the key is destroyed)."""

    model_config = ConfigDict(frozen=True)

    person: PersonRef
    box: str


def pseudonym(role: str, person_id: UUID) -> str:
    """Stable for a person, and revealing nothing about them: 举报人#7F3A."""
    tag = hashlib.sha256(person_id.bytes).hexdigest()[:4].upper()
    return f"{role}#{tag}"


@runtime_checkable
class Vault(Protocol):
    """Per-person keys: seal, open, and destroy (api/host/vault.py)."""

    def seal(self, person_id: UUID, plaintext: bytes) -> str: ...

    def open(self, person_id: UUID, box: str) -> bytes | None:
        """The plaintext, or None when the person's key was destroyed."""
        ...

    def shred(self, person_id: UUID) -> bool:
        """Destroy the person's key; True if there was one to destroy."""
        ...

    def index(self, text: str) -> str:
        """A keyed hash of `text` (a blind index): equal texts match, and
        without the vault's secret the index reveals nothing."""
        ...


def seal(vault: Vault, role: str, person_id: UUID, details: PersonalDetails) -> Sealed:
    box = vault.seal(
        person_id,
        json.dumps(details.model_dump(mode="json"), ensure_ascii=False).encode(),
    )
    return Sealed(
        person=PersonRef(id=person_id, pseudonym=pseudonym(role, person_id)), box=box
    )


def as_role(sealed: Sealed, role: str) -> Sealed:
    """The same person and box, under the pseudonym of their role in a case
    (the submitter of an intake becomes a complaint's 投诉人); the tag, made
    from the person's id, stays the same."""
    person = PersonRef(id=sealed.person.id, pseudonym=pseudonym(role, sealed.person.id))
    return Sealed(person=person, box=sealed.box)


def unseal(vault: Vault, sealed: Sealed) -> PersonalDetails | None:
    """The details, or None once the retention period ended and the key went."""
    plain = vault.open(sealed.person.id, sealed.box)
    if plain is None:
        return None
    return PersonalDetails.model_validate(json.loads(plain))
