"""Where a command's time goes under the bench's load: the CPU of the API
server, PostgreSQL and the clients per command, how busy the machine is, and
what PostgreSQL's backends wait on (pg_stat_activity sampled every ~2 ms).
With `--profile FILE`, also a py-spy profile of the server (GIL samples; py-spy
is not a dependency: `pip install py-spy` into the venv first).

    .venv/bin/python scripts/bench_waits.py [--seconds 20] [--workers 1] [--profile out.txt]

Runs on a throwaway embedded PostgreSQL, like `casetrace bench`
(docs/benchmarks.md, "Fourth run").
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import threading
import time
from pathlib import Path

import psycopg

from api.bench import run as bench
from api.bench.commands import Server
from api.bench.load import run_load
from api.bench.processes import cpu_seconds, free_port, spawn, wait_http

WAITS = (
    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '')"
    " FROM pg_stat_activity WHERE backend_type = 'client backend'"
    " AND pid <> pg_backend_pid() AND state = 'active'"
)


def machine() -> tuple[int, int]:
    """Total and idle jiffies of all CPUs."""
    with Path("/proc/stat").open() as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]


def postgres_cpu() -> float:
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    with bench.lab() as it:
        (under,) = bench.open_benches(it.services)
        under.workload.seed()
        port = free_port()
        workers = ["--workers", str(args.workers)] if args.workers > 1 else []
        serve = ["serve", "--no-projections", "--port", str(port), *workers]
        process = spawn(serve, it.env, it.tmp / "server.log")
        base = f"http://127.0.0.1:{port}"
        it.servers["measured"] = Server("measured", base, process)
        wait_http(base, process)
        run_load(base, under.workload, args.clients, 3)  # warm-up
        waits: collections.Counter[tuple[str, str]] = collections.Counter()
        polls = [0]
        stop = threading.Event()

        def poll() -> None:
            with psycopg.connect(it.url, autocommit=True) as conn:
                while not stop.is_set():
                    polls[0] += 1
                    for row in conn.execute(WAITS).fetchall():
                        waits[(row[0], row[1])] += 1
                    time.sleep(0.002)

        poller = threading.Thread(target=poll)
        poller.start()
        spy = None
        if args.profile:
            command = [".venv/bin/py-spy", "record", "--gil", "--nonblocking"]
            command += ["-r", "200", "-f", "raw", "-o", str(args.profile)]
            command += ["-d", str(int(args.seconds)), "-p", str(process.pid)]
            spy = subprocess.Popen(command)  # noqa: S603
        before = (machine(), cpu_seconds(process.pid), postgres_cpu(), own_cpu())
        load = run_load(base, under.workload, args.clients, args.seconds)
        after = (machine(), cpu_seconds(process.pid), postgres_cpu(), own_cpu())
        stop.set()
        poller.join()
        if spy is not None:
            spy.wait()
        report(load.samples, load.elapsed, load.errors, before, after, waits, polls[0])


def report(
    samples: list[object],
    elapsed: float,
    errors: int,
    before: tuple[tuple[int, int], float, float, float],
    after: tuple[tuple[int, int], float, float, float],
    waits: collections.Counter[tuple[str, str]],
    polls: int,
) -> None:
    n = len(samples)
    (total0, idle0), server0, pg0, own0 = before
    (total1, idle1), server1, pg1, own1 = after
    busy = 1 - (idle1 - idle0) / (total1 - total0)
    print(f"{n / elapsed:.0f} commands/s over {elapsed:.1f} s, {errors} errors")
    print(f"machine busy {busy:.0%} of {os.cpu_count()} CPUs")
    for name, spent in (
        ("server", server1 - server0),
        ("postgres", pg1 - pg0),
        ("clients (and this poller)", own1 - own0),
    ):
        print(
            f"{name}: {1000 * spent / n:.2f} ms CPU per command, {spent / elapsed:.2f} CPUs"
        )
    print("mean non-idle backends, by what they wait on:")
    for (kind, what), count in waits.most_common(8):
        print(f"  {count / polls:.3f} {kind} {what}")


if __name__ == "__main__":
    main()
