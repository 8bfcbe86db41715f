"""`casetrace verify` and `casetrace ledger keygen|sign|export`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer

from api.audit.checkpoints import latest_believed
from api.audit.keys import DEFAULT_NAME, Key, ledger_key, origin, verifying_key
from api.audit.signing import LedgerKey
from api.audit.verify import LogReport, Verifier, kept_checkpoints
from api.host.settings import Settings
from domain.ledger.note import NoteError, verifier_key

COMMANDS = typer.Typer()  # no name: `verify` is a top-level command
ledger = typer.Typer(name="ledger", help="The ledger's key, checkpoints and exports.")
COMMANDS.add_typer(ledger, name="ledger")


def _since(values: list[str]) -> dict[str, int]:
    """`--since LOG:SIZE` (repeatable): start that log at a signed checkpoint."""
    found: dict[str, int] = {}
    for value in values:
        log, _, size = value.partition(":")
        if not log or not size.isascii() or not size.isdigit():
            raise typer.BadParameter(f"{value!r} is not LOG:SIZE", param_hint="--since")
        found[log] = int(size)
    return found


def _key(settings: Settings, vkey: str | None) -> Key:
    """The key checkpoints must verify under: given (a verifier key, whose
    name is the origin prefix), or this deployment's (never made here)."""
    try:
        found = Key.parse(vkey) if vkey is not None else verifying_key(settings)
    except NoteError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key") from None
    if found is None:
        raise typer.BadParameter(
            "no ledger key is configured here: give the verifier key from"
            " /public/v1/ledger/key, or set CASETRACE_LEDGER_PUBLIC_KEY",
            param_hint="--key",
        )
    return found


class Bar:
    """A progress bar on stderr: events re-hashed of all, and the rate."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.started = time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        share = min(self.done / self.total, 1.0)
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        sys.stderr.write(
            f"\rverify: [{'#' * int(share * 30):<30}] {self.done:,}/{self.total:,}"
            f" events {rate:,.0f} events/s"
        )
        sys.stderr.flush()


@COMMANDS.command()
def verify(
    since: Annotated[
        list[str] | None,
        typer.Option(
            help="LOG:SIZE — verify that log from a signed checkpoint of that size"
            " on (its frontier checked against the signed root); repeatable"
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            help="a checkpoint someone else kept (a note, or a `casetrace ledger"
            " export` file): today's logs must extend it",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="the ledger's verifier key (from /public/v1/ledger/key:"
            " `<name>+<id>+<key>` of the key name); default the configured key's"
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Re-hash every stored event and check every signed checkpoint; report
    each edited, deleted, inserted or reordered event by log and position
    (exit status 1 if any)."""
    from api.host.storage import open_services

    settings = Settings.from_env()
    services = open_services(settings, catalogue=False)
    try:
        the_key = _key(settings, key)
        kept = {}
        if against is not None:
            try:
                kept = kept_checkpoints(against.read_text("utf-8"), the_key)
            except (NoteError, ValueError) as exc:
                raise typer.BadParameter(str(exc), param_hint="--against") from None
        verifier = Verifier(services.url, services.logs(), the_key)
        if not quiet:
            verifier.progress = Bar(verifier.total())
        started = time.monotonic()
        reports = verifier.verify(since=_since(since or []), kept=kept)
        elapsed = time.monotonic() - started
    finally:
        services.close()
    if not quiet:
        sys.stderr.write("\n")
    _print(reports, elapsed)
    if any(r.findings for r in reports):
        raise typer.Exit(1)


def _print(reports: list[LogReport], elapsed: float) -> None:
    events = sum(r.events for r in reports)
    for r in reports:
        state = "ok" if not r.findings else f"{len(r.findings)} finding(s)"
        waiting = f", {len(r.pending)} not yet in the ledger" if r.pending else ""
        if r.size > r.signed:  # tamper-evident only once a checkpoint covers it
            waiting += f", {r.size - r.signed} not yet under a signed checkpoint"
        typer.echo(
            f"{r.log}: {r.events:,} events, {r.checkpoints} checkpoints checked"
            f"{waiting}: {state}"
        )
        for finding in r.findings:
            typer.echo(f"  {finding.line()}")
    rate = events / elapsed if elapsed > 0 else 0.0
    typer.echo(f"verified {events:,} events in {elapsed:.2f} s ({rate:,.0f} events/s)")


@ledger.command("keygen")
def keygen(
    name: Annotated[
        str,
        typer.Option(
            help="the key's name: each log's checkpoint origin is NAME/<log>,"
            " e.g. scjg.example.gov.cn/casetrace"
        ),
    ] = DEFAULT_NAME,
) -> None:
    """Print a new signing key (set it as CASETRACE_LEDGER_KEY; keep it secret);
    its verifier key goes to stderr."""
    try:
        key = LedgerKey.generate(name)
    except NoteError as exc:
        raise typer.BadParameter(str(exc), param_hint="--name") from None
    typer.echo(key.encode())
    typer.echo(f"verifier key: {key.verifier_key()}", err=True)


@ledger.command("sign")
def sign() -> None:
    """Sign a checkpoint of every log that grew since its last one, now."""
    from api.audit.signer import STATE_FILE, CheckpointSigner
    from api.host.storage import open_services

    settings = Settings.from_env()
    services = open_services(settings)
    try:
        signer = CheckpointSigner(
            services.url,
            ledger_key(settings),
            services.logs(),
            state=settings.data_dir / STATE_FILE,
        )
        for made in signer.sign_due(force=True):
            typer.echo(f"{made.log}: signed at size {made.size}")
    finally:
        services.close()


@ledger.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="the file to write (JSON)")],
) -> None:
    """Write each log's latest signed checkpoint, with the verifier keys, to a
    file another bureau or a notary keeps (`casetrace verify --against FILE`)."""
    import psycopg

    from api.host.storage import database_url
    from projections.audit import ledger_queries

    settings = Settings.from_env()
    key = _key(settings, None)
    with psycopg.connect(database_url(settings)) as conn:
        logs = [cp.log for cp in ledger_queries.latest(conn)]
        latest = [cp for log in logs if (cp := latest_believed(conn, log, key))]
    document = {
        "verifier_keys": {
            cp.log: verifier_key(origin(key.name, cp.log), key.public) for cp in latest
        },
        "checkpoints": [cp.note for cp in latest],
    }
    out.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    typer.echo(f"{out}: {len(latest)} checkpoints")
