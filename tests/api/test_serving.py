"""The HTTP server's settings (api/host/serving.py): Nagle is off on every
accepted connection, also on a listening socket handed down by uvicorn's
multi-worker supervisor, so keep-alive responses never wait for a delayed ACK."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from api.host import serving


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest ASGI app: headers and body go out in two writes."""
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def handed_down_socket() -> socket.socket:
    """What the supervisor hands each worker: a socket bound before the loop
    exists. Before uvicorn 0.55 its proto was 0, and stock asyncio then left
    Nagle on for every connection accepted on it (uvicorn issue 3149)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(params=["handed-down socket", "host and port"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[uvicorn.Server, int]]:
    """Our app under uvicorn with serving's options, in a thread."""
    sockets = [handed_down_socket()] if request.param == "handed-down socket" else None
    if sockets:
        port = sockets[0].getsockname()[1]
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    config = uvicorn.Config(
        hello, host="127.0.0.1", port=port, lifespan="off", **serving.SERVER_OPTIONS
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, args=(sockets,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield server, port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for sock in sockets or ():
            sock.close()


def test_every_accepted_connection_has_nagle_off(
    server: tuple[uvicorn.Server, int],
) -> None:
    uvicorn_server, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        (connection,) = uvicorn_server.server_state.connections
        accepted = connection.transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_settling_the_heap_freezes_it_and_raises_the_young_threshold() -> None:
    threshold = gc.get_threshold()
    try:
        serving.settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == serving.GEN0_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
