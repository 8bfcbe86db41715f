"""The weekly exchange with the enterprise credit system (seed 004: every
Friday the week's licensing and penalty decisions are uploaded), in the
双公示 field names of DOMAIN §5.1 (XK_* for licences, CF_* for penalties;
the national standard's codes are UNCONFIRMED there, and so here).

A week's export holds every feed item since the previous export (decisions
published, and retractions as status changes), so that each reaches the
credit system once, whenever in the week it was published; it is recorded
as an event (`CreditExport.Made`: the week, the item range, the rows and the
SHA-256 of each file sent).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.disclosure.record import CATEGORY_NAMES, PARTY_TYPE_CODES, Category
from domain.shared.audit import Audit, require_actor
from domain.shared.events import Aggregate

LICENCE_FIELDS = (
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_FRDB",
    "XK_XKWS",
    "XK_WSH",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_ZT",
    "XK_LYDW",
    "BZ",
)
PENALTY_FIELDS = (
    "CF_WSH",
    "CF_CFMC",
    "CF_CFLB1",
    "CF_SY",
    "CF_YJ",
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_FR",
    "CF_JG",
    "CF_JDRQ",
    "CF_XZJG",
    "CF_ZT",
    "BZ",
)
STATUS = {"published": "正常", "retracted": "撤销", "ended": "公示期满"}


def week_id(week: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:disclosure:credit-export:{week}")


def iso_week(on: date) -> str:
    year, week, _ = on.isocalendar()
    return f"{year}-W{week:02d}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def licence_row(record: dict[str, Any], status: str, note: str) -> dict[str, str]:
    category = Category(record["category"])
    return {
        "XK_XDR_MC": record["party_name"],
        "XK_XDR_LB": PARTY_TYPE_CODES.get(record["party_type"], ""),
        "XK_XDR_SHXYM": _text(record["uscc"]),
        "XK_FRDB": record["legal_representative"],
        "XK_XKWS": f"{CATEGORY_NAMES[category]}决定书",
        "XK_WSH": record["decision_number"],
        "XK_XKZS": record["certificate_name"],
        "XK_XKBH": record["licence_number"],
        "XK_NR": f"{record['title']}：{record['content']}",
        "XK_JDRQ": _text(record["decided_on"]),
        "XK_YXQZ": _text(record["valid_from"]),
        "XK_YXQZI": _text(record["valid_until"]),
        "XK_XKJG": record["authority"],
        "XK_ZT": STATUS.get(status, status),
        "XK_LYDW": record["authority"],
        "BZ": note,
    }


def penalty_row(record: dict[str, Any], status: str, note: str) -> dict[str, str]:
    return {
        "CF_WSH": record["decision_number"],
        "CF_CFMC": record["title"],
        "CF_CFLB1": record["title"],
        "CF_SY": record["reason"],
        "CF_YJ": record["basis"],
        "CF_XDR_MC": record["party_name"],
        "CF_XDR_LB": PARTY_TYPE_CODES.get(record["party_type"], ""),
        "CF_XDR_SHXYM": _text(record["uscc"]),
        "CF_FR": record["legal_representative"],
        "CF_JG": record["content"],
        "CF_JDRQ": _text(record["decided_on"]),
        "CF_XZJG": record["authority"],
        "CF_ZT": STATUS.get(status, status),
        "BZ": note,
    }


class SentFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    sha256: str
    rows: int


class CreditExport(Aggregate):
    """One week's upload to the credit system, recorded once."""

    PINNED_TOPIC = "casetrace.disclosure.CreditExport"

    class Made(Aggregate.Created):
        week: str
        first_item: int  # feed items first_item … stop_item − 1
        stop_item: int
        licences: int
        penalties: int
        files: tuple[SentFile, ...]

    @staticmethod
    def create_id(*_: Any, week: str = "", **__: Any) -> UUID:
        return week_id(week)

    @event(Made)
    def __init__(
        self,
        *,
        audit: Audit,
        week: str,
        first_item: int,
        stop_item: int,
        licences: int,
        penalties: int,
        files: tuple[SentFile, ...],
    ) -> None:
        require_actor(audit)
        self.week = week
        self.first_item = first_item
        self.stop_item = stop_item
        self.files = files
