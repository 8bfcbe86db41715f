"""The aftercare read models (`follow_ups`, `liaisons`, `ratings`) on the
demo's events and a few more: what a projector following the log wrote is
exactly what a rebuild from zero writes, rollups included."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg import sql

from api.host.demo import ENTERPRISES, demo_uscc
from domain.licensing.application import NonAcceptanceGround
from domain.licensing.rating import HandlingRating
from domain.shared.audit import Audit, Role
from domain.shared.satisfaction import Rating
from projections.runtime import active_tables
from tests.projections.conftest import World
from tests.projections.test_runtime import connect, dump

pytestmark = pytest.mark.db

AFTERCARE = ("follow_ups", "liaisons", "ratings")


def acting(world: World, staff_no: str, role: Role, reason: str | None = None) -> Audit:
    member = world.services.registry.get_staff(staff_no)
    return Audit(actor=member.actor(role), request_id="test-aftercare", reason=reason)


def caught_up(world: World) -> None:
    projector = world.projector()
    projector.prepare()
    for model in projector.models.values():
        while projector.catch_up(model, limit=50):
            pass


def first_schedule(conn: psycopg.Connection[Any]) -> tuple[Any, date]:
    table = active_tables(conn, "follow_ups")()
    row = conn.execute(
        sql.SQL("SELECT id, granted_on FROM {} ORDER BY seq LIMIT 1").format(table)
    ).fetchone()
    assert row is not None, "the demo grants licences, each with its schedule"
    return row[0], row[1]


def test_the_aftercare_models_rebuilt_from_zero_hold_the_same_rows(
    world: World,
) -> None:
    licensing = world.services.licensing
    caught_up(world)
    with connect(world) as conn:
        schedule, granted_on = first_schedule(conn)
    licensing.record_follow_up(
        schedule,
        acting(world, "HA-002", Role.REVIEWER),
        visited_on=granted_on,
        findings="运行正常",
    )
    uscc = demo_uscc(1, ENTERPRISES[0][1])
    designated = licensing.designate_liaison(
        acting(world, "HA-004", Role.APPROVER, "分片包干"),
        uscc=uscc,
        contact_staff_no="HA-002",
    )
    licensing.record_liaison_visit(
        designated.id,
        acting(world, "HA-002", Role.REVIEWER),
        visited_on=date(2026, 11, 23),
        findings=("台账不全", "标识缺失"),
    )
    app_id = world.receive(99)
    licensing.reject(
        app_id,
        acting(world, "HA-001", Role.CLERK, "无需许可"),
        ground=NonAcceptanceGround.NO_LICENCE_REQUIRED,
    )
    rating = HandlingRating.rate(
        licensing.get_application(app_id),
        Rating.FAIRLY_SATISFIED,
        "电话 13812345678",
        date(2026, 11, 23),
        acting(world, "HA-001", Role.CLERK),
        already_rated=False,
    )
    licensing.save(rating)
    caught_up(world)
    with connect(world) as conn:
        for name in AFTERCARE:
            followed = dump(conn, active_tables(conn, name))
            assert followed[""], name  # each model has rows
            assert dump(conn, world.projector().rebuild(name)) == followed, name
        comments = conn.execute(
            sql.SQL("SELECT comment FROM {}").format(active_tables(conn, "ratings")())
        ).fetchall()
        # The demo's own rating, and this one masked for staff.
        assert sorted(comments) == [("一次办结",), ("电话 ＊＊＊＊＊＊＊＊＊＊＊",)]
        quarter = conn.execute(
            sql.SQL(
                "SELECT under_liaison, visited, visits, findings FROM {}"
                " WHERE cuboid = 0 AND grain = 'month' AND period = '2026-10-01'"
            ).format(active_tables(conn, "liaisons")("quarters"))
        ).fetchall()
        assert quarter == [(1, 1, 1, 2)]
