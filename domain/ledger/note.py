"""C2SP signed notes and tlog-checkpoint@v1.0.0 bodies: formatting and strict parsing.

A signed note (c2sp.org/signed-note) is a text ending in a newline, a blank
line, then one line per signature: "— <name> <base64(key id ‖ signature)>".
A checkpoint (c2sp.org/tlog-checkpoint) is a note whose text is the log's
origin, its tree size and its root hash, one per line, then optional
extension lines. The parsers accept only what the specs allow, because a
verifier that is lenient about syntax can be made to disagree with another
verifier about what was signed. Key names and ids follow Go's
golang.org/x/mod/sumdb/note, as the C2SP spec does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Final

ED25519: Final = 0x01  # the signed-note signature type of Ed25519
MAX_SIGNATURES: Final = 100  # Go's note.Open; the spec asks for at least 16
MAX_NOTE_BYTES: Final = 1 << 20  # ours: 100 post-quantum signatures fit well
MAX_TREE_SIZE: Final = (1 << 63) - 1
SIGNATURE_PREFIX: Final = "— "  # U+2014 EM DASH, U+0020 SPACE

_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # every one but newline


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """The text of a tlog-checkpoint: what a log commits to at one size."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise NoteError("a checkpoint's origin is one non-empty line")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise NoteError(f"a tree size is 0..2^63-1, not {self.size}")
        if len(self.root) != 32:
            raise NoteError("a checkpoint's root hash is 32 bytes")
        for line in self.extensions:
            if not line or "\n" in line or _CONTROL.search(line):
                raise NoteError("an extension is one non-empty line")

    def body(self) -> str:
        """The note text: origin, size, base64 root, extensions, each + "\\n"."""
        lines = (self.origin, str(self.size), _b64(self.root), *self.extensions)
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint's note text strictly (c2sp.org/tlog-checkpoint)."""
    check_text(body)
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint is at least three lines")
    if not all(lines):
        raise NoteError("a checkpoint has no empty line")
    origin, size, root, *extensions = lines
    if not _SIZE.fullmatch(size) or len(size) > 19:
        raise NoteError(f"malformed tree size {size!r}")
    if int(size) > MAX_TREE_SIZE:
        raise NoteError(f"tree size {size} is over 2^63-1")
    digest = _unb64(root, "root hash")
    if len(digest) != 32:
        raise NoteError(f"a root hash is 32 bytes, not {len(digest)}")
    return Checkpoint(origin, int(size), digest, tuple(extensions))


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, 4-byte key id and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        check_name(self.name)
        if len(self.key_id) != 4:
            raise NoteError("a key id is 4 bytes")
        if not self.signature:
            raise NoteError("a signature is not empty")

    def line(self) -> str:
        """The signature line, with its newline."""
        encoded = _b64(self.key_id + self.signature)
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class SignedNote:
    """A note text (ending in a newline) and its signatures, in order."""

    text: str
    signatures: tuple[Signature, ...]

    def __post_init__(self) -> None:
        check_text(self.text)
        if not self.signatures:
            raise NoteError("a signed note has at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise NoteError(f"more than {MAX_SIGNATURES} signatures")

    def format(self) -> str:
        """The note as sent: text, a blank line, one line per signature."""
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_note(message: str | bytes) -> SignedNote:
    """Parse a signed note strictly (c2sp.org/signed-note); nothing is verified."""
    raw = message if isinstance(message, bytes) else _utf8(message)
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError(f"a note is at most {MAX_NOTE_BYTES} bytes")
    try:
        message = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("a note is UTF-8") from None
    if _CONTROL.search(message):
        raise NoteError("a note has no control characters but newlines")
    # The text is separated from the signatures by the note's LAST blank line.
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("a note's signatures follow a blank line")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("a note ends with a signature line and its newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature(line) for line in lines))


def _parse_signature(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("a signature line starts with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    check_name(name)
    raw = _unb64(encoded, "signature")
    if len(raw) < 5:
        raise NoteError("a signature is a 4-byte key id and the signature")
    return Signature(name, raw[:4], raw[4:])


def key_id(name: str, public_key: bytes, algorithm: int = ED25519) -> bytes:
    """SHA-256(name ‖ "\\n" ‖ algorithm ‖ public key)[:4] (signed-note)."""
    data = name.encode() + b"\n" + bytes((algorithm,)) + public_key
    return hashlib.sha256(data).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """Go's verifier key: "<name>+<8 hex key id>+<base64(0x01 ‖ key)>"."""
    check_name(name)
    if len(public_key) != 32:
        raise NoteError("an Ed25519 public key is 32 bytes")
    encoded = _b64(bytes((ED25519,)) + public_key)
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    """(name, key id, Ed25519 public key) of a verifier key, strictly."""
    name, id_hex, raw = split_key(text)
    if raw[0] != ED25519 or len(raw) != 33:
        raise NoteError("not an Ed25519 verifier key")
    public_key = raw[1:]
    if key_id(name, public_key) != bytes.fromhex(id_hex):
        raise NoteError("the verifier key's id does not match its key")
    return name, bytes.fromhex(id_hex), public_key


def split_key(text: str) -> tuple[str, str, bytes]:
    """The name, hex key id and decoded key data of "<name>+<id>+<base64>"."""
    # The base64 part may itself contain '+', the name and the id may not.
    name, _, rest = text.partition("+")
    id_hex, _, encoded = rest.partition("+")
    check_name(name)
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise NoteError("a key id is 8 lowercase hexadecimal digits")
    raw = _unb64(encoded, "key")
    if not raw:
        raise NoteError("empty key")
    return name, id_hex, raw


def check_name(name: str) -> None:
    """Raise NoteError unless `name` is a valid key name.

    Go's isValidName: non-empty, no Unicode space, no '+'. (str.isspace
    covers the characters of Go's unicode.IsSpace.)
    """
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}")
    if _CONTROL.search(name):
        raise NoteError("a key name has no control characters")


def check_text(text: str) -> None:
    """Raise NoteError unless `text` can be a note's text."""
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    _utf8(text)
    if _CONTROL.search(text):
        raise NoteError("a note has no control characters but newlines")


def _utf8(text: str) -> bytes:
    # A str can hold lone surrogates, which have no UTF-8 encoding.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError("a note is UTF-8") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 §4), canonical: the one encoding of its bytes."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"malformed base64 {what}") from None
    if _b64(data) != text:  # non-zero padding bits, missing padding
        raise NoteError(f"non-canonical base64 {what}")
    return data
