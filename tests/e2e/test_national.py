"""One network (一张网) on loopback: deployment A (a county) and deployment
B (the province), each its own `casetrace serve` on its own embedded
PostgreSQL server. A licence granted and then revoked through A's API reaches
B's national view by `casetrace follow A --once`, run against B's database;
with A stopped, `follow --once` fails cleanly and B's store is unchanged."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.host.storage import start_embedded
from tests.api.conftest import applicant
from tests.api.helpers import COMMITMENT_ITEM, COMMITMENT_MATERIALS
from tests.e2e.served import CASETRACE, free_port, served, server_env

pytestmark = pytest.mark.e2e

FEED = "/public/v1/disclosures/feed.atom"
NATIONAL = "/public/v1/disclosures/national"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CASETRACE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def second_server(root: Path) -> str:
    """Another embedded PostgreSQL server (B's), with a database of its own."""
    server = start_embedded(root / "pg-b", throwaway=True)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "province"')
    return make_conninfo(**{**conninfo_to_dict(server), "dbname": "province"})  # type: ignore[arg-type]


def token(env: dict[str, str], staff_no: str, role: str) -> dict[str, str]:
    enrolled = run(
        env, "staff", "enrol", staff_no, role, "--unit", "320803", "--role", role
    )
    assert enrolled.returncode == 0, enrolled.stderr
    made = run(env, "tokens", "create", "--staff", staff_no)
    secret = next(
        line.split()[-1]
        for line in made.stdout.splitlines()
        if line.startswith("token:")
    )
    return {"Authorization": f"Bearer {secret}"}


def until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def grant_licence(base: str, clerk: dict[str, str], approver: dict[str, str]) -> str:
    """Receive, accept and grant a 告知承诺 application on A; the licence id."""
    created = httpx.post(
        f"{base}/v1/licensing/applications",
        json={
            "item_code": COMMITMENT_ITEM,
            "approval_mode": "notify_and_commit",
            "applicant": applicant(7301),
            "materials": COMMITMENT_MATERIALS,
            "commitment": {
                "signed_on": "2026-11-20",
                "signatory": "张三",
                "statement": "本机构承诺符合资质认定条件",
            },
        },
        headers=clerk,
    )
    assert created.status_code == 201, created.text
    case = f"{base}/v1/licensing/applications/{created.json()['id']}"
    accepted = httpx.post(f"{case}/accept", headers=clerk)
    assert accepted.status_code == 200, accepted.text
    granted = httpx.post(
        f"{case}/grant",
        json={
            "decision_number": "淮区市监资〔2026〕73号",
            "scope": "建筑材料检测",
            "reason": "申请人承诺符合条件",
        },
        headers=approver,
    )
    assert granted.status_code == 200, granted.text
    return str(granted.json()["licence_id"])


def national(base: str, **params: str) -> list[dict[str, Any]]:
    found = httpx.get(f"{base}{NATIONAL}", params={"limit": "200", **params})
    assert found.status_code == 200, found.text
    return list(found.json()["items"])


def test_a_grant_and_its_revocation_on_a_reach_the_national_view_of_b(
    fresh_database: str, tmp_path: Path
) -> None:
    b_url = second_server(tmp_path)
    env_a = server_env(fresh_database, tmp_path / "a", free_port())
    env_b = server_env(b_url, tmp_path / "b", free_port())
    with served(env_b, tmp_path / "b.log") as (b_base, _):
        not_yet = httpx.get(f"{b_base}{NATIONAL}")
        assert not_yet.json()["items"] == []  # nothing followed yet
        with served(env_a, tmp_path / "a.log") as (a_base, _):
            clerk = token(env_a, "A-CLERK", "clerk")
            approver = token(env_a, "A-APPROVER", "approver")
            licence_id = grant_licence(a_base, clerk, approver)

            def published_on_a() -> list[dict[str, Any]]:
                return list(
                    httpx.get(f"{a_base}/public/v1/disclosures").json()["items"]
                )

            (grant,) = until(published_on_a, "A to publish the grant")
            followed = run(env_b, "follow", "--once", f"{a_base}{FEED}")
            assert followed.returncode == 0, followed.stdout + followed.stderr
            (seen,) = national(b_base)
            assert seen["id"] == grant["id"]
            assert seen["status"] == "published"
            assert seen["record"]["decision_number"] == "淮区市监资〔2026〕73号"
            assert seen["source"].startswith("tag:")

            revoked = httpx.post(
                f"{a_base}/v1/licensing/licences/{licence_id}/revoke",
                json={"ground": "procedure_violated", "reason": "违反法定程序作出"},
                headers=approver,
            )
            assert revoked.status_code == 200, revoked.text
            until(
                lambda: (
                    httpx.get(f"{a_base}/public/v1/disclosures/{grant['id']}")
                    .json()
                    .get("status")
                    == "retracted"
                ),
                "A to retract the grant",
            )
            until(
                lambda: "at:deleted-entry" in httpx.get(f"{a_base}{FEED}").text,
                "A's feed to carry the tombstone",
            )
            followed = run(env_b, "follow", "--once", f"{a_base}{FEED}")
            assert followed.returncode == 0, followed.stdout + followed.stderr
        after = {e["id"]: e for e in national(b_base)}
        assert after[grant["id"]]["status"] == "retracted"
        assert after[grant["id"]]["record"] is None
        (revocation,) = [e for e in after.values() if e["id"] != grant["id"]]
        assert revocation["record"]["category"] == "revoked"
        stats = httpx.get(f"{b_base}{NATIONAL}/statistics").json()
        assert stats["by_status"] == {"published": 1, "retracted": 1}

        # A is stopped: the read fails, cleanly, and B keeps what it has.
        down = run(env_b, "follow", "--once", "--timeout", "2", f"{a_base}{FEED}")
        assert down.returncode == 1, down.stdout + down.stderr
        assert "failed" in down.stdout
        assert "Traceback" not in down.stderr
        assert {e["id"]: e for e in national(b_base)} == after
        (source,) = httpx.get(f"{b_base}{NATIONAL}/statistics").json()["sources"]
        assert source["last_error"]
        assert source["last_success_at"] is not None
