"""The bench's subprocesses: `casetrace serve` and `casetrace project`, as in
production, started and stopped around the HTTP phases."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def casetrace_exe() -> list[str]:
    exe = Path(sys.executable).with_name("casetrace")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "api.host.cli"]


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own console script)
            [*casetrace_exe(), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_http(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def wait_projector(
    url: str, process: subprocess.Popen[bytes], models: int, timeout: float = 60
) -> None:
    """Until the projector has built a first generation of all `models` models."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the projector exited with {process.returncode}")
            if _active_generations(conn) >= models:
                return
            time.sleep(0.2)
    raise RuntimeError("the projector did not start in time")


def _active_generations(conn: psycopg.Connection[Any]) -> int:
    try:
        row = conn.execute(
            "SELECT count(*) FROM casetrace_read.generations WHERE state = 'active'"
        ).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0
