"""The production layout, `casetrace serve --workers 2`: a keep-alive client is
answered as promptly as by one worker, not ~40 ms late per response (Nagle's
algorithm left on by the multi-worker path waits for the client's delayed ACK;
tests/api/test_serving.py checks the socket option itself)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.served import free_port, served, server_env

pytestmark = pytest.mark.e2e

REQUESTS = 40
# A regression check, not a benchmark: a stalled response takes >= 40 ms; an
# answer from /healthz (no database) takes 1-3 ms even on a busy machine.
STALL_BOUND_S = 0.020


def test_two_workers_answer_a_keep_alive_client_without_a_delayed_ack_stall(
    database_url: str, tmp_path: Path
) -> None:
    env = server_env(database_url, tmp_path, free_port())
    args = ("--workers", "2", "--no-projections")
    with (
        served(env, tmp_path / "server.log", *args) as (base, _),
        httpx.Client(base_url=base, timeout=10) as client,
    ):
        for _ in range(5):  # the connection is open, its worker warm
            client.get("/healthz").raise_for_status()
        took = []
        for _ in range(REQUESTS):
            sent = time.perf_counter()
            client.get("/healthz").raise_for_status()
            took.append(time.perf_counter() - sent)
    assert statistics.median(took) < STALL_BOUND_S, took
