"""Start `casetrace serve` as its own process and wait until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import applicant

CASETRACE = str(Path(sys.executable).parent / "casetrace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "CASETRACE_DATABASE_URL": database_url,
        "CASETRACE_PORT": str(port),
        "CASETRACE_DATA_DIR": str(data_dir),
    }


@contextmanager
def served(
    env: dict[str, str], log_path: Path, *args: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server's base URL and process; terminated (if still alive) on exit."""
    base = f"http://127.0.0.1:{env['CASETRACE_PORT']}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [CASETRACE, "serve", *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"server did not start: {log_path.read_text()}")
            yield base, process
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """A `casetrace` command on the same database; its output (it must succeed)."""
    done = subprocess.run(
        [CASETRACE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def receive_application(base: str, token: str, seed: int) -> dict[str, Any]:
    """An application received at the window by the token's clerk: its id,
    receipt number, query code and position."""
    created = httpx.post(
        f"{base}/v1/licensing/applications",
        json={
            "item_code": "XK-TZSB-SYDJ",
            "applicant": applicant(seed),
            "materials": ["特种设备使用登记表"],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())
