"""Tampering with the database behind the service's back, as its
administrator could: each kind is detected by `casetrace verify` and located
by log and position (or by checkpoint) — an event's stored state edited, one
deleted, two exchanged, one inserted among recorded ones, the log's tail
truncated, a checkpoint re-signed with another key. Each test has a database
of its own (a tampered one is good for nothing else)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from typer.testing import CliRunner

from api.audit.cli import COMMANDS
from api.audit.keys import Key, ledger_key
from api.audit.signer import CheckpointSigner
from api.audit.signing import LedgerKey
from api.audit.verify import Finding, Verifier
from api.host.settings import Settings
from api.host.storage import Services, open_services
from api.http.app import create_app
from domain.ledger.note import Checkpoint as Body
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from projections.audit.ledger import SCHEMA
from projections.runtime import events_table
from tests.api.conftest import MONDAY_0900

pytestmark = pytest.mark.db

LOG = "registry"
BOOT = Audit(actor=SYSTEM_BOOTSTRAP, request_id="tamper-setup")


@dataclass
class World:
    services: Services
    key: LedgerKey
    gap: int = 0  # a position the log skipped (a rolled-back transaction's)
    state: Path | None = None  # the signer's own record of what it signed

    @property
    def url(self) -> str:
        return self.services.url

    def write(self, count: int, tag: str) -> None:
        """`count` events on the registry's log (staff enrolled)."""
        for i in range(count):
            self.services.registry.enrol_staff(
                f"{tag}-{i}", f"职员{i}", "320803", frozenset({Role.CLERK}), BOOT
            )

    def project(self) -> None:
        projector = self.services.projector()
        try:
            projector.prepare()
            projector.catch_up(projector.model("ledger"))
        finally:
            projector.close()

    def sign(self) -> None:
        self.project()
        CheckpointSigner(
            self.url, self.key, self.services.logs(), state=self.state
        ).sign_due(force=True)

    def verify(self, **options: object) -> list[Finding]:
        verifier = Verifier(
            self.url, self.services.logs(), Key(self.key.name, self.key.public_key)
        )
        reports = verifier.verify(**options)  # type: ignore[arg-type]
        return [f for r in reports for f in r.findings]

    def execute(self, statement: str, *params: object) -> None:
        table = events_table(self.services.registry)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(table=table), params)

    def forge(self, position: int) -> None:
        """Rewrite a stored staff event's text in place (职员 → 伪造)."""
        self.execute(
            "UPDATE {table} SET state = replace(convert_from(state, 'UTF8'),"
            " '职员', '伪造')::bytea WHERE notification_id = %s",
            position,
        )

    def signed_sizes(self) -> list[int]:
        """The sizes of the registry log's stored checkpoints."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                f"SELECT size FROM {SCHEMA}.checkpoints WHERE log = %s ORDER BY size",
                (LOG,),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def refusals(self) -> list[tuple[int, str]]:
        """(size, reason) of the trees the signer refused, for the log."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                f"SELECT size, reason FROM {SCHEMA}.refusals WHERE log = %s", (LOG,)
            ).fetchall()
        return [(int(size), str(reason)) for size, reason in rows]

    def rebuild_ledger(self) -> None:
        """The ledger's tables rebuilt from the events as they are now."""
        projector = self.services.projector()
        try:
            projector.prepare()
            projector.rebuild("ledger")
        finally:
            projector.close()

    def skip(self) -> int:
        """Take a position no event will have, as a rolled-back insert does."""
        table = self.services.registry.recorder.events_table_name  # type: ignore[attr-defined]
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                (table,),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def positions(self) -> list[int]:
        table = events_table(self.services.registry)
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                sql.SQL("SELECT notification_id FROM {} ORDER BY 1").format(table)
            ).fetchall()
        return [int(r[0]) for r in rows]


@pytest.fixture
def world(fresh_database: str, tmp_path: Path) -> Iterator[World]:
    """Two signed checkpoints of the registry's log (20 events, then 28)."""
    services = open_services(
        Settings(), clock=FixedClock(MONDAY_0900), url=fresh_database
    )
    made = World(services, ledger_key(Settings()), state=tmp_path / "signed.json")
    try:
        services.registry.establish_unit("320803", "淮安区市场监督管理局", BOOT)
        made.write(11, "a")
        made.sign()
        made.gap = made.skip()
        made.write(8, "b")
        made.sign()
        yield made
    finally:
        services.close()


def kinds(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.kind, f.where) for f in findings if f.log == LOG}


def test_an_untouched_database_verifies_with_no_finding(world: World) -> None:
    assert world.verify() == []


def test_an_edited_event_is_found_at_its_position(world: World) -> None:
    target = world.positions()[-5]  # a member of staff enrolled
    world.forge(target)
    found = kinds(world.verify())
    assert ("edited", f"position {target}") in found
    assert any(kind == "checkpoint" for kind, _ in found)  # its root is gone


def test_an_event_whose_topic_and_state_were_emptied_is_found(world: World) -> None:
    target = world.positions()[-7]
    world.execute(
        "UPDATE {table} SET topic = NULL, state = NULL WHERE notification_id = %s",
        target,
    )
    assert ("edited", f"position {target}") in kinds(world.verify())


def test_a_row_the_encoding_cannot_hold_is_found_without_a_hang(world: World) -> None:
    target = world.positions()[-8]
    world.execute(
        "UPDATE {table} SET originator_version = -1 WHERE notification_id = %s",
        target,
    )
    assert ("edited", f"position {target}") in kinds(world.verify())


def test_a_deleted_event_is_found_at_its_position(world: World) -> None:
    target = world.positions()[3]
    world.execute("DELETE FROM {table} WHERE notification_id = %s", target)
    assert ("deleted", f"position {target}") in kinds(world.verify())


def test_two_exchanged_events_are_found_as_reordered(world: World) -> None:
    first, second = world.positions()[2], world.positions()[7]
    swap = "UPDATE {table} SET notification_id = %s WHERE notification_id = %s"
    world.execute(swap, -1, first)
    world.execute(swap, first, second)
    world.execute(swap, second, -1)
    found = kinds(world.verify())
    assert ("reordered", f"position {first}") in found
    assert ("reordered", f"position {second}") in found


def test_an_event_inserted_among_recorded_ones_is_found(world: World) -> None:
    gap = world.gap
    world.execute(
        "INSERT INTO {table} (originator_id, originator_version, topic, state,"
        " notification_id) SELECT %s, 1, topic, state, %s FROM {table}"
        " WHERE notification_id = %s",
        uuid4(),
        gap,
        world.positions()[4],
    )
    assert ("inserted", f"position {gap}") in kinds(world.verify())


def test_a_truncated_tail_is_found_with_the_checkpoint_it_breaks(world: World) -> None:
    last_three = world.positions()[-3:]
    world.execute("DELETE FROM {table} WHERE notification_id >= %s", last_three[0])
    found = world.verify()
    assert (
        "deleted",
        f"positions {last_three[0]}-{last_three[-1]}",
    ) in kinds(found)
    assert any(
        f.kind == "checkpoint" and "deleted" in f.detail for f in found if f.log == LOG
    )


def test_a_checkpoint_re_signed_with_another_key_is_found_by_its_size(
    world: World,
) -> None:
    other = LedgerKey.generate(world.key.name)
    with psycopg.connect(world.url, autocommit=True) as conn:
        size, root = conn.execute(
            f"SELECT size, root FROM {SCHEMA}.checkpoints WHERE log = %s"
            " ORDER BY size LIMIT 1 OFFSET 1",
            (LOG,),
        ).fetchone() or (0, b"")
        origin = f"{world.key.name}/{LOG}"
        forged = other.sign_note(Body(origin, size, bytes(root)).body(), origin)
        conn.execute(
            f"UPDATE {SCHEMA}.checkpoints SET note = %s WHERE log = %s AND size = %s",
            (forged, LOG, size),
        )
    found = world.verify()
    assert [(f.kind, f.where) for f in found] == [("checkpoint", f"checkpoint {size}")]
    assert "not signed by the ledger's key" in found[0].detail


def test_verify_exits_non_zero_and_names_the_position(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASETRACE_DATABASE_URL", world.url)
    runner = CliRunner()
    clean = runner.invoke(COMMANDS, ["verify", "--quiet"])
    assert clean.exit_code == 0, clean.output
    assert f"{LOG}: " in clean.output
    # An empty log's checkpoint (the empty tree's root) is checked too.
    assert "licensing: 0 events, 1 checkpoints checked" in clean.output
    assert "ok" in clean.output
    target = world.positions()[1]
    world.execute("DELETE FROM {table} WHERE notification_id = %s", target)
    broken = runner.invoke(COMMANDS, ["verify", "--quiet"])
    assert broken.exit_code == 1
    assert f"{LOG} position {target}: deleted" in broken.output


def test_since_a_checkpoint_verifies_only_what_came_after_it(world: World) -> None:
    verifier = Verifier(
        world.url, world.services.logs(), Key(world.key.name, world.key.public_key)
    )
    (report,) = [r for r in verifier.verify(since={LOG: 20}) if r.log == LOG]
    assert report.events == 8
    assert report.findings == []
    target = world.positions()[-2]
    world.execute("DELETE FROM {table} WHERE notification_id = %s", target)
    found = kinds(world.verify(since={LOG: 20}))
    assert ("deleted", f"position {target}") in found
    # A checkpoint that was never signed is no place to start.
    assert ("checkpoint", "checkpoint 21") in kinds(world.verify(since={LOG: 21}))


def test_a_kept_checkpoint_catches_a_history_rewritten_with_its_checkpoints(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CASETRACE_DATABASE_URL", world.url)
    runner = CliRunner()
    kept = tmp_path / "kept.json"
    assert runner.invoke(COMMANDS, ["ledger", "export", str(kept)]).exit_code == 0
    clean = runner.invoke(COMMANDS, ["verify", "--quiet", "--against", str(kept)])
    assert clean.exit_code == 0, clean.output
    # The administrator edits an event, then removes every trace the ledger
    # kept here: its tables are rebuilt from the edited events and its
    # checkpoints deleted. Only the copy someone else kept still knows.
    target = world.positions()[-4]
    world.forge(target)
    with psycopg.connect(world.url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {SCHEMA}.checkpoints")
    world.rebuild_ledger()
    assert world.verify() == []  # nothing left here to contradict it
    broken = runner.invoke(COMMANDS, ["verify", "--quiet", "--against", str(kept)])
    assert broken.exit_code == 1
    assert f"{LOG} checkpoint 28: kept: today's log is not consistent" in broken.output


def test_the_signer_refuses_a_rewrite_whose_checkpoints_were_removed_or_forged(
    world: World,
) -> None:
    """The administrator edits an event inside checkpoint 28, deletes that
    checkpoint, plants a forged one far ahead, rebuilds the ledger from the
    edited events and waits for more events: nothing is signed over it."""
    target = world.positions()[-3]
    world.forge(target)
    with psycopg.connect(world.url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {SCHEMA}.checkpoints WHERE size = 28")
        conn.execute(
            f"INSERT INTO {SCHEMA}.checkpoints (log, size, root, note)"
            " VALUES (%s, 999999, %s, 'x')",
            (LOG, b"\0" * 32),
        )
    world.rebuild_ledger()
    world.write(3, "d")
    world.sign()
    assert world.signed_sizes() == [20, 999999]  # nothing new signed
    assert "checkpoints were removed" in world.refusals()[0][1]
    # The forged row is no checkpoint to anyone: verify names it.
    assert ("checkpoint", "checkpoint 999999") in kinds(world.verify())


def test_the_signer_refuses_to_sign_a_rewritten_log(world: World) -> None:
    target = world.positions()[-3]
    world.forge(target)
    world.rebuild_ledger()  # the ledger's tables now agree with the edit
    world.write(3, "d")
    world.sign()
    refused = world.refusals()
    assert world.signed_sizes() == [20, 28]  # nothing signed over the rewritten history
    assert [size for size, _ in refused] == [31]
    assert "not consistent" in refused[0][1]


def test_a_checkpoint_is_signed_every_n_events_or_after_t_seconds(world: World) -> None:
    every_five = CheckpointSigner(
        world.url, world.key, world.services.logs(), every=5, interval=3600
    )
    world.write(3, "n")
    world.project()
    every_five.sign_due()
    assert world.signed_sizes() == [20, 28]  # 3 new events: not yet
    world.write(2, "m")
    world.project()
    every_five.sign_due()
    assert world.signed_sizes() == [20, 28, 33]
    world.write(1, "t")
    world.project()
    every_five.sign_due()
    assert world.signed_sizes() == [20, 28, 33]
    at_once = CheckpointSigner(
        world.url, world.key, world.services.logs(), every=5, interval=0
    )
    at_once.sign_due()  # the last checkpoint is older than 0 s
    assert world.signed_sizes() == [20, 28, 33, 34]


def test_the_auditors_view_names_an_event_altered_past_reading_and_still_answers(
    world: World,
) -> None:
    projector = world.services.projector()
    try:
        projector.prepare()
        projector.catch_up(projector.model("audit_index"))
    finally:
        projector.close()
    world.services.registry.enrol_staff(
        "T-AUD", "审计", "3208", frozenset({Role.AUDITOR}), BOOT
    )
    secret, _ = world.services.registry.issue_token("T-AUD", "tests", BOOT)
    target = world.positions()[-6]
    world.execute(
        "UPDATE {table} SET state = 'not an event'::bytea WHERE notification_id = %s",
        target,
    )
    with TestClient(create_app(Settings(), world.services)) as client:
        page = client.get(
            "/v1/audit/events",
            params={"log": LOG, "limit": 200},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert page.status_code == 200, page.text
    (altered,) = [e for e in page.json()["items"] if e["position"] == target]
    assert "无法读取" in altered["summary"]
    assert ("edited", f"position {target}") in kinds(world.verify())
