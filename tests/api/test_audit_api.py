"""The auditors' view (GET /v1/audit/…) and the ledger's public proofs over
HTTP, on each database: every context's events in one index with their audit
stamp and readable line; auditors only, each of their reads recorded; signed
checkpoints that standard tooling reads, and inclusion and consistency
proofs that verify against them."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any
from urllib.parse import quote
from uuid import UUID

import orjson
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.audit.keys import Key, ledger_key
from api.audit.signer import CheckpointSigner
from api.audit.signing import verify_note
from api.audit.verify import Verifier
from api.host.settings import Settings
from api.host.storage import Services
from domain.complaints.intake import Intake
from domain.ledger.entry import entry
from domain.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from domain.ledger.note import parse_checkpoint, parse_verifier_key
from domain.shared.audit import Role
from projections.runtime import Projector, events_table, wait_until
from tests.api.conftest import CITY, COUNTY, Staff, receive
from tests.api.helpers import assert_problem
from tests.api.test_complaints_api import INTAKES, person, register

pytestmark = pytest.mark.db

Staffs = dict[tuple[Role, str], Staff]


def auditor(staff: Staffs) -> Staff:
    return staff[(Role.AUDITOR, CITY)]


def indexed(client: TestClient, who: Staff, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/audit/events", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_indexed(
    client: TestClient, who: Staff, count: int, **params: Any
) -> list[Any]:
    found: list[Any] = []

    def done() -> bool:
        response = client.get("/v1/audit/events", params=params, headers=who.headers)
        if response.status_code == 503:  # the index is not built yet
            return False
        assert response.status_code == 200, response.text
        found[:] = response.json()["items"]
        return len(found) >= count

    assert wait_until(done, 10.0), found
    return found


def signer(services: Services) -> CheckpointSigner:
    return CheckpointSigner(services.url, ledger_key(Settings()), services.logs())


def test_an_event_of_any_context_is_found_by_its_request_with_its_stamp_and_line(
    client: TestClient, staff: Staffs, projector: Projector
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    created = receive(client, clerk)
    found = wait_indexed(client, auditor(staff), 1, case_id=created["id"])
    first = found[0]
    assert first["log"] == "licensing"
    assert first["case_kind"] == "licence_application"
    assert first["actor"]["id"] == clerk.staff_no
    assert first["role"] == "clerk"
    assert first["unit_code"] == COUNTY
    assert first["summary"]
    assert first["summary"] != first["type"]
    by_request = client.get(
        f"/v1/audit/requests/{first['request_id']}", headers=auditor(staff).headers
    )
    assert by_request.status_code == 200
    assert [e["position"] for e in by_request.json()["items"]] == [
        e["position"] for e in found if e["request_id"] == first["request_id"]
    ]


AUDIT_READS = (
    "/v1/audit/events",
    "/v1/audit/events.csv",
    "/v1/audit/events.ndjson",
    "/v1/audit/requests/some-request",
    "/v1/audit/actors/320803-clerk",
    "/v1/audit/proof/inclusion?log=licensing&position=1",
    "/v1/audit/ledger",
)


def test_only_auditors_read_the_audit_routes(client: TestClient, staff: Staffs) -> None:
    documented = {
        path
        for path in client.get("/openapi.json").json()["paths"]
        if path.startswith("/v1/audit")
    }
    assert documented == {
        p.split("?")[0]
        .replace("some-request", "{request_id}")
        .replace("320803-clerk", "{staff_no}")
        for p in AUDIT_READS
    }
    others = [r for r in Role if r is not Role.AUDITOR]
    for path in AUDIT_READS:
        for role in others:
            response = client.get(path, headers=staff[(role, CITY)].headers)
            assert_problem(response, 403, "forbidden")
        assert client.get(path).status_code == 401
    # Refused before any parameter is looked at (or waited for).
    clerk = staff[(Role.CLERK, CITY)].headers
    for params in ({"limit": "0"}, {"consistent_after": "registry:999999999"}):
        response = client.get("/v1/audit/events", params=params, headers=clerk)
        assert_problem(response, 403, "forbidden")


def test_the_ledgers_public_routes_need_no_token(client: TestClient) -> None:
    ledger_key(Settings())  # the signer's key, as a signing deployment has one
    assert client.get("/public/v1/ledger/key").status_code == 200
    assert client.get("/public/v1/ledger/checkpoints").status_code == 200
    unknown = client.get("/public/v1/ledger/checkpoint", params={"log": "nolog"})
    assert_problem(unknown, 422, "invalid-input")


def test_an_auditors_read_is_itself_recorded(
    client: TestClient, staff: Staffs, projector: Projector
) -> None:
    who = auditor(staff)
    indexed(client, who, actor="nobody-at-all")
    found = wait_indexed(client, who, 1, log="audit", actor=who.staff_no, type="Made")
    assert any(e["case_kind"] == "audit_read" for e in found)


def test_exports_stream_csv_with_a_bom_and_ndjson(
    client: TestClient, staff: Staffs, projector: Projector
) -> None:
    created = receive(client, staff[(Role.CLERK, COUNTY)])
    wait_indexed(client, auditor(staff), 1, case_id=created["id"])
    response = client.get(
        "/v1/audit/events.csv",
        params={"case_id": created["id"]},
        headers=auditor(staff).headers,
    )
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "时间"
    assert len(rows) >= 2
    lines = client.get(
        "/v1/audit/events.ndjson",
        params={"case_id": created["id"]},
        headers=auditor(staff).headers,
    ).content.splitlines()
    assert [orjson.loads(x)["case_id"] for x in lines] == [created["id"]] * len(lines)


def test_a_signed_checkpoint_verifies_and_proves_an_event(
    client: TestClient, staff: Staffs, services: Services, projector: Projector
) -> None:
    created = receive(client, staff[(Role.CLERK, COUNTY)])
    position = created["position"]
    assert wait_until(
        lambda: _ledger_size(client, auditor(staff), "licensing") >= position, 10.0
    )
    signer(services).sign_due(force=True)
    key = client.get("/public/v1/ledger/key").json()
    name, _, public = parse_verifier_key(key["verifier_keys"]["licensing"])
    note = client.get("/public/v1/ledger/checkpoint", params={"log": "licensing"})
    assert note.status_code == 200
    assert note.headers["content-type"].startswith("text/plain")
    body = parse_checkpoint(verify_note(note.text, [(name, public)]).text)
    assert body.origin == name
    proof = client.get(
        "/v1/audit/proof/inclusion",
        params={"log": "licensing", "position": position, "tree_size": body.size},
        headers=auditor(staff).headers,
    ).json()
    leaf = base64.b64decode(proof["leaf_hash"])
    assert leaf == leaf_hash(base64.b64decode(proof["entry"]))
    assert verify_inclusion(
        leaf,
        proof["leaf_index"],
        body.size,
        [base64.b64decode(h) for h in proof["proof"]],
        body.root,
    )
    receive(client, staff[(Role.CLERK, COUNTY)])
    receive(client, staff[(Role.CLERK, COUNTY)])
    assert wait_until(
        lambda: _ledger_size(client, auditor(staff), "licensing") >= body.size + 2, 10.0
    )
    signer(services).sign_due(force=True)
    later = parse_checkpoint(
        client.get(
            "/public/v1/ledger/checkpoint", params={"log": "licensing"}
        ).text.split("\n\n")[0]
        + "\n"
    )
    consistency = client.get(
        "/public/v1/ledger/consistency",
        params={"log": "licensing", "from": body.size, "to": later.size},
    ).json()
    assert verify_consistency(
        body.size,
        later.size,
        body.root,
        later.root,
        [base64.b64decode(h) for h in consistency["proof"]],
    )


def _ledger_size(client: TestClient, who: Staff, log: str) -> int:
    rows = client.get("/v1/audit/ledger", headers=who.headers).json()["logs"]
    return next(r["leaves"] for r in rows if r["log"] == log)


def test_shredding_a_persons_key_leaves_every_leaf_and_checkpoint_verifying(
    client: TestClient, staff: Staffs, services: Services, projector: Projector
) -> None:
    who = person()
    intake = register(client, staff, who)
    assert wait_until(
        lambda: (
            _ledger_size(client, auditor(staff), "complaints")
            >= _head(services, "complaints")
        ),
        10.0,
    )
    signer(services).sign_due(force=True)
    case = services.apps["complaints"].load(Intake, UUID(intake["id"]), "intake")
    for p in case.people:
        assert services.vault.shred(p.person.id)
    desk = staff[(Role.INTAKE, COUNTY)]
    opened = client.post(
        f"{INTAKES}/{intake['id']}/personal-data",
        json={"reason": "核对"},
        headers=desk.headers,
    ).json()
    assert opened["people"][0]["details"] is None  # the key is gone
    (report,) = [
        r
        for r in Verifier(services.url, services.logs(), _key()).verify()
        if r.log == "complaints"
    ]
    assert report.findings == []
    assert report.checkpoints >= 1
    assert report.events >= 1
    # Nor does the auditors' view ever show the person.
    events = wait_indexed(client, auditor(staff), 1, case_id=intake["id"])
    assert who["name"] not in orjson.dumps(events).decode()


def test_an_independent_merkle_tree_over_the_stored_events_gives_the_signed_root(
    client: TestClient, staff: Staffs, services: Services, projector: Projector
) -> None:
    """pymerkle (PyPI), fed each stored event's leaf entry as README "The
    ledger" defines it, gives the root of the latest signed checkpoint."""
    pymerkle = pytest.importorskip("pymerkle")
    receive(client, staff[(Role.CLERK, COUNTY)])
    assert wait_until(
        lambda: (
            _ledger_size(client, auditor(staff), "licensing")
            >= _head(services, "licensing")
        ),
        10.0,
    )
    signer(services).sign_due(force=True)
    note = client.get("/public/v1/ledger/checkpoint", params={"log": "licensing"})
    signed = parse_checkpoint(note.text.split("\n\n")[0] + "\n")
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    app = services.apps["licensing"]
    with psycopg.connect(services.url) as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT notification_id, topic, originator_id, originator_version,"
                " state FROM {} ORDER BY notification_id LIMIT %s"
            ).format(events_table(app)),
            (signed.size,),
            binary=True,
        ).fetchall()
    for position, topic, oid, version, state in rows:
        tree.append_entry(entry("licensing", position, topic, oid, version, state))
    assert tree.get_size() == signed.size
    assert tree.get_root(signed.size) == signed.root


def _head(services: Services, log: str) -> int:
    return int(services.logs()[log].recorder.max_notification_id() or 0)


def _key() -> Key:
    key = ledger_key(Settings())
    return Key(key.name, key.public_key)


def test_pages_follow_the_cursor_in_time_order_without_gaps_or_repeats(
    client: TestClient, staff: Staffs, projector: Projector
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    made = [receive(client, clerk) for _ in range(3)]
    everything = wait_indexed(
        client,
        auditor(staff),
        3,
        actor=clerk.staff_no,
        type="Received",
        limit=200,
        consistent_after=made[-1]["consistency_token"],
    )
    assert {m["id"] for m in made} <= {e["case_id"] for e in everything}
    paged: list[Any] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "actor": clerk.staff_no,
            "type": "Received",
            "limit": 2,
        }
        if cursor:
            params["after"] = cursor
        page = indexed(client, auditor(staff), **params)
        paged.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(e["log"], e["position"]) for e in paged] == [
        (e["log"], e["position"]) for e in everything
    ]
    keys = [(e["at"], e["log"], e["position"]) for e in paged]
    assert keys == sorted(keys)
    assert all(e["type"] == "Received" and e["role"] == "clerk" for e in paged)


def test_filters_by_unit_role_kind_and_day(
    client: TestClient, staff: Staffs, projector: Projector
) -> None:
    created = receive(client, staff[(Role.CLERK, COUNTY)])
    token = created["consistency_token"]
    who = auditor(staff)
    county = indexed(client, who, unit=COUNTY, limit=200, consistent_after=token)
    assert county["items"]
    assert {e["unit_code"] for e in county["items"]} == {COUNTY}
    city = indexed(client, who, unit=CITY, case_id=created["id"], limit=200)
    # 320800 is the city as the rest of the API reads it: its counties too.
    padded = indexed(client, who, unit=CITY + "00", case_id=created["id"], limit=200)
    assert padded["items"] == city["items"]
    assert [e["case_id"] for e in city["items"]] == [created["id"]] * len(city["items"])
    kinds = indexed(client, who, case_kind="licence_application", role="clerk")
    assert {e["case_kind"] for e in kinds["items"]} == {"licence_application"}
    today = indexed(client, who, case_id=created["id"], **{"from": "2026-11-23"})
    assert today["items"]
    before = indexed(client, who, case_id=created["id"], to="2026-11-22")
    assert before["items"] == []
    instant = indexed(
        client, who, case_id=created["id"], to="2026-11-23T00:00:00+08:00"
    )
    assert instant["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "bm90LWEtY3Vyc29y"}, "after"),
        ({"after": "not a cursor!"}, "after"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-11-23", "to": "2026-11-01"}, "to"),
        ({"unit": "3208031"}, "unit"),
        ({"limit": "0"}, "limit"),
        ({"case_id": "not-a-uuid"}, "case_id"),
        ({"actor": "320803\x00clerk"}, "actor"),
        ({"request_id": "req\u202eevil"}, "request_id"),
    ],
)
def test_bad_filters_are_refused_and_record_nothing(
    client: TestClient,
    staff: Staffs,
    services: Services,
    params: dict[str, str],
    field: str,
) -> None:
    before = _head(services, "audit")
    response = client.get(
        "/v1/audit/events", params=params, headers=auditor(staff).headers
    )
    body = assert_problem(response, 422, body_slug(response))
    assert field in response.text, body
    assert _head(services, "audit") == before


@pytest.mark.parametrize("number", ["1_0", "+1", " 1", "01", "١٢", "1.0"])
def test_proof_sizes_and_positions_are_digits_only(
    client: TestClient, staff: Staffs, number: str
) -> None:
    for path, params in (
        ("/v1/audit/proof/inclusion", {"log": "licensing", "position": number}),
        (
            "/v1/audit/proof/inclusion",
            {"log": "licensing", "position": "1", "tree_size": number},
        ),
        (
            "/public/v1/ledger/consistency",
            {"log": "licensing", "from": number, "to": "2"},
        ),
        (
            "/public/v1/ledger/consistency",
            {"log": "licensing", "from": "1", "to": number},
        ),
    ):
        response = client.get(path, params=params, headers=auditor(staff).headers)
        assert response.status_code == 422, (path, params, response.text)


@pytest.mark.parametrize("text", ["req\x00id", "req\u202eid"])
def test_a_nul_or_bidi_character_in_a_path_is_refused(
    client: TestClient, staff: Staffs, text: str
) -> None:
    quoted = quote(text)
    for path in (f"/v1/audit/requests/{quoted}", f"/v1/audit/actors/{quoted}"):
        response = client.get(path, headers=auditor(staff).headers)
        assert response.status_code == 422, (path, response.text)


def body_slug(response: Any) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]
