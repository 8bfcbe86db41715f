"""Public disclosure (双公示) through HTTP: a licence granted is published at
once and a penalty when served; a revoked licence leaves a tombstone; the
search, one entry, the Atom feed with RFC 5005 archives (read by feedparser)
and the JSON Feed; ETag and 304; the publication deadline on the board and
the clock recording a missed one; the publisher carrying out an event twice
records nothing new; and no public output carries the personal data of the
fixtures."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import orjson
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from typer.testing import CliRunner

from api.disclosure import feeds, service
from api.disclosure.publisher import Publisher
from api.host.clock import DeadlineClock
from api.host.storage import Services
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from projections.runtime import Projector, active_tables, wait_until
from tests.api.conftest import CITY, COUNTY, make_uscc, receive
from tests.api.helpers import StaffBook, commitment_licence, ok, post
from tests.api.test_enforcement_api import CASES, decision_body, open_case, party

PUBLIC = "/public/v1/disclosures"
runner = CliRunner()
LICENCES = "/v1/licensing/licences"


def publish(services: Services) -> int:
    """One publisher round; the disclosure log's head after it."""
    Publisher(services.url, service(services), services.logs()).round()
    return int(services.apps["disclosure"].recorder.max_notification_id() or 0)


def shown(
    client: TestClient, services: Services, **params: Any
) -> list[dict[str, Any]]:
    """The search, once the read model has read the disclosure log's head."""
    head = publish(services)
    token = {"consistent_after": f"disclosure:{head}"} if head else {}
    found: list[dict[str, Any]] = []

    def done() -> bool:
        response = client.get(PUBLIC, params={**params, **token})
        if response.status_code == 503:
            return False
        found[:] = ok(response)["items"]
        return True

    assert wait_until(done, 10.0)
    return found


def decided_penalty(
    client: TestClient, staff: StaffBook, uscc: str, **decision: Any
) -> tuple[str, str]:
    """A penalty case of the party with `uscc`, decided (not served): its
    path and decision number."""
    case = open_case(client, staff, party={**party(), "uscc": uscc})
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    path = f"{CASES}/{case['id']}"
    body = decision_body(number, **decision)
    ok(post(client, f"{path}/decide", staff[(Role.APPROVER, COUNTY)], body))
    return path, number


def newest_items(client: TestClient) -> str:
    """The Atom head and the newest archive page: where the latest items are
    (the head is empty just after a page fills)."""
    head = client.get(f"{PUBLIC}/feed.atom").text
    older = feedparser.parse(head).feed.get("links", [])
    archive = next((x.href for x in older if x.rel == "prev-archive"), None)
    return head + (client.get(archive).text if archive else "")


def licence(client: TestClient, staff: StaffBook, seed: int) -> dict[str, Any]:
    return commitment_licence(client, staff, seed=seed)


def test_a_granted_licence_is_published_at_once_with_its_fields(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    lic = licence(client, staff, 9101)
    (entry,) = shown(client, services, uscc=lic["holder"]["uscc"])
    record = entry["record"]
    assert entry["status"] == "published"
    assert entry["late"] is False
    assert record["kind"] == "licence"
    assert record["category"] == "granted"
    assert record["decision_number"] == lic["decision_number"]
    assert record["licence_number"] == lic["licence_number"]
    assert record["party_name"] == lic["holder"]["name"]
    assert record["authority"] == "淮安区市场监督管理局"
    assert "address" not in record
    assert "phone" not in record
    one = ok(client.get(f"{PUBLIC}/{entry['id']}"))
    assert one["record"] == record


def test_a_penalty_waits_on_the_board_until_served_then_is_published(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    uscc = make_uscc(91_201)
    path, number = decided_penalty(client, staff, uscc)
    assert shown(client, services, uscc=uscc) == []
    auditor = staff[(Role.AUDITOR, CITY)]
    board = ok(
        client.get("/v1/deadlines", params={"limit": 200}, headers=auditor.headers)
    )
    mine = {e["kind"]: e for e in board["items"] if e.get("reference") == number}
    assert mine["publication"]["due"] == "2026-12-02"  # 7 wd from Mon 11/23
    assert mine["legal_publication"]["due"] == "2026-12-21"  # 20 wd
    ok(
        post(
            client,
            f"{path}/serve",
            staff[(Role.OFFICER, COUNTY)],
            {"served_on": "2026-11-23", "method": "in_person"},
        )
    )
    (entry,) = shown(client, services, uscc=uscc)
    assert entry["record"]["decision_number"] == number
    assert entry["record"]["title"] == "罚款、没收违法所得"
    assert entry["display_until"] == "2029-11-23"  # 3 years (Art. 13)
    set_aside = {"ground": "reconsideration", "reason": "复议机关决定撤销"}
    approver = staff[(Role.APPROVER, COUNTY)]
    ok(post(client, f"{path}/revoke-decision", approver, set_aside))
    assert shown(client, services, uscc=uscc) == []
    gone = ok(client.get(f"{PUBLIC}/{entry['id']}"))
    assert gone["status"] == "retracted"
    assert gone["retraction_reason"].startswith("行政处罚决定已撤销")
    again = post(client, f"{path}/revoke-decision", approver, set_aside)
    assert again.status_code == 409


def test_the_clock_records_a_missed_publication_and_the_late_one_says_so(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    clock: FixedClock,
    projector: Projector,
) -> None:
    uscc = make_uscc(91_301)
    path, number = decided_penalty(client, staff, uscc)
    shown(client, services, uscc=uscc)
    clock.at = clock.at + timedelta(days=10)  # Thu 12/3: the 7 wd ran out on 12/2
    DeadlineClock(services).tick()
    disclosures = services.apps["disclosure"]
    entry_id = _entry_of(services, number)
    missed = disclosures.history(entry_id)[-1]
    assert type(missed).__name__ == "DeadlineMissed"
    assert missed.kind == "publication"
    assert str(missed.due) == "2026-12-02"
    assert missed.audit.actor.id == "system:clock"
    ok(
        post(
            client,
            f"{path}/serve",
            staff[(Role.OFFICER, COUNTY)],
            {"served_on": "2026-12-03", "method": "in_person"},
        )
    )
    (entry,) = shown(client, services, uscc=uscc)
    assert entry["late"] is True
    assert entry["unlawful"] is False


def _entry_of(services: Services, number: str) -> uuid.UUID:
    """The disclosure of a decision number (published or not), read directly."""
    with psycopg.connect(services.url) as conn:
        table = active_tables(conn, "disclosure_entries")()
        query = sql.SQL("SELECT id FROM {} WHERE decision_number = %s").format(table)
        row = conn.execute(query, (number,)).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def test_a_revoked_licence_leaves_a_tombstone_and_its_revocation_is_published(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    lic = licence(client, staff, 9401)
    uscc = lic["holder"]["uscc"]
    (granted,) = shown(client, services, uscc=uscc)
    revoke = {"ground": "procedure_violated", "reason": "违反法定程序作出"}
    ok(
        post(
            client,
            f"{LICENCES}/{lic['id']}/revoke",
            staff[(Role.APPROVER, COUNTY)],
            revoke,
        )
    )
    (revocation,) = shown(client, services, uscc=uscc)
    assert revocation["record"]["category"] == "revoked"
    gone = ok(client.get(f"{PUBLIC}/{granted['id']}"))
    assert gone["status"] == "retracted"
    assert gone["record"] is None
    assert gone["decision_number"] == lic["decision_number"]
    assert gone["retraction_reason"] == "行政许可已撤销"
    assert gone["retracted_on"] == "2026-11-23"
    atom = feedparser.parse(client.get(f"{PUBLIC}/feed.atom").content)
    assert not atom.bozo, atom.bozo_exception
    assert f'ref="urn:uuid:{granted["id"]}"' in newest_items(client)


def test_carrying_out_every_event_again_records_nothing_new(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    licence(client, staff, 9501)
    head = publish(services)
    with psycopg.connect(services.url, autocommit=True) as conn:
        conn.execute("UPDATE casetrace_disclosure.publisher SET position = 0")
    assert publish(services) == head


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from api.disclosure.http import ARCHIVES

    monkeypatch.setattr(feeds, "PAGE", 2)
    ARCHIVES.pages.clear()
    yield
    ARCHIVES.pages.clear()


def test_the_atom_feed_pages_into_archives_that_never_change(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    projector: Projector,
    small_pages: None,
) -> None:
    for seed in (9601, 9602, 9603, 9604, 9605):  # 5 items: 2 full pages of 2
        licence(client, staff, seed)
    shown(client, services)
    head = client.get(f"{PUBLIC}/feed.atom")
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(head.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.language == "zh-CN"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["current"].endswith("/public/v1/disclosures/feed.atom")
    seen: list[str] = [e.id for e in parsed.entries]
    archive_url = links["prev-archive"]
    pages = 0
    while archive_url:
        page = client.get(archive_url)
        assert page.status_code == 200
        assert "immutable" in page.headers["cache-control"]
        again = client.get(archive_url, headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304
        archived = feedparser.parse(page.content)
        assert not archived.bozo, archived.bozo_exception
        assert "<fh:archive" in page.text
        assert len(archived.entries) + page.text.count("at:deleted-entry ") == 2
        seen += [e.id for e in archived.entries]
        archive_url = {x.rel: x.href for x in archived.feed.links}.get("prev-archive")
        pages += 1
    assert pages >= 2
    assert all(i.startswith("urn:uuid:") for i in seen)
    entry = next(e for e in parsed.entries + archived.entries)
    assert entry.title
    assert entry.link.startswith("http")


def test_the_head_answers_a_matching_if_none_match_with_304(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    licence(client, staff, 9701)
    shown(client, services)
    for path in (f"{PUBLIC}/feed.atom", f"{PUBLIC}/feed.json"):
        first = client.get(path)
        tag = first.headers["etag"]
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
        assert (
            client.get(path, headers={"If-None-Match": f'W/{tag}, "x"'}).status_code
            == 304
        )
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_json_feed_follows_json_feed_1_1(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    licence(client, staff, 9801)
    shown(client, services)
    response = client.get(f"{PUBLIC}/feed.json")
    assert response.headers["content-type"] == "application/feed+json"
    document = response.json()
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"]
    assert document["feed_url"].endswith("/public/v1/disclosures/feed.json")
    ids = [item["id"] for item in document["items"]]
    assert len(ids) == len(set(ids))  # unique within a document
    for item in document["items"]:
        assert item.get("content_text") or item.get("content_html")
        assert item["url"].startswith("http")
    assert json_feed_problems(document) == []


def json_feed_problems(document: dict[str, Any]) -> list[str]:
    """The JSON Feed 1.1 rules (jsonfeed.org/version/1.1) a document breaks
    (feedparser 6.0 reads no JSON Feed, so they are checked here)."""
    found = []
    if document.get("version") != "https://jsonfeed.org/version/1.1":
        found.append("version")
    if not isinstance(document.get("title"), str):
        found.append("title")
    for key in ("home_page_url", "feed_url", "next_url"):
        if key in document and not str(document[key]).startswith(
            ("http://", "https://")
        ):
            found.append(key)
    extensions = [k for k in document if k not in JSON_FEED_KEYS]
    found += [f"unknown top-level key {k}" for k in extensions if not k.startswith("_")]
    for item in document.get("items", []):
        if not isinstance(item.get("id"), str) or not item["id"]:
            found.append("item id")
        if not (item.get("content_text") or item.get("content_html")):
            found.append(f"{item.get('id')}: no content")
        for key in ("date_published", "date_modified"):
            if key in item:
                try:
                    datetime.fromisoformat(item[key].replace("Z", "+00:00"))
                except ValueError:
                    found.append(f"{item['id']}: {key} is not RFC 3339")
    return found


JSON_FEED_KEYS = {
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
}


def test_a_bad_filter_or_page_is_a_clear_error_and_no_entry_is_404(
    client: TestClient,
) -> None:
    assert client.get(PUBLIC, params={"uscc": "91320803000000019X"}).status_code == 422
    assert client.get(PUBLIC, params={"kind": "secret"}).status_code == 422
    bad = client.get(PUBLIC, params={"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 422
    assert client.get(PUBLIC, params={"party": "a\x00b"}).status_code == 422
    assert client.get(f"{PUBLIC}/archive/999999.atom").status_code == 404
    assert client.get(f"{PUBLIC}/archive/0.xml").status_code in (404, 422)
    assert client.get(f"{PUBLIC}/{uuid.uuid4()}").status_code == 404


# -- the weekly upload to the credit system -------------------------------------------


def test_the_weekly_credit_export_is_recorded_once_and_written_again_identically(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    projector: Projector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from api.disclosure.cli import COMMANDS
    from domain.disclosure.credit import CreditExport, week_id

    lic = licence(client, staff, 9901)
    shown(client, services)
    monkeypatch.setenv("CASETRACE_DATABASE_URL", services.url)
    week = "2026-W48"  # the fixed clock's week (Mon 2026-11-23)
    first = runner.invoke(
        COMMANDS, ["export", "credit", "--week", week, "--out", str(tmp_path)]
    )
    assert first.exit_code == 0, first.output
    assert "recorded 2026-W48" in first.output
    xk = (tmp_path / f"credit-{week}-XK.csv").read_bytes()
    assert xk.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(xk.decode("utf-8-sig"))))
    mine = [
        r
        for r in rows
        if r["XK_WSH"] == lic["decision_number"]
        and r["XK_XKBH"] == lic["licence_number"]
    ]
    assert len(mine) == 1
    assert mine[0]["XK_XDR_SHXYM"] == lic["holder"]["uscc"]
    assert mine[0]["XK_ZT"] == "正常"
    document = orjson.loads((tmp_path / f"credit-{week}.json").read_bytes())
    assert document["week"] == week
    made = services.apps["disclosure"].repository.get(week_id(week))
    assert isinstance(made, CreditExport)
    recorded = {f.name: f.sha256 for f in made.files}
    assert recorded[f"credit-{week}-XK.csv"] == hashlib.sha256(xk).hexdigest()
    head = publish(services)
    again = runner.invoke(
        COMMANDS, ["export", "credit", "--week", week, "--out", str(tmp_path / "again")]
    )
    assert again.exit_code == 0, again.output
    assert "written again" in again.output
    assert (tmp_path / "again" / f"credit-{week}-XK.csv").read_bytes() == xk
    assert publish(services) == head  # nothing new recorded
    for bad in ("2026-48", "2026-W60", "2026-W4", "9999-W01"):
        refused = runner.invoke(
            COMMANDS, ["export", "credit", "--week", bad, "--out", str(tmp_path)]
        )
        assert refused.exit_code == 2, (bad, refused.output)


def test_the_friday_job_uploads_the_week_once(tmp_path: Path) -> None:
    from api.disclosure.credit import due_week

    assert due_week(date(2026, 11, 26), set()) is None  # Thursday
    assert due_week(date(2026, 11, 27), set()) == "2026-W48"  # Friday
    assert due_week(date(2026, 11, 28), set()) == "2026-W48"  # missed Friday: Saturday
    assert due_week(date(2026, 11, 27), {"2026-W48"}) is None
    assert due_week(date(2027, 1, 1), set()) == "2026-W53"  # ISO week of 2027-01-01


# -- personal data never reaches a public output ----------------------------------------

PERSON_ID = "320803199001011234"
PERSON_PHONE = "13912345678"
PERSON_ADDRESS = "淮安区幸福路88号3幢201室"
PERSON_NAME = "李四五"


def test_no_public_output_carries_a_natural_persons_id_phone_address_or_name(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    projector: Projector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from api.disclosure.cli import COMMANDS

    clerk, approver = staff[(Role.CLERK, COUNTY)], staff[(Role.APPROVER, COUNTY)]
    person = {
        "name": PERSON_NAME,
        "party_type": "natural_person",
        "id_document_number": PERSON_ID,
        "region_code": COUNTY,
        "address": PERSON_ADDRESS,
        "phone": PERSON_PHONE,
    }
    created = receive(client, clerk, applicant=person)
    path = f"/v1/licensing/applications/{created['id']}"
    ok(post(client, f"{path}/accept", clerk))
    grant = {
        "decision_number": f"淮区市监许〔2026〕{uuid.uuid4().hex[:5]}号",
        "scope": f"电梯 1 台，联系人电话{PERSON_PHONE}，身份证{PERSON_ID}",
        "reason": "材料齐全",
    }
    ok(post(client, f"{path}/grant", approver, grant))
    case = open_case(
        client,
        staff,
        party={
            "name": PERSON_NAME,
            "party_type": "natural_person",
            "region_code": COUNTY,
        },
    )
    number = f"淮区市监罚〔2026〕{uuid.uuid4().hex[:6]}号"
    penalty = decision_body(
        number,
        penalties=["fine"],
        result=f"罚款五千元（当事人电话 {PERSON_PHONE}）",
        fine_fen=5_000_00,
        confiscation_fen=0,
    )
    ok(post(client, f"{CASES}/{case['id']}/decide", approver, penalty))
    ok(
        post(
            client,
            f"{CASES}/{case['id']}/serve",
            staff[(Role.OFFICER, COUNTY)],
            {"served_on": "2026-11-23", "method": "in_person"},
        )
    )
    entries = shown(client, services, limit=200)
    assert any(
        e["record"]["decision_number"] == grant["decision_number"] for e in entries
    )
    assert any(e["record"]["party_name"] == "李＊＊" for e in entries)
    outputs = [client.get(PUBLIC, params={"limit": 200}).content]
    outputs += [client.get(f"{PUBLIC}/{e['id']}").content for e in entries]
    outputs += [client.get(f"{PUBLIC}/feed.{fmt}").content for fmt in ("atom", "json")]
    monkeypatch.setenv("CASETRACE_DATABASE_URL", services.url)
    exported = runner.invoke(COMMANDS, ["export", "credit", "--out", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    outputs += [p.read_bytes() for p in tmp_path.iterdir()]
    for output in outputs:
        text = output.decode("utf-8")
        for secret in (PERSON_ID, PERSON_PHONE, PERSON_ADDRESS, PERSON_NAME):
            assert secret not in text, secret


def test_an_event_the_publisher_cannot_carry_out_is_set_aside_not_a_block(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    projector: Projector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import api.disclosure.publisher as publisher

    poisoned = licence(client, staff, 9951)
    real = publisher.instructions

    def refusing(log: str, case: Any, event: Any) -> Any:
        if event.originator_id == uuid.UUID(poisoned["id"]):
            raise ValueError("an unreadable decision")
        return real(log, case, event)

    monkeypatch.setattr(publisher, "instructions", refusing)
    publish(services)
    after = licence(client, staff, 9952)
    assert shown(client, services, uscc=poisoned["holder"]["uscc"]) == []
    assert len(shown(client, services, uscc=after["holder"]["uscc"])) == 1
    with psycopg.connect(services.url) as conn:
        rows = conn.execute(
            "SELECT log, error FROM casetrace_disclosure.refused"
        ).fetchall()
    assert ("licensing", "ValueError: an unreadable decision") in rows


def test_a_penalty_leaves_the_current_feed_when_its_display_period_ends(
    client: TestClient,
    staff: StaffBook,
    services: Services,
    clock: FixedClock,
    projector: Projector,
) -> None:
    uscc = make_uscc(91_401)
    small = {"penalties": ["fine"], "fine_fen": 5_000_00, "confiscation_fen": 0}
    path, _ = decided_penalty(client, staff, uscc, **small)
    served = {"served_on": "2026-11-23", "method": "in_person"}
    ok(post(client, f"{path}/serve", staff[(Role.OFFICER, COUNTY)], served))
    (entry,) = shown(client, services, uscc=uscc)
    assert entry["display_until"] == "2027-02-23"  # 3 months (Art. 13)
    clock.at = clock.at + timedelta(days=93)  # Wed 2027-02-24
    DeadlineClock(services).tick()
    assert shown(client, services, uscc=uscc) == []
    gone = ok(client.get(f"{PUBLIC}/{entry['id']}"))
    assert gone["status"] == "ended"
    assert gone["display_ended_on"] == "2027-02-24"
    assert gone["record"] is None
    assert f'ref="urn:uuid:{entry["id"]}"' in newest_items(client)


# -- the public pages ---------------------------------------------------------------


def test_the_search_page_finds_a_decision_and_its_page_shows_the_fields(
    client: TestClient, staff: StaffBook, services: Services, projector: Projector
) -> None:
    lic = licence(client, staff, 9961)
    (entry,) = shown(client, services, uscc=lic["holder"]["uscc"])
    found = client.get("/disclosures", params={"uscc": lic["holder"]["uscc"]})
    assert found.status_code == 200
    assert f'href="/disclosures/{entry["id"]}"' in found.text
    page = client.get(f"/disclosures/{entry['id']}")
    assert page.status_code == 200
    assert lic["decision_number"] in page.text
    assert "淮安区市场监督管理局" in page.text
    bad = client.get("/disclosures", params={"uscc": "91320803000000019X", "from": "x"})
    assert bad.status_code == 422
    assert "统一社会信用代码" in bad.text
    assert "决定日期自" in bad.text
    backwards = client.get(
        "/disclosures", params={"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert backwards.status_code == 422
    assert client.get("/disclosures", params={"after": "!!"}).status_code == 422
    assert client.get(f"/disclosures/{uuid.uuid4()}").status_code == 404
    assert client.get("/disclosures/not-an-id").status_code == 404
