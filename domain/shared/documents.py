"""Documents stored by content address (SHA-256 of their bytes).

Events never carry a document's bytes, only its `DocumentRef`: the same bytes
always have the same address, so storing twice stores once, and a changed
document is a new address beside the old one (every version is kept).
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from domain.shared.text import Line

MediaType = Literal["application/pdf", "image/jpeg", "image/png"]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ADDRESS = re.compile(r"[0-9a-f]{64}")


def content_address(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_address(text: str) -> bool:
    """A well-formed address (64 lower-case hex digits), before any lookup."""
    return ADDRESS.fullmatch(text) is not None


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Sha256
    media_type: MediaType
    size: int = Field(ge=1)
    name: Annotated[str, Line(200)]


class DocumentIntegrityError(Exception):
    """Bytes that are not what their address says: refused on the way in,
    reported (never served) on the way out."""


class DocumentStore(Protocol):
    """Where documents' bytes live; `put` is idempotent by address.

    `put` stores the bytes under their address and returns it; given
    `expected`, it refuses bytes whose hash differs (a transfer that lost or
    changed something). `get` returns the bytes of an address, None for an
    unknown one, and raises DocumentIntegrityError rather than return bytes
    that no longer hash to it."""

    def put(
        self, content: bytes, media_type: MediaType, expected: str | None = None
    ) -> str: ...

    def get(self, sha256: str) -> bytes | None: ...


def verified(content: bytes, expected: str | None) -> str:
    """The bytes' address, checked against the one the caller expects."""
    if not content:
        raise DocumentIntegrityError("a document has at least one byte")
    address = content_address(content)
    if expected is not None and address != expected:
        raise DocumentIntegrityError(
            f"the bytes hash to {address}, not to the expected {expected}"
        )
    return address


def checked(sha256: str, content: bytes | None) -> bytes | None:
    """Bytes read back from a store, served only if they still hash to their address."""
    if content is not None and content_address(content) != sha256:
        raise DocumentIntegrityError(f"the stored bytes of {sha256} do not hash to it")
    return content


def store_document(
    store: DocumentStore, content: bytes, media_type: MediaType, name: str
) -> DocumentRef:
    """Store the bytes and return the reference an event carries."""
    address = store.put(content, media_type)
    return DocumentRef(
        sha256=address, media_type=media_type, size=len(content), name=name
    )
