"""Importing past matters (历史办件导入) through real calls: the admin's upload,
the report naming bad rows, a re-import recording nothing, the matter's
history and the statistics of the imported years, `casetrace import
licensing`, and who may import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.host.cli import app as cli
from api.host.recorder import CasetraceRecorder
from api.licensing import service
from domain.licensing.history import imported_application_id
from domain.licensing.import_format import SAMPLE_HEADER as HEADER
from domain.shared.audit import Role
from domain.shared.uscc import compose_uscc
from projections.runtime import Projector
from tests.api.conftest import CITY, COUNTY, ITEM, OTHER_COUNTY, Staff
from tests.api.helpers import log_head

if TYPE_CHECKING:
    from api.host.storage import Services

pytestmark = pytest.mark.db

CSV = {"Content-Type": "text/csv; charset=utf-8"}
IMPORTS = "/v1/licensing/imports"


def row(
    old_id: str,
    *,
    seed: int = 1,
    received: str = "2019-03-01",
    accepted: str = "2019-03-04",
    decided: str = "2019-03-20",
    issued: str = "2019-03-22",
    served: str = "2019-03-25",
    outcome: str = "准予许可",
    unit: str = COUNTY,
) -> str:
    firm = compose_uscc(COUNTY, f"7741{seed:04d}")
    certificate = f"TS-{old_id}" if issued else ""
    return (
        f"{old_id},{ITEM},,淮安历史机械有限公司{seed},{firm},{unit},{received},"
        f"{accepted},{decided},{issued},{served},{outcome},淮市监许〔2019〕{seed}号,"
        f"{certificate}\n"
    )


def upload(client: TestClient, who: Staff, text: str | bytes, query: str = "") -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"{IMPORTS}{query}", content=data, headers={**who.headers, **CSV}
    )


def statistics(client: TestClient, who: Staff, token: str, year: int) -> Any:
    response = client.get(
        f"/v1/licensing/statistics?from={year}-01-01&to={year}-12-31"
        f"&consistent_after={token}",
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_an_admin_imports_past_matters_and_the_statistics_cover_their_year(
    client: TestClient, staff: dict[tuple[Role, str], Staff], projector: Projector
) -> None:
    admin = staff[(Role.ADMIN, CITY)]
    text = HEADER + (
        row("H2015-1", seed=1, received="2015-03-02", accepted="2015-03-03",
            decided="2015-03-20", issued="2015-03-23", served="2015-03-24")
        + row("H2015-2", seed=2, received="2015-05-04", accepted="2015-05-05",
              decided="2015-07-01", issued="", served="", outcome="不予许可")
        + row("H2015-3", seed=3, received="2015-06-01", accepted="2015-05-01")
        + row("H2015-4", seed=4, received="2015-06-01", accepted="",
              decided="2015-06-03", issued="", served="", outcome="不予受理")
    )  # fmt: skip
    response = upload(client, admin, text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["counts"] == {
        "rows": 4,
        "imported": 3,
        "already_imported": 0,
        "refused": 1,
        "warnings": 0,
    }
    assert [(p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        (4, "受理日期", "dates_out_of_order")
    ]
    year = statistics(client, admin, report["consistency_token"], 2015)
    assert year["received"] == 3
    assert year["accepted"] == 2
    assert year["not_accepted"] == 1
    assert year["completed"] == 2
    assert year["granted"] == 1
    assert year["refused"] == 1
    # 2015-03-03 → 03-20 is 13 working days of 20; 05-05 → 07-01 is 40: late.
    assert year["completed_within_legal_limit"] == 1
    assert year["on_time_rate"] == 0.5
    assert year["median_working_days_to_decision"] == 26.5


def test_importing_the_same_file_again_records_nothing_new(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    admin = staff[(Role.ADMIN, CITY)]
    text = HEADER + row("H2016-1", seed=11) + row("H2016-2", seed=12)
    first = upload(client, admin, text).json()
    assert first["counts"]["imported"] == 2
    head = log_head(client)
    again = upload(client, admin, text).json()
    assert again["counts"]["imported"] == 0
    assert again["counts"]["already_imported"] == 2
    assert again["batch_id"] == first["batch_id"]
    assert log_head(client) == head
    changed = upload(
        client, admin, HEADER + row("H2016-1", seed=11, decided="2019-03-21")
    )
    assert [p["code"] for p in changed.json()["problems"]] == ["conflict"]
    assert log_head(client) == head


def test_an_imported_matter_shows_its_history_as_imported_by_the_admin(
    client: TestClient, staff: dict[tuple[Role, str], Staff], projector: Projector
) -> None:
    admin = staff[(Role.ADMIN, CITY)]
    token = upload(client, admin, HEADER + row("H2017-1", seed=21)).json()[
        "consistency_token"
    ]
    case = imported_application_id(COUNTY, "H2017-1")
    clerk = staff[(Role.CLERK, COUNTY)]
    found = client.get(f"/v1/licensing/applications/{case}", headers=clerk.headers)
    assert found.status_code == 200, found.text
    view = found.json()
    assert view["status"] == "certificate_served"
    assert view["received_on"] == "2019-03-01"
    assert view["decided_on"] == "2019-03-20"
    history = client.get(
        f"/v1/licensing/applications/{case}/history", headers=clerk.headers
    ).json()
    (entry,) = history["events"]
    assert entry["type"] == "Imported"
    assert entry["actor"]["role"] == "admin"
    assert entry["causation"].startswith("licensing-import:")
    assert "历史办件导入" in entry["summary"]
    assert entry["at"] > "2019-03-25"  # recorded at the import, dated inside
    assert entry["data"]["history"]["decided_on"] == "2019-03-20"
    listed = client.get(
        "/v1/licensing/applications?received_from=2019-03-01&received_to=2019-03-01"
        f"&consistent_after={token}",
        headers=clerk.headers,
    ).json()["items"]
    (mine,) = [i for i in listed if i["id"] == str(case)]
    assert mine["received_on"] == "2019-03-01"
    assert mine["deadline"] is None  # no deadline runs on history


def test_a_dry_run_reports_and_records_nothing(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    head = log_head(client)
    response = upload(
        client, staff[(Role.ADMIN, CITY)], HEADER + row("H2018-1"), "?dry_run=true"
    )
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["imported"] == 1
    assert response.json()["dry_run"] is True
    assert log_head(client) == head


def test_a_county_admin_imports_only_its_own_matters(
    client: TestClient, staff: dict[tuple[Role, str], Staff]
) -> None:
    county = staff[(Role.ADMIN, OTHER_COUNTY)]
    report = upload(client, county, HEADER + row("H2018-9")).json()
    assert [p["code"] for p in report["problems"]] == ["outside_jurisdiction"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (HEADER.encode("gbk"), CSV, 422),
        ("原系统编号,事项编码\n".encode(), CSV, 422),
        (b"", CSV, 422),
        (HEADER.encode(), {"Content-Type": "text/plain"}, 415),
        (HEADER.encode() + b"x" * (300 * 1024), CSV, 413),
    ],
)
def test_a_bad_file_is_refused_whole_as_problem_json(
    client: TestClient,
    staff: dict[tuple[Role, str], Staff],
    body: bytes,
    headers: dict[str, str],
    status: int,
) -> None:
    head = log_head(client)
    admin = staff[(Role.ADMIN, CITY)]
    response = client.post(IMPORTS, content=body, headers={**admin.headers, **headers})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert log_head(client) == head


def test_the_cli_imports_a_file_and_exits_1_on_a_bad_row(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRACE_DATABASE_URL", database_url)
    file = tmp_path / "history.csv"
    file.write_text(
        HEADER + row("H2014-1", seed=31) + row("H2014-2", seed=32, received="x"),
        "utf-8-sig",
    )
    dry = CliRunner().invoke(cli, ["import", "licensing", str(file), "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "would be imported (dry run) 1" in dry.output
    assert "error: row 3 [收件日期] date_invalid" in dry.output
    out = tmp_path / "report.json"
    done = CliRunner().invoke(
        cli, ["import", "licensing", str(file), "--report", str(out)]
    )
    assert done.exit_code == 1, done.output
    assert json.loads(out.read_text())["counts"]["imported"] == 1
    again = CliRunner().invoke(cli, ["import", "licensing", str(file)])
    assert "already imported 1" in again.output
    refused = tmp_path / "gbk.csv"
    refused.write_bytes(HEADER.encode("gbk"))
    whole = CliRunner().invoke(cli, ["import", "licensing", str(refused)])
    assert whole.exit_code == 2
    assert "GBK" in whole.output


def test_a_bulk_write_answers_its_positions_in_order_and_a_clash_writes_none(
    services: Services,
) -> None:
    # insert_in_bulk (COPY under the table lock) on a log of its own, so no
    # projection meets these made-up events.
    recorder = service(services).recorder
    assert isinstance(recorder, CasetraceRecorder)
    bulk = CasetraceRecorder(recorder.datastore, events_table_name="bulk_test_events")
    bulk.create_table()
    events = [
        StoredEvent(uuid4(), 1, "tests:Bulk", f'{{"n":{n}}}'.encode()) for n in range(3)
    ]
    ids = bulk.insert_in_bulk(events)
    assert ids == sorted(ids)
    stored = bulk.select_notifications(ids[0], 10)
    assert [(n.id, n.originator_id, n.state) for n in stored] == [
        (i, e.originator_id, e.state) for i, e in zip(ids, events, strict=True)
    ]
    clash = [StoredEvent(uuid4(), 1, "tests:Bulk", b"{}"), events[1]]
    with pytest.raises(IntegrityError):
        bulk.insert_in_bulk(clash)
    assert bulk.max_notification_id() == ids[-1]
    assert bulk.insert_in_bulk(clash[:1]) == [bulk.max_notification_id()]
