"""The `complaints` read model on a real PostgreSQL: one row per intake,
complaint and report, driven through the Complaints service (or, for every
event class, the aggregates' own commands); their deadlines on the shared
board and the clock's timers on hand-checked dates (complaints_line.py); the
index's filters, cursor and jurisdiction; and no person's details anywhere in
the model's tables (Art. 33)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql

from api.host.clock import DeadlineClock
from domain.complaints.complaint import Complaint
from domain.complaints.conduct import ConductComplaint
from domain.complaints.intake import Intake, Sightings
from domain.complaints.odr import Dispute, OdrEnterprise
from domain.complaints.parties import (
    Attachment,
    Channel,
    Classification,
    ExcludedPeriod,
    NotOpenedGround,
)
from domain.complaints.report import Report
from domain.complaints.service import PUBLIC, Submission
from domain.shared.audit import Audit, Caller, Role
from domain.shared.clock import legal_date
from domain.shared.dates import years_after
from domain.shared.events import event_classes
from projections.complaints.index import ComplaintsIndex, Kind
from projections.complaints.index_queries import (
    CaseQuery,
    answerable,
    find,
    search,
)
from projections.complaints.statistics import StatisticsQuery, statistics
from projections.deadline_board import BoardQuery, board, sources_of
from projections.queries import Scope
from projections.runtime import Tables, run_in_thread
from tests.domain.complaints_lifecycles import complaints_lifecycles
from tests.projections.complaints_line import (
    AGENT,
    ALICE,
    COUNTY,
    OTHER_COUNTY,
    OTHER_SHOP,
    PEOPLE,
    RECEIVED,
    REPRESENTATIVES,
    SHOP,
    Line,
    open_line,
)

EVERYWHERE = Scope(everything=True)


@pytest.fixture
def line(fresh_database: str) -> Iterator[Line]:
    with open_line(fresh_database) as opened:
        yield opened


def connect(line: Line) -> psycopg.Connection[Any]:
    return psycopg.connect(line.url, autocommit=True)


@contextmanager
def following(line: Line) -> Iterator[None]:
    """A projector following the log in a thread: the clock waits, after it
    fires, until the read models have seen what it did."""
    projector = line.projector()
    projector.prepare()
    thread, stop = run_in_thread(projector)
    try:
        yield
    finally:
        stop.set()
        thread.join()


def tag_of(pseudonym: str) -> str:
    return pseudonym.split("#")[1]


# -- the fold ---------------------------------------------------------------------------


def test_every_event_class_of_intakes_complaints_and_reports_is_folded() -> None:
    folded = set(ComplaintsIndex().handlers)
    for aggregate in (Intake, Complaint, Report, Dispute):
        for cls in event_classes(aggregate):
            if cls.__name__ == "Created":  # the library's own: never emitted
                continue
            assert cls in folded, cls.TOPIC
    # Deliberately not read: the duplicate register (blind keys, no case).
    topics = {cls.TOPIC for cls in event_classes(Sightings)}
    assert not topics & ComplaintsIndex().topics


def all_rows(conn: psycopg.Connection[Any], tables: Tables) -> list[list[Any]]:
    """Every row of every table of a generation, in a stable order."""
    found = []
    for table in ComplaintsIndex()._tables():
        rows = conn.execute(
            sql.SQL("SELECT * FROM {} t ORDER BY t::text").format(tables(table.part))
        ).fetchall()
        found.append(rows)
    return found


@pytest.mark.db
def test_every_event_of_every_lifecycle_is_folded_at_its_case_version_and_rebuilt_alike(
    line: Line,
) -> None:
    lifecycles = complaints_lifecycles()
    line.complaints.save(*(e for events in lifecycles for e in events))
    line.project()
    emitted = {type(e) for events in lifecycles for e in events}
    assert set(ComplaintsIndex().handlers) <= emitted  # every fold was exercised
    # Not this model's: the duplicate register, and conduct complaints (their own).
    cases = [
        events
        for events in lifecycles
        if not isinstance(
            events[0],
            Sightings.Started | ConductComplaint.Opened | OdrEnterprise.Enrolled,
        )
    ]
    with connect(line) as conn:
        tables = line.tables(conn)
        versions = dict(
            conn.execute(sql.SQL("SELECT id, version FROM {}").format(tables()))
        )
        assert versions == {
            events[0].originator_id: events[-1].originator_version for events in cases
        }
        by_number = {
            r["number"]: r for r in (line.row(conn, case_id) for case_id in versions)
        }
        mediated = by_number["T-1"]  # taken over by the city, handed over, agreed
        assert (mediated["status"], mediated["unit_code"]) == ("agreed", "3208")
        assert (mediated["recovered_fen"], mediated["rating"]) == (129900, "satisfied")
        assert mediated["responsible_no"] == "H-2"
        assert by_number["J-2"]["missed"] == ["verification:2026-10-15"]
        assert by_number["1"]["duplicates"] == ["0"]
        live = all_rows(conn, tables)
        rebuilt = line.projectors[0].rebuild(ComplaintsIndex.name)
        assert all_rows(conn, rebuilt) == live


@pytest.mark.db
def test_a_combined_intake_is_an_intake_row_and_two_linked_cases_on_the_board(
    line: Line,
) -> None:
    intake = line.classify(line.register(), Classification.BOTH)
    assert intake.complaint_id is not None
    assert intake.report_id is not None
    assert intake.submitter.person is not None
    tag = tag_of(intake.submitter.person.person.pseudonym)
    line.project()
    with connect(line) as conn:
        i = line.row(conn, intake.id)
        c = line.row(conn, intake.complaint_id)
        r = line.row(conn, intake.report_id)
        assert (i["kind"], i["status"], i["classification"]) == (
            "intake",
            "classified",
            "both",
        )
        assert (i["complaint_id"], i["report_id"]) == (c["id"], r["id"])
        assert (c["linked_id"], r["linked_id"]) == (r["id"], c["id"])
        assert c["intake_id"] == r["intake_id"] == i["id"]
        assert i["people"] == [f"来件人#{tag}"]
        assert c["people"] == [f"投诉人#{tag}"]
        assert r["people"] == [f"举报人#{tag}"]
        # 首问负责制: the desk's I-1 received it, and answers for all three.
        assert {(x["responsible_no"], x["responsible_name"]) for x in (i, c, r)} == {
            ("I-1", "周一")
        }
        assert (c["respondent_name"], c["respondent_uscc"]) == (SHOP.name, SHOP.uscc)
        # Art. 14: 7 wd after Fri 9/18 is Tue 9/29; 处罚程序规定 Art. 18: 15 wd
        # is Thu 10/15. The clock records a miss the day after.
        assert line.deadlines(conn, c["id"]) == {
            "acceptance": (
                date(2026, 9, 29),
                "record_missed_deadline:acceptance",
                date(2026, 9, 30),
            )
        }
        assert line.deadlines(conn, r["id"]) == {
            "verification": (
                date(2026, 10, 15),
                "record_missed_deadline:verification",
                date(2026, 10, 16),
            )
        }
        assert line.deadlines(conn, i["id"]) == {}
        # The desk's part is done: its retention timer runs (the domain waits
        # for the whole matter, matter.py), off the board.
        until = years_after(legal_date(i["updated_at"]), 3)
        assert line.timers(conn, i["id"]) == {
            "retention": (until, "shred_personal_data", until + timedelta(days=1))
        }
        sources = sources_of(line.services.read_models())
        page = board(
            conn,
            BoardQuery(Scope(prefixes=(COUNTY,)), today=RECEIVED),
            line.services.calendar,
            sources,
        )
        first, second = page.items
        assert first["case_kind"] == "matter"
        assert first["context"] == "complaints"
        assert first["reference"] == c["number"]
        assert first["subject"] == {"code": "complaint", "name": "投诉"}
        assert first["party"] == {"name": SHOP.name}
        assert first["rule"].endswith("第14条")
        assert (second["reference"], second["subject"]["name"]) == (r["number"], "举报")
        assert answerable(conn, [first["case_id"], second["case_id"]]) == {
            c["id"]: {"staff_no": "I-1", "name": "周一"},
            r["id"]: {"staff_no": "I-1", "name": "周一"},
        }


@pytest.mark.db
def test_the_answerable_member_of_staff_changes_only_by_a_recorded_hand_over(
    line: Line,
) -> None:
    case = line.complaint()
    line.complaints.hand_over(case, audit=line.audit("H-1", "调岗交接"), staff_no="H-2")
    line.project()
    with connect(line) as conn:
        assert answerable(conn, [case]) == {case: {"staff_no": "H-2", "name": "孙三"}}


# -- deadlines and the clock --------------------------------------------------------------


@pytest.mark.db
def test_mediation_runs_45_working_days_not_while_stopped_and_the_clock_ends_it(
    line: Line,
) -> None:
    case = line.complaint()
    line.complaints.accept(case, audit=line.audit("H-1"))
    line.project()
    with connect(line) as conn:
        # Art. 21 (5): 45 wd after Fri 9/18 is Thu 11/26; time_out the day after.
        assert line.deadlines(conn, case) == {
            "mediation": (date(2026, 11, 26), "time_out", date(2026, 11, 27))
        }
        assert line.row(conn, case)["decided_on"] == RECEIVED
    line.on(date(2026, 10, 12))
    line.complaints.exclude_period(
        case, audit=line.audit("H-1", "双方共同委托检测"), kind=ExcludedPeriod.TESTING
    )
    line.project()
    with connect(line) as conn:
        assert line.deadlines(conn, case) == {}  # Art. 20: not counted meanwhile
        assert line.row(conn, case)["mediation_stopped"]
    line.on(date(2026, 10, 16))
    line.complaints.resume_period(case, audit=line.audit("H-1"))
    line.project()
    with connect(line) as conn:
        # 10/13–16 = 4 wd not counted: 11/27, 11/30, 12/1, 12/2.
        assert line.deadlines(conn, case) == {
            "mediation": (date(2026, 12, 2), "time_out", date(2026, 12, 3))
        }
    clock = DeadlineClock(line.services)
    with following(line):
        line.on(date(2026, 12, 2))
        assert clock.tick().fired == 0  # the last day: not yet
        line.on(date(2026, 12, 3))
        assert clock.tick().fired == 1
    with connect(line) as conn:
        ended = line.row(conn, case)
        assert (ended["status"], ended["ground"]) == ("terminated", "time_limit")
        # The parties told within 7 wd of Thu 12/3: 12/4 =1, 12/7–11 =2..6, 12/14.
        assert line.deadlines(conn, case) == {
            "termination_notice": (
                date(2026, 12, 14),
                "record_missed_deadline:termination_notice",
                date(2026, 12, 15),
            )
        }
    with following(line):
        line.on(date(2026, 12, 15))
        assert clock.tick().fired == 1
    with connect(line) as conn:
        assert line.row(conn, case)["missed"] == ["termination_notice:2026-12-14"]
        # Still on the board, overdue; no timer: a miss is recorded once.
        assert line.deadlines(conn, case) == {
            "termination_notice": (date(2026, 12, 14), None, None)
        }
    line.complaints.notify_parties(case, audit=line.audit("H-1"))
    line.project()
    with connect(line) as conn:
        row = line.row(conn, case)
        assert row["closed"]
        assert line.deadlines(conn, case) == {}
        # Closed: the retention timer alone, 3 years from its last act.
        until = years_after(legal_date(row["updated_at"]), 3)
        assert line.timers(conn, case) == {
            "retention": (until, "shred_personal_data", until + timedelta(days=1))
        }


@pytest.mark.db
def test_a_report_s_verification_jurisdiction_and_reporter_notice_deadlines(
    line: Line,
) -> None:
    case = line.report()
    line.complaints.dispute_jurisdiction(
        case, audit=line.audit("H-1", "违法行为发生地在邻县"), with_unit=OTHER_COUNTY
    )
    line.project()
    with connect(line) as conn:
        # Art. 30: settled within 7 wd (Tue 9/29); verification waits for it.
        assert line.deadlines(conn, case) == {
            "jurisdiction": (
                date(2026, 9, 29),
                "record_missed_deadline:jurisdiction",
                date(2026, 9, 30),
            )
        }
    line.on(date(2026, 9, 30))
    line.complaints.settle_jurisdiction(
        case, audit=line.audit("A-C", "指定邻县局管辖"), unit_code=OTHER_COUNTY
    )
    line.project()
    with connect(line) as conn:
        row = line.row(conn, case)
        assert (row["unit_code"], row["received_on"]) == (
            OTHER_COUNTY,
            date(2026, 9, 30),
        )
        # Received there on Wed 9/30: 15 wd → Tue 10/27 (test_complaints.py).
        assert line.deadlines(conn, case)["verification"][0] == date(2026, 10, 27)
    line.on(date(2026, 10, 8))
    line.complaints.exclude_period(
        case, audit=line.audit("H-9", "抽样送检"), kind=ExcludedPeriod.TESTING
    )
    line.project()
    with connect(line) as conn:
        assert line.deadlines(conn, case) == {}  # 处罚程序规定 Art. 18
    line.on(date(2026, 10, 9))
    line.complaints.resume_period(case, audit=line.audit("H-9"))
    line.on(date(2026, 10, 12))
    line.complaints.open_case(
        case, audit=line.audit("A-9", "证据初步确凿"), officers=("E-1", "E-2")
    )
    line.project()
    with connect(line) as conn:
        row = line.row(conn, case)
        # One working day (10/9) not counted: due Wed 10/28, decided in time.
        assert row["verification_due"] == date(2026, 10, 28)
        assert (row["status"], row["decided_on"]) == ("case_opened", date(2026, 10, 12))
        # Art. 31: 5 wd after Mon 10/12: 10/13–16 =1..4, Mon 10/19 =5.
        assert line.deadlines(conn, case) == {
            "reporter_notice": (
                date(2026, 10, 19),
                "record_missed_deadline:reporter_notice",
                date(2026, 10, 20),
            )
        }
    line.complaints.notify_reporter(case, audit=line.audit("H-9"))
    line.project()
    with connect(line) as conn:
        assert line.row(conn, case)["closed"]
        assert line.deadlines(conn, case) == {}


@pytest.mark.db
def test_no_deadline_runs_for_an_anonymous_reporter_or_a_case_back_at_the_intake(
    line: Line,
) -> None:
    anonymous = line.report(None)
    line.complaints.not_open_case(
        anonymous,
        audit=line.audit("A-1", "无违法事实"),
        ground=NotOpenedGround.NO_VIOLATION,
    )
    returned = line.report()
    line.on(date(2026, 9, 22))
    line.complaints.return_to_intake(returned, audit=line.audit("H-1", "不属本局管辖"))
    line.project()
    with connect(line) as conn:
        row = line.row(conn, anonymous)
        assert (row["anonymous"], row["people"], row["closed"]) == (True, [], True)
        assert line.deadlines(conn, anonymous) == {}
        assert line.row(conn, returned)["returned"]
        assert line.deadlines(conn, returned) == {}
    line.on(date(2026, 9, 24))
    line.complaints.route(
        returned, audit=line.audit("I-1", "重新分送"), unit_code=COUNTY
    )
    line.project()
    with connect(line) as conn:
        # Restarted from Thu 9/24 (matter.py): 9/28 =1 … 10/19–22 =12..15.
        assert line.deadlines(conn, returned)["verification"][0] == date(2026, 10, 22)
        assert line.row(conn, returned)["received_on"] == date(2026, 9, 24)


# -- the index --------------------------------------------------------------------------------


def numbers(page: Any) -> list[tuple[str, str]]:
    return [(item["kind"], item["number"]) for item in page.items]


@pytest.mark.db
def test_the_index_filters_pages_with_a_stable_cursor_within_the_jurisdiction(
    line: Line,
) -> None:
    calendar = line.services.calendar
    complaint = line.complaint()
    line.complaints.hand_over(
        complaint, audit=line.audit("H-1", "调岗交接"), staff_no="H-2"
    )
    line.on(date(2026, 9, 21))
    reported = line.classify(
        line.register(channel=Channel.INTERNET, respondent=OTHER_SHOP),
        Classification.REPORT,
        unit=OTHER_COUNTY,
    )
    line.on(date(2026, 9, 22))
    enquiry = line.register(channel=Channel.COUNTER)
    line.complaints.answer_enquiry(
        enquiry, audit=line.audit("I-1"), answer="三包期内可要求修理。"
    )
    line.project()
    assert reported.report_id is not None
    c = line.complaints.load(Complaint, complaint, "complaint")
    i = line.complaints.load(Intake, c.intake_id, "intake")
    r = line.complaints.load(Report, reported.report_id, "report")
    e = line.complaints.load(Intake, enquiry, "intake")
    today = date(2026, 9, 30)

    def found(**filters: Any) -> list[tuple[str, str]]:
        scope = filters.pop("scope", EVERYWHERE)
        return numbers(search(conn, CaseQuery(scope, today, **filters), calendar))

    everything = [
        ("intake", e.number),
        ("report", r.number),
        ("intake", reported.number),
        ("complaint", c.number),
        ("intake", i.number),
    ]
    with connect(line) as conn:
        assert found() == everything  # newest first
        assert found(kinds=(Kind.COMPLAINT,)) == [("complaint", c.number)]
        assert found(statuses=("answered",)) == [("intake", e.number)]
        assert found(unit=OTHER_COUNTY) == [("report", r.number)]
        assert found(channel=Channel.INTERNET) == [
            ("report", r.number),
            ("intake", reported.number),
        ]
        on_21 = date(2026, 9, 21)
        assert found(received_from=on_21, received_to=on_21) == found(
            channel=Channel.INTERNET
        )
        assert found(respondent_name="连云区") == found(channel=Channel.INTERNET)
        assert found(respondent_uscc=SHOP.uscc) == [
            ("intake", e.number),
            ("complaint", c.number),
            ("intake", i.number),
        ]
        # Tue 9/29 has passed: the complaint's acceptance is overdue.
        assert found(overdue=True) == [("complaint", c.number)]
        assert ("complaint", c.number) not in found(overdue=False)
        assert found(responsible_no="H-2") == [("complaint", c.number)]
        # Jurisdiction: the county that has the report; the intake unit sees
        # all it received (Art. 37), another region nothing.
        assert found(scope=Scope(prefixes=(OTHER_COUNTY,))) == [("report", r.number)]
        assert found(scope=Scope(prefixes=(COUNTY,))) == everything
        assert found(scope=Scope(prefixes=("3207",))) == []

        first = search(conn, CaseQuery(EVERYWHERE, today, limit=2), calendar)
        line.on(date(2026, 9, 23))
        later = line.complaint()  # arrives between two pages
        line.project()
        pages = numbers(first)
        after = first.next_cursor
        while after is not None:
            page = search(
                conn, CaseQuery(EVERYWHERE, today, after=after, limit=2), calendar
            )
            pages += numbers(page)
            after = page.next_cursor
        assert pages == everything  # none twice, none skipped, the new one not mixed in

        shown = find(conn, complaint, Scope(prefixes=(COUNTY,)), calendar, today)
        assert shown is not None
        assert shown["responsible"] == {"staff_no": "H-2", "name": "孙三"}
        assert shown["deadline"]["kind"] == "acceptance"
        assert shown["deadline"]["overdue"]
        assert shown["periods"] == {"acceptance": date(2026, 9, 29)}
        assert find(conn, complaint, Scope(prefixes=("3207",)), calendar, today) is None
        assert find(conn, later, EVERYWHERE, calendar, today) is not None


# -- confidentiality (Art. 33) ------------------------------------------------------------


def details(person: Any) -> list[str]:
    return [
        v for v in (person.name, person.phone, person.address, person.id_number) if v
    ]


@pytest.mark.db
def test_no_person_s_details_appear_in_any_table_query_or_statistic_of_the_model(
    line: Line,
) -> None:
    joint = Submission(
        person=ALICE,
        agent=AGENT,
        power_of_attorney=Attachment(sha256="a" * 64, title="授权委托书"),
        representatives=REPRESENTATIVES,
        joint=True,
    )
    intake = line.classify(line.register(submitter=joint), Classification.BOTH)
    assert intake.complaint_id is not None
    assert intake.report_id is not None
    handler = line.audit("H-1", "电话联系投诉人核实情况")
    line.complaints.personal_data(
        Complaint,
        intake.complaint_id,
        Caller(audit=handler, roles=frozenset({Role.HANDLER})),
    )
    line.complaints.accept(intake.complaint_id, audit=handler)
    line.complaints.open_case(
        intake.report_id, audit=line.audit("A-1", "立案"), officers=("E-1", "E-2")
    )
    line.complaints.submit(
        Audit(actor=PUBLIC, request_id="public"),
        unit_code=COUNTY,
        submitter=Submission(person=ALICE),
        respondent=SHOP,
        facts="网购商品与描述不符。",
        claim="退款",
    )
    line.report(None)
    line.project()
    secrets = [d for person in PEOPLE for d in details(person)]
    with connect(line) as conn:
        tables = line.tables(conn)
        stored: list[str] = []
        for table in ComplaintsIndex()._tables():
            stored += [
                text
                for (text,) in conn.execute(
                    sql.SQL("SELECT t::text FROM {} t").format(tables(table.part))
                )
            ]
        answers = [
            search(conn, CaseQuery(EVERYWHERE, RECEIVED), line.services.calendar).items,
            statistics(
                conn, StatisticsQuery(EVERYWHERE, date(2026, 1, 1), date(2026, 12, 31))
            ),
        ]
        pseudonyms = {
            p
            for r in answers[0]
            for p in r["people"]  # type: ignore[index]
        }
    text = "\n".join(stored) + orjson.dumps(answers, default=str).decode()
    assert len(stored) > 10
    for secret in secrets:
        assert secret not in text
    # What the index shows of them: pseudonyms, one per person and role.
    assert {p.split("#")[0] for p in pseudonyms} == {
        "来件人",
        "代理人",
        "代表人",
        "投诉人",
        "举报人",
    }
    assert all(len(tag_of(p)) == 4 for p in pseudonyms)
