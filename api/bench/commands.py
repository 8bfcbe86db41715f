"""Commands over HTTP, side by side, in interleaved short phases.

The machine's speed drifts by a quarter from one minute to the next, so no
figure comes from one long phase. Each variant (a server, with or without an
Idempotency-Key on every request) runs in short phases, in rounds that put
the yardstick — reference server (b) — before and after each compared
variant: b, X, b, Y, b, Z, …, then the others. A compared phase's ratio is its
rate over the mean of the two (b) phases around it; the table shows medians
over the rounds. Server CPU per command is the server's processes' user +
system time over the phase (/proc) divided by the commands it answered.
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from api.bench.load import LoadResult, Sample, run_load
from api.bench.processes import cpu_seconds
from api.bench.report import ms, percentile
from api.bench.workload import Workload


@dataclass(frozen=True)
class Server:
    """A running HTTP server under bench: `name` is how rows call it."""

    name: str
    base: str
    process: subprocess.Popen[bytes]


@dataclass(frozen=True)
class Variant:
    """A server as the clients drive it."""

    server: Server
    idempotency: bool = False

    @property
    def name(self) -> str:
        return self.server.name + (", Idempotency-Key" if self.idempotency else "")


@dataclass
class Series:
    """One variant's phases in a set of rounds."""

    rates: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # seconds per command
    ratios: list[float] = field(default_factory=list)  # to the yardstick
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    @property
    def rate(self) -> float:
        return _median(self.rates)

    @property
    def ratio(self) -> float:
        return _median(self.ratios)

    @property
    def cpu_per_command(self) -> float:
        return _median(self.cpu)

    def add(self, load: LoadResult, cpu: float) -> None:
        self.rates.append(load.rate)
        self.cpu.append(cpu / len(load.samples) if load.samples else 0.0)
        self.samples += load.samples
        self.errors += load.errors
        self.first_error = self.first_error or load.first_error

    def summary(self) -> str:
        """Rate, latency and CPU: the value column of its row."""
        latencies = [s.latency for s in self.samples]
        return (
            f"{self.rate:,.0f} cmd/s, p50 {ms(percentile(latencies, 0.5))}"
            f" / p99 {ms(percentile(latencies, 0.99))},"
            f" CPU {self.cpu_per_command * 1000:.2f} ms/cmd ({self.errors} errors)"
        )

    def data(self) -> dict[str, list[float]]:
        """The per-phase figures, for the JSON written beside the table."""
        return {
            "rates": [round(r, 1) for r in self.rates],
            "cpu_ms": [round(c * 1000, 3) for c in self.cpu],
            "ratios": [round(r, 3) for r in self.ratios],
        }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def phase(
    variant: Variant, workload: Workload, clients: int, seconds: float
) -> tuple[LoadResult, float]:
    """One closed-loop phase, and the server's CPU seconds during it."""
    pid = variant.server.process.pid
    before = cpu_seconds(pid)
    load = run_load(
        variant.server.base,
        workload,
        clients,
        seconds,
        idempotency=variant.idempotency,
    )
    return load, cpu_seconds(pid) - before


def interleaved(
    yardstick: Variant,
    compared: Sequence[Variant],
    others: Sequence[Variant],
    workload: Workload,
    *,
    clients: int,
    seconds: float,
    rounds: int,
) -> dict[str, Series]:
    """`rounds` rounds of b, X, b, Y, b, …, then `others`, each phase `seconds`
    long; every compared phase gets its ratio to the (b) phases around it."""
    series = {v.name: Series() for v in (yardstick, *compared, *others)}
    for _ in range(rounds):
        before = _run(yardstick, series, workload, clients, seconds)
        for variant in compared:
            rate = _run(variant, series, workload, clients, seconds)
            after = _run(yardstick, series, workload, clients, seconds)
            base = (before + after) / 2
            series[variant.name].ratios.append(rate / base if base else 0.0)
            before = after
        for variant in others:
            _run(variant, series, workload, clients, seconds)
    return series


def _run(
    variant: Variant,
    series: dict[str, Series],
    workload: Workload,
    clients: int,
    seconds: float,
) -> float:
    load, cpu = phase(variant, workload, clients, seconds)
    series[variant.name].add(load, cpu)
    return load.rate
