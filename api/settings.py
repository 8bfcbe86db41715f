"""Configuration from the environment (12-factor): one place that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    # Unset → a private embedded PostgreSQL with its data under data_dir/pg.
    database_url: str | None = None
    data_dir: Path = Path("var")
    # When set, every stored event is encrypted at rest (AES-GCM, 16/24/32-byte
    # key, base64), so personal data in events never sits in the clear.
    cipher_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # A year's State Council holiday notice, as data, before chinesecalendar ships it.
    calendar_overrides: Path | None = None
    max_body_bytes: int = 256 * 1024
    pool_size: int = 4
    log_level: str = "info"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        overrides = env.get("CASETRACE_CALENDAR_OVERRIDES")
        return cls(
            database_url=env.get("CASETRACE_DATABASE_URL") or None,
            data_dir=Path(env.get("CASETRACE_DATA_DIR", "var")),
            cipher_key=env.get("CASETRACE_CIPHER_KEY") or None,
            host=env.get("CASETRACE_HOST", "127.0.0.1"),
            port=int(env.get("CASETRACE_PORT", "8000")),
            calendar_overrides=Path(overrides) if overrides else None,
            max_body_bytes=int(env.get("CASETRACE_MAX_BODY_BYTES", str(256 * 1024))),
            pool_size=int(env.get("CASETRACE_POOL_SIZE", "4")),
            log_level=env.get("CASETRACE_LOG_LEVEL", "info"),
        )
