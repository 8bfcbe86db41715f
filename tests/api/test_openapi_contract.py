"""The OpenAPI document is the contract (DESIGN §4): schemathesis, with every
check, over every operation, as staff in each role (clerk, approver, auditor,
admin) — and with no token at all, which public operations must allow.

Every status the server sends is documented, every input the schema allows is
accepted or answered with a documented 4xx, and nothing is a 5xx. Generation
is bounded (a few examples per operation) so the run stays within a minute or
two; HYPOTHESIS_EXAMPLES raises it for a deeper run.

The parts of the contract a regular expression cannot say are told to the
generator as string formats, as a client would learn them: `uscc` (the two
check characters: `casetrace uscc generate`), and `cursor`/`deadline-cursor`
(only a `next_cursor` the list issued). Real case ids are swapped in for some
generated ones so commands reach the domain rather than only 404.

Runs on a database of its own, so the cases it files do not disturb the
counts other tests make.
"""

from __future__ import annotations

import base64
import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.audit.keys import ledger_key
from api.audit.signer import CheckpointSigner
from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from domain.complaints.intake import intake_id
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from domain.shared.uscc import CHARSET, compose_uscc
from projections.queries import encode_cursor
from projections.runtime import run_in_thread
from tests.api.conftest import COUNTY, MONDAY_0900, UNITS, applicant, make_uscc
from tests.api.helpers import APPLICATIONS, COMMITMENT_ITEM, COMMITMENT_MATERIALS

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "4"))
ROLES = (Role.CLERK, Role.APPROVER, Role.AUDITOR, Role.ADMIN)
REGIONS = ("320803", "320804", "320800", "110105")

# -- what a regular expression cannot say ----------------------------------------

schemathesis.openapi.format(
    "uscc",
    st.builds(
        compose_uscc,
        st.sampled_from(REGIONS),
        st.text(alphabet=CHARSET, min_size=8, max_size=8),
    ),
)
schemathesis.openapi.format(
    "cursor", st.integers(0, 10**9).map(lambda seq: encode_cursor([seq]))
)
schemathesis.openapi.format(
    "deadline-cursor",
    st.tuples(
        st.dates(date(2020, 1, 1), date(2035, 12, 31)),
        st.uuids().map(str),
        st.sampled_from(["acceptance", "decision", "certificate", "supply"]),
    ).map(encode_cursor),
)
schemathesis.openapi.format(
    "audit-cursor",
    st.tuples(
        st.datetimes(
            datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)
        ).map(datetime.isoformat),
        st.sampled_from(["licensing", "complaints", "registry", "audit"]),
        st.integers(0, 10**9),
    ).map(encode_cursor),
)


@pytest.fixture(scope="module")
def contract_app(embedded_server_url: str) -> Iterator[dict[str, Any]]:
    """The app on a database of its own, with staff in every role and a few cases."""
    params = conninfo_to_dict(embedded_server_url)
    name = f"casetrace_contract_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(embedded_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(**{**params, "dbname": name})  # type: ignore[arg-type]
    services = open_services(Settings(), clock=FixedClock(MONDAY_0900), url=url)
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="contract-setup")
    tokens: dict[Role, str] = {}
    for unit, unit_name in UNITS.items():
        services.registry.establish_unit(unit, unit_name, boot)
    for role in Role:
        staff_no = f"{COUNTY}-{role.value}"
        services.registry.enrol_staff(
            staff_no, f"{role.value}@{COUNTY}", COUNTY, frozenset({role}), boot
        )
        tokens[role], _ = services.registry.issue_token(staff_no, "contract", boot)
    # A penalty case is handled by two officers (处罚程序规定 Art. 19).
    services.registry.enrol_staff(
        f"{COUNTY}-officer-2", "officer2", COUNTY, frozenset({Role.OFFICER}), boot
    )
    projector = services.projector()
    thread, stop = run_in_thread(projector)
    app = create_app(Settings(), services)
    with TestClient(app, raise_server_exceptions=False) as client:
        ids = _seed(client, tokens)
        odr = _seed_odr(client, tokens)
        ids |= {k: v for k, v in odr.items() if k != "business"}
        ids |= _seed_inspections(client, tokens, services)
        _seed_logs(client, tokens, services)
        # Signed checkpoints, so the ledger's proofs have something to prove.
        CheckpointSigner(url, ledger_key(Settings()), services.logs()).sign_due(
            force=True
        )
        yield {"app": app, "tokens": tokens, "ids": ids, "odr": odr["business"]}
    stop.set()
    thread.join(timeout=10)
    projector.close()
    services.close()
    with psycopg.connect(embedded_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_logs(client: TestClient, tokens: dict[Role, str], services: Services) -> None:
    """At least two events in the logs nothing above writes (a wait for
    position 1 or 2 must find it reached, `_within_the_log`): the seeded
    grant published, and two credit-system imports."""
    from api.disclosure import service
    from api.disclosure.publisher import Publisher

    Publisher(services.url, service(services), services.logs()).round()
    header = "统一社会信用代码,企业名称,住所所在行政区划代码,成立日期\n"
    for seed in (1, 2):
        row = f"{compose_uscc(COUNTY, f'{seed:08d}')},淮安合同测试{seed}有限公司,{COUNTY},2026-11-20\n"
        imported = client.post(
            "/v1/credit/imports",
            content=(header + row).encode(),
            headers={
                "Authorization": f"Bearer {tokens[Role.ADMIN]}",
                "Content-Type": "text/csv; charset=utf-8",
            },
        )
        assert imported.status_code == 200, imported.text
    for log in ("disclosure", "credit"):
        head = services.apps[log].recorder.max_notification_id() or 0
        assert head >= 2, (log, head)


def _seed(client: TestClient, tokens: dict[Role, str]) -> dict[str, list[str]]:
    """An application at intake, one accepted, a licence to act on, and an
    intake on the 12315 line."""
    clerk = {"Authorization": f"Bearer {tokens[Role.CLERK]}"}
    approver = {"Authorization": f"Bearer {tokens[Role.APPROVER]}"}
    applications = []
    for seed in (1, 2):
        body = {
            "item_code": COMMITMENT_ITEM,
            "approval_mode": "notify_and_commit",
            "applicant": applicant(9000 + seed),
            "materials": COMMITMENT_MATERIALS,
            "commitment": {
                "signed_on": "2026-11-20",
                "signatory": "张三",
                "statement": "本机构承诺符合资质认定条件",
            },
        }
        created = client.post(APPLICATIONS, json=body, headers=clerk)
        assert created.status_code == 201, created.text
        applications.append(created.json()["id"])
    second = f"{APPLICATIONS}/{applications[1]}"
    assert client.post(f"{second}/accept", headers=clerk).status_code == 200
    granted = client.post(
        f"{second}/grant",
        json={
            "decision_number": "淮区市监资〔2026〕9号",
            "scope": "建筑材料检测",
            "reason": "承诺符合条件",
        },
        headers=approver,
    )
    assert granted.status_code == 200, granted.text
    return {
        "application": applications,
        "licence": [granted.json()["licence_id"]],
        **_seed_complaints(client, tokens),
        **_seed_enforcement(client, tokens),
    }


def _seed_enforcement(
    client: TestClient, tokens: dict[Role, str]
) -> dict[str, list[str]]:
    """A penalty case opened by the county's two officers."""
    officer = {"Authorization": f"Bearer {tokens[Role.OFFICER]}"}
    body = {
        "party": {
            "name": "淮安区契约机械有限公司",
            "party_type": "legal_person",
            "uscc": make_uscc(9_912),
            "legal_representative": "契约法人",
            "region_code": COUNTY,
        },
        "facts": "生产销售不合格产品",
        "unit_code": COUNTY,
        "officers": [f"{COUNTY}-officer", f"{COUNTY}-officer-2"],
        "reason": "立案",
    }
    opened = client.post("/v1/enforcement/cases", json=body, headers=officer)
    assert opened.status_code == 201, opened.text
    # Two more events: a position to wait for (0–2, `_within_the_log`) is one
    # the enforcement log has reached.
    path = f"/v1/enforcement/cases/{opened.json()['id']}"
    evidence = {"kind": "documentary", "title": "检验报告", "sha256": "ab" * 32}
    for verb, more in (
        ("record-evidence", {"evidence": {**evidence, "collected_on": "2026-11-20"}}),
        ("notify-hearing-right", None),
    ):
        done = client.post(f"{path}/{verb}", json=more, headers=officer)
        assert done.status_code == 200, done.text
    return {"penalty_case": [opened.json()["id"]]}


def _seed_inspections(
    client: TestClient, tokens: dict[Role, str], services: Any
) -> dict[str, list[str]]:
    """A check item, a directory of three firms, two inspectors and a plan
    drawn from them: a plan and inspections to act on."""
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="contract-setup")
    services.registry.enrol_staff(
        f"{COUNTY}-inspector-2", "检查员2", COUNTY, frozenset({Role.INSPECTOR}), boot
    )
    planner = {"Authorization": f"Bearer {tokens[Role.PLANNER]}"}
    approver = {"Authorization": f"Bearer {tokens[Role.APPROVER]}"}
    item = {
        "code": "CJ-901",
        "name": "契约抽查",
        "legal_basis": "《产品质量法》第15条",
        "kind": "priority",
        "target_kind": "product",
        "line": "product_quality",
    }
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        ("/v1/inspections/items", {"terms": item}, planner),
        (
            "/v1/inspections/targets/import",
            {
                "csv": "uscc,name,region_code,industry\n"
                + "\n".join(
                    f"{make_uscc(9_920 + n)},契约厂{n},{COUNTY},C3849" for n in range(3)
                )
            },
            planner,
        ),
        (
            "/v1/inspections/pool/import",
            {
                "csv": "staff_no,lines\n"
                f"{COUNTY}-inspector,product_quality\n"
                f"{COUNTY}-inspector-2,product_quality"
            },
            planner,
        ),
    ]
    token = ""
    for path, body, who in steps:
        done = client.post(path, json=body, headers=who)
        assert done.status_code in (200, 201), done.text
        token = done.json()["consistency_token"]
    terms = {
        "title": "契约计划",
        "item_code": "CJ-901",
        "period_from": "2026-11-01",
        "period_to": "2026-12-31",
        "scope": {"region": COUNTY},
        "count": 2,
    }
    plan = client.post("/v1/inspections/plans", json={"terms": terms}, headers=planner)
    assert plan.status_code == 201, plan.text
    path = f"/v1/inspections/plans/{plan.json()['id']}"
    filing = {"filed_with": "320800", "filed_on": "2026-11-20", "reference": "备案"}
    for verb, body, who, query in (
        ("approve", {"reason": "同意"}, approver, ""),
        ("file", filing, planner, ""),
        ("commit-draw", {}, planner, f"?consistent_after={token}"),
        ("draw", {"public_value": "契约", "witness": "见证人"}, planner, ""),
    ):
        done = client.post(f"{path}/{verb}{query}", json=body, headers=who)
        assert done.status_code == 200, done.text
    drawn = done.json()["assignments"]
    return {
        "plan": [plan.json()["id"]],
        "inspection": [a["inspection_id"] for a in drawn],
    }


def _seed_complaints(
    client: TestClient, tokens: dict[Role, str]
) -> dict[str, list[str]]:
    """Two intakes, one classified as both: a complaint and a report to act on."""
    desk = {"Authorization": f"Bearer {tokens[Role.INTAKE]}"}
    intakes = []
    for seed in (1, 2):
        body = {
            "channel": "telephone",
            "submitter": {
                "person": {"name": f"契约测试{seed}", "phone": "10000000000"}
            },
            "respondent": {"name": "淮安区某商行", "region_code": COUNTY},
            "facts": "商品质量问题",
            "claim": "退货",
        }
        created = client.post("/v1/complaints/intakes", json=body, headers=desk)
        assert created.status_code == 201, created.text
        intakes.append(created.json()["id"])
    both = client.post(
        f"/v1/complaints/intakes/{intakes[1]}/classify",
        json={"classification": "both", "unit_code": COUNTY, "reason": "分别处理"},
        headers=desk,
    )
    assert both.status_code == 200, both.text
    made = both.json()
    return {
        "intake": intakes,
        "complaint": [made["complaint_id"]],
        "report": [made["report_id"]],
    }


def _seed_odr(client: TestClient, tokens: dict[Role, str]) -> dict[str, list[str]]:
    """An ODR enterprise, its key, and a consumer's dispute with it."""
    approver = {"Authorization": f"Bearer {tokens[Role.APPROVER]}"}
    shop = {"name": "淮安区契约家电", "uscc": make_uscc(9_911), "region_code": COUNTY}
    enrolled = client.post(
        "/v1/complaints/odr-enterprises",
        json={**shop, "reason": "入驻ODR"},
        headers=approver,
    )
    assert enrolled.status_code == 201, enrolled.text
    submitted = client.post(
        "/public/v1/complaints",
        json={
            "unit_code": COUNTY,
            "submitter": {"person": {"name": "契约消费者", "phone": "10000000001"}},
            "respondent": shop,
            "facts": "商品质量问题",
            "claim": "更换",
            "odr": True,
        },
    )
    assert submitted.status_code == 201, submitted.text
    number = f"{submitted.json()['intake_number']}-HJ"
    key = base64.b64encode(f"{shop['uscc']}:{enrolled.json()['key']}".encode())
    desk = {"Authorization": f"Bearer {tokens[Role.INTAKE]}"}
    intake = client.get(
        f"/v1/complaints/intakes/{_intake_id(submitted.json())}", headers=desk
    ).json()
    return {
        "odr_enterprise": [enrolled.json()["id"]],
        "odr_dispute": [intake["dispute_id"]],
        "business": [f"Basic {key.decode()}", number],
    }


def _intake_id(receipt: dict[str, Any]) -> str:
    return str(intake_id(receipt["intake_number"]))


@pytest.fixture(scope="module")
def api_schema(contract_app: dict[str, Any]) -> Any:
    app: FastAPI = contract_app["app"]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy schema reads `_nodeid`, which pytest 9.2 renamed.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


_turn = itertools.count()


# Which seeded cases a path's `case_id` is drawn from.
CASE_KINDS = (
    ("/licences/", "licence"),
    ("/complaints/intakes/", "intake"),
    ("/complaints/complaints/", "complaint"),
    ("/complaints/reports/", "report"),
    ("/complaints/odr-disputes/", "odr_dispute"),
    ("/complaints/odr-enterprises/", "odr_enterprise"),
    ("/enforcement/cases/", "penalty_case"),
    ("/inspections/plans/", "plan"),
    ("/inspections/inspections/", "inspection"),
)


def _as_someone(case: schemathesis.Case, world: dict[str, Any]) -> dict[str, str]:
    """Staff in each role by turns, and now and then no token at all; for
    schema-valid cases, the rules that span fields (which a schema cannot
    say, and which each operation's description states)."""
    turn = next(_turn)
    headers = dict(case.headers or {})
    _within_the_log(case, headers)
    if case.meta is not None and case.meta.generation.mode.is_positive:
        _keep_cross_field_rules(case, headers, world, turn)
    if turn % 9 == 8:
        headers.pop("Authorization", None)
        return headers
    if case.path.startswith("/odr/"):  # a business, with its USCC and key
        credentials, number = world["odr"]
        headers["Authorization"] = credentials
        path = case.path_parameters or {}
        if "number" in path and turn % 2 == 0:
            path["number"] = number
        return headers
    role = ROLES[turn % len(ROLES)]
    headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    return headers


def _within_the_log(case: schemathesis.Case, headers: dict[str, str]) -> None:
    """A well-formed position to wait for, in any mode, is one the log has
    reached: a position beyond it is a documented 503 after a 5 s wait (and
    today the wait comes before the other parameters are validated)."""
    value = headers.get("X-Consistent-After")
    if isinstance(value, str) and value.isdigit():
        headers["X-Consistent-After"] = str(int(value) % 3)
    query = case.query if isinstance(case.query, dict) else {}
    value = query.get("consistent_after")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        query["consistent_after"] = value % 3
    elif isinstance(value, str) and value.isdigit():
        query["consistent_after"] = str(int(value) % 3)


def _keep_cross_field_rules(
    case: schemathesis.Case, headers: dict[str, str], world: dict[str, Any], turn: int
) -> None:
    # A key names one request: reusing it for another is a documented 422.
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    query = case.query if isinstance(case.query, dict) else {}
    # History: a version or an instant, not both.
    if query.get("version") is not None and query.get("at") is not None:
        del query["at"]
    path = case.path_parameters or {}
    if "case_id" in path and turn % 2 == 0:
        kind = next((k for part, k in CASE_KINDS if part in case.path), "application")
        ids = world["ids"][kind]
        path["case_id"] = ids[turn % len(ids)]
    # A new application is for an item in the catalogue, with its materials.
    if isinstance(case.body, dict) and "item_code" in case.body:
        case.body["item_code"] = COMMITMENT_ITEM
        case.body["materials"] = COMMITMENT_MATERIALS
    # Materials named in a command are the item's (the seeded cases' item).
    if isinstance(case.body, dict) and "case_id" in path:
        for field in ("missing_items", "items", "deficiency_items"):
            if isinstance(case.body.get(field), list):
                case.body[field] = COMMITMENT_MATERIALS[: len(case.body[field]) or 1]
    # Revising an item: the terms are the item's in the path; promised ≤ statutory.
    terms = case.body.get("terms") if isinstance(case.body, dict) else None
    if isinstance(terms, dict) and "code" in path:
        path["code"] = terms.get("code", path["code"])
        promised = terms.get("promised_limit_wd")
        statutory = terms.get("statutory_limit_wd")
        if isinstance(promised, int | float) and isinstance(statutory, int | float):
            terms["promised_limit_wd"] = min(promised, statutory)
        # A joint review needs unified handling within 45 + 15 days (Art. 42 ¶2).
        terms.pop("joint_review", None)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_its_contract(
    case: schemathesis.Case, contract_app: dict[str, Any]
) -> None:
    headers = _as_someone(case, contract_app)
    response = case.call(headers=headers)
    excluded = []
    if _refused_by_the_domain(case, response):
        # Well-formed, but the case's item or state refuses it (a material the
        # item does not list, Art. 31; an If-Match of another version: 412): a
        # documented refusal, not a disagreement between schema and server.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, headers=headers, excluded_checks=excluded)


def _refused_by_the_domain(case: schemathesis.Case, response: Any) -> bool:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return False
    if response.status_code == 412:  # a well-formed If-Match, but not the version
        return True
    if response.status_code != 422:
        return False
    detail = str(response.json().get("detail", ""))
    # Request validation (the schema's rules) says "the request is invalid: …".
    return not detail.startswith("the request is invalid")
