"""kill -9 of the server in the middle of a request, then a same-key retry.

A proxy between the server and PostgreSQL holds the transaction at its
COMMIT, so the kill lands at a known point: after the COMMIT reached the
server (committed, answer never sent) or before (rolled back). Either way the
retry with the same Idempotency-Key yields exactly one case; when the first
attempt committed, the retry gets its body (receipt number, query code).
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.api.conftest import applicant
from tests.e2e.served import free_port, served, server_env
from tests.e2e.test_server import cli
from tests.faultproxy import FaultProxy, Mode, for_database, via

pytestmark = pytest.mark.e2e


@pytest.fixture
def proxy(database_url: str) -> Iterator[FaultProxy]:
    proxy = for_database(database_url)
    yield proxy
    proxy.close()


def receipts_named(database_url: str, name: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM licensing_events WHERE topic LIKE %s"
            " AND convert_from(state, 'UTF8') LIKE %s",
            ("%LicenceApplication.Received", f"%{name}%"),
        ).fetchone()
    assert row is not None
    return int(row[0])


def clerk_token(env: dict[str, str]) -> str:
    staff_no = f"K9-{uuid.uuid4().hex[:6]}"
    cli(env, "staff", "enrol", staff_no, "测试", "--unit", "320803", "--role", "clerk")
    out = cli(env, "tokens", "create", "--staff", staff_no)
    return next(
        line.split()[-1] for line in out.splitlines() if line.startswith("token:")
    )


def kill_mid_request(
    database_url: str, proxy: FaultProxy, tmp_path: Path, mode: Mode
) -> tuple[httpx.Response | None, httpx.Response, str]:
    """Send a keyed receipt, kill -9 the server while its COMMIT is held, start a
    new server and retry; returns (first answer if any, retry answer, name)."""
    env = server_env(via(database_url, proxy), tmp_path, free_port())
    token = clerk_token(env)
    name = f"强杀测试{uuid.uuid4().hex[:8]}有限公司"
    request: dict[str, Any] = {
        "json": {
            "item_code": "XK-TZSB-SYDJ",
            "applicant": applicant(88, name=name),
            "materials": ["特种设备使用登记表"],
        },
        "headers": {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"k9-{uuid.uuid4()}",
        },
    }
    log = tmp_path / "server.log"
    first: httpx.Response | None = None
    with served(env, log, "--no-projections") as (base, process):
        proxy.arm(mode)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(
                httpx.post, f"{base}/v1/licensing/applications", timeout=30, **request
            )
            assert proxy.fired.wait(timeout=20), log.read_text()
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            proxy.release()
            try:
                first = pending.result(timeout=30)
            except httpx.TransportError:
                first = None  # the connection died with the server
    with served(env, log, "--no-projections") as (base, _):
        retry = httpx.post(f"{base}/v1/licensing/applications", timeout=30, **request)
    return first, retry, name


def test_kill_after_the_commit_then_a_same_key_retry_returns_the_first_case(
    database_url: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    first, retry, name = kill_mid_request(
        database_url, proxy, tmp_path, "hold_commit_answer"
    )
    assert first is None
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    body = retry.json()
    assert body["receipt_number"].startswith("320803")
    assert len(body["query_code"]) == 14  # XXXX-XXXX-XXXX, shown once
    assert receipts_named(database_url, name) == 1


def test_kill_before_the_commit_then_a_same_key_retry_files_the_case_once(
    database_url: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    first, retry, name = kill_mid_request(database_url, proxy, tmp_path, "hold_commit")
    assert first is None
    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers
    assert receipts_named(database_url, name) == 1
