"""The disclosure feed as documents: Atom (RFC 4287) paged and archived by
RFC 5005, with RFC 6721 tombstones, and JSON Feed 1.1 of the same items.

The feed is a sequence of items (projections/disclosure/entries.py): an
entry published, or a tombstone (retracted; display period ended). Archive
page k holds items kP … kP+P−1 and is written only once it is full, so its
bytes never change (cacheable for a year); the head holds the items after
the last full page, with `prev-archive` to the newest archive.

Identity (for de-duplication by consumers): each entry's Atom `id` is
`urn:uuid:<disclosure id>`, one per decision of one case of one deployment;
a tombstone's `ref` is the same id. In CloudEvents terms an item's `source`
is the deployment's feed id (`tag:<ledger key name>,2026:disclosures`) and its
`id` the entry id plus the item's action; (source, id) is unique.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from domain.disclosure.record import CATEGORY_NAMES, PublicRecord, summary

PAGE = 100  # items per archive page

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"  # RFC 5005
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
CASETRACE = "urn:casetrace:disclosure:1"
JSON_FEED = "https://jsonfeed.org/version/1.1"
TITLE = "行政许可和行政处罚信息公示（双公示）"

ET.register_namespace("", ATOM)
ET.register_namespace("fh", HISTORY)
ET.register_namespace("at", TOMBSTONES)
ET.register_namespace("ct", CASETRACE)

# Characters XML 1.0 cannot carry: never in a record (domain text is
# checked), dropped here all the same so that no document is ever malformed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Links:
    """Where the documents are, absolute (from the request's base URL)."""

    base: str  # e.g. http://host:port

    def head(self, fmt: str) -> str:
        return f"{self.base}/public/v1/disclosures/feed.{fmt}"

    def archive(self, page: int, fmt: str) -> str:
        return f"{self.base}/public/v1/disclosures/archive/{page}.{fmt}"

    def entry(self, entry_id: Any) -> str:
        return f"{self.base}/disclosures/{entry_id}"


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str
    media_type: str


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def pages_complete(size: int) -> int:
    return size // PAGE


def _text(value: Any) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _link(parent: ET.Element, rel: str, href: str, kind: str) -> None:
    _sub(parent, f"{{{ATOM}}}link", rel=rel, href=href, type=kind)


# -- Atom -------------------------------------------------------------------------------


def atom(
    feed_id: str,
    items: Sequence[dict[str, Any]],
    links: Links,
    *,
    page: int | None,
    complete: int,
    checkpoints: Sequence[dict[str, Any]] = (),
) -> Document:
    """The head (page None) or archive page `page`, of `complete` full pages."""
    root = ET.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"}
    )
    _sub(
        root, f"{{{ATOM}}}id", feed_id if page is None else f"{feed_id}:archive:{page}"
    )
    _sub(root, f"{{{ATOM}}}title", TITLE)
    updated = max((i["at"] for i in items), default=None)
    _sub(
        root, f"{{{ATOM}}}updated", _iso(updated) if updated else "1970-01-01T00:00:00Z"
    )
    author = _sub(root, f"{{{ATOM}}}author")
    _sub(author, f"{{{ATOM}}}name", "casetrace")
    kind = "application/atom+xml"
    _link(
        root,
        "self",
        links.head("atom") if page is None else links.archive(page, "atom"),
        kind,
    )
    _link(root, "current", links.head("atom"), kind)
    older = (complete - 1) if page is None else page - 1
    if older >= 0:
        _link(root, "prev-archive", links.archive(older, "atom"), kind)
    if page is not None:
        # No `next-archive` (RFC 5005 makes it optional): the page's bytes
        # would change when the next page fills, and an archive never changes.
        _sub(root, f"{{{HISTORY}}}archive")
    for cp in checkpoints:
        _sub(
            root,
            f"{{{CASETRACE}}}checkpoint",
            cp["note"],
            log=cp["log"],
            size=str(cp["size"]),
        )
    for item in items:
        _atom_item(root, item, links)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Document(body, entity_tag(body), "application/atom+xml; charset=utf-8")


def _atom_item(root: ET.Element, item: dict[str, Any], links: Links) -> None:
    entry_id = f"urn:uuid:{item['entry_id']}"
    if item["action"] != "published":
        gone = _sub(
            root, f"{{{TOMBSTONES}}}deleted-entry", ref=entry_id, when=_iso(item["at"])
        )
        _sub(gone, f"{{{TOMBSTONES}}}comment", tombstone_reason(item))
        _link(gone, "alternate", links.entry(item["entry_id"]), "text/html")
        _sub(gone, f"{{{CASETRACE}}}action", item["action"])
        return
    record = PublicRecord.model_validate(item["record"])
    entry = _sub(root, f"{{{ATOM}}}entry")
    _sub(entry, f"{{{ATOM}}}id", entry_id)
    _sub(entry, f"{{{ATOM}}}title", record.heading)
    _sub(entry, f"{{{ATOM}}}updated", _iso(item["at"]))
    _sub(entry, f"{{{ATOM}}}published", _iso(item["at"]))
    author = _sub(entry, f"{{{ATOM}}}author")
    _sub(author, f"{{{ATOM}}}name", record.authority)
    _link(entry, "alternate", links.entry(item["entry_id"]), "text/html")
    _sub(entry, f"{{{ATOM}}}category", term=record.kind.value)
    _sub(
        entry,
        f"{{{ATOM}}}category",
        term=record.category.value,
        label=CATEGORY_NAMES[record.category],
    )
    _sub(entry, f"{{{ATOM}}}content", summary(record), type="text")
    fields = _sub(entry, f"{{{CASETRACE}}}record")
    for name, value in record.model_dump(mode="json").items():
        if isinstance(value, list):
            value = ",".join(value)
        if value not in (None, ""):
            _sub(fields, f"{{{CASETRACE}}}{name}", value)


def tombstone_reason(item: dict[str, Any]) -> str:
    if item["action"] == "ended":
        return "公示期满，停止公示（市场监督管理行政处罚信息公示规定 第13条）"
    return f"撤回公示：{item.get('reason') or ''}"


# -- JSON Feed 1.1 -------------------------------------------------------------------


def json_feed(
    feed_id: str,
    items: Sequence[dict[str, Any]],
    links: Links,
    *,
    page: int | None,
    complete: int,
    checkpoints: Sequence[dict[str, Any]] = (),
) -> Document:
    """The same items; an entry appears once per document (its latest item:
    JSON Feed ids are unique), a tombstone as an item marked deleted."""
    latest: dict[str, dict[str, Any]] = {}
    for item in items:
        latest.pop(str(item["entry_id"]), None)
        latest[str(item["entry_id"])] = item
    older = (complete - 1) if page is None else page - 1
    document: dict[str, Any] = {
        "version": JSON_FEED,
        "title": TITLE,
        "home_page_url": f"{links.base}/disclosures",
        "feed_url": links.head("json") if page is None else links.archive(page, "json"),
        "language": "zh-CN",
        "items": [_json_item(i, links) for i in reversed(latest.values())],
        "_casetrace": {
            "feed_id": feed_id,
            "archive": page is not None,
            "checkpoints": list(checkpoints),
        },
    }
    if older >= 0:
        document["next_url"] = links.archive(older, "json")
    body = orjson.dumps(document)
    return Document(body, entity_tag(body), "application/feed+json")


def _json_item(item: dict[str, Any], links: Links) -> dict[str, Any]:
    entry_id = f"urn:uuid:{item['entry_id']}"
    at = _iso(item["at"])
    if item["action"] != "published":
        return {
            "id": entry_id,
            "url": links.entry(item["entry_id"]),
            "title": tombstone_reason(item),
            "content_text": tombstone_reason(item),
            "date_modified": at,
            "_casetrace": {
                "action": item["action"],
                "deleted": True,
                "item": item["item_no"],
            },
        }
    record = PublicRecord.model_validate(item["record"])
    return {
        "id": entry_id,
        "url": links.entry(item["entry_id"]),
        "title": record.heading,
        "content_text": summary(record),
        "date_published": at,
        "date_modified": at,
        "authors": [{"name": record.authority}],
        "language": "zh-CN",
        "tags": [record.kind.value, record.category.value],
        "_casetrace": {
            "action": "published",
            "deleted": False,
            "item": item["item_no"],
            "record": record.model_dump(mode="json"),
        },
    }
