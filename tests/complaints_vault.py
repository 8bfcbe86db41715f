"""A Vault in memory, for the tests of the complaints context (the domain's,
the projections')."""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID


class MemoryVault:
    """Per-person keys in memory (the real one keeps them in PostgreSQL)."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes] = {}
        self.secret = secrets.token_bytes(32)

    def seal(self, person_id: UUID, plaintext: bytes) -> str:
        key = self.keys.setdefault(person_id, secrets.token_bytes(32))
        stream = hashlib.shake_256(key).digest(len(plaintext))
        return bytes(a ^ b for a, b in zip(plaintext, stream, strict=True)).hex()

    def open(self, person_id: UUID, box: str) -> bytes | None:
        key = self.keys.get(person_id)
        if key is None:
            return None
        data = bytes.fromhex(box)
        stream = hashlib.shake_256(key).digest(len(data))
        return bytes(a ^ b for a, b in zip(data, stream, strict=True))

    def shred(self, person_id: UUID) -> bool:
        return self.keys.pop(person_id, None) is not None

    def index(self, text: str) -> str:
        return hashlib.blake2b(text.encode(), key=self.secret).hexdigest()
