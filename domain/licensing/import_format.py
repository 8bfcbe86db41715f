"""The CSV of past matters a bureau brings from its old system (历史办件),
and the checks each row passes before it is imported (README "Importing
past matters"). Everything here needs no database: the catalogue, the units
and what is already stored are the service's to check (importing.py).

One row is one matter: its old id (原系统编号, unique per unit), the item, the
kind of matter, the applicant, the unit that handled it, its dates, its
outcome and its numbers. The file is read as every import reads one
(domain/shared/csvfile.py): UTF-8, header first, bad rows named and left out.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final, TypeVar

from domain.licensing.history import OUTCOME_NAMES, Outcome
from domain.licensing.matter import MATTER_NAMES, Matter
from domain.licensing.parties import Applicant, PartyType
from domain.shared.csvfile import (
    Column,
    Problem,
    RowFaults,
    cell_value,
    check_header,
    field_count_ok,
    records,
)
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import validate_region_code
from domain.shared.uscc import CHECK_RULES, validate_uscc

TITLE: Final = "历史办件"
MAX_ROWS: Final = 200_000
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
# An old id keys the imported case: letters, digits and a few separators.
SOURCE_ID: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_\-./]{0,63}$")

C_SOURCE = Column("原系统编号", "source_id", "line", max_length=64)
C_ITEM = Column("事项编码", "item_code", "line", max_length=40)
C_MATTER = Column("事项类型", "matter", "line", required=False, max_length=20)
C_NAME = Column("申请人名称", "applicant_name", "name")
C_PARTY = Column("申请人类型", "party_type", "line", required=False, max_length=20)
C_USCC = Column("统一社会信用代码", "uscc", "line", required=False, max_length=18)
C_ID = Column("身份证件号码", "id_document_number", "line", False, 40)
C_REGION = Column("申请人行政区划代码", "region_code", "region", required=False)
C_UNIT = Column("受理单位代码", "unit_code", "region")
C_RECEIVED = Column("收件日期", "received_on", "date")
C_ACCEPTED = Column("受理日期", "accepted_on", "date", required=False)
C_DECIDED = Column("决定日期", "decided_on", "date")
C_ISSUED = Column("发证日期", "certificate_issued_on", "date", required=False)
C_SERVED = Column("送达日期", "certificate_served_on", "date", required=False)
C_OUTCOME = Column("办理结果", "outcome", "line", max_length=20)
C_DECISION = Column("决定文号", "decision_number", "line", False, 100)
C_CERTIFICATE = Column("证书编号", "certificate_number", "line", False, 100)

COLUMNS: Final = (
    C_SOURCE,
    C_ITEM,
    C_MATTER,
    C_NAME,
    C_PARTY,
    C_USCC,
    C_ID,
    C_REGION,
    C_UNIT,
    C_RECEIVED,
    C_ACCEPTED,
    C_DECIDED,
    C_ISSUED,
    C_SERVED,
    C_OUTCOME,
    C_DECISION,
    C_CERTIFICATE,
)
# The header of the README's sample: the columns an organisation's matter uses.
SAMPLE_HEADER: Final = (
    ",".join(c.header for c in COLUMNS if c not in (C_PARTY, C_ID, C_REGION)) + "\n"
)
# The dates in the order a matter's history runs (each on or after the one before).
DATE_ORDER: Final = (C_RECEIVED, C_ACCEPTED, C_DECIDED, C_ISSUED, C_SERVED)

PARTY_NAMES: Final = {
    PartyType.LEGAL_PERSON: "法人",
    PartyType.UNINCORPORATED_ORG: "非法人组织",
    PartyType.INDIVIDUAL_BUSINESS: "个体工商户",
    PartyType.NATURAL_PERSON: "自然人",
}


@dataclass(frozen=True)
class PastRow:
    """A row whose every value passed its checks (the catalogue, the unit and
    the store are checked by the service)."""

    row: int
    source_id: str
    item_code: str
    matter: Matter
    applicant: Applicant
    unit_code: str
    received_on: date
    accepted_on: date | None
    decided_on: date
    certificate_issued_on: date | None
    certificate_served_on: date | None
    outcome: Outcome
    decision_number: str | None
    certificate_number: str | None
    digest: str  # of the row's cleaned values: a repeat or a conflict


@dataclass
class PastFile:
    sha256: str
    size: int
    rows: int = 0  # data rows (blank lines not counted)
    good: list[PastRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_past_matters(data: bytes, today: date) -> PastFile:
    """The file checked: refused whole (InvalidInputError), or its good rows
    and each bad row's faults."""
    found = records(data, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    columns = check_header(COLUMNS, found.header, TITLE)
    past = PastFile(found.sha256, found.size, rows=len(found.rows))
    candidates: list[PastRow] = []
    for n, values in found.rows:
        faults = RowFaults(n, past.problems)
        if not field_count_ok(values, found.header, faults):
            continue
        cells: dict[str, object] = {}
        for h, v in zip(found.header, values, strict=True):
            cells[columns[h].field] = cell_value(columns[h], v, faults, today)
        if faults.bad:
            continue
        row = _row(n, cells, faults)
        if row is not None:
            candidates.append(row)
    past.good = _without_conflicting_repeats(candidates, past.problems)
    past.problems.sort(key=lambda p: (p.row, p.severity != "error"))
    return past


T = TypeVar("T")


def _choice(
    c: Column, text: str, names: dict[T, str], default: T | None, faults: RowFaults
) -> T | None:
    """An enumerated value by its value or its Chinese name."""
    if not text and default is not None:
        return default
    for value, name in names.items():
        if text in (str(value), name):
            return value
    known = ", ".join(f"{v} ({n})" for v, n in names.items())
    faults.error(c.header, f"{c.field}_unknown", f"{text!r} is not one of {known}")
    return None


def _row(n: int, cells: dict[str, object], faults: RowFaults) -> PastRow | None:
    text = {k: v for k, v in cells.items() if isinstance(v, str)}
    dates = {k: v for k, v in cells.items() if isinstance(v, date)}
    source_id = text["source_id"]
    if not SOURCE_ID.match(source_id):
        faults.error(
            C_SOURCE.header,
            "source_id_invalid",
            "an old id is letters, digits and - _ . / (at most 64)",
        )
    matter = _choice(C_MATTER, text.get("matter", ""), MATTER_NAMES, Matter.NEW, faults)
    outcome = _choice(C_OUTCOME, text["outcome"], OUTCOME_NAMES, None, faults)
    party = _choice(
        C_PARTY, text.get("party_type", ""), PARTY_NAMES, PartyType.LEGAL_PERSON, faults
    )
    unit_code = text["unit_code"]
    applicant = (
        _applicant(text, party, unit_code, faults) if party is not None else None
    )
    if outcome is not None:
        _check_history(outcome, text, dates, faults)
    if faults.bad or matter is None or outcome is None or applicant is None:
        return None
    digest = hashlib.sha256(
        "\x1f".join(f"{k}={cells[k]}" for k in sorted(cells)).encode()
    ).hexdigest()
    return PastRow(
        row=n,
        source_id=source_id,
        item_code=text["item_code"],
        matter=matter,
        applicant=applicant,
        unit_code=unit_code,
        received_on=dates["received_on"],
        accepted_on=dates.get("accepted_on"),
        decided_on=dates["decided_on"],
        certificate_issued_on=dates.get("certificate_issued_on"),
        certificate_served_on=dates.get("certificate_served_on"),
        outcome=outcome,
        decision_number=text.get("decision_number") or None,
        certificate_number=text.get("certificate_number") or None,
        digest=digest,
    )


def _applicant(
    text: dict[str, str], party: PartyType, unit_code: str, faults: RowFaults
) -> Applicant | None:
    uscc = text.get("uscc") or None
    person = party is PartyType.NATURAL_PERSON
    if uscc is None and not person:
        faults.error(
            C_USCC.header, "uscc_missing", "an organisation is named by its USCC"
        )
        return None
    if uscc is not None:
        uscc = _uscc(uscc, faults)
        if uscc is None:
            return None
    if person and not text.get("id_document_number"):
        faults.error(
            C_ID.header, "id_document_missing", "a natural person needs an ID number"
        )
        return None
    region = text.get("region_code") or (uscc[2:8] if uscc else unit_code)
    try:
        region = validate_region_code(region)
    except InvalidInputError as exc:
        faults.error(C_REGION.header, "region_invalid", exc.detail)
        return None
    # Every value passed the checks the model's own validators make (the
    # cell's text and length, the code and its check characters, the region,
    # who is identified how): built without running them a second time.
    return Applicant.model_construct(
        name=text["applicant_name"],
        party_type=party,
        uscc=uscc,
        region_code=region,
        id_document_number=text.get("id_document_number") or None,
    )


def _uscc(text: str, faults: RowFaults) -> str | None:
    """The code, its check characters too: a licensing case binds its history
    to the firm by its code (and a grant is published under it, 双公示), so a
    code that fails them is refused for correction, not kept for review as
    the enterprise directory keeps one (DOMAIN §6.4)."""
    try:
        return validate_uscc(text.upper())
    except InvalidInputError as exc:
        code = "uscc_check_character" if exc.rule in CHECK_RULES else "uscc_invalid"
        faults.error(C_USCC.header, code, exc.detail)
        return None


def _check_history(
    outcome: Outcome, text: dict[str, str], dates: dict[str, date], faults: RowFaults
) -> None:
    """The dates run in order, and say what the outcome says happened."""
    present = [(c, dates[c.field]) for c in DATE_ORDER if c.field in dates]
    for (before, earlier), (after, later) in itertools.pairwise(present):
        if later < earlier:
            faults.error(
                after.header,
                "dates_out_of_order",
                f"{after.header} {later} is before {before.header} {earlier}",
            )
    decided = outcome in (Outcome.GRANTED, Outcome.REFUSED)
    has = dates.__contains__
    issued, number = has("certificate_issued_on"), bool(text.get("certificate_number"))
    granted = outcome is Outcome.GRANTED
    certificate = "only a grant issues a certificate"
    rules: list[tuple[bool, Column, str]] = [
        (decided and not has("accepted_on"), C_ACCEPTED, "a decision follows acceptance"),
        (decided and not text.get("decision_number"), C_DECISION, "a decision has its number"),
        (outcome is Outcome.NOT_ACCEPTED and has("accepted_on"), C_ACCEPTED, "a matter not accepted was never accepted"),
        (not granted and issued, C_ISSUED, certificate),
        (not granted and number, C_CERTIFICATE, certificate),
        (has("certificate_served_on") and not issued, C_SERVED, "a certificate is served after it is issued"),
        (issued and not number, C_CERTIFICATE, "an issued certificate has its number"),
    ]  # fmt: skip
    for broken, column, why in rules:
        if broken:
            faults.error(column.header, "outcome_inconsistent", f"{outcome}: {why}")


def _without_conflicting_repeats(
    rows: list[PastRow], problems: list[Problem]
) -> list[PastRow]:
    """A row the file repeats word for word is imported once (a warning);
    rows of the same old id saying different things are all refused."""
    groups: dict[tuple[str, str], list[PastRow]] = {}
    for row in rows:
        groups.setdefault((row.unit_code, row.source_id), []).append(row)
    good: list[PastRow] = []
    for group in groups.values():
        first = group[0]
        if all(r.digest == first.digest for r in group):
            good.append(first)
            problems.extend(
                Problem(
                    r.row,
                    C_SOURCE.header,
                    "duplicate_row",
                    f"repeats row {first.row}; imported once",
                    "warning",
                )
                for r in group[1:]
            )
            continue
        numbers = [r.row for r in group]
        problems.extend(
            Problem(
                r.row,
                C_SOURCE.header,
                "duplicate_row",
                f"the same old id as row {', '.join(str(m) for m in numbers if m != r.row)}, saying something else",
            )
            for r in group
        )
    good.sort(key=lambda r: r.row)
    return good
