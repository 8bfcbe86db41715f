"""The real server: `casetrace serve` in its own process, driven over HTTP, and
set up with the real CLI (`casetrace staff enrol`, `casetrace tokens create`)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.api.conftest import applicant
from tests.e2e.served import CASETRACE, cli, free_port, served, server_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str], Path]]:
    log_path = tmp_path_factory.mktemp("e2e") / "server.log"
    env = server_env(database_url, log_path.parent, free_port())
    with served(env, log_path) as (base, _):
        yield base, env, log_path


def test_the_served_api_publishes_its_docs_and_catalogue(
    server: tuple[str, dict[str, str], Path],
) -> None:
    base, _, _ = server
    assert httpx.get(f"{base}/docs").status_code == 200
    spec = httpx.get(f"{base}/openapi.json").json()
    assert "/v1/licensing/applications/{case_id}/grant" in spec["paths"]
    items = httpx.get(f"{base}/v1/licensing/items").json()["items"]
    assert {"XK-GYCP-SCXK", "XK-TZSB-SYDJ"} <= {i["code"] for i in items}


def test_staff_enrolled_and_tokened_by_the_cli_can_receive_and_accept(
    server: tuple[str, dict[str, str], Path],
) -> None:
    base, env, log_path = server
    cli(
        env,
        "staff",
        "enrol",
        "E2E-CLERK",
        "端到端",
        "--unit",
        "320803",
        "--role",
        "clerk",
    )
    token = next(
        line.split()[-1]
        for line in cli(env, "tokens", "create", "--staff", "E2E-CLERK").splitlines()
        if line.startswith("token:")
    )
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-req-1"}
    body = {
        "item_code": "XK-TZSB-SYDJ",
        "applicant": applicant(77),
        "materials": ["特种设备使用登记表"],
    }
    created = httpx.post(
        f"{base}/v1/licensing/applications", json=body, headers=headers
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "e2e-req-1"
    case = created.headers["location"]
    accepted = httpx.post(
        f"{base}{case}/accept", headers={**headers, "If-Match": created.headers["etag"]}
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    stale = httpx.post(
        f"{base}{case}/accept", headers={**headers, "If-Match": created.headers["etag"]}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    lines = [
        orjson.loads(line)
        for line in log_path.read_bytes().splitlines()
        if line.startswith(b"{")
    ]
    logged = [
        entry
        for entry in lines
        if entry.get("request_id") == "e2e-req-1" and entry.get("event") == "request"
    ]
    assert logged
    assert logged[0]["principal"] == "E2E-CLERK"
    assert logged[0]["case_id"]


def test_a_revoked_token_is_refused_by_the_server(
    server: tuple[str, dict[str, str], Path],
) -> None:
    base, env, _ = server
    cli(env, "staff", "enrol", "E2E-AUDIT", "审计", "--unit", "32", "--role", "auditor")
    out = cli(env, "tokens", "create", "--staff", "E2E-AUDIT").splitlines()
    token_id = out[0].split()[-1]
    token = out[1].split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    probe = f"{base}/v1/licensing/applications/00000000-0000-0000-0000-000000000000"
    assert httpx.get(probe, headers=headers).status_code == 404
    cli(env, "tokens", "revoke", token_id, "--reason", "离职")
    refused = httpx.get(probe, headers=headers)
    assert refused.status_code == 401
    assert "Bearer" in refused.headers["www-authenticate"]


@pytest.mark.parametrize("workers", [1, 2])
def test_stopping_the_server_also_stops_its_embedded_postgresql(
    tmp_path: Path, workers: int
) -> None:
    """uvicorn re-raises SIGTERM after shutting down; the embedded database must
    still be stopped (nothing left running on the machine), with one worker or several."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CASETRACE_DATABASE_URL"}
    env |= {"CASETRACE_DATA_DIR": str(tmp_path), "CASETRACE_PORT": str(port)}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [CASETRACE, "serve", "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(
                        f"http://127.0.0.1:{port}/v1/licensing/items", timeout=1
                    ).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail((tmp_path / "server.log").read_text())
        assert (tmp_path / "pg" / "postmaster.pid").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    deadline = time.monotonic() + 15
    while (tmp_path / "pg" / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (tmp_path / "pg" / "postmaster.pid").exists(), (
        tmp_path / "server.log"
    ).read_text()


def test_the_served_read_models_follow_commands_and_survive_a_live_rebuild(
    server: tuple[str, dict[str, str], Path],
) -> None:
    base, env, _ = server
    cli(
        env,
        "staff",
        "enrol",
        "E2E-READ",
        "读模型",
        "--unit",
        "320803",
        "--role",
        "clerk",
    )
    token = next(
        line.split()[-1]
        for line in cli(env, "tokens", "create", "--staff", "E2E-READ").splitlines()
        if line.startswith("token:")
    )
    headers = {"Authorization": f"Bearer {token}"}
    uscc = applicant(78)["uscc"]
    created = httpx.post(
        f"{base}/v1/licensing/applications",
        json={
            "item_code": "XK-TZSB-SYDJ",
            "applicant": applicant(78),
            "materials": ["特种设备使用登记表"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    position = created.json()["position"]

    def index() -> list[dict[str, object]]:
        page = httpx.get(
            f"{base}/v1/licensing/applications",
            params={"applicant_uscc": uscc, "consistent_after": position},
            headers=headers,
            timeout=10,
        )
        assert page.status_code == 200, page.text
        return list(page.json()["items"])

    before = index()  # the in-process projector has caught up to the command
    assert [row["receipt_number"] for row in before] == [
        created.json()["receipt_number"]
    ]

    rebuilt = cli(env, "project", "--rebuild", "applications")
    assert "is now live" in rebuilt
    assert index() == before  # same rows from the new generation

    ticked = cli(env, "clock", "--once")
    assert ticked.startswith("fired "), ticked


def test_the_served_lookup_limit_ignores_forwarding_headers_from_an_untrusted_peer(
    server: tuple[str, dict[str, str], Path], database_url: str
) -> None:
    """uvicorn's own proxy-header handling trusted 127.0.0.1 by default, so a
    client rotating X-Forwarded-For escaped the limit (issue 7 §4)."""
    import psycopg

    from api.http.limits import MAX_FAILURES

    base, _, _ = server
    params = {"receipt_number": "32080319990101000000", "query_code": "AAAA-BBBB-CCCC"}
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            statuses = [
                client.get(
                    "/public/v1/progress",
                    params=params,
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                ).status_code
                for n in range(MAX_FAILURES + 2)
            ]
        assert statuses == [404] * MAX_FAILURES + [429, 429]
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM casetrace_api.lookup_failures")


def test_a_refusal_on_the_command_line_is_a_message_not_a_traceback(
    server: tuple[str, dict[str, str], Path],
) -> None:
    _, env, _ = server
    done = subprocess.run(
        [
            CASETRACE,
            "staff",
            "enrol",
            "E2E-BIDI",
            "\u202e假名",
            "--unit",
            "32",
            "--role",
            "clerk",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr
