"""Documents stored by content address (SHA-256 of their bytes).

Events never carry a document's bytes, only its `DocumentRef`: the same bytes
always have the same address, so storing twice stores once, and a changed
document is a new address beside the old one (every version is kept).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from domain.shared.text import Line

MediaType = Literal["application/pdf", "image/jpeg", "image/png"]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def content_address(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Sha256
    media_type: MediaType
    size: int = Field(ge=1)
    name: Annotated[str, Line(200)]


class DocumentStore(Protocol):
    """Where documents' bytes live; `put` is idempotent by address."""

    def put(self, content: bytes, media_type: MediaType) -> str: ...

    def get(self, sha256: str) -> bytes | None: ...
