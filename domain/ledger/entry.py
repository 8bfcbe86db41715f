"""The ledger's leaf: one stored event, exactly as its events table holds it.

A leaf covers the event's place (its log and its position there) and its
stored form: topic, originator id, originator version and the state bytes as
stored — compressed and encrypted when the store is configured so, and with a
complainant's personal data sealed under that person's own key inside them.
Destroying a person's key (crypto-shredding) changes no stored byte, so every
leaf and every checkpoint still verifies; editing, deleting, inserting or
moving an event changes a leaf.

The encoding (README "The ledger"), big-endian, each variable part
length-prefixed so that no two events share an encoding:

    u8   1                           the encoding's version
    u8   len(log)     + log          UTF-8, 1..255 bytes (the application's name)
    u64  position                    the notification id in that log
    u16  len(topic)   + topic        UTF-8
    u8   len(id)      + id           the originator id as text (a UUID: 36
                                     lowercase hexadecimal digits and hyphens)
    u64  originator version
    u32  len(state)   + state        the bytes as stored

leaf hash = SHA-256(0x00 ‖ entry) (RFC 6962 §2.1, domain/ledger/merkle.py).

The library's columns for topic and state allow NULL, which it never writes:
a NULL is encoded as empty. A value the encoding cannot hold (a negative
version, a topic longer than 65,535 bytes) has no entry (`stored_entry`).
"""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import Final
from uuid import UUID

ENCODING: Final = 1
_HEAD = struct.Struct(">BB")
_U64 = struct.Struct(">Q")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


def entry(
    log: str,
    position: int,
    topic: str,
    originator_id: UUID | str,
    originator_version: int,
    state: bytes,
) -> bytes:
    """The leaf entry of one stored event (the module docstring's encoding).

    Runs once per event when `casetrace verify` re-hashes a log (ten million
    of them), so the parts a log repeats are encoded once."""
    origin = str(originator_id).encode()
    return b"".join(
        (
            _log_part(log),
            _U64.pack(position),
            _topic_part(topic),
            bytes((len(origin),)),
            origin,
            _U64.pack(originator_version),
            _U32.pack(len(state)),
            state,
        )
    )


@lru_cache(maxsize=64)
def _log_part(log: str) -> bytes:
    name = log.encode()
    return _HEAD.pack(ENCODING, len(name)) + name


@lru_cache(maxsize=4096)
def _topic_part(topic: str) -> bytes:
    kind = topic.encode()
    return _U16.pack(len(kind)) + kind


def stored_entry(
    log: str,
    position: int,
    topic: str | None,
    originator_id: UUID | str,
    originator_version: int,
    state: bytes | None,
) -> bytes | None:
    """The leaf entry of a row as an events table holds it, whatever is in
    it: NULL topic or state as empty; None for a row the encoding cannot
    hold (only a hand-made row is like that)."""
    try:
        return entry(
            log,
            position,
            topic or "",
            originator_id,
            originator_version,
            bytes(state or b""),
        )
    except (struct.error, ValueError, OverflowError):
        return None
