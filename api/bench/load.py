"""HTTP load and projection lag: clients POST a workload's commands to a real
server while a poller watches when each command's position becomes visible."""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass
from uuid import uuid4

import httpx
import psycopg

from api.bench.workload import Workload


@dataclass
class Sample:
    latency: float
    position: int
    responded: float  # time.monotonic() when the response arrived


@dataclass
class LoadResult:
    samples: list[Sample]
    errors: int
    elapsed: float
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed > 0 else 0.0


class Poller:
    """Watches one read model's tracking position every ~2 ms."""

    def __init__(self, url: str, model: str) -> None:
        self.url = url
        self.model = model
        self.positions: list[int] = []
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name="bench-poller", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        from projections.runtime import position

        with psycopg.connect(self.url, autocommit=True) as conn:
            last = -1
            while not self.stop.is_set():
                seen = position(conn, self.model)
                now = time.monotonic()
                if seen > last:
                    self.positions.append(seen)
                    self.times.append(now)
                    last = seen
                time.sleep(0.002)

    def visible_at(self, pos: int) -> float | None:
        i = bisect.bisect_left(self.positions, pos)
        return self.times[i] if i < len(self.positions) else None

    def wait_for(self, pos: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.positions and self.positions[-1] >= pos:
                return
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def lags(samples: list[Sample], poller: Poller) -> tuple[list[float], int]:
    """Lag of each command (visible - responded, floored at 0) and how many never showed."""
    found, missing = [], 0
    for s in samples:
        seen = poller.visible_at(s.position)
        if seen is None:
            missing += 1
        else:
            found.append(max(0.0, seen - s.responded))
    return found, missing


class _Schedule:
    """When each client may send: at once (closed loop), or at the next slot of
    an open-loop schedule of `rate` commands/s shared by the clients."""

    def __init__(self, seconds: float, rate: float | None) -> None:
        self.rate = rate
        self.began = time.monotonic()
        self.end = self.began + seconds
        self.lock = threading.Lock()
        self.slot = 0

    def wait_turn(self) -> bool:
        """Sleep until this client's turn; False once the phase is over."""
        if not self.rate:
            return time.monotonic() < self.end
        with self.lock:
            due = self.began + self.slot / self.rate
            self.slot += 1
        if due >= self.end:
            return False
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        return True


def run_load(
    base: str,
    workload: Workload,
    clients: int,
    seconds: float,
    rate: float | None = None,
    idempotency: bool = False,
) -> LoadResult:
    """C clients POST the workload's command streams for `seconds`; closed loop,
    or paced to `rate` commands/s overall (open-loop schedule shared by the
    clients); with `idempotency`, each request carries a new Idempotency-Key."""
    samples: list[Sample] = []
    errors = [0]
    first_error: list[str] = []
    schedule = _Schedule(seconds, rate)

    def client(n: int) -> None:
        commands = workload.commands(n)
        with httpx.Client(base_url=base, timeout=30.0) as http:
            while schedule.wait_turn():
                command = commands.next()
                headers = {"Authorization": f"Bearer {command.token}"}
                if idempotency:
                    headers["Idempotency-Key"] = uuid4().hex
                sent = time.monotonic()
                try:
                    response = http.post(
                        command.path, json=command.body, headers=headers
                    )
                except httpx.HTTPError as exc:
                    errors[0] += 1
                    first_error.append(repr(exc))
                    commands.failed()
                    continue
                done = time.monotonic()
                if response.status_code >= 300:
                    errors[0] += 1
                    first_error.append(
                        f"{command.kind} {response.status_code} {response.text[:300]}"
                    )
                    commands.failed()
                    continue
                result = response.json()
                samples.append(Sample(done - sent, int(result["position"]), done))
                commands.answered(result)

    pool = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - schedule.began
    return LoadResult(
        samples, errors[0], elapsed, first_error[0] if first_error else ""
    )
