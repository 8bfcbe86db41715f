"""Which key signs the ledger's checkpoints, which key checks them, and the
origin of each log.

The signing key is configuration (CASETRACE_LEDGER_KEY, the text `casetrace
ledger keygen` prints), never the database: whoever can write the database
must not be able to sign. Unset (a development machine, the tests), the
signer makes one once in the data directory (`ledger.key`, mode 0600). Only
the signer makes a key: whatever only checks (the public routes, `casetrace
verify`, the export) takes the public key from CASETRACE_LEDGER_PUBLIC_KEY,
the signing key, or the key file, and never creates one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from api.audit.signing import LedgerKey
from api.host.settings import Settings
from domain.ledger.note import NoteError, parse_verifier_key

DEFAULT_NAME = "casetrace.local"
KEY_FILE = "ledger.key"


def origin(key_name: str, log: str) -> str:
    """A log's checkpoint origin (tlog-checkpoint's first line): the key's
    name, a slash and the log's name, e.g. `scjg.example.gov.cn/licensing`.
    Each log's checkpoints are signed under its origin as key name."""
    return f"{key_name}/{log}"


def log_of(key_name: str, checkpoint_origin: str) -> str | None:
    """The log an origin names, if it is one of this key's."""
    prefix = f"{key_name}/"
    if not checkpoint_origin.startswith(prefix):
        return None
    return checkpoint_origin[len(prefix) :] or None


@dataclass(frozen=True)
class Key:
    """A ledger's public key: its name (every log's origin starts with it)
    and the 32-byte Ed25519 key."""

    name: str
    public: bytes

    @classmethod
    def of(cls, key: LedgerKey) -> Key:
        return cls(key.name, key.public_key)

    @classmethod
    def parse(cls, vkey: str) -> Key:
        """From a verifier key, `<name>+<key id>+<base64(0x01 ‖ key)>`."""
        name, _, public = parse_verifier_key(vkey.strip())
        return cls(name, public)


def verifying_key(settings: Settings) -> Key | None:
    """The public key checkpoints must verify under, if this deployment
    knows it (never made here)."""
    if settings.ledger_public_key:
        return Key.parse(settings.ledger_public_key)
    if settings.ledger_key:
        return Key.of(LedgerKey.parse(settings.ledger_key.strip()))
    path = settings.data_dir / KEY_FILE
    try:
        return Key.of(LedgerKey.parse(path.read_text("ascii").strip()))
    except FileNotFoundError:
        return None
    except NoteError as exc:
        raise NoteError(f"{path}: {exc}") from None


def ledger_key(settings: Settings) -> LedgerKey:
    """The signing key: the configured one, or the data directory's (made on
    first use: the signer's, on a development machine)."""
    if settings.ledger_key:
        return LedgerKey.parse(settings.ledger_key.strip())
    return _key_file(settings.data_dir / KEY_FILE)


def _key_file(path: Path) -> LedgerKey:
    try:
        return LedgerKey.parse(path.read_text("ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = LedgerKey.generate(DEFAULT_NAME)
    # Written whole beside it, then linked into place: two processes starting
    # together both see one complete key (the first one's).
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key.encode() + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return LedgerKey.parse(path.read_text("ascii").strip())
    finally:
        draft.unlink()
    return key
