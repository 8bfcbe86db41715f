"""The bench's subprocesses: `casetrace serve` and `casetrace project`, as in
production, and the reference servers, started and stopped around the HTTP
phases; and the CPU time they spend."""

from __future__ import annotations

import os
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


def reference_exe() -> list[str]:
    return [sys.executable, "-m", "api.bench.reference"]


def spawn(
    args: list[str], env: dict[str, str], log: Path, program: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """`casetrace ARGS` (or PROGRAM ARGS) in a session of its own, output to LOG."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own console script)
            [*(program or casetrace_exe()), *args],
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its descendants (uvicorn's
    worker processes), from /proc (Linux); 0 where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = _proc_stats()
    tree, grew = {pid}, True
    while grew:
        children = {p for p, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(stats[p][1] for p in tree if p in stats) / tick


def _proc_stats() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, utime + stime in clock ticks) of every process."""
    stats: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces: split after it.
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        stats[int(entry.parent.name)] = (
            int(fields[1]),
            int(fields[11]) + int(fields[12]),
        )
    return stats
