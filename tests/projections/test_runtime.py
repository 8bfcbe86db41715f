"""The projection runtime on a real PostgreSQL: rows follow the events exactly
once — through rebuilds, crashes (raised and SIGKILLed), concurrent projectors
and a rebuild racing a live follower — and followers wake on NOTIFY.

Every expectation is computed from the event log or from the aggregates the
services load, never from the read model's own fold."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from domain.licensing.application import (
    DeadlineKind,
    LicenceApplication,
    Status,
)
from domain.licensing.licence import LicenceStatus
from domain.shared.events import PydanticMapper
from projections import runtime
from projections.licensing.applications import Applications
from projections.licensing.licences import Licences
from projections.runtime import (
    SCHEMA,
    Progress,
    ReadModel,
    Tables,
    active_tables,
    position,
    wait_for,
)
from tests.projections.conftest import World

pytestmark = pytest.mark.db

A = LicenceApplication
REPO = Path(__file__).resolve().parents[2]
MODELS = ("applications", "licences", "joint_reviews")  # the licensing log's
# The models this world's cases give rows (its items have no joint review).
FILLED = MODELS[:2]

# Which statistics facts each countable event stands for (DESIGN: one fact per
# countable event, dated by the event).
METRICS_OF: dict[type[Any], tuple[str, ...]] = {
    A.Received: ("received",),
    A.Accepted: ("accepted",),
    A.AcceptedWithDeficiencies: ("accepted",),
    A.AcceptanceDeemed: ("accepted",),
    A.NotAccepted: ("not_accepted",),
    A.Granted: ("completed", "granted"),
    A.Refused: ("completed", "refused"),
    A.ProcessingTerminated: ("terminated",),
    A.Withdrawn: ("withdrawn",),
    A.CertificateIssued: ("certificate_issued",),
    A.CertificateServed: ("certificate_served",),
    A.DeadlineMissed: ("deadline_missed",),
}


class CrashError(Exception):
    """A fault injected at a named point of a batch."""


# -- reading what the database holds ------------------------------------------------


def connect(world: World) -> psycopg.Connection[Any]:
    # Autocommit: an idle open transaction would hold locks that block the
    # DROP TABLE of an old generation.
    return psycopg.connect(world.url, autocommit=True)


def table_names(conn: psycopg.Connection[Any], tables: Tables) -> list[str]:
    prefix = f"{tables.model}_g{tables.generation}"
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s"
        " AND (tablename = %s OR tablename LIKE %s) ORDER BY 1",
        (SCHEMA, prefix, prefix.replace("_", r"\_") + r"\_%"),
    ).fetchall()
    return [name for (name,) in rows]


def dump(conn: psycopg.Connection[Any], tables: Tables) -> dict[str, list[Any]]:
    """Every row of every table of a generation, keyed by the table's part name
    (`""`, `deadlines`, `facts`), in a stable order."""
    prefix = f"{tables.model}_g{tables.generation}"
    found: dict[str, list[Any]] = {}
    for name in table_names(conn, tables):
        table = sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))
        rows = conn.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall()
        found[name.removeprefix(prefix).lstrip("_")] = sorted(rows, key=repr)
    return found


def indexes(conn: psycopg.Connection[Any], tables: Tables) -> list[str]:
    """Every index of a generation's tables (keys too), its generation left out."""
    prefix = f"{tables.model}_g{tables.generation}"
    rows = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s"
        " AND (tablename = %s OR tablename LIKE %s)",
        (SCHEMA, prefix, prefix.replace("_", r"\_") + r"\_%"),
    ).fetchall()
    return sorted(d.replace(prefix, f"{tables.model}_gN") for (d,) in rows)


def generations(conn: psycopg.Connection[Any], model: str) -> dict[int, str]:
    rows = conn.execute(
        f"SELECT generation, state FROM {SCHEMA}.generations WHERE model = %s",
        (model,),
    ).fetchall()
    return {int(g): str(s) for g, s in rows}


def case_versions(conn: psycopg.Connection[Any], model: str) -> dict[UUID, int]:
    t = active_tables(conn, model)
    rows = conn.execute(sql.SQL("SELECT id, version FROM {}").format(t())).fetchall()
    return {i: int(v) for i, v in rows}


def facts(conn: psycopg.Connection[Any]) -> Counter[tuple[UUID, str]]:
    t = active_tables(conn, "applications")
    rows = conn.execute(
        sql.SQL("SELECT case_id, metric FROM {}").format(t("facts"))
    ).fetchall()
    return Counter((case_id, metric) for case_id, metric in rows)


# -- what the event log says the rows must be ------------------------------------------


def notifications(world: World, upto: int | None = None) -> list[Any]:
    recorder = world.services.licensing.recorder
    found = recorder.select_notifications(0, 1_000_000, inclusive_of_start=False)
    return [n for n in found if upto is None or n.id <= upto]


def expected_versions(
    world: World, model: ReadModel, upto: int | None = None
) -> dict[UUID, int]:
    """The version of every case of the model after the log up to `upto`."""
    versions: dict[UUID, int] = {}
    for n in notifications(world, upto):
        if n.topic in model.topics:
            versions[n.originator_id] = max(
                versions.get(n.originator_id, 0), n.originator_version
            )
    return versions


def expected_facts(world: World, upto: int | None = None) -> Counter[tuple[UUID, str]]:
    mapper = world.services.licensing.mapper
    expected: Counter[tuple[UUID, str]] = Counter()
    for n in notifications(world, upto):
        if not n.topic.startswith(A.PINNED_TOPIC):
            continue
        event = mapper.to_domain_event(n)
        for metric in METRICS_OF.get(type(event), ()):
            expected[(event.originator_id, metric)] += 1
    return expected


def assert_exactly_once(
    world: World, conn: psycopg.Connection[Any], upto: int | None = None
) -> None:
    """Every row is at its case's version, every deadline row too, and there is
    one fact per countable event: nothing applied twice, nothing lost."""
    for model in world.models():
        expected = expected_versions(world, model, upto)
        assert case_versions(conn, model.name) == expected, model.name
        t = active_tables(conn, model.name)
        deadline_rows = conn.execute(
            sql.SQL("SELECT case_id, case_version FROM {}").format(t("deadlines"))
        ).fetchall()
        for case_id, case_version in deadline_rows:
            assert case_version == expected[case_id], (model.name, case_id)
    assert facts(conn) == expected_facts(world, upto)


def running_deadlines(a: LicenceApplication) -> dict[str, date]:
    """The deadlines running on an application, by the aggregate's own state."""
    found: dict[str, date] = {}
    if a.status is Status.RECEIVED:
        found["correction"] = a.correction_due.due
    if a.status is Status.ACCEPTED and a.outstanding_deficiencies:
        assert a.supply_deadline is not None
        found["supply"] = a.supply_deadline
    for kind in DeadlineKind:
        running = a.open_deadline(kind)
        if running is not None:
            found[kind.value] = running[0]
    return found


def acceptance_of(history: list[Any]) -> str | None:
    """How the application's acceptance was decided, by its events."""
    found = None
    for event in history:
        if isinstance(event, A.AcceptedWithDeficiencies):
            found = "with_deficiencies"
        elif isinstance(event, A.AcceptanceDeemed):
            found = "deemed"
        elif isinstance(event, A.Accepted):
            found = "deemed" if event.deemed else "accepted"
        elif isinstance(event, A.NotAccepted):
            found = "not_accepted"
    return found


def catch_up_all(world: World) -> runtime.Projector:
    projector = world.projector()
    projector.prepare()
    for model in projector.models.values():
        projector.catch_up(model)
    return projector


def start(target: Any, *args: Any) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def run_with_errors(errors: list[BaseException], fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except BaseException as e:  # the test's own thread asserts there are none
        errors.append(e)


def wake(conn: psycopg.Connection[Any], world: World) -> None:
    """NOTIFY the licensing channel, so a stopped follower notices promptly."""
    recorder: Any = world.services.licensing.recorder
    conn.execute(sql.SQL("NOTIFY {}").format(sql.Identifier(recorder.channel_name)))


# -- 1. feeding events ----------------------------------------------------------------


def test_catch_up_folds_each_application_and_licence_into_one_row_at_its_version(
    world: World,
) -> None:
    projector = world.projector()
    projector.prepare()
    head = world.head()
    for model in projector.models.values():
        assert projector.catch_up(model) == head  # every notification read once
        assert projector.catch_up(model) == 0  # caught up: nothing more
    licensing = world.services.licensing

    with connect(world) as conn:
        assert position(conn, "applications") == position(conn, "licences") == head
        t = active_tables(conn, "applications")
        assert t == Tables("applications", 1)
        rows = conn.execute(
            sql.SQL(
                "SELECT id, status, version, receipt_number, acceptance,"
                " deadline_kind, deadline_due, licence_id FROM {} ORDER BY seq"
            ).format(t())
        ).fetchall()
        deadline_rows = conn.execute(
            sql.SQL(
                "SELECT case_id, kind, due, reference, case_version FROM {}"
            ).format(t("deadlines"))
        ).fetchall()
        all_facts = facts(conn)

        assert len(rows) == 15  # the demo's fifteen applications (one a 变更)
        assert {r[0] for r in rows} == set(expected_versions(world, world.models()[0]))
        statuses = Counter(r[1] for r in rows)
        assert statuses == {
            "certificate_served": 2,
            "certificate_issued": 1,
            "refused": 1,
            "correction_requested": 1,
            "accepted": 4,
            "granted": 1,
            "not_accepted": 1,
            "withdrawn": 1,
            "terminated": 1,
            "received": 2,
        }
        by_case: dict[UUID, dict[str, date]] = {}
        for case_id, kind, due, _, _ in deadline_rows:
            by_case.setdefault(case_id, {})[kind] = due
        granted_licences: dict[UUID, UUID] = {}
        for case_id, status, version, receipt, acceptance, kind, due, lic in rows:
            a = licensing.get_application(case_id)
            assert (status, version, receipt) == (
                a.status.value,
                a.version,
                a.receipt_number,
            )
            running = running_deadlines(a)
            assert by_case.get(case_id, {}) == running, receipt
            if running:  # the index shows the nearest running deadline
                nearest = min(running, key=lambda k: running[k])
                assert (kind, due) == (nearest, running[nearest]), receipt
            else:
                assert (kind, due) == (None, None), receipt
            assert lic == a.licence_id
            if a.licence_id is not None and a.request is None:  # a 变更 names
                granted_licences[a.licence_id] = case_id  # the licence it changed
            assert acceptance == acceptance_of(licensing.history(case_id)), receipt
        assert Counter(r[4] for r in rows)["deemed"] == 1
        assert Counter(r[4] for r in rows)["with_deficiencies"] == 2
        receipts = {r[0]: r[3] for r in rows}
        for case_id, _, _, reference, case_version in deadline_rows:
            assert reference == receipts[case_id]
            assert case_version == licensing.get_application(case_id).version

        # One statistics fact per countable event, per case.
        assert all_facts == expected_facts(world)
        totals = Counter[str]()
        for (_, metric), n in all_facts.items():
            totals[metric] += n
        assert totals == {
            "received": 15,
            "accepted": 10,
            "not_accepted": 1,
            "completed": 5,
            "granted": 4,
            "refused": 1,
            "terminated": 1,
            "withdrawn": 1,
            "certificate_issued": 3,  # the 变更 makes a certificate too
            "certificate_served": 2,
        }

        t = active_tables(conn, "licences")
        licences = conn.execute(
            sql.SQL(
                "SELECT id, status, version, licence_number, holder_name,"
                " valid_until, application_id FROM {}"
            ).format(t())
        ).fetchall()
        licence_deadlines = conn.execute(
            sql.SQL("SELECT case_id, kind, due, case_version FROM {}").format(
                t("deadlines")
            )
        ).fetchall()
    assert len(licences) == 3  # served, issued and the 告知承诺 grant
    assert {r[0] for r in licences} == set(granted_licences)
    kinds: dict[UUID, dict[str, date]] = {}
    for case_id, kind, due, _ in licence_deadlines:
        kinds.setdefault(case_id, {})[kind] = due
    for lic_id, status, version, number, holder, valid_until, app_id in licences:
        lic = licensing.get_licence(lic_id)
        assert (status, version, number, holder, valid_until, app_id) == (
            lic.status.value,
            lic.version,
            lic.licence_number,
            lic.holder.name,
            lic.valid_until,
            granted_licences[lic_id],
        )
        assert lic.status is LicenceStatus.VALID
        running = kinds.get(lic_id, {})
        if lic.valid_until is None:
            assert running == {}
        else:
            assert running["expiry"] == lic.valid_until
            assert "renewal_application" in running
        if lic.post_verification_due is not None:
            assert running["commitment_check"] == lic.post_verification_due.due
    for case_id, _, _, case_version in licence_deadlines:
        assert case_version == licensing.get_licence(case_id).version


# -- 2. rebuilds -----------------------------------------------------------------------


@pytest.mark.parametrize("name", FILLED)
def test_rebuild_from_zero_gives_identical_rows_and_keeps_only_the_last_retired_generation(
    world: World, name: str
) -> None:
    projector = catch_up_all(world)
    head = world.head()
    with connect(world) as conn:
        before = dump(conn, active_tables(conn, name))
        assert before[""], "the model has rows"
        seen: list[Progress] = []

        second = projector.rebuild(name, progress=seen.append)

        assert second == Tables(name, 2)
        assert active_tables(conn, name) == second
        assert dump(conn, second) == before
        # Its query indexes were made after the catch-up: the same ones; and
        # it went live with the planner's statistics.
        assert indexes(conn, second) == indexes(conn, Tables(name, 1))
        assert len(indexes(conn, second)) > 3
        analysed = conn.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = %s",
            (SCHEMA,),
        ).fetchall()
        assert set(table_names(conn, second)) <= {t for (t,) in analysed}
        assert generations(conn, name) == {1: "retired", 2: "active"}
        assert dump(conn, Tables(name, 1)) == before  # kept for in-flight reads
        assert position(conn, name) == head
        assert seen, "progress is reported"
        assert (seen[-1].done, seen[-1].total) == (head, head)
        assert all(p.done <= p.total for p in seen)

        third = projector.rebuild(name)

        assert third == Tables(name, 3)
        assert active_tables(conn, name) == third
        assert dump(conn, third) == before
        assert generations(conn, name) == {2: "retired", 3: "active"}
        assert table_names(conn, Tables(name, 1)) == []  # the older one dropped
        assert dump(conn, Tables(name, 2)) == before
        tracked = conn.execute(
            f"SELECT generation FROM {SCHEMA}.tracking WHERE model = %s ORDER BY 1",
            (name,),
        ).fetchall()
        assert tracked == [(2,), (3,)]
        other = "licences" if name == "applications" else "applications"
        assert generations(conn, other) == {1: "active"}  # untouched


@pytest.mark.parametrize("name", FILLED)
def test_a_rebuild_decodes_only_its_models_topics_as_recorded_and_restores_the_gc(
    world: World, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    catch_up_all(world)
    decoded: Counter[str] = Counter()
    read_recorded = PydanticMapper.read_recorded

    def counting(self: PydanticMapper, topic: str, state: bytes) -> Any:
        decoded[topic] += 1
        return read_recorded(self, topic, state)

    def never(*_: Any) -> None:
        raise AssertionError("a read model's events are not validated again")

    monkeypatch.setattr(PydanticMapper, "read_recorded", counting)
    monkeypatch.setattr(PydanticMapper, "to_domain_event", never)
    thresholds = gc.get_threshold()
    projector = world.projector()

    projector.rebuild(name)

    topics = projector.model(name).topics
    assert topics is not None
    assert set(decoded) <= topics
    stored = Counter(n.topic for n in notifications(world))
    assert decoded == Counter({t: c for t, c in stored.items() if t in topics})
    assert gc.get_threshold() == thresholds


def test_after_an_abandoned_rebuild_the_next_rebuild_keeps_the_generation_it_retired(
    world: World,
) -> None:
    catch_up_all(world)

    def crash(point: str) -> None:
        raise CrashError(point)

    with pytest.raises(CrashError):  # a rebuild dies half way: generation 2 is left
        world.projector(fault=crash).rebuild("applications")
    with connect(world) as conn:
        assert generations(conn, "applications") == {1: "active", 2: "building"}
        before = dump(conn, Tables("applications", 1))

        assert world.projector().rebuild("applications") == Tables("applications", 3)

        states = generations(conn, "applications")
        assert states[3] == "active"
        assert states.get(1) == "retired"  # the way back is kept
        assert dump(conn, Tables("applications", 1)) == before


# -- 3. exactly once under faults --------------------------------------------------------


@pytest.mark.parametrize("point", ["rows-written", "before-commit"])
def test_a_batch_failing_before_its_commit_leaves_no_trace_and_a_restart_applies_it_once(
    world: World, point: str
) -> None:
    batches = Counter[str]()

    def fault(at: str) -> None:
        if at == point:
            batches[at] += 1
            if batches[at] % 2 == 0:  # every second batch fails
                raise CrashError(at)

    faulty = world.projector(fault=fault)
    faulty.prepare()
    first = notifications(world)[4].id  # the fifth notification's position
    with connect(world) as conn:
        for model in faulty.models.values():
            assert faulty.step(model, limit=5) == 5
            with pytest.raises(CrashError):
                faulty.step(model, limit=5)
            # The failed batch left rows and position as the first batch made them.
            assert position(conn, model.name) == first
        assert_exactly_once(world, conn, upto=first)

        restarted = world.projector()
        restarted.prepare()
        for model in restarted.models.values():
            restarted.catch_up(model, limit=5)
            assert position(conn, model.name) == world.head()
        assert_exactly_once(world, conn)


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from api.host.settings import Settings
    from api.host.storage import open_services
    from projections.licensing import licensing_read_models
    from projections.runtime import Projector

    url = sys.argv[1]
    services = open_services(Settings(), url=url)
    batches = 0

    def fault(point):
        global batches
        if point == "before-commit":
            batches += 1
            if batches == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    projector = Projector(
        url,
        {"licensing": services.licensing},
        licensing_read_models(services.licensing.calendar),
        fault=fault,
    )
    projector.prepare()
    model = projector.model("applications")
    while projector.step(model, limit=5):
        pass
    print("not killed")
    """
)


def test_a_projector_killed_before_commit_loses_its_batch_and_a_restart_applies_it_once(
    world: World,
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, world.url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    first = notifications(world)[4].id
    with connect(world) as conn:
        # The second batch's rows died with the process's transaction.
        assert position(conn, "applications") == first
        t = active_tables(conn, "applications")
        assert case_versions(conn, "applications") == expected_versions(
            world, world.models()[0], upto=first
        )
        assert facts(conn) == expected_facts(world, upto=first)

        restarted = catch_up_all(world)
        assert {m: position(conn, m) for m in MODELS} == dict.fromkeys(
            MODELS, world.head()
        )
        assert active_tables(conn, "applications") == t  # same generation, resumed
        assert_exactly_once(world, conn)
        restarted.close()


def chasing(world: World, batches: Counter[str], most: int) -> Any:
    """A fault hook that writes a new event during every batch (as a busy
    system does), and gives up after `most` batches."""

    def fault(point: str) -> None:
        if point == "rows-written":
            batches["batches"] += 1
            if batches["batches"] > most:
                raise CrashError("still chasing the head of the log")
            world.receive(batches["batches"])

    return fault


def test_catch_up_returns_after_a_short_batch_though_an_event_arrives_during_each(
    world: World,
) -> None:
    batches = Counter[str]()
    projector = world.projector(fault=chasing(world, batches, most=30))
    projector.prepare()
    model = projector.model("applications")
    head = world.head()
    read = projector.catch_up(model, limit=10)
    assert head <= read < head + 10
    assert batches["batches"] <= head // 10 + 2
    with connect(world) as conn:
        assert position(conn, "applications") >= head


def test_rebuild_switches_though_an_event_arrives_during_each_of_its_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "REBUILD_BATCH", 10)
    catch_up_all(world)
    batches = Counter[str]()
    rebuilder = world.projector(fault=chasing(world, batches, most=30))
    rebuilt = rebuilder.rebuild("applications")
    with connect(world) as conn:
        assert active_tables(conn, "applications") == rebuilt
        # The switch applied everything written up to it, under the lock.
        assert position(conn, "applications") == world.head()
        assert_exactly_once(world, conn)


# -- 4. two projectors at once -----------------------------------------------------------


def test_two_projectors_catching_up_from_zero_at_once_apply_each_event_once(
    world: World,
) -> None:
    for n in range(10):  # more events, so more batches to interleave
        app_id = world.receive(n)
        if n % 2:
            world.accept(app_id)
    projectors = [world.projector(), world.projector()]
    barrier = threading.Barrier(len(projectors))
    errors: list[BaseException] = []
    read = Counter[int]()

    def run(index: int) -> None:
        projector = projectors[index]
        barrier.wait()
        projector.prepare()
        for model in projector.models.values():
            read[index] += projector.catch_up(model, limit=3)

    threads = [start(run_with_errors, errors, run, i) for i in range(len(projectors))]
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    head = world.head()
    # Between them they read every notification exactly once per model.
    assert sum(read.values()) == head * len(world.models())
    with connect(world) as conn:
        for name in MODELS:
            assert generations(conn, name) == {1: "active"}
            assert position(conn, name) == head
        assert_exactly_once(world, conn)
        single = world.projector()
        for name in MODELS:
            together = dump(conn, active_tables(conn, name))
            assert dump(conn, single.rebuild(name)) == together


# -- 5. a rebuild racing a live follower and writers ---------------------------------------


def test_rebuild_while_another_projector_follows_new_events_switches_to_a_correct_generation(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "REBUILD_BATCH", 5)  # many small rebuild batches
    follower = world.projector()
    stop_following = threading.Event()
    errors: list[BaseException] = []
    following = start(run_with_errors, errors, follower.follow, stop_following, 0.2)
    stop_writing = threading.Event()
    written: list[UUID] = []
    try:
        _rebuild_beside_a_follower(
            world, errors=errors, written=written, stop_writing=stop_writing
        )
    finally:
        stop_writing.set()
        stop_following.set()
        following.join(10)
    assert not following.is_alive()
    assert not errors, errors
    with connect(world) as conn:
        rebuilt = active_tables(conn, "applications")
        live = dump(conn, rebuilt)
        from_zero = world.projector().rebuild("applications")
        assert dump(conn, from_zero) == live


def _rebuild_beside_a_follower(
    world: World,
    errors: list[BaseException],
    written: list[UUID],
    stop_writing: threading.Event,
) -> None:
    """Rebuild `applications` while a writer adds events (and the follower,
    started by the caller, feeds the active generation); errors of both threads
    are collected in `errors`."""
    with connect(world) as conn:
        assert wait_for(conn, MODELS, world.head(), timeout=10)

        def write() -> None:
            n = 0
            while not stop_writing.is_set():
                app_id = world.receive(n)
                written.append(app_id)
                if n % 3 == 0:
                    world.accept(app_id)
                n += 1
                time.sleep(0.01)

        writing = start(run_with_errors, errors, write)

        def slowly(point: str) -> None:
            if point == "rows-written":
                time.sleep(0.02)  # let writes and live batches slip in between

        rebuilder = world.projector(fault=slowly)
        head_before = world.head()
        started = time.monotonic()
        rebuilt = rebuilder.rebuild("applications")
        # It switches although events keep coming (no endless chase of the head).
        assert time.monotonic() - started < 15
        switched_at = position(conn, "applications")
        head_after = world.head()

        assert rebuilt == Tables("applications", 2)
        assert active_tables(conn, "applications") == rebuilt
        assert head_after > head_before, "events were written during the rebuild"
        assert switched_at >= head_before
        # The writer keeps going after the switch; the follower feeds generation 2.
        more = len(written) + 3
        deadline = time.monotonic() + 10
        while len(written) < more and time.monotonic() < deadline:
            time.sleep(0.01)
        stop_writing.set()
        writing.join(10)
        assert not errors, errors
        head = world.head()
        assert head > switched_at
        assert wait_for(conn, MODELS, head, timeout=10)
        assert position(conn, "applications") == head > switched_at
        assert active_tables(conn, "applications") == rebuilt
        assert set(written) <= set(case_versions(conn, "applications"))
        assert_exactly_once(world, conn)


# -- 6. waiting and waking -----------------------------------------------------------------


def test_wait_for_is_true_once_caught_up_and_false_after_the_timeout_beyond_the_log(
    world: World,
) -> None:
    head = world.head()
    with connect(world) as conn:
        projector = world.projector()  # creates the runtime's tables
        assert not wait_for(conn, MODELS, head, timeout=0.05)  # nothing built yet
        projector.prepare()
        assert not wait_for(conn, MODELS, head, timeout=0.05)  # built, not fed
        for model in projector.models.values():
            projector.catch_up(model)

        started = time.monotonic()
        assert wait_for(conn, MODELS, head, timeout=5)
        assert time.monotonic() - started < 0.5

        started = time.monotonic()
        assert not wait_for(conn, MODELS, head + 1, timeout=0.3)
        waited = time.monotonic() - started
        assert 0.3 <= waited < 1.0


def test_follow_wakes_on_a_new_event_within_a_second_though_its_idle_wait_is_30_s(
    world: World,
) -> None:
    follower = world.projector()
    stop = threading.Event()
    errors: list[BaseException] = []
    following = start(run_with_errors, errors, follower.follow, stop, 30.0)
    try:
        with connect(world) as conn:
            assert wait_for(conn, MODELS, world.head(), timeout=10)
            time.sleep(0.3)  # idle: waiting on LISTEN
            for n in range(2):
                started = time.monotonic()
                app_id = world.receive(n)
                assert wait_for(conn, ["applications"], world.head(), timeout=1.0)
                assert time.monotonic() - started < 1.0
                t = active_tables(conn, "applications")
                row = conn.execute(
                    sql.SQL("SELECT status, version FROM {} WHERE id = %s").format(t()),
                    (app_id,),
                ).fetchone()
                assert row == ("received", 1)
                time.sleep(0.2)
            assert not errors, errors
    finally:
        stop.set()
        with connect(world) as conn:
            wake(conn, world)
        following.join(10)
    assert not following.is_alive()


# -- 7. upgrades -----------------------------------------------------------------------


class ApplicationsV2(Applications):
    version = Applications.version + 1


def test_a_model_whose_version_was_bumped_is_rebuilt_side_by_side_by_prepare(
    world: World,
) -> None:
    catch_up_all(world)
    head = world.head()
    calendar = world.services.licensing.calendar
    with connect(world) as conn:
        before = {name: dump(conn, active_tables(conn, name)) for name in MODELS}

        upgraded = world.projector([ApplicationsV2(calendar), Licences()])
        assert upgraded.ensure(ApplicationsV2(calendar)) is True  # stale
        assert upgraded.ensure(Licences()) is False
        upgraded.prepare()

        assert active_tables(conn, "applications") == Tables("applications", 2)
        assert generations(conn, "applications") == {1: "retired", 2: "active"}
        versions = conn.execute(
            f"SELECT generation, model_version FROM {SCHEMA}.generations"
            " WHERE model = 'applications' ORDER BY 1"
        ).fetchall()
        assert versions == [(1, Applications.version), (2, Applications.version + 1)]
        assert position(conn, "applications") == head
        assert dump(conn, Tables("applications", 2)) == before["applications"]
        assert generations(conn, "licences") == {1: "active"}  # not rebuilt
        assert dump(conn, active_tables(conn, "licences")) == before["licences"]

        upgraded.prepare()  # up to date now: nothing more to build
        assert generations(conn, "applications") == {1: "retired", 2: "active"}
