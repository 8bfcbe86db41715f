"""Another deployment's disclosure feed as we read it (the national view,
一张网): one Atom document — the head or an RFC 5005 archive page — parsed
safely into published entries, RFC 6721 tombstones and what was skipped.

The documents come from another machine, so they are not trusted:
- the XML goes through expat with every DTD refused (no DOCTYPE, so no
  entity of any kind: no billion laughs, no external entity, no network
  access from the parser); the caller bounds the body's size (MAX_BYTES);
- each entry's fields (`<ct:record>`, api/disclosure/feeds.py) are validated
  as a PublicRecord and redacted again (a natural person shows a masked name
  only; free text has ID- and phone-shaped runs masked), in case the other
  side's rules are older or wrong;
- an entry that does not validate is skipped and reported, never fatal;
  a document that is not an Atom feed is refused as a whole (FeedError).
"""

from __future__ import annotations

import types
import typing
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from uuid import UUID
from xml.parsers import expat

from pydantic import ValidationError

from api.disclosure.feeds import ATOM, CASETRACE, HISTORY, TOMBSTONES
from domain.disclosure.record import PublicRecord, public_party, scrub

MAX_BYTES = 8 * 1024 * 1024  # a page of 100 entries is well under 1 MiB
ACTIONS = ("retracted", "ended")


class FeedError(Exception):
    """A document we will not read: malformed, with a DTD, too large, or not
    an Atom feed."""


@dataclass(frozen=True)
class Published:
    entry_id: UUID
    record: PublicRecord
    published_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Tombstone:
    entry_id: UUID
    action: str  # retracted | ended
    when: datetime
    comment: str


@dataclass(frozen=True)
class Skipped:
    ref: str  # the entry's id as given (may be garbage)
    why: str


@dataclass(frozen=True)
class Page:
    feed_id: str
    archive: bool  # an RFC 5005 archive (`<fh:archive/>`): never changes
    prev_archive: str | None  # absolute, on the feed's own origin
    published: tuple[Published, ...]
    tombstones: tuple[Tombstone, ...]
    skipped: tuple[Skipped, ...]


# -- XML, safely -----------------------------------------------------------------------


def _refuse_dtd(*_: object) -> None:
    raise FeedError("a DTD (DOCTYPE) is refused: feeds have none")


def _refuse_external(*_: object) -> int:
    raise FeedError("an external entity is refused")


def _qname(name: str) -> str:
    """expat's `uri}local` (namespace_separator '}') as ElementTree's `{uri}local`."""
    return "{" + name if "}" in name else name


def parse_xml(body: bytes) -> ET.Element:
    """The document's root, built by expat with DTDs refused."""
    if len(body) > MAX_BYTES:
        raise FeedError(f"document larger than {MAX_BYTES} bytes")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external

    def start(name: str, attrs: dict[str, str]) -> None:
        builder.start(_qname(name), {_qname(k): v for k, v in attrs.items()})

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_qname(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    return builder.close()


# -- Atom ------------------------------------------------------------------------------


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return at


def _entry_uuid(text: str) -> UUID:
    if not text.startswith("urn:uuid:"):
        raise ValueError(f"{text!r} is not urn:uuid:…")
    return UUID(text.removeprefix("urn:uuid:"))


def _admits_none(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and (
        type(None) in typing.get_args(annotation)
    )


def record_of(fields: ET.Element) -> PublicRecord:
    """The record from `<ct:record>`: empty fields are omitted by the writer,
    lists joined by commas; fields this version does not know are ignored."""
    given = {
        child.tag.removeprefix(f"{{{CASETRACE}}}"): child.text or ""
        for child in fields
        if child.tag.startswith(f"{{{CASETRACE}}}")
    }
    values: dict[str, Any] = {}
    for name, info in PublicRecord.model_fields.items():
        if name in given:
            raw = given[name]
            values[name] = (
                [k for k in raw.split(",") if k] if name.endswith("_kinds") else raw
            )
        elif info.is_required():
            values[name] = None if _admits_none(info.annotation) else ""
    record = PublicRecord.model_validate(values)
    return redacted(record)


def redacted(record: PublicRecord) -> PublicRecord:
    """The record with our own redaction applied over theirs (idempotent)."""
    party = public_party(
        record.party_name, record.party_type, record.uscc, record.legal_representative
    )
    return record.model_copy(
        update={
            **party,
            "content": scrub(record.content),
            "reason": scrub(record.reason),
            "basis": scrub(record.basis),
        }
    )


def _published(entry: ET.Element) -> Published:
    entry_id = _entry_uuid(_text(entry.find(f"{{{ATOM}}}id")))
    fields = entry.find(f"{{{CASETRACE}}}record")
    if fields is None:
        raise ValueError("no <ct:record> (not a casetrace disclosure entry)")
    updated = _instant(_text(entry.find(f"{{{ATOM}}}updated")))
    published_text = _text(entry.find(f"{{{ATOM}}}published"))
    return Published(
        entry_id,
        record_of(fields),
        _instant(published_text) if published_text else updated,
        updated,
    )


def _tombstone(gone: ET.Element) -> Tombstone:
    action = _text(gone.find(f"{{{CASETRACE}}}action")) or "retracted"
    if action not in ACTIONS:
        raise ValueError(f"unknown tombstone action {action!r}")
    return Tombstone(
        _entry_uuid(gone.get("ref", "").strip()),
        action,
        _instant(gone.get("when", "").strip()),
        _text(gone.find(f"{{{TOMBSTONES}}}comment")),
    )


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _prev_archive(root: ET.Element, url: str) -> str | None:
    for link in root.findall(f"{{{ATOM}}}link"):
        if link.get("rel") == "prev-archive" and link.get("href"):
            target = urljoin(url, link.get("href", ""))
            if not same_origin(target, url):
                # Followed links stay on the source's own host: a feed must
                # not make us fetch from elsewhere (a request forgery).
                raise FeedError(f"prev-archive {target} leaves {url}'s origin")
            return target
    return None


def parse_page(body: bytes, url: str) -> Page:
    """One Atom document fetched from `url` (to resolve its links)."""
    root = parse_xml(body)
    if root.tag != f"{{{ATOM}}}feed":
        raise FeedError(f"not an Atom feed: <{root.tag}>")
    feed_id = _text(root.find(f"{{{ATOM}}}id"))
    if not feed_id:
        raise FeedError("the feed has no <id>")
    published: list[Published] = []
    tombstones: list[Tombstone] = []
    skipped: list[Skipped] = []
    for entry in root.findall(f"{{{ATOM}}}entry"):
        try:
            published.append(_published(entry))
        except (ValueError, ValidationError) as exc:  # ValidationError is one
            skipped.append(Skipped(_text(entry.find(f"{{{ATOM}}}id")), _why(exc)))
    for gone in root.findall(f"{{{TOMBSTONES}}}deleted-entry"):
        try:
            tombstones.append(_tombstone(gone))
        except ValueError as exc:
            skipped.append(Skipped(gone.get("ref", ""), _why(exc)))
    return Page(
        feed_id=feed_id,
        archive=root.find(f"{{{HISTORY}}}archive") is not None,
        prev_archive=_prev_archive(root, url),
        published=tuple(published),
        tombstones=tuple(tombstones),
        skipped=tuple(skipped),
    )


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )[:500]
    return str(exc)[:500]
