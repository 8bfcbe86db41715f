"""How the HTTP API runs under uvicorn, in one place: `casetrace serve` (one
worker or N) and the bench's reference servers run with exactly these settings.

- **uvloop and httptools** (README "Processes"). uvloop sets TCP_NODELAY on
  every accepted connection, whatever the listening socket says; stock asyncio
  sets it only when the socket reports IPPROTO_TCP, which the socket uvicorn's
  multi-worker supervisor binds and hands down did not (uvicorn issue 3149,
  fixed in 0.55): every keep-alive response then waited ~40 ms for the
  client's delayed ACK, so `--workers 2` served one client at a fraction of
  one worker's rate. httptools parses a request in C (h11 was 17% of the server's
  CPU per command).
- **The collector** (`settle_heap`). Once the app is built, its long-lived
  objects (modules, routes, pydantic schemas, the services) are frozen out of
  the collector's scans, and the young generation is collected after
  GEN0_THRESHOLD net allocations instead of 700: with the default the
  server ran a young collection every three or four commands (~0.26 ms of
  CPU per command), with 20,000 one in a few hundred. docs/benchmarks.md has
  the A/B of both choices.
"""

from __future__ import annotations

import gc
from typing import Any

GEN0_THRESHOLD = 20_000

SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "ws": "none",  # no route speaks WebSocket
    "access_log": False,
    "log_config": None,  # our JSON logging handles uvicorn too
    # Forwarding headers are honoured by the app, from CASETRACE_TRUSTED_PROXIES
    # only; uvicorn's own handling trusts 127.0.0.1 by default, which would
    # let anyone on the host (or behind a local proxy) choose their address.
    "proxy_headers": False,
}


def settle_heap() -> None:
    """Freeze what exists now out of the collector's scans and collect the
    young generation less often; call once the app is built, in each process."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def run(app: Any, host: str, port: int, workers: int = 1) -> None:
    """Serve `app` (an ASGI app, or its "module:attribute" import string, which
    uvicorn needs for more than one worker) with SERVER_OPTIONS."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, workers=workers, **SERVER_OPTIONS)
