"""Ed25519 signed notes: the ledger's signing key and note verification.

The key's text form is Go's signer key (golang.org/x/mod/sumdb/note):
"PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte seed)>". One key
signs every log's checkpoints, each under the log's origin as key name. Each
name has its own key id, so a verifier configured for one log does not
recognise another log's notes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.ledger.note import (
    ED25519,
    NoteError,
    Signature,
    SignedNote,
    check_name,
    check_text,
    key_id,
    parse_note,
    split_key,
    verifier_key,
)

_PRIVATE = "PRIVATE+KEY+"


class LedgerKey:
    """An Ed25519 private key (its 32-byte seed) and its default key name."""

    def __init__(self, name: str, seed: bytes) -> None:
        check_name(name)
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._seed = bytes(seed)
        self._private = Ed25519PrivateKey.from_private_bytes(self._seed)
        self._public = self._private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls, name: str) -> LedgerKey:
        """A new random key."""
        return cls(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def parse(cls, skey: str) -> LedgerKey:
        """A key from Go's signer-key text; its key id must match."""
        if not skey.startswith(_PRIVATE):
            raise NoteError("a signer key starts with PRIVATE+KEY+")
        name, id_hex, raw = split_key(skey[len(_PRIVATE) :])
        if raw[0] != ED25519 or len(raw) != 33:
            raise NoteError("not an Ed25519 signer key")
        key = cls(name, raw[1:])
        if key.key_id().hex() != id_hex:
            raise NoteError("the signer key's id does not match its key")
        return key

    def encode(self) -> str:
        """Go's signer-key text (secret: it can sign)."""
        encoded = base64.b64encode(bytes((ED25519,)) + self._seed).decode("ascii")
        return f"{_PRIVATE}{self.name}+{self.key_id().hex()}+{encoded}"

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return self._public

    def key_id(self, name: str | None = None) -> bytes:
        """The 4-byte key id under `name` (default: the key's own name)."""
        return key_id(self.name if name is None else name, self._public)

    def verifier_key(self, name: str | None = None) -> str:
        """Go's verifier-key text to give to verifiers, under `name`."""
        return verifier_key(self.name if name is None else name, self._public)

    def sign_note(self, text: str, name: str | None = None) -> str:
        """The signed note: text, a blank line and this key's signature line.

        The signature covers the text including its final newline.
        """
        check_text(text)
        signer = self.name if name is None else name
        check_name(signer)
        signature = self._private.sign(text.encode("utf-8"))
        line = Signature(signer, self.key_id(signer), signature)
        return SignedNote(text, (line,)).format()

    def __repr__(self) -> str:
        # Never the seed: a key in a log line or a traceback must not leak.
        return f"LedgerKey({self.name!r}, key id {self.key_id().hex()})"


def verify_note(message: str, keys: Sequence[tuple[str, bytes]]) -> SignedNote:
    """The note, if a signature by one of `keys` (name, public key) verifies.

    Signatures by other keys (witnesses' cosignatures, say) are ignored, as
    the signed-note spec requires. A signature whose name and key id match a
    given key but which does not verify rejects the whole note.
    """
    note = parse_note(message)
    known = _known(keys)
    data = note.text.encode("utf-8")
    verified = False
    for signature in note.signatures:
        public = known.get((signature.name, signature.key_id))
        if public is None:
            continue
        try:
            public.verify(signature.signature, data)
        except InvalidSignature:
            raise NoteError(
                f"signature does not verify ({signature.name}+{signature.key_id.hex()})"
            ) from None
        verified = True
    if not verified:
        raise NoteError("signed by an unknown key")
    return note


def _known(
    keys: Sequence[tuple[str, bytes]],
) -> dict[tuple[str, bytes], Ed25519PublicKey]:
    """The given keys by (name, key id); two keys under one (name, id) are
    refused rather than guessed between (Go: "ambiguous key")."""
    known: dict[tuple[str, bytes], tuple[bytes, Ed25519PublicKey]] = {}
    for name, public in keys:
        check_name(name)
        if len(public) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        slot = (name, key_id(name, public))
        if slot in known and known[slot][0] != public:
            raise NoteError(f"ambiguous key {name}+{slot[1].hex()}")
        known[slot] = (bytes(public), Ed25519PublicKey.from_public_bytes(public))
    return {slot: key for slot, (_, key) in known.items()}
