"""`casetrace verify`: recompute every log's Merkle tree from the events as
stored and hold it against every signed checkpoint (DESIGN §5).

For each log it streams the events table in position order (one snapshot,
binary rows) beside the ledger's own leaves, recomputing each leaf
(domain/ledger/entry.py) and the tree head at each checkpoint's size:

- a checkpoint whose signature does not verify with the ledger's key, or
  whose note does not say what its row says, is reported by log and size;
- a checkpoint whose root the stored events no longer give is reported, with
  the positions where the events and the ledger part: an event edited, one
  deleted (or the log's tail truncated), one inserted, two exchanged;
- consecutive checkpoints are checked for consistency with a proof from the
  ledger's stored subtrees (RFC 9162 §2.1.4.2), so the ledger's own tables
  are checked against the signatures too;
- `--since` starts from a checkpoint (its frontier from the ledger, checked
  against the signed root) instead of from zero; `--against FILE` checks
  checkpoints someone else kept: today's log must extend each of them.

The ledger's tables are a cache: where they were altered along with the
events, the checkpoints still catch it (a root no one can re-sign), though
the position can then only be bounded by the checkpoints around it.
An event appended behind the application's back, after the ledger's last
leaf, looks like any new event: it is reported as not yet in the ledger.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing.application import Application
from psycopg import sql

from api.audit.checkpoints import signed_body
from api.audit.keys import Key, log_of
from domain.ledger.entry import stored_entry
from domain.ledger.merkle import (
    CompactRange,
    leaf_hash,
    perfect_parts,
    verify_consistency,
)
from domain.ledger.note import NoteError
from projections.audit import ledger_queries as q
from projections.runtime import ReadModelMissingError, active_tables, events_table

FETCH = 20_000
# Past this many disagreeing positions in a log, the rest are counted only.
MAX_LOCATED = 1000


@dataclass(frozen=True)
class Finding:
    log: str
    kind: str  # edited, deleted, inserted, reordered, checkpoint, inconsistent, kept
    where: str  # "position 17", "positions 40-52", "checkpoint 1000"
    detail: str

    def line(self) -> str:
        return f"{self.log} {self.where}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class Target:
    """A tree size whose root is claimed: a signed checkpoint, or one kept."""

    size: int
    root: bytes
    kept: bool = False


@dataclass
class LogReport:
    log: str
    events: int = 0  # events re-hashed
    checkpoints: int = 0  # checkpoints (and kept ones) whose root was checked
    pending: list[int] = field(default_factory=list)  # not yet in the ledger
    size: int = 0  # the log's tree as the stored events give it
    signed: int = 0  # the size of its latest signed checkpoint
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: str, where: str, detail: str) -> None:
        self.findings.append(Finding(self.log, kind, where, detail))


Progress = Callable[[int], None]


def kept_checkpoints(text: str, key: Key) -> dict[str, list[Target]]:
    """Checkpoint notes someone kept (one note, or a `casetrace ledger export`
    file) → the verified targets by log. A note not signed by this key is
    refused."""
    found: dict[str, list[Target]] = {}
    for note in split_notes(text):
        body = signed_body(note, key)
        name = log_of(key.name, body.origin)
        if name is None:
            raise NoteError(f"{body.origin} is not a log of {key.name}")
        found.setdefault(name, []).append(Target(body.size, body.root, kept=True))
    return found


def split_notes(text: str) -> list[str]:
    """The notes of a `casetrace ledger export` file (JSON, its
    "checkpoints"), or the file as one note."""
    import orjson

    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = orjson.loads(stripped)
        notes = data.get("checkpoints") if isinstance(data, dict) else None
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise NoteError('an export file holds {"checkpoints": [note, …]}')
        return list(notes)
    return [text]


class Verifier:
    """Verifies the logs of one database against the ledger's key."""

    def __init__(
        self,
        url: str,
        logs: Mapping[str, Application[Any]],
        key: Key,
        *,
        progress: Progress | None = None,
    ) -> None:
        self.url = url
        self.logs = logs
        self.key = key
        self.progress = progress

    def total(self) -> int:
        """How many events the logs hold (for a progress bar)."""
        total = 0
        with psycopg.connect(self.url) as conn:
            for app in self.logs.values():
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(events_table(app))
                ).fetchone()
                total += int(row[0]) if row else 0
        return total

    def verify(
        self,
        *,
        since: Mapping[str, int] | None = None,
        kept: Mapping[str, Sequence[Target]] | None = None,
    ) -> list[LogReport]:
        reports = []
        for name in self.logs:
            reports.append(
                self.verify_log(
                    name, (since or {}).get(name, 0), (kept or {}).get(name, ())
                )
            )
        unknown = set(kept or {}) - set(self.logs)
        for name in sorted(unknown):
            report = LogReport(name)
            report.add(
                "kept", "log", "a kept checkpoint names a log this service has not"
            )
            reports.append(report)
        return reports

    # -- one log ------------------------------------------------------------------------

    def verify_log(
        self, name: str, since: int = 0, kept: Sequence[Target] = ()
    ) -> LogReport:
        report = LogReport(name)
        with (
            psycopg.connect(self.url) as conn,
            psycopg.connect(self.url) as beside,
        ):
            # Two connections (the events and the ledger's leaves stream side
            # by side, each a COPY) sharing one snapshot.
            for c in (conn, beside):
                c.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction(), beside.transaction():
                (snapshot,) = conn.execute(
                    "SELECT pg_export_snapshot()"
                ).fetchone() or ("",)
                beside.execute(
                    sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot))
                )
                signed = self._signed(conn, name, report)
                report.signed = max((t.size for t in signed), default=0)
                try:
                    tables = active_tables(conn, q.MODEL)
                except ReadModelMissingError:
                    tables = None
                start = self._start(conn, name, since, signed, report)
                if start is None:
                    return report
                tree, first_position = start
                targets = sorted(
                    # From zero, the empty tree's checkpoint too; from a
                    # checkpoint, those after it (it was checked as the start).
                    [
                        t
                        for t in signed
                        if t.size > tree.size or t.size == tree.size == 0
                    ]
                    + [t for t in kept if t.size >= tree.size],
                    key=lambda t: t.size,
                )
                self._check_kept_below(tree, kept, report)
                self._stream(
                    (conn, beside), name, tables, tree, first_position, targets, report
                )
                self._consistency(conn, name, signed, tables is not None, report)
        return report

    def _signed(
        self, conn: psycopg.Connection[Any], name: str, report: LogReport
    ) -> list[Target]:
        """The log's checkpoints whose signature verifies; the others reported."""
        good = []
        for cp in q.history(conn, name, -1, 10**9):
            where = f"checkpoint {cp.size}"
            try:
                body = signed_body(cp.note, self.key, name)
            except NoteError as exc:
                report.add(
                    "checkpoint", where, f"not signed by the ledger's key ({exc})"
                )
                continue
            if body.size != cp.size or body.root != cp.root:
                report.add(
                    "checkpoint", where, "its row disagrees with its signed note"
                )
                continue
            good.append(Target(body.size, body.root))
        return good

    def _start(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        since: int,
        signed: Sequence[Target],
        report: LogReport,
    ) -> tuple[CompactRange, int] | None:
        """Where to begin: the empty tree, or (`since`) a signed checkpoint's
        frontier as the ledger holds it, checked against the signed root."""
        if since == 0:
            return CompactRange(), 0
        target = next((t for t in signed if t.size == since), None)
        if target is None:
            report.add(
                "checkpoint",
                f"checkpoint {since}",
                "no signed checkpoint of that size to start from",
            )
            return None
        parts = perfect_parts(0, since)
        try:
            hashes = q.perfect_hashes(conn, name, parts)
            last = q.leaf_positions(conn, name, [since - 1])
        except (LookupError, ReadModelMissingError):
            hashes, last = {}, {}
        tree = (
            CompactRange.from_parts(since, [hashes[p] for p in parts])
            if len(hashes) == len(parts)
            else None
        )
        if tree is None or tree.root() != target.root or since - 1 not in last:
            report.add(
                "inconsistent",
                f"checkpoint {since}",
                "the ledger's tables do not give this checkpoint's root; verify from zero",
            )
            return None
        return tree, last[since - 1]

    def _check_kept_below(
        self, tree: CompactRange, kept: Sequence[Target], report: LogReport
    ) -> None:
        for t in kept:
            if t.size < tree.size:
                report.add(
                    "kept",
                    f"checkpoint {t.size}",
                    "kept checkpoint is older than --since; verify from zero to check it",
                )

    def _stream(
        self,
        conns: tuple[psycopg.Connection[Any], psycopg.Connection[Any]],
        name: str,
        tables: Any,
        tree: CompactRange,
        after: int,
        targets: list[Target],
        report: LogReport,
    ) -> None:
        """Re-hash the events after position `after` beside the ledger's leaves."""
        app = self.logs[name]
        conn, beside = conns
        tail = _last_leaf_position(beside, tables, name)
        ledger = _leaves(beside, tables, name, tree.size)
        mismatched: list[tuple[int, tuple[Any, ...], bytes]] = []
        deleted: list[int] = []
        inserted: list[int] = []
        pending = report.pending
        at = next(ledger, None)
        t = 0
        while t < len(targets) and targets[t].size == tree.size:  # where it starts
            self._check_root(targets[t], tree, report)
            t += 1
        done = 0
        events = _events(conn, app, after)
        try:
            for row in events:
                position = row[0]
                hashed = _leaf(name, position, row)
                while at is not None and at[0] < position:
                    deleted.append(at[0])
                    at = next(ledger, None)
                if at is not None and at[0] == position:
                    if at[1] != hashed:
                        mismatched.append((position, row, at[1]))
                    at = next(ledger, None)
                elif position <= tail:
                    inserted.append(position)
                else:
                    pending.append(position)
                tree.append(hashed)
                while t < len(targets) and targets[t].size == tree.size:
                    self._check_root(targets[t], tree, report)
                    t += 1
                done += 1
                if self.progress is not None and done % FETCH == 0:
                    self.progress(FETCH)
            if self.progress is not None:
                self.progress(done % FETCH)
            while at is not None:
                deleted.append(at[0])
                at = next(ledger, None)
        finally:  # a COPY left open would hang the transaction's end
            events.close()
            ledger.close()
        report.events += done
        report.size = tree.size
        for target in targets[t:]:
            report.checkpoints += 1
            report.add(
                "kept" if target.kept else "checkpoint",
                f"checkpoint {target.size}",
                f"covers {target.size} events but the log now holds {tree.size}:"
                " events were deleted",
            )
        self._locate(name, mismatched, deleted, inserted, report)

    def _check_root(
        self, target: Target, tree: CompactRange, report: LogReport
    ) -> None:
        report.checkpoints += 1
        if tree.root() == target.root:
            return
        if target.kept:
            report.add(
                "kept",
                f"checkpoint {target.size}",
                "today's log is not consistent with this kept checkpoint: its history was rewritten",
            )
        else:
            report.add(
                "checkpoint",
                f"checkpoint {target.size}",
                "the stored events no longer give its signed root",
            )

    def _locate(
        self,
        name: str,
        mismatched: list[tuple[int, tuple[Any, ...], bytes]],
        deleted: list[int],
        inserted: list[int],
        report: LogReport,
    ) -> None:
        """Name each disagreeing position: two events that exchanged places
        (each one's stored form hashes, at the other's position, to the leaf
        recorded there), else an edit; deletions and insertions in runs."""
        recorded = {position: leaf for position, _, leaf in mismatched[:MAX_LOCATED]}
        moved: dict[int, int] = {}
        for position, row, _ in mismatched[:MAX_LOCATED]:
            for other, leaf in recorded.items():
                if other != position and leaf == _leaf(name, other, row):
                    moved[position] = other
                    break
        for position, _, _ in mismatched[:MAX_LOCATED]:
            if position in moved:
                report.add(
                    "reordered",
                    f"position {position}",
                    f"holds the event the ledger recorded at position {moved[position]}",
                )
            else:
                report.add(
                    "edited",
                    f"position {position}",
                    "the stored event differs from its leaf",
                )
        if len(mismatched) > MAX_LOCATED:
            report.add(
                "edited",
                "more positions",
                f"{len(mismatched) - MAX_LOCATED} more events differ",
            )
        for first, last in _runs(deleted):
            where = (
                f"position {first}" if first == last else f"positions {first}-{last}"
            )
            report.add(
                "deleted", where, "the ledger recorded an event the log no longer holds"
            )
        for first, last in _runs(inserted):
            where = (
                f"position {first}" if first == last else f"positions {first}-{last}"
            )
            report.add(
                "inserted",
                where,
                "an event the ledger never recorded, among ones it did",
            )

    def _consistency(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        signed: Sequence[Target],
        ledger: bool,
        report: LogReport,
    ) -> None:
        """Each pair of consecutive checkpoints, with a consistency proof from
        the ledger's stored subtrees."""
        if not ledger:
            return
        for old, new in itertools.pairwise(signed):
            if old.size == 0 or old.size == new.size:
                continue
            try:
                proof = q.consistency_proof(conn, name, old.size, new.size)
            except LookupError:
                proof = []
            if not verify_consistency(old.size, new.size, old.root, new.root, proof):
                report.add(
                    "inconsistent",
                    f"checkpoints {old.size}-{new.size}",
                    "no consistency proof from the ledger's tables joins them",
                )


# The leaf of a row the encoding cannot hold: a hash no entry has (in practice).
UNENCODABLE = bytes(32)


def _leaf(name: str, position: int, row: tuple[Any, ...]) -> bytes:
    """The leaf of a stored row as if at `position`. A column the library
    leaves nullable (topic, state) and someone emptied reads as empty: its
    leaf differs from the one recorded, which says where it is."""
    made = stored_entry(name, position, row[1], row[2], row[3], row[4])
    return UNENCODABLE if made is None else leaf_hash(made)


def _events(
    conn: psycopg.Connection[Any], app: Application[Any], after: int
) -> Generator[tuple[Any, ...]]:
    """position, topic, originator id (as text), version, state — as stored,
    in order: a binary COPY, several times faster than fetching rows."""
    query = sql.SQL(
        "COPY (SELECT notification_id, topic, originator_id::text,"
        " originator_version, state FROM {} WHERE notification_id > {}"
        " ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
    ).format(events_table(app), sql.Literal(after))
    with conn.cursor() as cur, cur.copy(query) as copy:
        copy.set_types(["int8", "text", "text", "int8", "bytea"])
        yield from copy.rows()


def _leaves(
    conn: psycopg.Connection[Any], tables: Any, name: str, first: int
) -> Generator[tuple[int, bytes]]:
    """(position, leaf hash) of the ledger's leaves from index `first`."""
    if tables is None:
        return
    query = sql.SQL(
        "COPY (SELECT position, hash FROM {} WHERE log = {} AND idx >= {}"
        " ORDER BY idx) TO STDOUT (FORMAT BINARY)"
    ).format(tables("leaves"), sql.Literal(name), sql.Literal(first))
    with conn.cursor() as cur, cur.copy(query) as copy:
        copy.set_types(["int8", "bytea"])
        yield from copy.rows()


def _last_leaf_position(conn: psycopg.Connection[Any], tables: Any, name: str) -> int:
    if tables is None:
        return 0
    row = conn.execute(
        sql.SQL("SELECT max(position) FROM {} WHERE log = %s").format(tables("leaves")),
        (name,),
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs
