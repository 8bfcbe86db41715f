"""Replay the Shanghai hall's table (seed 003) at a scale through the HTTP API.

上海市质监局行政审批受理大厅, 2007–2014: 47,922 matters received and all
completed on time, in seven categories, and 39,896 certificates made and
served. This script does, as a new user of a running casetrace would, what
that table counts, at 1/scale: an admin publishes one catalogue item per
category of the bureau's own grouping; a clerk receives and accepts, an
approver grants, the clerk issues and serves the certificates; post-licence
matters (变更、补领、停用、启用、报废、注销) are received on the licences the
replay granted. It then reads GET /v1/licensing/statistics grouped by category
and prints expected against got, exiting 1 on any difference.

Rounding at 1/scale: each category's count, and the certificates, rounded
half up on their own (10,184 / 20 = 509.2 → 509; 39,896 / 20 = 1,994.8 →
1,995); the categories' sum may then differ from the rounded total by one or
two. The composition of each category (which matter kinds) is fixed by
`compose` and printed. docs/shanghai-replay.md records a run.

    python scripts/replay_shanghai.py http://127.0.0.1:8000 --tokens var/demo-tokens.txt
    python scripts/replay_shanghai.py URL --clerk T --approver T --admin T [--auditor T]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from domain.shared.uscc import compose_uscc

# The table: category (the bureau's own grouping) → matters received.
TABLE: dict[str, int] = {
    "计量相关许可": 10184,
    "计量认证许可、变更、补领": 5520,
    "特种设备相关许可、使用登记、设备报废、报停、注销等": 14392,
    "标准化相关许可": 1216,
    "工业产品生产许可证相关许可、变更、补领": 3752,
    "食品相关产品许可": 1218,
    "办理组织机构代码业务": 11640,
}
TABLE_TOTAL = 47922
CERTIFICATES = 39896  # 制证并送达各类证书

# The catalogue item the replay publishes for each category: its code, and the
# shipped item whose terms it takes (None: its own terms below).
ITEMS: dict[str, tuple[str, str | None]] = {
    "计量相关许可": ("SH-JL-BZKH", "XK-JL-BZKH"),
    "计量认证许可、变更、补领": ("SH-JL-JLRZ", "XK-JYJC-ZZRD"),
    "特种设备相关许可、使用登记、设备报废、报停、注销等": (
        "SH-TZSB-SYDJ",
        "XK-TZSB-SYDJ",
    ),
    "标准化相关许可": ("SH-BZH-QYBZ", None),
    "工业产品生产许可证相关许可、变更、补领": ("SH-GYCP-SCXK", "XK-GYCP-SCXK"),
    "食品相关产品许可": ("SH-SPXG-SCXK", "XK-SPXG-SCXK"),
    "办理组织机构代码业务": ("SH-ZZJGDM", None),
}
OWN_TERMS: dict[str, dict[str, Any]] = {
    "SH-BZH-QYBZ": {
        "name": "企业产品标准备案",
        "licence_type": "其他",
        "legal_basis": "《中华人民共和国标准化法》(1988) 第6条；"
        "《企业标准化管理办法》(国家技术监督局令第13号)",
        "time_limit_rule": "行政许可法 第42条：20个工作日 (备案期限 UNCONFIRMED)",
        "certificate_name": "企业产品标准备案证书",
        "materials": [{"name": "企业产品标准文本"}, {"name": "标准编制说明"}],
    },
    # 组织机构代码证 (GB 11714-1997): issued until the USCC replaced it (2015).
    "SH-ZZJGDM": {
        "name": "组织机构代码证办理（赋码、变更、换证、补证、注销）",
        "licence_type": "登记",
        "legal_basis": "GB 11714-1997《全国组织机构代码编制规则》；"
        "《组织机构代码管理办法》(UNCONFIRMED: 令号与条文未核对)",
        "time_limit_rule": "行政许可法 第42条：20个工作日 (办理时限 UNCONFIRMED)",
        "certificate_name": "中华人民共和国组织机构代码证",
        "materials": [
            {"name": "组织机构代码申请表"},
            {"name": "批准成立文件或者登记证照"},
        ],
    },
}

# How non-certificate matters (停用、启用、报废、注销) spread over the
# categories: special equipment has most (报废、报停、注销 in its name).
NON_CERTIFICATE_WEIGHTS: dict[str, int] = {
    "特种设备相关许可、使用登记、设备报废、报停、注销等": 60,
    "办理组织机构代码业务": 15,
    "工业产品生产许可证相关许可、变更、补领": 8,
    "计量相关许可": 8,
    "计量认证许可、变更、补领": 5,
    "食品相关产品许可": 2,
    "标准化相关许可": 2,
}
# Of special equipment's: 停用 40%, 启用 10%, 报废 35%, 注销 15%.
EQUIPMENT_SPLIT = {
    "suspension": 40,
    "reactivation": 10,
    "scrapping": 35,
    "cancellation": 15,
}
NEW_SHARE = 0.7  # of a category's certificate matters, new ones (the rest 变更/补领)
REISSUE_SHARE = 0.25  # of the rest, 补领 (none for 标准化)
CHAINS = 8  # matters in flight at once


def round_half_up(n: int, scale: int) -> int:
    return (2 * n + scale) // (2 * scale)


def largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split in proportion to the weights, in whole numbers."""
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    found = {k: int(v) for k, v in shares.items()}
    left = total - sum(found.values())
    for k in sorted(shares, key=lambda k: shares[k] - found[k], reverse=True)[:left]:
        found[k] += 1
    return found


@dataclass
class Category:
    name: str
    item_code: str
    count: int
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def certificates(self) -> int:
        return sum(self.kinds[k] for k in ("new", "change", "reissue"))


def compose(scale: int) -> tuple[list[Category], int]:
    """Each category's matters by kind at 1/scale, and the certificates."""
    categories = [
        Category(name, ITEMS[name][0], round_half_up(n, scale))
        for name, n in TABLE.items()
    ]
    certificates = round_half_up(CERTIFICATES, scale)
    others = sum(c.count for c in categories) - certificates
    if others < 0:
        raise SystemExit("more certificates than matters at this scale")
    # Every category keeps one new licence for its other matters to act on.
    room = {c.name: max(c.count - 1, 0) for c in categories}
    weights = {
        c.name: NON_CERTIFICATE_WEIGHTS[c.name] for c in categories if room[c.name]
    }
    spread = largest_remainder(others, weights)
    for c in categories:
        n = min(spread.get(c.name, 0), room[c.name])
        _compose_category(c, n)
    short = others - sum(c.count - c.certificates for c in categories)
    if short:
        raise SystemExit(f"could not place {short} non-certificate matters")
    return categories, certificates


def _compose_category(c: Category, others: int) -> None:
    if c.name.startswith("特种设备"):
        c.kinds.update(largest_remainder(others, EQUIPMENT_SPLIT))
    else:
        c.kinds["cancellation"] = others
    # Each 停用 and each ending (报废、注销) needs a licence of its own.
    needed = max(
        c.kinds["suspension"], c.kinds["scrapping"] + c.kinds["cancellation"], 1
    )
    with_certificate = c.count - others
    new = min(with_certificate, max(needed, round(with_certificate * NEW_SHARE)))
    rest = with_certificate - new
    reissue = 0 if c.name.startswith("标准化") else round(rest * REISSUE_SHARE)
    c.kinds.update(new=new, change=rest - reissue, reissue=reissue)
    if c.kinds["reactivation"] > c.kinds["suspension"] or needed > new:
        raise SystemExit(f"{c.name}: cannot compose {dict(c.kinds)}")


def chains(c: Category) -> list[list[str]]:
    """The category's matters as chains, one per new licence, each in an order
    the licence admits: changes and reissues, then 停用 (and 启用), then at most
    one ending (报废 or 注销)."""
    found: list[list[str]] = [["new"] for _ in range(c.kinds["new"])]
    ring = itertools.cycle(found)
    for kind in ("change", "reissue"):
        for _ in range(c.kinds[kind]):
            next(ring).append(kind)
    for n in range(c.kinds["suspension"]):
        found[n].append("suspension")
        if n < c.kinds["reactivation"]:
            found[n].append("reactivation")
    endings = ["scrapping"] * c.kinds["scrapping"] + ["cancellation"] * c.kinds[
        "cancellation"
    ]
    # Endings go first to the licences not suspended-and-reactivated last.
    for chain, ending in zip(reversed(found), endings, strict=False):
        chain.append(ending)
    return found


# -- the HTTP client ---------------------------------------------------------------------


class Api:
    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.tokens = tokens
        self.last_position = 0
        self.requests = 0

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, role: str, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers(role))

    def post(self, role: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A command, retried with the same Idempotency-Key on a lost answer or a
        503 (the first outcome comes back, never a second case)."""
        headers = {**self.headers(role), "Idempotency-Key": str(uuid.uuid4())}
        for attempt in range(5):
            try:
                r = self.http.post(path, json=body, headers=headers)
            except httpx.TransportError:
                time.sleep(0.5 * (attempt + 1))
                continue
            self.requests += 1
            if r.status_code == 503:
                time.sleep(float(r.headers.get("retry-after", "1")))
                continue
            if r.status_code >= 400:
                raise RuntimeError(f"POST {path}: {r.status_code} {r.text}")
            found = r.json()
            self.last_position = max(
                self.last_position, int(found.get("position") or 0)
            )
            return found
        raise RuntimeError(f"POST {path}: no answer after retries")


def publish_items(api: Api) -> None:
    for name, (code, base) in ITEMS.items():
        if api.get("admin", f"/v1/licensing/items/{code}").status_code == 200:
            continue  # published by an earlier run
        if base is None:
            terms = {
                "code": code,
                "statutory_limit_wd": 20,
                "promised_limit_wd": 5,
                "approval_modes": ["standard"],
                **OWN_TERMS[code],
            }
        else:
            shipped = api.get("admin", f"/v1/licensing/items/{base}").json()
            terms = {**shipped, "code": code, "approval_modes": ["standard"]}
        # The hall's window work: on-site reviews are outside the table.
        terms.update(category=name, on_site_review=False)
        api.post(
            "admin",
            f"/v1/licensing/items/{code}/publish",
            {
                "terms": terms,
                "reason": "按本局业务分类发布事项（上海受理大厅统计表重放）",
            },
        )


def replay_chain(
    api: Api, c: Category, chain: list[str], seed: int, materials: list[str]
) -> None:
    holder = {
        "name": f"上海重放示例企业{seed}",
        "uscc": compose_uscc("310000", f"{seed:08d}"),
        "region_code": "310000",
    }
    licence_id = None
    for n, matter in enumerate(chain):
        body: dict[str, Any] = {
            "item_code": c.item_code,
            "applicant": holder,
            "materials": materials,
            "matter": matter,
        }
        if licence_id:
            body["licence_id"] = licence_id
        if matter == "change":
            body["change"] = {"address": f"上海市示例路{seed}号（变更{n}）"}
        if matter == "reissue":
            body["reissue_cause"] = "lost"
        case = api.post("clerk", "/v1/licensing/applications", body)["id"]
        path = f"/v1/licensing/applications/{case}"
        api.post("clerk", f"{path}/accept")
        granted = api.post(
            "approver",
            f"{path}/grant",
            {
                "decision_number": f"沪质监许〔重放〕{seed}-{n}",
                "scope": c.name,
                "reason": "材料齐全，符合法定条件",
            },
        )
        licence_id = licence_id or granted["licence_id"]
        if granted.get("certificate_due") is not None:
            api.post("clerk", f"{path}/issue-certificate")
            api.post("clerk", f"{path}/serve-certificate", {"method": "in_person"})


def statistics(
    api: Api, role: str, day: date, position: int
) -> dict[str, dict[str, int]]:
    params: dict[str, Any] = {"from": day, "to": day, "group_by": "category"}
    if position:
        params["consistent_after"] = f"licensing:{position}"
    for _ in range(120):
        r = api.get(role, "/v1/licensing/statistics", **params)
        if r.status_code != 503:
            break
        time.sleep(1)
    r.raise_for_status()
    return {g["key"]: g for g in r.json()["groups"]}


FIGURES = (
    "received",
    "completed",
    "completed_on_time",
    "certificates_issued",
    "certificates_served",
)


def counted(groups: dict[str, dict[str, Any]], name: str) -> dict[str, int]:
    g = groups.get(name, {})
    completed = int(g.get("completed") or 0)
    rate = g.get("on_time_rate")
    on_time = round(completed * rate) if rate is not None else 0
    return {
        "received": int(g.get("received") or 0),
        "completed": completed,
        "completed_on_time": on_time,
        "certificates_issued": int(g.get("certificates_issued") or 0),
        "certificates_served": int(g.get("certificates_served") or 0),
    }


def tokens_from_file(path: Path, unit: str) -> dict[str, str]:
    """The demo's tokens file: the first staff member of `unit` in each role."""
    found: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if (
            len(parts) >= 2
            and not line.startswith("#")
            and f"unit {unit} " in f"{line} "
        ):
            found.setdefault(parts[0], parts[-1])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--tokens", type=Path, help="the demo tokens file")
    parser.add_argument("--unit", default="3208", help="whose tokens, in that file")
    for role in ("clerk", "approver", "admin", "auditor"):
        parser.add_argument(f"--{role}")
    parser.add_argument("--chains", type=int, default=CHAINS)
    args = parser.parse_args(argv)
    tokens = tokens_from_file(args.tokens, args.unit) if args.tokens else {}
    for role in ("clerk", "approver", "admin", "auditor"):
        if getattr(args, role):
            tokens[role] = getattr(args, role)
    missing = {"clerk", "approver", "admin"} - set(tokens)
    if missing:
        parser.error(f"tokens needed for: {', '.join(sorted(missing))}")
    reader = "auditor" if "auditor" in tokens else "clerk"

    categories, certificates = compose(args.scale)
    started = time.monotonic()
    api = Api(args.base_url, tokens)
    publish_items(api)
    today = date.fromisoformat(api.get(reader, "/v1/licensing/statistics").json()["to"])
    before = statistics(api, reader, today, 0)

    work: list[tuple[Category, list[str], list[str]]] = []
    for c in categories:
        item = api.get("clerk", f"/v1/licensing/items/{c.item_code}").json()
        materials = [m["name"] for m in item["materials"]]
        work += [(c, chain, materials) for chain in chains(c)]
    # Each chain's holder: a USCC whose 8-digit organisation-code body is a
    # number of its own (a rerun starts elsewhere).
    seeds: Iterator[int] = itertools.count((int(time.time()) % 90_000) * 1000)
    with ThreadPoolExecutor(args.chains) as pool:
        list(pool.map(lambda w: replay_chain(api, w[0], w[1], next(seeds), w[2]), work))
    after = statistics(api, reader, today, api.last_position)
    elapsed = time.monotonic() - started
    return report(categories, certificates, before, after, args.scale, api, elapsed)


def report(
    categories: list[Category],
    certificates: int,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    scale: int,
    api: Api,
    elapsed: float,
) -> int:
    print(f"上海受理大厅 2007–2014 at 1/{scale} (each figure rounded half up)")
    print(f"{'category':<50} {'matters':>7} {'expected':>9} {'got':>9}  composition")
    differences = 0
    totals = Counter[str]()
    for c in categories:
        got = counted(after, c.name)
        was = counted(before, c.name)
        delta = {k: got[k] - was[k] for k in FIGURES}
        totals.update(delta)
        expected = {
            "received": c.count,
            "completed": c.count,
            "completed_on_time": c.count,
        }
        same = all(delta[k] == v for k, v in expected.items())
        differences += not same
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(c.kinds.items()) if n)
        print(
            f"{c.name:<50} {TABLE[c.name]:>7} {c.count:>9} {delta['received']:>9}"
            f"  {'ok' if same else 'DIFFERENT'}  [{kinds}]"
            f"  completed {delta['completed']}, on time {delta['completed_on_time']}"
        )
    for name, figure in (
        ("制证 certificates issued", "certificates_issued"),
        ("送达 certificates served", "certificates_served"),
    ):
        same = totals[figure] == certificates
        differences += not same
        print(
            f"{name:<50} {CERTIFICATES:>7} {certificates:>9} {totals[figure]:>9}  {'ok' if same else 'DIFFERENT'}"
        )
    rounded_total = round_half_up(TABLE_TOTAL, scale)
    print(
        f"{'total matters (sum of rounded categories)':<50} {TABLE_TOTAL:>7}"
        f" {sum(c.count for c in categories):>9} {totals['received']:>9}"
        f"  (the total rounded alone: {rounded_total})"
    )
    print(
        f"{api.requests} commands in {elapsed:.1f} s ({api.requests / elapsed:.1f}/s)"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
