"""The 双随机 draw (摇号) of an inspection plan: committed, seeded, re-runnable.

docs/draw.md is the specification; this module is one implementation of it and
tests/independent/draw_reference.py is another, written from the document
alone. Everything here is integer arithmetic over SHA-256 output with exact
byte encodings, so a verifier in any language gets the same targets and
inspectors: no floats, no language RNG, no dependence on dict or set order.
"""

from __future__ import annotations

import hashlib
import json
import secrets as _secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from domain.shared.errors import InvalidInputError

ALGORITHM: Final = "casetrace-draw-v1"
RULE_TWO_INSPECTORS: Final = "特种设备安全监督检查办法 第19条"
MAX_WEIGHT: Final = 1_000_000  # keeps every total far below 2**64 (docs/draw.md §5)
MAX_TEXT: Final = 100
_HEX: Final = frozenset("0123456789abcdef")
_USCC_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD: Final = 1 << 64


class DrawError(InvalidInputError):
    """The snapshot, secret, public value or a re-draw request was refused."""


def _text(value: object, field: str) -> str:
    """A string the canonical JSON writes without any escape (docs/draw.md §3).

    Refusing quotes, backslashes, control characters and lone surrogates means
    the bytes are the string's own UTF-8, so no language's escaping rules matter.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise DrawError(f"{field} must be a string of 1 to {MAX_TEXT} characters")
    for char in value:
        code = ord(char)
        if code < 0x20 or code == 0x7F or char in '"\\' or 0xD800 <= code <= 0xDFFF:
            raise DrawError(
                f"{field} {value!r} contains U+{code:04X}; control characters, "
                "quotes, backslashes and lone surrogates are not allowed",
                field=field,
            )
    return value


def _uscc(value: object, field: str) -> str:
    # The shape only: the registry checked the GB 32100 check character when
    # the enterprise was recorded, and the draw needs only a stable sort key.
    if not (isinstance(value, str) and len(value) == 18 and set(value) <= _USCC_CHARS):
        raise DrawError(f"{field} {value!r} is not 18 digits or capital letters")
    return value


def _region(value: object, field: str) -> str:
    if not (
        isinstance(value, str)
        and len(value) in (2, 4, 6)
        and value.isascii()
        and value.isdigit()
    ):
        raise DrawError(f"{field} {value!r} is not a region code of 2, 4 or 6 digits")
    return value


def _count(value: object, field: str, low: int, high: int) -> int:
    # bool is an int in Python but not in the published JSON: refuse it.
    if type(value) is not int or not low <= value <= high:
        raise DrawError(
            f"{field} must be an integer from {low} to {high}, not {value!r}"
        )
    return value


def _ascending(keys: Sequence[str], what: str) -> None:
    """Strictly ascending by code point (= UTF-8 byte order): sorted and unique."""
    for before, after in pairwise(keys):
        if before >= after:
            problem = "appears twice" if before == after else f"comes after {before}"
            raise DrawError(f"{what} must be sorted and unique: {after} {problem}")


@dataclass(frozen=True)
class Candidate:
    """One target in the committed snapshot."""

    uscc: str
    weight: int  # >= 1, fixed by the plan's weighting before the commitment
    desk: str  # region code of the unit supervising it

    def __post_init__(self) -> None:
        _uscc(self.uscc, "candidate uscc")
        _count(self.weight, f"weight of {self.uscc}", 1, MAX_WEIGHT)
        _region(self.desk, f"desk of {self.uscc}")


@dataclass(frozen=True)
class PoolMember:
    """One inspector in the pool (already filtered to the line of business)."""

    staff_no: str
    unit_code: str
    conflicts: tuple[str, ...]  # USCCs this inspector declared a relation with

    def __post_init__(self) -> None:
        _text(self.staff_no, "staff_no")
        _region(self.unit_code, f"unit_code of {self.staff_no}")
        if not isinstance(self.conflicts, tuple):
            raise DrawError(f"conflicts of {self.staff_no} must be a tuple")
        for uscc in self.conflicts:
            _uscc(uscc, f"conflict of {self.staff_no}")
        _ascending(self.conflicts, f"conflicts of {self.staff_no}")


@dataclass(frozen=True)
class Snapshot:
    """What the plan commits to before the draw (docs/draw.md §2)."""

    plan: str
    item: str
    candidates: tuple[Candidate, ...]
    included: tuple[str, ...]  # nominated (你点我查): drawn first, in this order
    count: int
    pool: tuple[PoolMember, ...]
    per_target: int
    exclude_home_desk: bool

    def __post_init__(self) -> None:
        _text(self.plan, "plan")
        _text(self.item, "item")
        for name, kind in (
            ("candidates", Candidate),
            ("included", str),
            ("pool", PoolMember),
        ):
            items = getattr(self, name)
            if not isinstance(items, tuple) or not all(
                isinstance(x, kind) for x in items
            ):
                raise DrawError(f"{name} must be a tuple of {kind.__name__}")
        if not self.candidates or not self.pool:
            raise DrawError("a draw needs at least one candidate and one inspector")
        _ascending([c.uscc for c in self.candidates], "candidates")
        _ascending(self.included, "included")
        _ascending([m.staff_no for m in self.pool], "pool")
        known = {c.uscc for c in self.candidates}
        for uscc in self.included:
            if uscc not in known:
                raise DrawError(f"included {uscc} is not among the candidates")
        _count(self.count, "count", max(1, len(self.included)), len(self.candidates))
        if type(self.per_target) is int and self.per_target < 2:
            raise DrawError(
                "each target needs at least 2 inspectors", rule=RULE_TWO_INSPECTORS
            )
        _count(self.per_target, "per_target", 2, len(self.pool))
        if not isinstance(self.exclude_home_desk, bool):
            raise DrawError("exclude_home_desk must be true or false")
        _staffable(self)


def _staffable(snapshot: Snapshot) -> None:
    """Every candidate has `per_target` eligible inspectors, checked up front.

    Found at draw time, a shortfall would void a draw after the public value
    is known, and the new commitment it forces would be a free re-roll.
    Counted, not listed: eligible = pool - conflicted - same desk + both.
    """
    conflicted: dict[str, list[PoolMember]] = {}
    for member in snapshot.pool:
        for uscc in member.conflicts:
            conflicted.setdefault(uscc, []).append(member)
    at_desk = Counter(m.unit_code for m in snapshot.pool)
    for target in snapshot.candidates:
        against = conflicted.get(target.uscc, [])
        eligible = len(snapshot.pool) - len(against)
        if snapshot.exclude_home_desk:
            both = sum(m.unit_code == target.desk for m in against)
            eligible -= at_desk[target.desk] - both
        if eligible < snapshot.per_target:
            raise DrawError(
                f"candidate {target.uscc} has {eligible} eligible inspectors "
                f"but the plan assigns {snapshot.per_target} to each target",
                rule=RULE_TWO_INSPECTORS,
            )


def make_snapshot(
    *,
    plan: str,
    item: str,
    candidates: Iterable[Candidate],
    included: Iterable[str],
    count: int,
    pool: Iterable[PoolMember],
    per_target: int,
    exclude_home_desk: bool,
) -> Snapshot:
    """Sort candidates, nominations and pool into canonical order.

    Duplicates are still refused, not merged: two entries for one USCC or staff
    number mean the data behind the snapshot is wrong.
    """
    return Snapshot(
        plan=plan,
        item=item,
        candidates=tuple(sorted(candidates, key=lambda c: c.uscc)),
        included=tuple(sorted(included)),
        count=count,
        pool=tuple(sorted(pool, key=lambda m: m.staff_no)),
        per_target=per_target,
        exclude_home_desk=exclude_home_desk,
    )


@dataclass(frozen=True)
class Assignment:
    uscc: str
    inspectors: tuple[str, ...]  # staff_no, in draw order
    nominated: bool  # came from `included`


@dataclass(frozen=True)
class Recusal:
    """An inspector's 回避 declared after the draw; the slot is re-drawn."""

    uscc: str
    staff_no: str
    replacement: str


# -- commitment ---------------------------------------------------------------


def _snapshot_obj(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "plan": snapshot.plan,
        "item": snapshot.item,
        "candidates": [
            {"uscc": c.uscc, "weight": c.weight, "desk": c.desk}
            for c in snapshot.candidates
        ],
        "included": list(snapshot.included),
        "count": snapshot.count,
        "pool": [
            {
                "staff_no": m.staff_no,
                "unit_code": m.unit_code,
                "conflicts": list(m.conflicts),
            }
            for m in snapshot.pool
        ],
        "per_target": snapshot.per_target,
        "exclude_home_desk": snapshot.exclude_home_desk,
    }


def canonical_json(snapshot: Snapshot) -> bytes:
    """The exact bytes hashed into the commitment (docs/draw.md §3).

    ensure_ascii=False: strings are written as their own UTF-8, which is the
    rule a verifier can follow without knowing any \\u-escaping convention.
    """
    text = json.dumps(
        _snapshot_obj(snapshot),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return text.encode("utf-8")


def snapshot_hash(snapshot: Snapshot) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def new_secret() -> str:
    """32 bytes from the OS CSPRNG, as 64 lowercase hex characters."""
    return _secrets.token_hex(32)


def _secret_bytes(secret: object) -> bytes:
    if not (isinstance(secret, str) and len(secret) == 64 and set(secret) <= _HEX):
        raise DrawError("the secret must be 64 lowercase hexadecimal characters")
    return bytes.fromhex(secret)


def seed_hash(secret: str) -> str:
    return hashlib.sha256(_secret_bytes(secret)).hexdigest()


def _public_bytes(public_value: object) -> bytes:
    # Taken as given, not NFC-normalised: the witness's text is hashed as typed.
    return _text(public_value, "public value").encode("utf-8")


# -- the random stream (docs/draw.md §4, §5) ---------------------------------


def _framed(*parts: bytes) -> bytes:
    """Each part prefixed by its length (4 bytes, big-endian): unambiguous."""
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def _root(snapshot: Snapshot, secret: str, public_value: str) -> bytes:
    return hashlib.sha256(
        _framed(
            ALGORITHM.encode(),
            b"root",
            bytes.fromhex(snapshot_hash(snapshot)),
            _secret_bytes(secret),
            _public_bytes(public_value),
        )
    ).digest()


class _Stream:
    """64-bit words from SHA-256 blocks of (root, label, counter)."""

    def __init__(self, root: bytes, label: str) -> None:
        self._prefix = _framed(ALGORITHM.encode(), b"stream", root, label.encode())
        self._counter = 0
        self._words: list[int] = []

    def _word(self) -> int:
        if not self._words:
            block = hashlib.sha256(
                self._prefix + self._counter.to_bytes(8, "big")
            ).digest()
            self._counter += 1
            self._words = [
                int.from_bytes(block[i : i + 8], "big") for i in range(24, -1, -8)
            ]
        return self._words.pop()  # the list is reversed: words leave in order

    def below(self, n: int) -> int:
        """Uniform in [0, n): reject words >= the largest multiple of n."""
        assert 1 <= n <= _WORD
        limit = _WORD - _WORD % n
        while (word := self._word()) >= limit:
            pass
        return word % n


# -- the draw ------------------------------------------------------------------


class _WeightTree:
    """Cumulative weights in uscc order with removal, O(log n) per pick.

    It finds the same candidate as the spec's linear walk (the first whose
    cumulative weight exceeds r); a removed candidate keeps weight 0.
    """

    def __init__(self, weights: Sequence[int]) -> None:
        self._weights = list(weights)
        self._tree = [0] * (len(weights) + 1)  # Fenwick tree, 1-based
        for i, weight in enumerate(weights, 1):
            self._tree[i] += weight
            if (parent := i + (i & -i)) < len(self._tree):
                self._tree[parent] += self._tree[i]
        self.total = sum(weights)

    def take(self, r: int) -> int:
        position, rest = 0, r
        step = 1 << (len(self._weights).bit_length() - 1)
        while step:  # the largest prefix whose sum is <= r
            if (
                position + step < len(self._tree)
                and self._tree[position + step] <= rest
            ):
                position += step
                rest -= self._tree[position]
            step >>= 1
        weight, self._weights[position] = self._weights[position], 0
        self.total -= weight
        i = position + 1
        while i < len(self._tree):
            self._tree[i] -= weight
            i += i & -i
        return position


def _draw_targets(snapshot: Snapshot, root: bytes) -> list[str]:
    nominated = set(snapshot.included)
    rest = [c for c in snapshot.candidates if c.uscc not in nominated]
    tree = _WeightTree([c.weight for c in rest])
    stream = _Stream(root, "targets")
    drawn = list(snapshot.included)
    while len(drawn) < snapshot.count:
        drawn.append(rest[tree.take(stream.below(tree.total))].uscc)
    return drawn


def _eligible(snapshot: Snapshot, target: Candidate) -> list[str]:
    """Pool members free of a declared conflict and (if asked) of another desk."""
    return [
        m.staff_no
        for m in snapshot.pool
        if target.uscc not in m.conflicts
        and not (snapshot.exclude_home_desk and m.unit_code == target.desk)
    ]


def _draw_inspectors(
    snapshot: Snapshot, target: Candidate, root: bytes
) -> tuple[str, ...]:
    # One stream per target: a target's inspectors do not depend on the
    # others', and no load balancing is attempted (docs/draw.md §7).
    eligible = _eligible(snapshot, target)
    assert len(eligible) >= snapshot.per_target  # Snapshot checked (_staffable)
    stream = _Stream(root, f"inspectors:{target.uscc}")
    return tuple(
        eligible.pop(stream.below(len(eligible))) for _ in range(snapshot.per_target)
    )


def draw(snapshot: Snapshot, secret: str, public_value: str) -> tuple[Assignment, ...]:
    """Targets, then each target's inspectors, in target draw order."""
    root = _root(snapshot, secret, public_value)
    by_uscc = {c.uscc: c for c in snapshot.candidates}
    nominated = set(snapshot.included)
    return tuple(
        Assignment(
            uscc, _draw_inspectors(snapshot, by_uscc[uscc], root), uscc in nominated
        )
        for uscc in _draw_targets(snapshot, root)
    )


def redraw(
    snapshot: Snapshot,
    secret: str,
    public_value: str,
    assignments: tuple[Assignment, ...],
    recusals: tuple[Recusal, ...],
    uscc: str,
    staff_no: str,
) -> tuple[tuple[Assignment, ...], Recusal]:
    """回避: `staff_no` leaves `uscc`; the slot is re-drawn (docs/draw.md §8).

    Nobody already on the target and nobody who ever recused from it may fill
    it; the stream is labelled by the recusal's sequence number in the plan.
    """
    at = next((i for i, a in enumerate(assignments) if a.uscc == uscc), None)
    if at is None:
        raise DrawError(f"{uscc} is not a drawn target of plan {snapshot.plan}")
    current = assignments[at]
    if staff_no not in current.inspectors:
        raise DrawError(f"inspector {staff_no} is not assigned to {uscc}")
    target = next(c for c in snapshot.candidates if c.uscc == uscc)
    barred = set(current.inspectors) | {r.staff_no for r in recusals if r.uscc == uscc}
    left = [s for s in _eligible(snapshot, target) if s not in barred]
    if not left:
        raise DrawError(
            f"no eligible inspector is left to replace {staff_no} at {uscc}"
        )
    sequence = len(recusals) + 1
    stream = _Stream(_root(snapshot, secret, public_value), f"redraw:{uscc}:{sequence}")
    replacement = left[stream.below(len(left))]
    inspectors = tuple(replacement if s == staff_no else s for s in current.inspectors)
    changed = Assignment(uscc, inspectors, current.nominated)
    return (
        (*assignments[:at], changed, *assignments[at + 1 :]),
        Recusal(uscc, staff_no, replacement),
    )


def replay(
    snapshot: Snapshot,
    secret: str,
    public_value: str,
    recused: Sequence[tuple[str, str]],
) -> tuple[tuple[Assignment, ...], tuple[Recusal, ...]]:
    """The draw, then each (uscc, staff_no) recusal in the order declared."""
    assignments = draw(snapshot, secret, public_value)
    recusals: tuple[Recusal, ...] = ()
    for uscc, staff_no in recused:
        assignments, recusal = redraw(
            snapshot, secret, public_value, assignments, recusals, uscc, staff_no
        )
        recusals = (*recusals, recusal)
    return assignments, recusals


# -- the published document (docs/draw.md §9, §10) -----------------------------


def document(
    snapshot: Snapshot,
    *,
    secret: str | None,
    public_value: str | None,
    assignments: Sequence[Assignment] = (),
    recusals: Sequence[Recusal] = (),
    seed_sha256: str | None = None,
) -> dict[str, Any]:
    """The published JSON; before the reveal, pass `seed_sha256` and no secret."""
    if secret is not None:
        if seed_sha256 is not None and seed_sha256 != seed_hash(secret):
            raise DrawError("the secret does not match the committed seed hash")
        seed_sha256 = seed_hash(secret)
    if seed_sha256 is None:
        raise DrawError("the document needs the secret or its committed hash")
    return {
        "algorithm": ALGORITHM,
        "snapshot": _snapshot_obj(snapshot),
        "commitment": {
            "snapshot_sha256": snapshot_hash(snapshot),
            "seed_sha256": seed_sha256,
        },
        "public_value": public_value,
        "secret": secret,
        "result": [_assignment_obj(a) for a in assignments],
        "recusals": [
            {
                "sequence": n,
                "uscc": r.uscc,
                "staff_no": r.staff_no,
                "replacement": r.replacement,
            }
            for n, r in enumerate(recusals, 1)
        ],
    }


def _assignment_obj(assignment: Assignment) -> dict[str, Any]:
    return {
        "uscc": assignment.uscc,
        "inspectors": list(assignment.inspectors),
        "nominated": assignment.nominated,
    }


def _fields(obj: object, keys: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping) or set(obj) != keys:
        raise DrawError(
            f"{what} must be an object with exactly the keys {sorted(keys)}"
        )
    return obj


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) for v in value
    ):
        raise DrawError(f"{what} must be a list of strings")
    return tuple(value)


def _objects(value: object, what: str) -> list[object]:
    if not isinstance(value, list | tuple):
        raise DrawError(f"{what} must be a list")
    return list(value)


def snapshot_from_json(obj: Mapping[str, Any]) -> Snapshot:
    """The snapshot of a published document, refusing anything loosely typed."""
    top = _fields(obj, set(_SNAPSHOT_KEYS), "the snapshot")
    candidates = []
    for raw in _objects(top["candidates"], "candidates"):
        c = _fields(raw, {"uscc", "weight", "desk"}, "a candidate")
        candidates.append(Candidate(c["uscc"], c["weight"], c["desk"]))
    pool = []
    for raw in _objects(top["pool"], "pool"):
        m = _fields(raw, {"staff_no", "unit_code", "conflicts"}, "a pool member")
        conflicts = _strings(m["conflicts"], f"conflicts of {m['staff_no']!r}")
        pool.append(PoolMember(m["staff_no"], m["unit_code"], conflicts))
    return Snapshot(
        plan=top["plan"],
        item=top["item"],
        candidates=tuple(candidates),
        included=_strings(top["included"], "included"),
        count=top["count"],
        pool=tuple(pool),
        per_target=top["per_target"],
        exclude_home_desk=top["exclude_home_desk"],
    )


_SNAPSHOT_KEYS: Final = (
    "plan",
    "item",
    "candidates",
    "included",
    "count",
    "pool",
    "per_target",
    "exclude_home_desk",
)
_DOCUMENT_KEYS: Final = {
    "algorithm",
    "snapshot",
    "commitment",
    "public_value",
    "secret",
    "result",
    "recusals",
}


def _describe(entry: object) -> str:
    if not isinstance(entry, Mapping):
        return repr(entry)
    flag = " (nominated)" if entry.get("nominated") is True else ""
    inspectors = entry.get("inspectors")
    names = ", ".join(map(str, inspectors)) if isinstance(inspectors, list) else "?"
    return f"{entry.get('uscc')}{flag} with inspectors {names}"


def verify(doc: Mapping[str, Any]) -> list[str]:
    """Every way the document differs from a re-run of the draw; [] if none."""
    try:
        _fields(doc, _DOCUMENT_KEYS, "the document")
        if doc["algorithm"] != ALGORITHM:
            return [
                f"The algorithm is {doc['algorithm']!r}; this verifier runs {ALGORITHM}."
            ]
        snapshot = snapshot_from_json(doc["snapshot"])
        commitment = _fields(
            doc["commitment"], {"snapshot_sha256", "seed_sha256"}, "the commitment"
        )
    except DrawError as exc:
        return [f"The document is malformed: {exc.detail}."]
    problems = []
    if (actual := snapshot_hash(snapshot)) != commitment["snapshot_sha256"]:
        problems.append(
            f"The snapshot hashes to {actual} but the commitment publishes "
            f"{commitment['snapshot_sha256']}: it is not the snapshot committed to."
        )
    secret, public_value = doc["secret"], doc["public_value"]
    if secret is None or public_value is None:
        return [
            *problems,
            "The secret or the public value is not published yet, so the draw cannot be re-run.",
        ]
    try:
        if (revealed := seed_hash(secret)) != commitment["seed_sha256"]:
            problems.append(
                f"The revealed secret hashes to {revealed} but the commitment "
                f"publishes seed SHA-256 {commitment['seed_sha256']}."
            )
        listed = [
            _fields(r, {"sequence", "uscc", "staff_no", "replacement"}, f"recusal {n}")
            for n, r in enumerate(_objects(doc["recusals"], "recusals"), 1)
        ]
        final, recusals = replay(
            snapshot, secret, public_value, [(r["uscc"], r["staff_no"]) for r in listed]
        )
    except DrawError as exc:
        return [*problems, f"The draw cannot be re-run: {exc.detail}."]
    return (
        problems
        + _result_problems(doc["result"], final)
        + _recusal_problems(listed, recusals)
    )


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def _result_problems(result: object, final: Sequence[Assignment]) -> list[str]:
    if not isinstance(result, list):
        return ["The result is not a list."]
    problems = []
    if len(result) != len(final):
        problems.append(
            f"The result lists {len(result)} targets but re-running the draw gives {len(final)}."
        )
    for n, (got, want) in enumerate(zip(result, final, strict=False), 1):
        expected = _assignment_obj(want)
        # Compared as JSON text: in Python 1 == True, in the document they differ.
        if _json(got) != _json(expected):
            problems.append(
                f"Result entry {n} is {_describe(got)} but re-running the draw "
                f"gives {_describe(expected)}."
            )
    return problems


def _recusal_problems(
    listed: Sequence[Mapping[str, Any]], recusals: Sequence[Recusal]
) -> list[str]:
    problems = []
    for n, (got, want) in enumerate(zip(listed, recusals, strict=True), 1):
        if _json(got["sequence"]) != str(n):
            problems.append(f"Recusal {n} is numbered {got['sequence']!r}.")
        if got["replacement"] != want.replacement:
            problems.append(
                f"Recusal {n} ({want.staff_no} from {want.uscc}) names "
                f"{got['replacement']!r} as the replacement but the re-draw chooses "
                f"{want.replacement}."
            )
    return problems
