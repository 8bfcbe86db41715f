"""The personal-data vault on PostgreSQL (api/host/vault.py): a key per
person, kept out of the events; shredding makes a person unreadable and
leaves every stored byte of every event as it was."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from cryptography.exceptions import InvalidTag

from api.host.database import Timeouts, open_pool
from api.host.vault import TABLES, PostgresVault, VaultKeyError, master_key

MASTER = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def vaults(fresh_database: str) -> Iterator[tuple[PostgresVault, PostgresVault]]:
    """Two vaults on one database: one keyed by a master key, one not."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute(TABLES)
    pools = [
        open_pool(fresh_database, Timeouts(), name=f"vault-{n}", min_size=1, max_size=2)
        for n in range(2)
    ]
    yield PostgresVault(pools[0]), PostgresVault(pools[1], master_key(MASTER))
    for pool in pools:
        pool.close()


def test_a_sealed_box_opens_only_with_its_persons_key(
    vaults: tuple[PostgresVault, PostgresVault],
) -> None:
    vault, _ = vaults
    alice, bob = uuid4(), uuid4()
    box = vault.seal(alice, "王小明 13800000001".encode())
    assert "王小明".encode() not in base64.b64decode(box)
    assert vault.open(alice, box) == "王小明 13800000001".encode()
    vault.seal(bob, b"x")
    with pytest.raises(InvalidTag):  # the person's id is bound to the box
        vault.open(bob, box)


def test_shredding_a_key_makes_the_person_unreadable_once(
    vaults: tuple[PostgresVault, PostgresVault], fresh_database: str
) -> None:
    vault, _ = vaults
    person = uuid4()
    box = vault.seal(person, b"secret")
    assert vault.shred(person) is True
    assert vault.open(person, box) is None
    assert vault.shred(person) is False
    with psycopg.connect(fresh_database) as conn:
        row = conn.execute(
            "SELECT count(*) FROM casetrace_vault.shredded WHERE person_id = %s",
            (person,),
        ).fetchone()
    assert row == (1,)


def test_with_a_master_key_the_database_holds_no_usable_key(
    vaults: tuple[PostgresVault, PostgresVault], fresh_database: str
) -> None:
    _, wrapped = vaults
    person = uuid4()
    box = wrapped.seal(person, b"secret")
    with psycopg.connect(fresh_database) as conn:
        row = conn.execute(
            "SELECT key FROM casetrace_vault.person_keys WHERE person_id = %s",
            (person,),
        ).fetchone()
    assert row is not None
    assert len(bytes(row[0])) > 32  # nonce + wrapped key + tag, not the key itself
    assert wrapped.open(person, box) == b"secret"


def test_the_blind_index_is_stable_for_every_process_and_reveals_nothing(
    vaults: tuple[PostgresVault, PostgresVault], fresh_database: str
) -> None:
    first, _ = vaults
    pool = open_pool(fresh_database, Timeouts(), name="vault-2", min_size=1, max_size=1)
    try:
        second = PostgresVault(pool)
        assert first.index("13800000001|某商行") == second.index("13800000001|某商行")
        assert first.index("13800000001|某商行") != first.index("13800000002|某商行")
        assert "13800000001" not in first.index("13800000001|某商行")
    finally:
        pool.close()


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_master_key_that_is_not_32_bytes_of_base64_is_refused(text: str) -> None:
    with pytest.raises(VaultKeyError):
        master_key(text)
