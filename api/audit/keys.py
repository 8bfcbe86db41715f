"""Which key signs the ledger's checkpoints, and the origin of each log.

The key is configuration (CASETRACE_LEDGER_KEY, the text `casetrace ledger
keygen` prints), never the database: whoever can write the database must not
be able to sign. Unset (a development machine, the tests), it is made once in
the data directory (`ledger.key`, mode 0600) and kept there.
"""

from __future__ import annotations

import os
from pathlib import Path

from api.audit.signing import LedgerKey
from api.host.settings import Settings

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


def ledger_key(settings: Settings) -> LedgerKey:
    """The configured key, or the data directory's (made on first use)."""
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
