"""Reproduce (or rule out) a hang of one `Application.save()` of many events.

    .venv/bin/python scripts/save_hang.py URL|--embedded DIR [--events 800]
        [--size 2000] [--timeout 20] [--recorder library|casetrace] [--patch-psycopg]

Saves `--events` new aggregates, each with one event of about `--size` bytes,
in one `save()` of a plain eventsourcing `Application` on the PostgreSQL
recorder (the library's own, or this project's `CasetraceRecorder`), in a
worker thread, and waits `--timeout` seconds for it. On a hang it prints what
the server says the connection is doing (pg_stat_activity) and the Python
stack of the stuck thread, then exits 3; otherwise it prints the time taken. `--embedded DIR` starts a
throwaway embedded server (a Unix socket: where the hang shows at once);
`--patch-psycopg` applies the suggested psycopg fix (run it with
PSYCOPG_IMPL=python: the binary package has its own compiled copy).
See docs/upstream-save-hang.md for what was found.
"""

from __future__ import annotations

import argparse
import faulthandler
import sys
import threading
import time
from typing import Any
from uuid import uuid4

import psycopg
import psycopg._pipeline_base
import psycopg.generators
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict


class Blob(Aggregate):
    @event("Made")
    def __init__(self, text: str) -> None:
        self.text = text


def environment(url: str, recorder: str) -> dict[str, str]:
    params = conninfo_to_dict(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "CREATE_TABLE": "y",
    }
    if recorder == "casetrace":
        env["APPLICATION_RECORDER_TOPIC"] = "api.host.recorder:CasetraceRecorder"
    return env


def activity(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 60)"
            " FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()


def _communicate_until_flushed(pgconn: Any, commands: Any) -> Any:
    """psycopg's `_pipeline_communicate`, but it stops only once libpq's output
    buffer is empty (`flush()` returned 0): the suggested fix."""
    results: list[list[Any]] = []
    g = psycopg.generators
    while True:
        while not (ready := (yield g.WAIT_RW)):
            continue
        if ready & g.READY_R:
            pgconn.consume_input()
            g._consume_notifies(pgconn)
            res: list[Any] = []
            while not pgconn.is_busy():
                if (r := pgconn.get_result()) is None:
                    if not res:
                        break
                    results.append(res)
                    res = []
                elif r.status == pq.ExecStatus.PIPELINE_SYNC:
                    results.append([r])
                else:
                    res.append(r)
        if ready & g.READY_W:
            if pgconn.flush():  # output still pending: wait until writable again
                continue
            if not commands:
                break
            commands.popleft()()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--embedded", type=str, default=None)
    parser.add_argument("--patch-psycopg", action="store_true")
    parser.add_argument("--events", type=int, default=800)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument(
        "--recorder", choices=("library", "casetrace"), default="library"
    )
    args = parser.parse_args()
    if args.embedded:
        from pathlib import Path

        from api.host.storage import start_embedded

        args.url = start_embedded(Path(args.embedded), throwaway=True)
    if args.patch_psycopg:
        psycopg._pipeline_base.pipeline_communicate = _communicate_until_flushed  # type: ignore[assignment]

    app = Application[Any](env=environment(args.url, args.recorder))
    print(
        f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq "
        f"{psycopg.pq.version()}), recorder {type(app.recorder).__name__}"
    )
    blobs = [Blob(text=f"{n}:" + "x" * args.size) for n in range(args.events)]
    done = threading.Event()
    failure: list[BaseException] = []

    def save() -> None:
        try:
            app.save(*blobs)
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    started = time.perf_counter()
    worker = threading.Thread(target=save, daemon=True, name="save")
    worker.start()
    if not done.wait(args.timeout):
        print(f"HANG: save() of {args.events} events not done after {args.timeout}s")
        for row in activity(args.url):
            print("  server:", row)
        faulthandler.dump_traceback(file=sys.stdout, all_threads=True)
        return 3
    if failure:
        print(f"FAILED: {failure[0]!r}")
        return 1
    took = time.perf_counter() - started
    print(f"saved {args.events} events of ~{args.size} B in {took:.2f}s ({uuid4()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
