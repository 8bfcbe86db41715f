"""The ledger in the real server: `casetrace serve` signs checkpoints by
itself (its background signer), publishes them with its key, and `casetrace
verify` — another process, on the same database — finds the log intact and
consistent with a checkpoint exported for a witness."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from api.audit.signing import verify_note
from domain.ledger.note import parse_checkpoint, parse_verifier_key
from tests.e2e.served import (
    CASETRACE,
    free_port,
    receive_application,
    served,
    server_env,
)

pytestmark = pytest.mark.e2e


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CASETRACE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_server_signs_checkpoints_that_verify_and_a_witness_can_keep(
    fresh_database: str, tmp_path: Path
) -> None:
    env = {
        **server_env(fresh_database, tmp_path, free_port()),
        "CASETRACE_CHECKPOINT_SECONDS": "1",
    }
    with served(env, tmp_path / "server.log") as (base, _):
        assert (
            run(
                env,
                "staff",
                "enrol",
                "L-CLERK",
                "窗口",
                "--unit",
                "320803",
                "--role",
                "clerk",
            ).returncode
            == 0
        )
        token = next(
            line.split()[-1]
            for line in run(
                env, "tokens", "create", "--staff", "L-CLERK"
            ).stdout.splitlines()
            if line.startswith("token:")
        )
        position = receive_application(base, token, 31)["position"]
        key = httpx.get(f"{base}/public/v1/ledger/key").json()
        name, _, public = parse_verifier_key(key["verifier_keys"]["licensing"])
        deadline = time.monotonic() + 60
        size = 0
        while time.monotonic() < deadline:
            note = httpx.get(
                f"{base}/public/v1/ledger/checkpoint", params={"log": "licensing"}
            )
            if note.status_code == 200:
                size = parse_checkpoint(
                    verify_note(note.text, [(name, public)]).text
                ).size
                if size >= position:
                    break
            time.sleep(0.5)
        assert size >= position, "no checkpoint covers the new application"
        kept = tmp_path / "kept.json"
        assert run(env, "ledger", "export", str(kept)).returncode == 0
    verified = run(env, "verify", "--against", str(kept))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "licensing: " in verified.stdout
    assert "verified " in verified.stdout
