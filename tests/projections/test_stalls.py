"""No event stops the read side (issue 7 §2): an event a model cannot apply
stalls that model only — retried with backoff, logged with its position and
topic, recorded for `casetrace project --status` — and the model resumes by
itself once the cause is gone. The standalone projector survives losing its
database connections (LISTEN included) and carries on."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pydantic
import pytest
from eventsourcing.persistence import StoredEvent

from domain.licensing.application import LicenceApplication
from projections.runtime import (
    Projector,
    Stall,
    describe_failure,
    position,
    stall_of,
)
from tests.projections.conftest import World

pytestmark = pytest.mark.db

CASETRACE = str(Path(sys.executable).parent / "casetrace")


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def positions(world: World) -> dict[str, int]:
    with psycopg.connect(world.url, autocommit=True) as conn:
        try:
            return {m: position(conn, m) for m in ("applications", "licences")}
        except psycopg.errors.UndefinedTable:  # no projector has started yet
            return {}


def stall(world: World) -> Stall | None:
    with psycopg.connect(world.url, autocommit=True) as conn:
        return stall_of(conn, "applications")


@pytest.fixture
def following(world: World) -> Iterator[Projector]:
    projector = Projector(
        world.url,
        {"licensing": world.services.licensing},
        world.models(),
        stall_retry=(0.05, 0.2),
    )
    world.projectors.append(projector)
    stop = threading.Event()
    thread = threading.Thread(target=projector.follow, args=(stop, 0.1), daemon=True)
    thread.start()
    yield projector
    stop.set()
    thread.join(timeout=10)


def test_an_event_a_model_cannot_apply_stalls_that_model_only_until_it_can(
    world: World,
    poison: set[str],
    following: Projector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="casetrace.projections")
    eventually(lambda: positions(world)["applications"] == world.head())
    world.receive(71)
    poison.add("某路72号")  # the address of the next one
    world.receive(72)
    bad_position = world.head()
    world.receive(73)
    head = world.head()

    eventually(lambda: stall(world) is not None)
    found = stall(world)
    assert found is not None
    assert found.position == bad_position
    assert found.topic is not None
    assert found.topic.endswith("LicenceApplication.Received")
    assert "PoisonError" in found.error
    # The events before the bad one were applied; the other model carried on
    # to the head of the log.
    eventually(
        lambda: positions(world) == {"applications": bad_position - 1, "licences": head}
    )
    # Retried with backoff, and logged at error level with position and topic.
    eventually(lambda: (stall(world) or found).attempts >= 3)
    stalled_logs = [r for r in caplog.records if r.getMessage() == "read model stalled"]
    assert stalled_logs
    assert stalled_logs[0].levelno == logging.ERROR
    assert stalled_logs[0].__dict__["position"] == bad_position
    assert stalled_logs[0].__dict__["topic"] == found.topic
    status = {row.model: row for row in following.status()}
    assert status["applications"].lag == head - bad_position + 1
    assert status["applications"].stall is not None
    assert status["licences"].lag == 0
    assert status["licences"].stall is None

    poison.clear()  # the cause is removed (a fixed handler, an upcaster)
    eventually(lambda: stall(world) is None)
    eventually(lambda: positions(world)["applications"] == head)
    assert ("applications", "licensing") not in following.stalls


def test_a_stored_event_the_model_cannot_decode_stalls_it_and_nothing_else(
    world: World, following: Projector
) -> None:
    # Data the code does not understand (an old shape with no upcaster, a
    # hand edit): the event is stored, the projection cannot even decode it.
    eventually(lambda: positions(world).get("applications") == world.head())
    recorder = world.services.licensing.recorder
    recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid4(),
                originator_version=1,
                topic=LicenceApplication.Received.TOPIC,
                state=b'{"what": "is this"}',
            )
        ]
    )
    bad_position = world.head()
    world.receive(75)
    eventually(lambda: stall(world) is not None)
    found = stall(world)
    assert found is not None
    assert found.position == bad_position
    assert found.topic == LicenceApplication.Received.TOPIC
    assert "ValidationError" in found.error
    # What failed and where, never the event's values (it is logged and
    # shown on the public /readyz).
    assert "is this" not in found.error
    eventually(
        lambda: (
            positions(world)
            == {"applications": bad_position - 1, "licences": world.head()}
        )
    )


def test_project_status_prints_position_head_lag_and_the_stall(
    world: World, poison: set[str], following: Projector
) -> None:
    poison.add("某路74号")
    world.receive(74)
    eventually(lambda: stall(world) is not None)
    # The stall is recorded while the follower feeds `applications`; it feeds
    # `licences` after that, so wait for it too before asking for the status.
    eventually(lambda: positions(world).get("licences") == world.head())
    env = {**os.environ, "CASETRACE_DATABASE_URL": world.url}
    done = subprocess.run(
        [CASETRACE, "project", "--status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "STALLED" in lines["applications"]
    assert f"at position {world.head()}" in lines["applications"]
    assert "PoisonError" in lines["applications"]
    assert lines["licences"].split()[1:4] == [str(world.head())] * 2 + ["0"]
    assert "following" in lines["licences"]


def _terminate_backends(url: str, of_pid: int | None = None) -> int:
    """Kill the server-side sessions on this database (all but our own)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_the_standalone_projector_reconnects_after_its_connections_are_killed(
    world: World, tmp_path: Path
) -> None:
    env = {**os.environ, "CASETRACE_DATABASE_URL": world.url}
    log = (tmp_path / "project.log").open("wb")
    process = subprocess.Popen(
        [CASETRACE, "project"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        eventually(lambda: positions(world).get("applications") == world.head(), 60)
        for n in range(2):
            # Every session goes, the LISTEN connection included (what a
            # PostgreSQL restart does to a client).
            assert _terminate_backends(world.url) >= 2
            time.sleep(0.5)
            world.receive(10 + n)
            head = world.head()
            caught_up = {"applications": head, "licences": head}
            eventually(lambda: positions(world) == caught_up)  # noqa: B023
            assert process.poll() is None, (tmp_path / "project.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "projector lost the database" in (tmp_path / "project.log").read_text()


def test_a_stall_names_the_error_but_never_the_events_personal_data() -> None:
    class Person(pydantic.BaseModel):
        phone: int

    try:
        Person.model_validate({"phone": "13800138000 张三"})
    except pydantic.ValidationError as exc:
        described = describe_failure(exc)
    assert described == "ValidationError: phone: int_parsing"
    assert describe_failure(KeyError("张三 13800138000")) == "KeyError"
