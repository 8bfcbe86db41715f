"""Read models over several logs (issue 8): each log's events applied exactly
once, with a position of its own — through crashes between batches, rebuilds
side by side, a log added to an every-log model, a stall on one log — raw
models that see stored events as stored (with a cipher too), and a database
whose runtime tables were written before logs were named.

The second log is the registry's (units, staff, the catalogue): the demo
writes both. Expectations come from the events tables, never from the fold."""

from __future__ import annotations

import time
from base64 import b64encode
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import psycopg
import pytest
from eventsourcing.application import Application
from psycopg import sql

from api.host.cli import _status_lines
from api.host.settings import Settings
from api.host.storage import open_services
from domain.licensing.application import LicenceApplication
from domain.registry.staff import Staff
from domain.registry.unit import Unit
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit
from domain.shared.clock import FixedClock
from projections.runtime import (
    EVERY_LOG,
    SCHEMA,
    Cursor,
    Positioned,
    Projector,
    RawReadModel,
    ReadModel,
    StoredRecord,
    Tables,
    active_tables,
    followers,
    logs_caught_up,
    position,
    stall_of,
    wait_for_logs,
)
from tests.projections.conftest import MONDAY_0900, World
from tests.projections.test_runtime import (
    CrashError,
    assert_exactly_once,
    connect,
    dump,
    generations,
)

pytestmark = pytest.mark.db

BOTH = ("licensing", "registry")
Row = tuple[str, int, str, int, str]  # log, position, originator id, version, topic


class Arrivals(ReadModel):
    """Receipts (licensing), and staff and units (registry): one row per event,
    no key, so an event applied twice shows as two rows."""

    name = "arrivals"
    version = 1
    logs: ClassVar[tuple[str, ...]] = BOTH

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(
            {
                LicenceApplication.Received.TOPIC,
                Staff.Enrolled.TOPIC,
                Unit.Established.TOPIC,
            }
        )

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        cur.execute(
            sql.SQL(
                "CREATE TABLE {} (log text, position bigint, originator_id text,"
                " version integer, topic text)"
            ).format(tables())
        )

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        cur.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)").format(tables()),
            [
                (
                    p.log,
                    p.position,
                    str(p.event.originator_id),
                    p.event.originator_version,
                    type(p.event).TOPIC,  # type: ignore[attr-defined]
                )
                for p in events
            ],
        )


class Ledger(RawReadModel):
    """Every stored event of every log, as stored."""

    name = "ledger"
    version = 1
    logs = EVERY_LOG

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        cur.execute(
            sql.SQL(
                "CREATE TABLE {} (log text, position bigint, topic text,"
                " originator_id text, version integer, state bytea)"
            ).format(tables())
        )

    def apply(
        self, cur: Cursor, tables: Tables, records: Sequence[StoredRecord]
    ) -> None:
        cur.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s)").format(tables()),
            [
                (
                    r.log,
                    r.position,
                    r.topic,
                    str(r.originator_id),
                    r.originator_version,
                    r.state,
                )
                for r in records
            ],
        )


class Receipts(Ledger):
    """Raw, but only the licensing log's receipts."""

    name = "receipts"
    logs = ("licensing",)
    topics = frozenset({LicenceApplication.Received.TOPIC})


# -- what the events tables hold ----------------------------------------------------------


def applications(world: World) -> dict[str, Application[Any]]:
    return {"licensing": world.services.licensing, "registry": world.services.registry}


def projector(
    world: World,
    models: Sequence[ReadModel | RawReadModel],
    apps: Mapping[str, Application[Any]] | None = None,
    **options: Any,
) -> Projector:
    """A projector on both logs (or `apps`), closed after the test."""
    made = Projector(world.url, apps or applications(world), models, **options)
    world.projectors.append(made)
    return made


def stored(url: str, log: str) -> list[tuple[int, str, str, int, bytes]]:
    """(position, topic, originator id, version, state) of a log's events table."""
    table = sql.Identifier(f"{log}_events")
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT notification_id, topic, originator_id::text,"
                " originator_version, state FROM {} ORDER BY notification_id"
            ).format(table)
        ).fetchall()
    return [(int(p), t, o, int(v), bytes(s)) for p, t, o, v, s in rows]


def heads(world: World) -> dict[str, int]:
    return {log: stored(world.url, log)[-1][0] for log in BOTH}


def expected(
    world: World, upto: dict[str, int] | None = None, model: Arrivals | None = None
) -> list[Row]:
    """The rows of `Arrivals` after each log up to its position in `upto`."""
    topics = (model or Arrivals()).topics
    found = []
    for log in BOTH:
        limit = (upto or {}).get(log, 1 << 62)
        found += [
            (log, p, o, v, t)
            for p, t, o, v, _ in stored(world.url, log)
            if t in topics and p <= limit
        ]
    return sorted(found)


def rows(conn: psycopg.Connection[Any], model: str) -> list[Any]:
    table = active_tables(conn, model)()
    return sorted(conn.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall())


def positions(conn: psycopg.Connection[Any], model: str) -> dict[str, int]:
    return {log: position(conn, model, log) for log in BOTH}


# -- 1. two logs, one position each ----------------------------------------------------------


def test_a_model_over_two_logs_applies_each_once_with_a_position_per_log(
    world: World,
) -> None:
    arrivals = Arrivals()
    fed = projector(world, [arrivals])
    fed.prepare()
    licensing_third = stored(world.url, "licensing")[2][0]
    with connect(world) as conn:
        # One log's batch moves that log's position alone.
        assert fed.step(arrivals, limit=3, log="licensing") == 3
        assert positions(conn, "arrivals") == {
            "licensing": licensing_third,
            "registry": 0,
        }
        assert rows(conn, "arrivals") == expected(
            world, {"licensing": licensing_third, "registry": 0}
        )
        registry_second = stored(world.url, "registry")[1][0]
        assert fed.step(arrivals, limit=2, log="registry") == 2
        assert positions(conn, "arrivals") == {
            "licensing": licensing_third,
            "registry": registry_second,
        }

        fed.catch_up(arrivals)

        assert positions(conn, "arrivals") == heads(world)
        found = rows(conn, "arrivals")
        assert found == expected(world)
        assert {r[0] for r in found} == set(BOTH)  # both logs really fed
        assert fed.catch_up(arrivals) == 0
        assert rows(conn, "arrivals") == found
        # A position without its log is ambiguous for this model.
        with pytest.raises(ValueError, match="several logs"):
            position(conn, "arrivals")
    with pytest.raises(ValueError, match="name the log"):
        fed.step(arrivals)


def test_a_projector_refuses_a_model_following_a_log_it_was_not_given(
    world: World,
) -> None:
    with pytest.raises(LookupError, match="registry"):
        projector(world, [Arrivals()], {"licensing": world.services.licensing})


@pytest.mark.parametrize("point", ["rows-written", "before-commit"])
def test_a_crash_between_batches_of_two_logs_loses_nothing_and_repeats_nothing(
    world: World, point: str
) -> None:
    batches = 0

    def fault(at: str) -> None:
        nonlocal batches
        if at == point:
            batches += 1
            if batches % 2 == 0:  # every second batch dies before its commit
                raise CrashError(at)

    arrivals = Arrivals()
    faulty = projector(world, [arrivals], fault=fault)
    faulty.prepare()
    with connect(world) as conn:
        for log in BOTH:
            before = positions(conn, "arrivals")
            assert faulty.step(arrivals, limit=2, log=log) == 2
            moved = positions(conn, "arrivals")
            with pytest.raises(CrashError):
                faulty.step(arrivals, limit=2, log=log)
            # The failed batch left both positions as they were.
            assert positions(conn, "arrivals") == moved
            assert {k: v for k, v in moved.items() if k != log} == {
                k: v for k, v in before.items() if k != log
            }
        upto = positions(conn, "arrivals")
        assert rows(conn, "arrivals") == expected(world, upto)

        restarted = projector(world, [Arrivals()])
        restarted.prepare()
        restarted.catch_up(arrivals, limit=2)
        assert positions(conn, "arrivals") == heads(world)
        assert rows(conn, "arrivals") == expected(world)


def test_a_model_over_two_logs_rebuilds_side_by_side_to_the_same_rows(
    world: World,
) -> None:
    fed = projector(world, [Arrivals()])
    fed.prepare()
    fed.catch_up(fed.model("arrivals"))
    world.receive(1)  # more on one log only
    fed.catch_up(fed.model("arrivals"))
    with connect(world) as conn:
        before = dump(conn, active_tables(conn, "arrivals"))

        rebuilt = projector(world, [Arrivals()]).rebuild("arrivals")

        assert rebuilt == Tables("arrivals", 2)
        assert active_tables(conn, "arrivals") == rebuilt
        assert generations(conn, "arrivals") == {1: "retired", 2: "active"}
        assert dump(conn, rebuilt) == before
        assert rows(conn, "arrivals") == expected(world)
        tracked = conn.execute(
            f"SELECT application, position FROM {SCHEMA}.tracking"
            " WHERE model = 'arrivals' AND generation = 2 ORDER BY 1"
        ).fetchall()
        assert dict(tracked) == heads(world)


def test_an_every_log_model_starts_a_log_it_is_newly_given_from_zero(
    world: World,
) -> None:
    licensing_only = {"licensing": world.services.licensing}
    first = projector(world, [Ledger()], licensing_only)
    first.prepare()
    first.catch_up(first.model("ledger"))
    with connect(world) as conn:
        assert position(conn, "ledger", "licensing") == heads(world)["licensing"]
        assert position(conn, "ledger", "registry") == 0

        # A context is added: the model follows its log from the start, and
        # keeps its place on the other (no rebuild: the same generation).
        second = projector(world, [Ledger()])
        second.prepare()
        assert position(conn, "ledger", "registry") == 0
        assert second.catch_up(second.model("ledger")) == heads(world)["registry"]
        assert positions(conn, "ledger") == heads(world)
        assert generations(conn, "ledger") == {1: "active"}
        logs = [r[0] for r in rows(conn, "ledger")]
        assert logs.count("licensing") == len(stored(world.url, "licensing"))
        assert logs.count("registry") == len(stored(world.url, "registry"))


def test_the_models_of_each_log_are_known_from_their_declarations() -> None:
    models = [Arrivals(), Ledger(), Receipts()]
    assert followers(models, BOTH) == {
        "licensing": ("arrivals", "ledger", "receipts"),
        "registry": ("arrivals", "ledger"),
    }
    assert followers(models[1:2], ["licensing"]) == {"licensing": ("ledger",)}


def test_a_wait_on_logs_waits_for_every_model_following_each_of_them(
    world: World,
) -> None:
    fed = projector(world, [Arrivals(), Receipts()])
    fed.prepare()
    everything = heads(world)
    with connect(world) as conn:
        assert not logs_caught_up(conn, {"registry": 1})
        fed.catch_up(fed.model("arrivals"))
        # `receipts` follows the licensing log too and has not read it.
        assert logs_caught_up(conn, {"registry": everything["registry"]})
        assert not logs_caught_up(conn, {"licensing": 1})
        assert not wait_for_logs(conn, {"licensing": 1}, timeout=0.05)
        fed.catch_up(fed.model("receipts"))
        assert wait_for_logs(conn, everything, timeout=1)
        assert not logs_caught_up(conn, {"licensing": everything["licensing"] + 1})
        assert logs_caught_up(conn, {"nosuch": 5})  # followed by none: no wait


# -- 2. a stall stops one log of one model ------------------------------------------------


class Fussy(Arrivals):
    """Cannot apply the registry event at `bad`."""

    bad: ClassVar[int | None] = None

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        if any(p.log == "registry" and p.position == self.bad for p in events):
            raise RuntimeError("cannot apply this one")
        super().apply(cur, tables, events)


def test_a_stall_on_one_log_stops_that_log_only_and_is_reported_per_log(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = stored(world.url, "registry")
    topics = Fussy().topics
    bad = next(p for p, t, *_ in registry[3:] if t in topics)
    monkeypatch.setattr(Fussy, "bad", bad)
    fussy = Fussy()
    fed = projector(world, [fussy], stall_retry=(0.01, 0.02))
    fed.prepare()
    fed.feed(fussy)
    with connect(world) as conn:
        assert positions(conn, "arrivals") == {
            "licensing": heads(world)["licensing"],
            "registry": bad - 1,
        }
        found = stall_of(conn, "arrivals", "registry")
        assert found is not None
        assert (found.log, found.position) == ("registry", bad)
        assert stall_of(conn, "arrivals", "licensing") is None
        assert stall_of(conn, "arrivals") == found
        assert set(fed.stalls) == {("arrivals", "registry")}

        status = {(s.model, s.log): s for s in fed.status()}
        assert set(status) == {("arrivals", "licensing"), ("arrivals", "registry")}
        assert status["arrivals", "licensing"].stall is None
        assert status["arrivals", "licensing"].lag == 0
        assert status["arrivals", "registry"].stall == found
        lines = _status_lines(list(status.values()))
        assert lines[0].split() == ["model", "position", "head", "lag", "log", "state"]
        by_log = {line.split()[4]: line for line in lines[1:]}
        assert "following" in by_log["licensing"]
        assert "STALLED since" in by_log["registry"]

        # A new event on the healthy log is applied while the other is stuck.
        world.receive(5)
        fed.feed(fussy)
        assert position(conn, "arrivals", "licensing") == heads(world)["licensing"]

        monkeypatch.setattr(Fussy, "bad", None)  # the cause is fixed
        time.sleep(0.05)  # past the retry
        fed.feed(fussy)
        assert positions(conn, "arrivals") == heads(world)
        assert stall_of(conn, "arrivals") is None
        assert fed.stalls == {}
        assert rows(conn, "arrivals") == expected(world)


# -- 3. stored events as stored -----------------------------------------------------------


def ledger_rows(conn: psycopg.Connection[Any], model: str = "ledger") -> list[Any]:
    return [(log, p, t, o, v, bytes(s)) for log, p, t, o, v, s in rows(conn, model)]


def as_stored(url: str, logs: Sequence[str]) -> list[Any]:
    return sorted(
        (log, p, t, o, v, s) for log in logs for p, t, o, v, s in stored(url, log)
    )


def test_a_raw_model_receives_every_stored_event_byte_for_byte(world: World) -> None:
    fed = projector(world, [Ledger(), Receipts()])
    fed.prepare()
    for model in fed.models.values():
        fed.catch_up(model)
    with connect(world) as conn:
        assert ledger_rows(conn) == as_stored(world.url, BOTH)
        receipts = ledger_rows(conn, "receipts")
        assert receipts == [
            r
            for r in as_stored(world.url, ["licensing"])
            if r[2] == LicenceApplication.Received.TOPIC
        ]
        assert len(receipts) == 15  # the demo's applications, and nothing else


@pytest.fixture
def encrypted(fresh_database: str) -> Iterator[World]:
    key = b64encode(b"k" * 32).decode()
    services = open_services(Settings(cipher_key=key), url=fresh_database)
    world = World(fresh_database, services, FixedClock(MONDAY_0900))
    try:
        yield world
    finally:
        for made in world.projectors:
            made.close()
        services.close()


def test_with_a_cipher_a_raw_model_receives_the_ciphertext_as_stored(
    encrypted: World,
) -> None:
    registry = encrypted.services.registry
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="t")
    registry.establish_unit("320803", "淮安区保密测试局", boot)
    fed = projector(encrypted, [Ledger()])
    fed.prepare()
    fed.catch_up(fed.model("ledger"))
    with connect(encrypted) as conn:
        found = ledger_rows(conn)
    assert found == as_stored(encrypted.url, BOTH)
    assert any(r[2] == Unit.Established.TOPIC for r in found)
    assert all("淮安区保密测试局".encode() not in r[5] for r in found)
    assert all(b"XK-TZSB-SYDJ" not in r[5] for r in found)  # the catalogue too


# -- 4. upgrade in place ------------------------------------------------------------------

# The stalls table as the runtime made it when every model followed one log
# (the tracking table then already had its `application` column).
OLD_STALLS = f"""
DROP TABLE {SCHEMA}.stalls;
CREATE TABLE {SCHEMA}.stalls (
    model      text        PRIMARY KEY,
    generation integer     NOT NULL,
    position   bigint      NOT NULL,
    topic      text,
    error      text        NOT NULL,
    since      timestamptz NOT NULL DEFAULT now(),
    attempts   integer     NOT NULL DEFAULT 1,
    retry_at   timestamptz NOT NULL
);
"""


def test_a_database_of_the_one_log_runtime_keeps_its_positions_and_stalls(
    world: World,
) -> None:
    old = world.projector()
    old.prepare()
    for model in old.models.values():
        old.step(model, limit=5)
    fifth = stored(world.url, "licensing")[4][0]
    with connect(world) as conn:
        before = {
            name: dump(conn, active_tables(conn, name))
            for name in ("applications", "licences")
        }
        conn.execute(OLD_STALLS)
        conn.execute(
            f"INSERT INTO {SCHEMA}.stalls (model, generation, position, topic,"
            " error, retry_at) VALUES ('applications', 1, %s, 'a topic',"
            " 'PoisonError', now())",
            (fifth + 1,),
        )
    old.close()

    upgraded = world.projector()  # its start-up upgrades the runtime's tables
    with connect(world) as conn:
        for name in ("applications", "licences"):
            assert position(conn, name) == position(conn, name, "licensing") == fifth
            assert dump(conn, active_tables(conn, name)) == before[name]
        found = stall_of(conn, "applications")
        assert found is not None
        assert (found.log, found.position, found.error) == (
            "licensing",
            fifth + 1,
            "PoisonError",
        )
        columns = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY 1",
            (f"{SCHEMA}.stalls",),
        ).fetchall()
        assert columns == [("log",), ("model",)]

        # It carries on from there: the adopted stall is retried and cleared,
        # and every event is applied once.
        upgraded._adopt_recorded_stalls()
        upgraded.prepare()
        for model in upgraded.models.values():
            upgraded.feed(model)
        assert stall_of(conn, "applications") is None
        for name in ("applications", "licences"):
            assert position(conn, name) == world.head()
            assert generations(conn, name) == {1: "active"}
        assert_exactly_once(world, conn)
