"""The weekly upload to the enterprise credit system (seed 004: 每周五): the
feed items since the last upload, as CSV (UTF-8 with a BOM, formula-safe
cells) and JSON in the 双公示 field names, written to a directory the
exchange picks up, and recorded as a `CreditExport.Made` event with each
file's SHA-256 — once per ISO week. Asking again for a recorded week writes
the same bytes again (the items and their records never change) and checks
them against the recorded hashes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import orjson
import psycopg

from api.http.exports import BOM, csv_lines
from domain.disclosure.credit import (
    LICENCE_FIELDS,
    PENALTY_FIELDS,
    CreditExport,
    SentFile,
    iso_week,
    licence_row,
    penalty_row,
)
from domain.disclosure.service import DisclosureService
from domain.shared.audit import Audit
from domain.shared.errors import DomainError, InvalidInputError
from projections.disclosure import entries_queries as q

FRIDAY = 4  # date.weekday()


@dataclass(frozen=True)
class Export:
    week: str
    first_item: int
    stop_item: int
    files: tuple[SentFile, ...]
    recorded: bool  # made now (False: written again from the record)


def parse_week(text: str) -> str:
    """`2026-W48` (ISO 8601 week), as written; anything else is refused."""
    try:
        year, week = text.split("-W")
        date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise InvalidInputError(
            f"{text!r} is not an ISO week like 2026-W48", field="week"
        ) from None
    if not (len(year) == 4 and year.isdigit() and len(week) == 2 and week.isdigit()):
        raise InvalidInputError(
            f"{text!r} is not an ISO week like 2026-W48", field="week"
        )
    return text


def recorded(service: DisclosureService) -> list[CreditExport.Made]:
    """Every week's recorded upload, oldest first."""
    topic = CreditExport.Made.TOPIC
    found = service.recorder.select_notifications(1, 10_000, topics=[topic])
    return [cast(CreditExport.Made, service.mapper.to_domain_event(n)) for n in found]


def files_of(
    conn: psycopg.Connection[Any], week: str, first: int, stop: int
) -> tuple[dict[str, bytes], int, int]:
    """The week's files (name → bytes), and the number of licence and penalty rows."""
    licences: list[dict[str, str]] = []
    penalties: list[dict[str, str]] = []
    for item in q.feed_items(conn, first, stop):
        record = item["record"]
        note = item.get("reason") or ""
        if record["kind"] == "licence":
            licences.append(licence_row(record, item["action"], note))
        else:
            penalties.append(penalty_row(record, item["action"], note))
    body = {"week": week, "licences": licences, "penalties": penalties}
    files = {
        f"credit-{week}-XK.csv": _csv(LICENCE_FIELDS, licences),
        f"credit-{week}-CF.csv": _csv(PENALTY_FIELDS, penalties),
        f"credit-{week}.json": orjson.dumps(body, option=orjson.OPT_INDENT_2),
    }
    return files, len(licences), len(penalties)


def _csv(fields: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    lines = csv_lines([fields, *([row[f] for f in fields] for row in rows)])
    return (BOM + lines).encode("utf-8")


def export_week(
    service: DisclosureService,
    conn: psycopg.Connection[Any],
    week: str,
    out: Path,
    audit: Audit,
) -> Export:
    """Write week `week`'s files to `out`; record the upload if it is new."""
    week = parse_week(week)
    done = {e.week: e for e in recorded(service)}
    if week in done:
        made = done[week]
        files, _, _ = files_of(conn, week, made.first_item, made.stop_item)
        _write(out, files)
        for was in made.files:
            if _sha256(files[was.name]) != was.sha256:
                raise DomainError(
                    f"{was.name} no longer matches what was sent in {week}"
                )
        return Export(week, made.first_item, made.stop_item, made.files, recorded=False)
    if week > iso_week(service.today()):
        raise InvalidInputError(f"{week} has not begun", field="week")
    if any(w > week for w in done):
        raise InvalidInputError(
            f"{week} was never uploaded and later weeks were: their uploads hold its items",
            field="week",
        )
    first = max((e.stop_item for e in done.values()), default=0)
    stop = q.feed_size(conn)
    files, licences, penalties = files_of(conn, week, first, stop)
    sent = tuple(
        SentFile(name=name, sha256=_sha256(data), rows=_rows(name, licences, penalties))
        for name, data in files.items()
    )
    _write(out, files)
    service.save(
        CreditExport(
            audit=audit,
            week=week,
            first_item=first,
            stop_item=stop,
            licences=licences,
            penalties=penalties,
            files=sent,
        )
    )
    return Export(week, first, stop, sent, recorded=True)


def _rows(name: str, licences: int, penalties: int) -> int:
    if name.endswith("-XK.csv"):
        return licences
    if name.endswith("-CF.csv"):
        return penalties
    return licences + penalties


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(out: Path, files: dict[str, bytes]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        partial = out / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(out / name)  # never a half-written file to pick up


def due_week(today: date, done: set[str]) -> str | None:
    """The week the Friday job uploads: this one, from Friday on, once."""
    week = iso_week(today)
    return week if today.weekday() >= FRIDAY and week not in done else None
