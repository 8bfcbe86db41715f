"""The national view (一张网): `casetrace follow` reads other deployments'
Atom feeds (here a fake remote behind httpx.MockTransport, its documents
rendered by our own api/disclosure/feeds.py) into the national store, and
`/public/v1/disclosures/national` shows them. Resuming, de-duplication, a
tombstone before its entry, a remote down, malformed XML and a DTD attack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.disclosure import feeds
from api.disclosure.follow import Follower, Outcome, Rounds
from api.disclosure.http import RECORD_EXAMPLE
from api.host.storage import Services
from projections.disclosure import national_queries
from tests.api.conftest import make_uscc
from tests.api.helpers import ok
from tests.e2e.served import free_port

NATIONAL = "/public/v1/disclosures/national"
AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
runner = CliRunner()
USCC = make_uscc(4242)


def record(number: str, **overrides: Any) -> dict[str, Any]:
    return {
        **RECORD_EXAMPLE,
        "kind": "licence",
        "category": "granted",
        "title": "检验检测机构资质认定",
        "reason": "",
        "penalty_kinds": [],
        "fine_fen": 0,
        "confiscation_fen": 0,
        "decision_number": number,
        "uscc": USCC,
        **overrides,
    }


def published(number: str, **overrides: Any) -> dict[str, Any]:
    return {
        "entry_id": uuid.uuid4(),
        "action": "published",
        "at": AT,
        "reason": None,
        "record": record(number, **overrides),
    }


def gone(item: dict[str, Any], action: str = "retracted") -> dict[str, Any]:
    return {**item, "action": action, "at": AT + timedelta(hours=1), "reason": "撤销"}


@dataclass
class Remote:
    """Another deployment's feed: archive pages of `size` items and a head."""

    base: str = field(default_factory=lambda: f"http://{uuid.uuid4().hex[:8]}.test")
    feed_id: str = field(
        default_factory=lambda: f"tag:{uuid.uuid4().hex[:8]},2026:disclosures"
    )
    items: list[dict[str, Any]] = field(default_factory=list)
    size: int = 2
    down: Exception | None = None
    status: int = 200
    body: bytes | None = None  # served instead of the feed (a broken remote)
    asked: list[str] = field(default_factory=list)

    @property
    def head(self) -> str:
        return f"{self.base}/public/v1/disclosures/feed.atom"

    def document(self, path: str) -> feeds.Document | None:
        links = feeds.Links(self.base)
        complete = len(self.items) // self.size
        if path == "/public/v1/disclosures/feed.atom":
            rest = self.items[complete * self.size :]
            return feeds.atom(self.feed_id, rest, links, page=None, complete=complete)
        name = path.rsplit("/", 1)[-1].removesuffix(".atom")
        if (
            not path.startswith("/public/v1/disclosures/archive/")
            or int(name) >= complete
        ):
            return None
        page = int(name)
        items = self.items[page * self.size : (page + 1) * self.size]
        return feeds.atom(self.feed_id, items, links, page=page, complete=complete)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url.path)
        if self.down is not None:
            raise self.down
        if self.status != 200:
            return httpx.Response(self.status, text="upstream broken")
        if self.body is not None:
            return httpx.Response(200, content=self.body)
        document = self.document(request.url.path)
        if document is None:
            return httpx.Response(404)
        if request.headers.get("if-none-match") == document.etag:
            return httpx.Response(304, headers={"ETag": document.etag})
        return httpx.Response(
            200, content=document.body, headers={"ETag": document.etag}
        )


@dataclass
class Network:
    """Several remotes, by host."""

    remotes: dict[str, Remote] = field(default_factory=dict)

    def add(self, remote: Remote) -> Remote:
        self.remotes[httpx.URL(remote.base).host] = remote
        return remote

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.remotes[request.url.host](request)


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def follower(services: Services, network: Network) -> Iterator[Follower]:
    with httpx.Client(transport=httpx.MockTransport(network)) as client:
        follower = Follower(services.url, client)
        follower.prepare()
        yield follower


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    return list(ok(client.get(NATIONAL, params={"limit": 200, **params}))["items"])


def counts(client: TestClient, source: str) -> dict[str, Any]:
    return dict(ok(client.get(f"{NATIONAL}/statistics", params={"source": source})))


def test_a_feed_is_read_with_its_archives_and_shown_newest_first(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote())
    remote.items = [published(f"苏资〔2026〕{n}号") for n in range(5)]
    outcome = follower.read(remote.head)
    assert outcome.ok, outcome.error
    assert outcome.pages == 3  # archives 0 and 1, then the head
    assert outcome.applied.added == 5
    shown = listed(client, source=remote.feed_id)
    assert [e["record"]["decision_number"] for e in shown] == [
        f"苏资〔2026〕{n}号" for n in (4, 3, 2, 1, 0)
    ]
    assert {e["source"] for e in shown} == {remote.feed_id}
    assert shown[0]["source_url"] == remote.head
    assert shown[0]["status"] == "published"
    stats = counts(client, remote.feed_id)
    assert stats["total"] == 5
    assert stats["by_status"] == {"published": 5}
    assert stats["by_kind"] == {"licence": 5}
    (source,) = stats["sources"]
    assert source["pages_read"] == 2
    assert source["last_error"] is None


def test_an_unchanged_head_is_answered_304_and_nothing_is_read_again(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote())
    remote.items = [published(f"苏资〔2026〕2{n}号") for n in range(3)]
    assert follower.read(remote.head).ok
    remote.asked.clear()
    again = follower.read(remote.head)
    assert again.ok
    assert again.pages == 0
    assert remote.asked == ["/public/v1/disclosures/feed.atom"]


def test_a_new_archive_page_is_read_and_older_pages_are_not(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote())
    remote.items = [published(f"苏资〔2026〕3{n}号") for n in range(5)]
    assert follower.read(remote.head).ok
    remote.items += [published(f"苏资〔2026〕3{n}号") for n in range(5, 8)]
    remote.asked.clear()
    outcome = follower.read(remote.head)
    assert outcome.ok, outcome.error
    assert remote.asked == [
        "/public/v1/disclosures/feed.atom",
        "/public/v1/disclosures/archive/3.atom",
        "/public/v1/disclosures/archive/2.atom",  # archive 1 was read: stop
    ]
    assert outcome.applied.added == 3
    assert counts(client, remote.feed_id)["total"] == 8
    assert counts(client, remote.feed_id)["sources"][0]["pages_read"] == 4


def test_reading_every_page_again_changes_nothing(
    client: TestClient, follower: Follower, network: Network, services: Services
) -> None:
    remote = network.add(Remote())
    remote.items = [published(f"苏资〔2026〕4{n}号") for n in range(5)]
    remote.items.append(gone(remote.items[0]))
    assert follower.read(remote.head).ok
    before = (listed(client, source=remote.feed_id), counts(client, remote.feed_id))
    with psycopg.connect(services.url, autocommit=True) as conn:
        conn.execute(  # as if every commit had been lost: at-least-once
            "UPDATE casetrace_national.sources SET pages_read = 0,"
            " last_archive = NULL, etag = NULL WHERE url = %s",
            (remote.head,),
        )
    again = follower.read(remote.head)
    assert again.ok
    assert again.pages == 4
    assert (again.applied.added, again.applied.gone, again.applied.filled) == (0, 0, 0)
    after = (listed(client, source=remote.feed_id), counts(client, remote.feed_id))
    assert after[0] == before[0]
    assert (
        after[1]["by_status"]
        == before[1]["by_status"]
        == {
            "published": 4,
            "retracted": 1,
        }
    )


def test_a_tombstone_retracts_its_entry_and_is_kept(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote(size=10))
    grant = published("苏资〔2026〕51号")
    remote.items = [grant]
    assert follower.read(remote.head).ok
    remote.items.append(gone(grant))
    outcome = follower.read(remote.head)
    assert outcome.applied.gone == 1
    (entry,) = listed(client, source=remote.feed_id)
    assert entry["id"] == str(grant["entry_id"])
    assert entry["status"] == "retracted"
    assert entry["record"] is None
    assert entry["decision_number"] == "苏资〔2026〕51号"
    assert entry["gone_reason"] == "撤回公示：撤销"
    assert listed(client, source=remote.feed_id, uscc=USCC) == []
    stats = counts(client, remote.feed_id)
    assert stats["by_status"] == {"retracted": 1}
    assert stats["by_category"] == {"granted": 1}


def test_a_tombstone_before_its_entry_marks_it_retracted_when_it_comes(
    client: TestClient, follower: Follower, network: Network
) -> None:
    first, second = network.add(Remote(size=10)), network.add(Remote(size=10))
    second.feed_id = first.feed_id  # one feed, reached at two addresses
    grant = published("苏资〔2026〕61号")
    first.items = [gone(grant, "ended")]  # e.g. the entry's page was never read
    assert follower.read(first.head).ok
    (entry,) = listed(client, source=first.feed_id)
    assert entry["status"] == "ended"
    assert entry["kind"] is None
    assert counts(client, first.feed_id)["by_kind"] == {"unknown": 1}
    second.items = [grant]
    outcome = follower.read(second.head)
    assert outcome.applied.filled == 1
    (entry,) = listed(client, source=first.feed_id)
    assert entry["status"] == "ended"
    assert entry["kind"] == "licence"
    stats = counts(client, first.feed_id)
    assert stats["total"] == 1
    assert stats["by_kind"] == {"licence": 1}
    assert stats["by_status"] == {"ended": 1}


@pytest.mark.parametrize(
    "broken",
    [
        {"down": httpx.ConnectError("connection refused")},
        {"down": httpx.ReadTimeout("timed out")},
        {"status": 503},
        {"body": b"<feed xmlns='http://www.w3.org/2005/Atom'><id>x</id><entry>"},
        {"body": b"<html><body>maintenance</body></html>"},
    ],
    ids=["refused", "timeout", "5xx", "malformed", "not-atom"],
)
def test_a_broken_remote_fails_alone_and_is_tried_again_later(
    client: TestClient,
    follower: Follower,
    network: Network,
    broken: dict[str, Any],
) -> None:
    bad, good = network.add(Remote()), network.add(Remote())
    bad.items = [published("苏资〔2026〕71号")]
    good.items = [published("苏资〔2026〕72号")]
    assert follower.read(bad.head).ok
    bad.items.append(published("苏资〔2026〕73号"))
    for name, value in broken.items():
        setattr(bad, name, value)
    now = [AT]
    rounds = Rounds(follower, [bad.head, good.head], 10.0, now=lambda: now[0])
    failed, fine = rounds.round()
    assert not failed.ok
    assert failed.error
    assert fine.ok
    assert counts(client, bad.feed_id)["total"] == 1  # what was read stays
    assert counts(client, good.feed_id)["total"] == 1
    (source,) = counts(client, bad.feed_id)["sources"]
    assert source["last_error"] == failed.error
    assert source["last_failure_at"] is not None
    now[0] += timedelta(seconds=5)  # within the backoff: not asked
    assert [o.url for o in rounds.round()] == [good.head]
    bad.__dict__.update(down=None, status=200, body=None)
    now[0] += timedelta(seconds=10)
    retried: list[Outcome] = rounds.round()
    assert all(o.ok for o in retried)
    assert counts(client, bad.feed_id)["total"] == 2
    assert counts(client, bad.feed_id)["sources"][0]["last_error"] is None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2026:disclosures</id>
<title>&c;</title></feed>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2026:disclosures</id>
<title>&secret;</title></feed>"""


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_document_with_a_dtd_is_refused(
    client: TestClient, follower: Follower, network: Network, attack: bytes
) -> None:
    remote = network.add(Remote(body=attack))
    outcome = follower.read(remote.head)
    assert not outcome.ok
    assert "DTD" in (outcome.error or "")
    stats = ok(client.get(f"{NATIONAL}/statistics"))
    assert "tag:x,2026:disclosures" not in {s["source"] for s in stats["sources"]}


def test_a_bad_entry_is_skipped_and_the_rest_are_stored(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote(size=10))
    bad = published("苏资〔2026〕81号")
    good = published("苏资〔2026〕82号")
    remote.items = [bad, good]
    document = remote.document("/public/v1/disclosures/feed.atom")
    assert document is not None
    remote.body = document.body.replace(b">licence<", b">bribe<", 1)
    outcome = follower.read(remote.head)
    assert outcome.ok
    assert (outcome.applied.added, outcome.skipped) == (1, 1)
    (entry,) = listed(client, source=remote.feed_id)
    assert entry["record"]["decision_number"] == "苏资〔2026〕82号"
    assert counts(client, remote.feed_id)["sources"][0]["skipped"] == 1


def test_a_natural_persons_record_is_redacted_again_when_stored(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote(size=10))
    remote.items = [
        published(
            "苏资〔2026〕91号",
            party_name="李四光",
            party_type="natural_person",
            uscc=None,
            legal_representative="",
            content="联系电话 13912345678",
        )
    ]
    assert follower.read(remote.head).ok
    (entry,) = listed(client, source=remote.feed_id)
    assert entry["record"]["party_name"] == "李＊＊"
    assert "13912345678" not in entry["record"]["content"]


def test_a_prev_archive_link_to_another_host_is_refused(
    follower: Follower, network: Network
) -> None:
    remote = network.add(Remote())
    remote.items = [published(f"苏资〔2026〕10{n}号") for n in range(3)]
    document = remote.document("/public/v1/disclosures/feed.atom")
    assert document is not None
    remote.body = document.body.replace(
        remote.base.encode() + b"/public/v1/disclosures/archive",
        b"http://169.254.169.254/latest",
    )
    outcome = follower.read(remote.head)
    assert not outcome.ok
    assert "origin" in (outcome.error or "")


def test_the_routes_filter_and_refuse_bad_input(
    client: TestClient, follower: Follower, network: Network
) -> None:
    remote = network.add(Remote(size=10))
    remote.items = [
        published("苏资〔2026〕111号"),
        published("苏罚〔2026〕112号", kind="penalty", category="penalised"),
    ]
    assert follower.read(remote.head).ok
    (penalty,) = listed(client, source=remote.feed_id, kind="penalty")
    assert penalty["record"]["decision_number"] == "苏罚〔2026〕112号"
    assert len(listed(client, decision_number="苏资〔2026〕111号")) == 1
    page = ok(client.get(NATIONAL, params={"source": remote.feed_id, "limit": 1}))
    rest = ok(
        client.get(
            NATIONAL,
            params={"source": remote.feed_id, "limit": 1, "after": page["next_cursor"]},
        )
    )
    assert [page["items"][0]["id"], rest["items"][0]["id"]] == [
        str(remote.items[1]["entry_id"]),
        str(remote.items[0]["entry_id"]),
    ]
    for bad in ({"status": "deleted"}, {"from": "2026-12-01", "to": "2026-11-01"}):
        refused = client.get(NATIONAL, params=bad)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"


def test_the_routes_answer_an_empty_view_before_anything_is_followed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(national_queries, "exists", lambda conn: False)
    assert client.get(NATIONAL).json() == {"items": [], "next_cursor": None}
    statistics = client.get(f"{NATIONAL}/statistics").json()
    assert statistics["total"] == 0
    assert statistics["sources"] == []
    assert statistics["by_kind"] == statistics["by_status"] == {}


def test_follow_once_exits_1_when_a_source_cannot_be_read(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.disclosure.cli import COMMANDS

    monkeypatch.setenv("CASETRACE_DATABASE_URL", services.url)
    nobody = f"http://127.0.0.1:{free_port()}/public/v1/disclosures/feed.atom"
    result = runner.invoke(COMMANDS, ["follow", "--once", "--timeout", "2", nobody])
    assert result.exit_code == 1, result.output
    assert f"{nobody}: failed: ConnectError" in result.output
    refused = runner.invoke(COMMANDS, ["follow", "--once", "file:///etc/passwd"])
    assert refused.exit_code == 2
