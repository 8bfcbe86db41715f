"""Storage: tables made once under a lock, events encrypted at rest when configured."""

from __future__ import annotations

from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg

from api.host.settings import Settings
from api.host.storage import Services, open_services
from domain.licensing.licence import Licence, LicenceStatus
from domain.licensing.parties import Applicant, Channel, CommitmentLetter
from domain.registry.catalogue import ApprovalMode
from domain.shared.audit import SYSTEM_BOOTSTRAP, Actor, ActorKind, Audit, Role
from domain.shared.calendar import DueDate
from tests.api.conftest import make_uscc


def test_several_processes_starting_on_a_fresh_database_create_the_tables_once(
    fresh_database: str,
) -> None:
    def start(_: int) -> Services:
        # One connection per pool: four processes of five pools each stay
        # well inside a stock server's 100 connections beside the session's.
        return open_services(Settings(pool_size=1), url=fresh_database)

    with ThreadPoolExecutor(4) as pool:
        started = list(pool.map(start, range(4)))
    try:
        assert all(len(s.registry.catalogue().items) == 7 for s in started)
        # The catalogue was published once, not once per process.
        assert started[0].registry.catalogue().version == 8
    finally:
        for s in started:
            s.close()


def test_with_a_cipher_key_events_are_encrypted_at_rest_and_read_back(
    fresh_database: str,
) -> None:
    key = b64encode(b"k" * 32).decode()
    services = open_services(Settings(cipher_key=key), url=fresh_database)
    try:
        boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="t")
        services.registry.enrol_staff(
            "C-1", "窗口", "320803", frozenset({Role.CLERK}), boot
        )
        clerk = Audit(
            actor=Actor(
                kind=ActorKind.STAFF,
                id="C-1",
                name="窗口",
                role=Role.CLERK,
                unit_code="320803",
            ),
            request_id="t",
        )
        secret_name = "保密测试有限公司"
        receipt = services.licensing.receive(
            clerk,
            item_code="XK-TZSB-SYDJ",
            approval_mode=ApprovalMode.STANDARD,
            channel=Channel.COUNTER,
            applicant=Applicant(
                name=secret_name,
                uscc=make_uscc(5),
                region_code="320803",
                phone="13800000000",
            ),
            agent=None,
            materials=("特种设备使用登记表",),
            commitment=None,
        )
        assert (
            services.licensing.get_application(receipt.id).applicant.name == secret_name
        )
        with psycopg.connect(fresh_database) as conn:
            rows = conn.execute("SELECT state FROM licensing_events").fetchall()
        assert rows
        assert all(
            secret_name.encode() not in bytes(r[0])
            and b"13800000000" not in bytes(r[0])
            for r in rows
        )
    finally:
        services.close()


def test_without_a_cipher_key_the_same_data_is_readable_in_the_table(
    fresh_database: str,
) -> None:
    # The control for the test above: proves the probe would see plaintext.
    services = open_services(Settings(), url=fresh_database)
    services.close()
    with psycopg.connect(fresh_database) as conn:
        rows = conn.execute("SELECT state FROM registry_events").fetchall()
    assert any("特种设备使用登记".encode() in bytes(r[0]) for r in rows)


def test_a_licence_snapshot_in_postgresql_restores_real_types(
    services: Services, staff: Any
) -> None:
    """The snapshot path on the real store with orjson, not only the in-memory one."""

    def as_staff(role: Role, reason: str | None = None) -> Audit:
        member = services.registry.get_staff(f"320803-{role.value}")
        return Audit(actor=member.actor(role), request_id="t", reason=reason)

    receipt = services.licensing.receive(
        as_staff(Role.CLERK),
        item_code="XK-SPXG-SCXK",
        approval_mode=ApprovalMode.NOTIFY_AND_COMMIT,
        channel=Channel.COUNTER,
        applicant=Applicant(
            name="快照测试有限公司", uscc=make_uscc(606), region_code="320803"
        ),
        agent=None,
        materials=tuple(
            m.name for m in services.registry.get_item("XK-SPXG-SCXK").materials
        ),
        commitment=CommitmentLetter(
            signed_on=services.licensing.today(), signatory="法人", statement="承诺"
        ),
    )
    services.licensing.accept(receipt.id, as_staff(Role.CLERK))
    services.licensing.grant(
        receipt.id,
        as_staff(Role.APPROVER, "依承诺准予"),
        decision_number="K-1",
        scope="容器",
    )
    licence_id = services.licensing.get_application(receipt.id).licence_id
    assert licence_id is not None
    services.licensing.take_snapshot(licence_id)
    assert services.licensing.snapshots is not None
    [first] = list(services.licensing.snapshots.get(licence_id))
    assert isinstance(first.mutate(None).post_verification_due, DueDate)
    services.licensing.verify_commitment(
        licence_id, as_staff(Role.REVIEWER, "后置核查"), "不实", breached=True
    )
    city_reviewer = services.registry.get_staff("3208-reviewer")
    services.licensing.sign_commitment_check(
        licence_id,
        Audit(actor=city_reviewer.actor(Role.REVIEWER), request_id="t", reason="复核"),
    )
    before = services.licensing.get_licence(licence_id)
    services.licensing.take_snapshot(licence_id)
    snapshot = next(
        iter(services.licensing.snapshots.get(licence_id, desc=True, limit=1))
    )
    assert snapshot.originator_version == before.version  # the later snapshot
    restored = snapshot.mutate(None)
    assert isinstance(restored, Licence)
    assert restored.status is LicenceStatus.VALID
    assert restored.valid_until == before.valid_until
    assert type(restored.valid_until) is type(before.valid_until)
    assert restored.holder == before.holder
    assert restored.application_id == receipt.id
    # Attributes added after the first release, with non-default values.
    assert restored.renewal_lead_months == 6  # 生产许可证: 6 months (条例 Art. 25)
    assert restored.commitment_breached is True
    assert restored.renewal_deadline == before.renewal_deadline
