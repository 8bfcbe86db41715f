"""Read models read stored events without checking them again; the result must
be exactly the fully validated event (domain/shared/recorded.py).

Every event class of every aggregate in `domain/` has a stored sample here: a
new event class without one fails `test_every_event_class_has_a_sample`, so
the proof keeps up with the model. Each sample is stored through the mapper
(with both transcoders) and read back both ways; the two must be equal, with
the same type at every node, the same fields set and the same time zones.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import get_topic
from pydantic import BaseModel

import domain
from domain.credit.batch import Counts, ImportBatch
from domain.licensing.application import LicenceApplication
from domain.registry.catalogue import Catalogue
from domain.registry.enterprise import Enterprise, EnterpriseProfile
from domain.registry.staff import Staff
from domain.registry.token import Token
from domain.registry.unit import Unit
from domain.shared.audit import Role
from domain.shared.events import Aggregate, PydanticMapper, event_classes
from domain.shared.recorded import recorded_validator, without_checks
from domain.shared.service import ContextService
from tests.domain.conftest import (
    ADMIN,
    BOOTSTRAP,
    POPO,
    SPOT_ITEM,
    item,
    item_with,
    receive_application,
)
from tests.domain.test_disclosure import disclosure_lifecycles
from tests.domain.test_joint_review import joint_review_lifecycles
from tests.domain.test_persistence_roundtrip import (
    TRANSCODERS,
    UpcastProbe,
    all_lifecycles,
)


def _project_aggregates() -> list[type[Aggregate]]:
    """Every aggregate class defined under domain/ (each module imported)."""
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    found: list[type[Aggregate]] = []
    pending = list(Aggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("domain.") and "PINNED_TOPIC" in vars(cls):
            found.append(cls)
    return found


def _registry_lifecycles() -> list[list[Any]]:
    catalogue = Catalogue.open(BOOTSTRAP)
    catalogue.publish(item(SPOT_ITEM), BOOTSTRAP)
    catalogue.revise(item_with(SPOT_ITEM, fee_fen=1500), ADMIN)
    catalogue.withdraw(SPOT_ITEM, ADMIN)

    profile = EnterpriseProfile(
        uscc="91320803MA1XYW01X6", name="淮安测试机械有限公司", region_code="320803"
    )
    enterprise = Enterprise.register(profile, ADMIN)
    enterprise.rename("淮安新名称有限公司", ADMIN)
    enterprise.flag_credit("严重失信", ADMIN)
    enterprise.restore_credit("严重失信", ADMIN)
    enterprise.enter_listing(
        "abnormal_operations_list", date(2026, 11, 2), "淮安市市场监督管理局", ADMIN
    )
    enterprise.end_listing(
        "abnormal_operations_list",
        date(2026, 11, 2),
        date(2026, 11, 20),
        "淮安市市场监督管理局",
        ADMIN,
    )
    enterprise.distribute("320803", ADMIN)

    staff = Staff.enrol("S-1", "张三", "320803", frozenset({Role.CLERK}), BOOTSTRAP)
    token = Token.issue("secret", staff.id, "窗口", BOOTSTRAP)
    staff.grant_token(token.id, "窗口", BOOTSTRAP)
    staff.change_roles(frozenset({Role.CLERK, Role.REVIEWER}), ADMIN)
    staff.deactivate(ADMIN)
    staff.reactivate(ADMIN)
    staff.revoke_token(token.id, ADMIN)
    token.revoke(ADMIN)

    unit = Unit.establish("320803", "淮安区市场监督管理局", BOOTSTRAP)
    batch = ImportBatch.record(
        "new",
        "0" * 64,
        120,
        Counts(rows=2, applied=1, unchanged=0, rejected=1, warnings=0),
        ADMIN,
    )
    aggregates: list[Aggregate] = [catalogue, enterprise, staff, token, unit, batch]
    return [list(a.collect_events()) for a in aggregates]


def _samples() -> list[Any]:
    lifecycles = (
        all_lifecycles()
        + _registry_lifecycles()
        + disclosure_lifecycles()
        + joint_review_lifecycles()
    )
    return [e for events in lifecycles for e in events]


# Plain JSON is parsed straight from the stored bytes; compressed (or
# encrypted) states are decoded to a dict first: both ways are proven.
STORAGE = TRANSCODERS | {
    "orjson, compressed": TRANSCODERS["orjson"]
    | {"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
}


@pytest.fixture(scope="module", params=list(STORAGE), ids=list(STORAGE))
def mapper(request: pytest.FixtureRequest) -> Iterator[PydanticMapper]:
    service = ContextService(env=POPO | STORAGE[request.param])
    assert isinstance(service.mapper, PydanticMapper)
    yield service.mapper
    service.close()


def _encoded(mapper: PydanticMapper, state: dict[str, Any]) -> bytes:
    stored = mapper.transcoder.encode(state)
    return mapper.compressor.compress(stored) if mapper.compressor else stored


def _decoded(mapper: PydanticMapper, stored: bytes) -> Any:
    if mapper.compressor:
        stored = mapper.compressor.decompress(stored)
    return mapper.transcoder.decode(stored)


def assert_identical(full: Any, recorded: Any, path: str) -> None:
    """Equal, the same type at every node, the same fields set on every model
    and the same kind of time zone on every instant."""
    assert type(recorded) is type(full), f"{path}: {type(recorded)} != {type(full)}"
    if isinstance(full, BaseModel):
        assert recorded.model_fields_set == full.model_fields_set, path
        assert recorded.__pydantic_extra__ == full.__pydantic_extra__, path
        assert vars(recorded).keys() == vars(full).keys(), path
        for name, value in vars(full).items():
            assert_identical(value, getattr(recorded, name), f"{path}.{name}")
    elif isinstance(full, tuple | list):
        assert len(recorded) == len(full), path
        for index, (a, b) in enumerate(zip(full, recorded, strict=True)):
            assert_identical(a, b, f"{path}[{index}]")
    elif isinstance(full, frozenset | set):
        assert recorded == full, path
        assert {type(x) for x in recorded} == {type(x) for x in full}, path
    elif isinstance(full, datetime):
        assert recorded == full, path
        assert type(recorded.tzinfo) is type(full.tzinfo), path
        assert recorded.utcoffset() == full.utcoffset(), path
    else:
        assert recorded == full, path


def test_every_event_class_has_a_sample() -> None:
    sampled = {type(e) for e in _samples()}
    expected = {
        cls
        for aggregate in _project_aggregates()
        for cls in event_classes(aggregate)
        if cls.__name__ != "Created"  # defined by the library, never emitted
    }
    assert expected - sampled == set()


def test_every_event_class_is_read_without_its_checks() -> None:
    # None would mean the class falls back to full validation: correct, slow.
    for aggregate in _project_aggregates():
        for cls in event_classes(aggregate):
            assert recorded_validator(cls) is not None, get_topic(cls)


def test_each_stored_event_read_as_recorded_is_the_validated_event(
    mapper: PydanticMapper,
) -> None:
    for event in _samples():
        stored = mapper.to_stored_event(event)
        full = mapper.to_domain_event(stored)
        recorded = mapper.read_recorded(stored.topic, stored.state)
        assert_identical(full, recorded, type(event).__qualname__)
        assert recorded == event


def test_a_recorded_fact_is_not_checked_again(mapper: PydanticMapper) -> None:
    # A rule made (or fixed) later refuses this USCC's check character; the
    # stored fact still reads as it was recorded, and the full read refuses it.
    [received] = receive_application(SPOT_ITEM).collect_events()
    stored = mapper.to_stored_event(received)
    state = _decoded(mapper, stored.state)
    uscc = state["applicant"]["uscc"]
    state["applicant"]["uscc"] = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    altered = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=_encoded(mapper, state),
    )
    recorded = mapper.read_recorded(altered.topic, altered.state)
    assert recorded.applicant.uscc == state["applicant"]["uscc"]
    with pytest.raises(ValueError, match="uscc"):
        mapper.to_domain_event(altered)


def test_a_recorded_event_is_upcast_like_a_validated_one(
    mapper: PydanticMapper,
) -> None:
    v1 = {
        "originator_id": str(uuid4()),
        "originator_version": 1,
        "timestamp": "2020-01-02T03:04:05Z",
        "audit": BOOTSTRAP.model_dump(mode="json"),
        "originator_topic": get_topic(UpcastProbe),
        "text": "written before priorities existed",
    }
    stored = StoredEvent(
        originator_id=v1["originator_id"],
        originator_version=1,
        topic=get_topic(UpcastProbe.Noted),
        state=_encoded(mapper, v1),
    )
    recorded = mapper.read_recorded(stored.topic, stored.state)
    assert recorded.priority == 0
    assert_identical(mapper.to_domain_event(stored), recorded, "Noted")


def test_a_missing_field_gets_its_default_as_in_a_validated_read(
    mapper: PydanticMapper,
) -> None:
    # A field added with a default since the event was recorded.
    [received] = receive_application(SPOT_ITEM).collect_events()
    state = received.model_dump(mode="json")
    del state["item"]["renewal_lead_days"]  # a before-validator fills it in
    del state["item"]["fee_fen"]
    stored = StoredEvent(
        originator_id=received.originator_id,
        originator_version=1,
        topic=get_topic(LicenceApplication.Received),
        state=_encoded(mapper, state),
    )
    recorded = mapper.read_recorded(stored.topic, stored.state)
    assert_identical(mapper.to_domain_event(stored), recorded, "Received")
    assert recorded.item.fee_fen == 0


def test_a_snapshot_is_read_with_full_validation() -> None:
    # A snapshot's state has its own __init__: nothing to strip, read in full.
    assert recorded_validator(Catalogue.Snapshot) is None


def test_only_after_validators_are_stripped() -> None:
    schema = {
        "type": "function-after",
        "function": {"type": "no-info", "function": str.upper},
        "schema": {
            "type": "function-before",
            "function": {"type": "no-info", "function": str.lower},
            "schema": {"type": "str"},
        },
        "ref": "x",
    }
    assert without_checks(schema) == {**schema["schema"], "ref": "x"}
    assert without_checks({"type": "date", "metadata": {"m": date.min}}) == {
        "type": "date",
        "metadata": {"m": date.min},
    }


class _NoDecoding(JSONTranscoder):
    def decode(self, data: bytes) -> Any:
        raise AssertionError("decoded to a dict first")


def test_a_plain_json_state_is_parsed_straight_from_its_bytes() -> None:
    mapper = PydanticMapper(transcoder=_NoDecoding())
    [received] = receive_application(SPOT_ITEM).collect_events()
    stored = mapper.to_stored_event(received)
    assert mapper.read_recorded(stored.topic, stored.state) == received
