"""The `casetrace` command: serve, project, clock, bench, tokens, staff, demo, uscc."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from api.host.logging import configure_logging, route_stdlib_logging
from api.host.settings import Settings
from api.host.storage import Services, database_url, open_services
from domain.shared.audit import Actor, ActorKind, Audit, Role
from domain.shared.errors import DomainError
from projections.runtime import ModelStatus

app = typer.Typer(
    help="casetrace: event-sourced case management for a market-supervision bureau."
)
tokens = typer.Typer(
    help="Issue and revoke staff bearer tokens (stored only as hashes)."
)
staff_cli = typer.Typer(help="Enrol staff in the directory.")
uscc_cli = typer.Typer(
    help="Make and check unified social credit codes (统一社会信用代码, GB 32100)."
)
app.add_typer(tokens, name="tokens")
app.add_typer(staff_cli, name="staff")
app.add_typer(uscc_cli, name="uscc")


def _context_commands() -> None:
    """Each registered context's own sub-commands (its descriptor's `cli`)."""
    from importlib import import_module

    from api.host.contexts import registered

    added: set[int] = set()
    for context in registered():
        if context.cli is not None:
            module, _, name = context.cli.partition(":")
            sub: typer.Typer = getattr(import_module(module), name)
            if id(sub) not in added:  # a group several contexts join (`import`)
                added.add(id(sub))
                app.add_typer(sub, name=sub.info.name)


_context_commands()


def console_operator() -> Audit:
    """CLI actions are recorded as the operator at the console, not a person's token."""
    import getpass

    user = getpass.getuser()
    actor = Actor(
        kind=ActorKind.SYSTEM, id=f"system:cli:{user}", name=f"console ({user})"
    )
    return Audit(
        actor=actor, request_id=f"cli-{secrets.token_hex(6)}", causation="command:cli"
    )


def _services(settings: Settings) -> Services:
    return open_services(settings)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    projections: Annotated[
        bool,
        typer.Option(
            help="also run the read-model projector and the deadline clock in this"
            " process (production runs `casetrace project` and `casetrace clock`)"
        ),
    ] = True,
) -> None:
    """Run the HTTP API (uvicorn, uvloop, httptools) on the configured database."""
    from api.host import serving

    settings = Settings.from_env()
    route_stdlib_logging(settings.log_level)
    # uvicorn re-raises SIGTERM after its graceful shutdown; with the default
    # action the process would die there, skipping the clean-up that stops the
    # embedded PostgreSQL. Exiting normally runs it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # This process owns the database: workers are handed its URL, so they never
    # start (or leave running) an embedded server of their own.
    url = database_url(settings)
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"casetrace: API docs at http://{bind_host}:{bind_port}/docs", err=True)
    services = open_services(settings, url=url)
    stop = _start_background(services) if projections else (lambda: None)
    try:
        if workers > 1:
            os.environ["CASETRACE_DATABASE_URL"] = url
            serving.run("api.http.asgi:app", bind_host, bind_port, workers)
            return
        from api.http.app import create_app

        app = create_app(settings, services)
        serving.settle_heap()
        serving.run(app, bind_host, bind_port)
    finally:
        stop()
        services.close()


def _start_background(services: Services) -> Callable[[], None]:
    """The projector and the clock as threads of this process; returns their stop."""
    from api.host import clock
    from projections.runtime import run_in_thread

    # The contexts' jobs first: one that cannot start (a malformed key) fails
    # the start before any thread runs.
    stop_jobs = _start_jobs(services)
    projector = services.projector()
    projector_thread, projector_stop = run_in_thread(projector)
    clock_thread, clock_stop = clock.run_in_thread(clock.DeadlineClock(services))

    def stop() -> None:
        projector_stop.set()
        clock_stop.set()
        stop_jobs()
        projector_thread.join(timeout=5)
        clock_thread.join(timeout=5)
        projector.close()

    return stop


def _start_jobs(services: Services) -> Callable[[], None]:
    """Each context's own long-running job (its descriptor's `background`) as
    a thread of this process; returns their stop."""
    from importlib import import_module

    stop = threading.Event()
    threads = []
    for context in services.contexts:
        if context.background is None:
            continue
        module, _, name = context.background.partition(":")
        run = getattr(import_module(module), name)(services)
        thread = threading.Thread(
            target=run, args=(stop,), name=f"casetrace-{context.name}", daemon=True
        )
        thread.start()
        threads.append(thread)

    def halt() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)

    return halt


def _worker_services() -> Services:
    """Set-up of a long-running worker process (projector, clock): JSON logs,
    and SIGTERM exits normally so the services are closed."""
    settings = Settings.from_env()
    # Logs are JSON lines on stderr: stdout is the command's own answer
    # (`casetrace clock --once` prints what it fired).
    configure_logging(settings.log_level)
    route_stdlib_logging(settings.log_level)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    return _services(settings)


@app.command()
def project(
    rebuild: Annotated[
        str | None,
        typer.Option(
            help="rebuild this read model from zero beside the live one, switch reads"
            " to it, and exit"
        ),
    ] = None,
    status: Annotated[
        bool,
        typer.Option(
            "--status",
            help="print each read model's position on each log it follows, the"
            " log's head, the lag and whether it is stalled there, and exit"
            " (status 1 if any is stalled)",
        ),
    ] = False,
) -> None:
    """Run the read-model projector (follows the event logs until stopped)."""
    from projections.runtime import Progress, settle_gc

    services = _worker_services()
    projector = services.projector()
    settle_gc()
    try:
        if status:
            rows = projector.status()
            for line in _status_lines(rows):
                typer.echo(line)
            if any(row.stall for row in rows):
                raise typer.Exit(1)
            return
        if rebuild is not None:
            try:
                projector.model(rebuild)
            except LookupError as exc:
                raise typer.BadParameter(str(exc), param_hint="--rebuild") from None
            projector.prepare()

            def show(p: Progress) -> None:
                share = p.done / p.total if p.total else 1.0
                bar = "#" * int(share * 30)
                sys.stderr.write(
                    f"\r{rebuild}: [{bar:<30}] {p.done:,}/{p.total:,} events"
                    f" {p.rate:,.0f} events/s"
                )
                sys.stderr.flush()

            tables = projector.rebuild(rebuild, progress=show)
            sys.stderr.write("\n")
            typer.echo(f"{rebuild}: generation {tables.generation} is now live")
            return
        typer.echo("casetrace: projector following the event logs", err=True)
        stop_jobs = _start_jobs(services)
        try:
            projector.follow(threading.Event())
        finally:
            stop_jobs()
    finally:
        projector.close()
        services.close()


def _status_lines(rows: list[ModelStatus]) -> list[str]:
    lines = [
        f"{'model':<14} {'position':>10} {'head':>10} {'lag':>8}  {'log':<12} state"
    ]
    for row in rows:
        state = "following"
        if row.stall is not None:
            stall = row.stall
            since, retry = stall.since.astimezone(UTC), stall.retry_at.astimezone(UTC)
            state = (
                f"STALLED since {since:%Y-%m-%dT%H:%M:%SZ} at position"
                f" {stall.position} ({stall.topic}), attempt {stall.attempts},"
                f" next retry {retry:%H:%M:%SZ}: {stall.error}"
            )
        lines.append(
            f"{row.model:<14} {row.position:>10} {row.head:>10} {row.lag:>8}"
            f"  {row.log:<12} {state}"
        )
    return lines


@app.command()
def bench(
    events: Annotated[
        int, typer.Option(help="events to generate for the rebuild and query runs")
    ] = 1_000_000,
    clients: Annotated[int, typer.Option(help="concurrent HTTP clients")] = 8,
    seconds: Annotated[
        float,
        typer.Option(
            help="length of each timed phase; an HTTP variant's, split into --rounds"
        ),
    ] = 10.0,
    workers: Annotated[
        int, typer.Option(min=2, help="uvicorn workers of the multi-worker server")
    ] = 2,
    rounds: Annotated[
        int, typer.Option(min=1, help="interleaved rounds of the HTTP phases")
    ] = 5,
    output: Annotated[
        Path | None, typer.Option(help="also write the table to this file")
    ] = None,
) -> None:
    """Benchmark a fresh throwaway embedded PostgreSQL (see docs/benchmarks.md)."""
    from api.bench.run import run

    run(
        events=events,
        clients=clients,
        seconds=seconds,
        workers=workers,
        rounds=rounds,
        output=output,
    )


@app.command("clock")
def clock_command(
    interval: Annotated[float, typer.Option(help="seconds between ticks")] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="one tick, then exit")] = False,
) -> None:
    """Run the deadline clock: fire due timers as system:clock commands."""
    from api.host.clock import DeadlineClock

    services = _worker_services()
    clock = DeadlineClock(services)
    try:
        if once:
            tick = clock.tick()
            typer.echo(
                f"fired {tick.fired}, refused {tick.refused}"
                + (" (another clock is active)" if tick.busy else "")
                + (" (the read models are not built yet)" if tick.not_ready else "")
            )
            return
        clock.run(threading.Event(), interval)
    finally:
        services.close()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@tokens.command("create")
def tokens_create(
    staff: Annotated[
        str, typer.Option("--staff", help="staff number the token acts as")
    ],
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Issue a token; it is printed once and only its hash is kept."""
    services = _services(Settings.from_env())
    try:
        secret, token_id = services.registry.issue_token(
            staff, label, console_operator()
        )
    finally:
        services.close()
    typer.echo(f"token id: {token_id}")
    typer.echo(f"token:    {secret}")
    typer.echo("Keep it safe: it is shown only now.", err=True)


@tokens.command("revoke")
def tokens_revoke(
    token_id: str,
    reason: Annotated[str, typer.Option(help="why (recorded in the audit trail)")],
) -> None:
    """Revoke a token by its id; requests bearing it get 401 from then on."""
    from uuid import UUID

    services = _services(Settings.from_env())
    try:
        audit = console_operator().because(reason)
        services.registry.revoke_token(UUID(token_id), audit)
    finally:
        services.close()
    typer.echo(f"revoked {token_id}")


@staff_cli.command("enrol")
def staff_enrol(
    staff_no: str,
    name: str,
    unit: Annotated[str, typer.Option(help="region code of the unit, e.g. 320803")],
    role: Annotated[
        list[Role], typer.Option(help="clerk, reviewer, approver, auditor or admin")
    ],
) -> None:
    """Enrol a member of staff (then issue a token with `casetrace tokens create`)."""
    services = _services(Settings.from_env())
    try:
        services.registry.enrol_staff(
            staff_no, name, unit, frozenset(role), console_operator()
        )
    finally:
        services.close()
    typer.echo(
        f"enrolled {staff_no} {name} ({unit}) as {', '.join(r.value for r in role)}"
    )


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing if demo data already exists")
    ] = False,
) -> None:
    """Load demo units, staff (tokens printed once), enterprises and applications."""
    from api.host.demo import load_demo

    settings = Settings.from_env()
    services = _services(settings)
    try:
        lines = load_demo(services, settings.data_dir, if_empty=if_empty)
    finally:
        services.close()
    for line in lines:
        typer.echo(line)


@app.command("cipher-key")
def cipher_key(
    out: Annotated[
        Path | None, typer.Option(help="write the key to this file (mode 600)")
    ] = None,
) -> None:
    """Make a new AES-256 key for CASETRACE_CIPHER_KEY."""
    key = b64encode(secrets.token_bytes(32)).decode()
    if out is None:
        typer.echo(key)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(key + "\n")
    out.chmod(0o600)
    typer.echo(f"wrote {out}")


@uscc_cli.command("generate")
def uscc_generate(
    region: Annotated[
        str,
        typer.Option(help="6-digit GB/T 2260 region code of the registering authority"),
    ],
    kind: Annotated[
        str,
        typer.Option(
            help="登记管理部门代码 + 机构类别代码, e.g. 91 (工商, 企业), 92 (个体工商户),"
            " 12 (机构编制, 事业单位)"
        ),
    ] = "91",
    body: Annotated[
        str | None,
        typer.Option(help="the 8-character organisation code body; random if left out"),
    ] = None,
    count: Annotated[int, typer.Option(min=1, max=1000)] = 1,
) -> None:
    """Print valid codes: both check characters (GB 11714, GB 32100) computed."""
    from domain.shared.errors import InvalidInputError
    from domain.shared.jurisdiction import validate_region_code
    from domain.shared.uscc import CHARSET, compose_uscc, validate_uscc

    try:
        if len(validate_region_code(region)) != 6:
            raise InvalidInputError("a USCC embeds a 6-digit region code, e.g. 320803")
        kind = kind.upper()
        if len(kind) != 2 or not set(kind) <= set(CHARSET):
            raise InvalidInputError(f"--kind is 2 characters of {CHARSET}, e.g. 91")
        for _ in range(count):
            # Body characters in both sets (GB 11714 and GB 32100): no I O S V Z.
            chosen = (
                body or "".join(secrets.choice(CHARSET) for _ in range(8))
            ).upper()
            typer.echo(validate_uscc(compose_uscc(region, chosen, kind)))
    except InvalidInputError as exc:
        typer.echo(f"cannot make a code: {exc.detail}", err=True)
        raise typer.Exit(2) from None


@uscc_cli.command("check")
def uscc_check(code: str) -> None:
    """Say whether CODE is a valid USCC, or which rule it fails (exit status 1)."""
    from domain.shared.errors import InvalidInputError
    from domain.shared.uscc import validate_uscc

    try:
        valid = validate_uscc(code)
    except InvalidInputError as exc:
        typer.echo(f"invalid: {exc.detail}")
        typer.echo(f"rule:    {exc.rule}")
        raise typer.Exit(1) from None
    typer.echo(f"valid: {valid}")
    typer.echo(f"  登记管理部门代码 + 机构类别代码 (kind): {valid[:2]}")
    typer.echo(f"  登记管理机关行政区划码 (region):       {valid[2:8]}")
    typer.echo(f"  组织机构代码 (organisation code):       {valid[8:16]}-{valid[16]}")
    typer.echo(f"  校验码 (check character):               {valid[17]}")


def main() -> None:
    """The console script. A refusal by the domain (an unknown staff number, a
    bad USCC…) is a message and exit status 1, not a traceback."""
    try:
        app()
    except DomainError as refusal:
        rule = f" ({refusal.rule})" if refusal.rule else ""
        typer.echo(f"error: {refusal.detail}{rule}", err=True)
        raise SystemExit(1) from None
