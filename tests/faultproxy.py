"""A fault-injecting TCP proxy between the service and PostgreSQL (loopback only;
the server side may be a Unix socket).

It passes the wire protocol through untouched until armed for the next
transaction's COMMIT (seen as the statement text in the client's bytes):

- `drop_commit_answer`: the COMMIT reaches the server, which commits; the
  answer never reaches the client, whose connection is then cut. The client
  cannot know whether its transaction committed.
- `hold_commit_answer`: as above, but the connection stays open and silent
  until `release()` (so a test can kill -9 the client in that state).
- `hold_commit`: the COMMIT is kept from the server until `release()`, then
  the connection is cut (the server rolls the transaction back).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Literal

Mode = Literal["drop_commit_answer", "hold_commit_answer", "hold_commit"]


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        # A host that is a directory is PostgreSQL's Unix socket (embedded).
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._mode: Mode | None = None
        self._lock = threading.Lock()
        self.fired = threading.Event()
        self._release = threading.Event()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: Mode) -> None:
        with self._lock:
            self._mode = mode
            self.fired.clear()
            self._release.clear()

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self._closed = True
        self._release.set()
        self.listener.close()

    def _take(self, data: bytes) -> Mode | None:
        """The armed mode, once, for a chunk carrying a COMMIT."""
        if b"COMMIT" not in data:
            return None
        with self._lock:
            mode, self._mode = self._mode, None
        return mode

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = self._connect()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"mute": False}
            threading.Thread(
                target=self._upstream, args=(client, server, state), daemon=True
            ).start()
            threading.Thread(
                target=self._downstream, args=(server, client, state), daemon=True
            ).start()

    def _connect(self) -> socket.socket:
        host, port = self.target
        if host.startswith("/"):
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            unix.connect(f"{host}/.s.PGSQL.{port}")
            return unix
        tcp = socket.create_connection(self.target)
        tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return tcp

    def _upstream(
        self, client: socket.socket, server: socket.socket, state: dict[str, bool]
    ) -> None:
        try:
            while data := client.recv(65536):
                mode = self._take(data)
                if mode == "hold_commit":
                    self.fired.set()
                    self._release.wait(timeout=60)
                    break  # never forwarded: the server rolls back
                if mode is not None:
                    state["mute"] = True  # the answer must not arrive
                    server.sendall(data)
                    if mode == "hold_commit_answer":
                        self.fired.set()
                        self._release.wait(timeout=60)
                    else:
                        # Let the server run the COMMIT before the cut.
                        self._release.wait(timeout=0.3)
                        self.fired.set()
                    break
                server.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _downstream(
        self, server: socket.socket, client: socket.socket, state: dict[str, bool]
    ) -> None:
        try:
            while data := server.recv(65536):
                if not state["mute"]:
                    client.sendall(data)
        except OSError:
            pass


def via(url: str, proxy: FaultProxy) -> str:
    """The same database, reached through the proxy."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params.update(host="127.0.0.1", port=str(proxy.port))
    return make_conninfo(**params)  # type: ignore[arg-type]


def for_database(url: str) -> FaultProxy:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    return FaultProxy(
        str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432)
    )
