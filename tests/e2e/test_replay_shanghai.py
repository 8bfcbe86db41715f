"""scripts/replay_shanghai.py against a served instance set up as `scripts/run`
sets one up (`casetrace demo`, then `casetrace serve`), at 1/2000: it publishes
its items, replays every category through the API and gets the table back from
the statistics (it exits 1 on any difference)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import another_database
from tests.e2e.served import cli, free_port, served, server_env

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parents[2] / "scripts" / "replay_shanghai.py"


def test_the_replay_at_1_in_2000_gets_the_table_back_from_the_statistics(
    database_url: str, tmp_path: Path
) -> None:
    with another_database(database_url) as url:
        env = server_env(url, tmp_path, free_port())
        cli(env, "demo", timeout=180)
        with served(env, tmp_path / "server.log") as (base, _):
            run = subprocess.run(
                [
                    sys.executable,
                    str(SCRIPT),
                    base,
                    "--scale",
                    "2000",
                    "--tokens",
                    str(tmp_path / "demo-tokens.txt"),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
                cwd=SCRIPT.parents[1],
            )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    rows = [
        line
        for line in lines
        if line.startswith(("计量", "特种", "标准", "工业", "食品", "办理"))
    ]
    assert len(rows) == 7
    assert all("  ok  " in row for row in rows), run.stdout
    # 39,896 / 2000 = 19.948 → 20 certificates issued and served.
    issued = next(line for line in lines if line.startswith("制证"))
    served_ = next(line for line in lines if line.startswith("送达"))
    assert issued.split()[-3:] == ["20", "20", "ok"]
    assert served_.split()[-3:] == ["20", "20", "ok"]
    # Every matter kind of the composition was replayed: 办理组织机构代码业务.
    code_row = next(row for row in rows if row.startswith("办理组织机构代码业务"))
    assert "cancellation 1" in code_row
    assert "change 1" in code_row
