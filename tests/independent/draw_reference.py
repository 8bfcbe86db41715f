"""A second implementation of casetrace-draw-v1, written from docs/draw.md alone.

It imports nothing from the project and shares no code with
domain/inspections/draw.py. It works on the published JSON document as plain
dicts and lists, writes its own canonical JSON, and reads the streams with a
generator and the spec's linear walk. If the two ever disagree, one of them or
the spec is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

NAME = "casetrace-draw-v1"
TWO_64 = 2**64


class ReferenceError(ValueError):
    """The document cannot be re-run (malformed input or an impossible draw)."""


# §3: canonical JSON, written by hand rather than with the json module.
def canonical(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        for ch in value:
            if ch in '"\\' or ord(ch) < 0x20:
                raise ReferenceError(f"string needs escaping: {value!r}")
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value)
        return (
            "{" + ",".join(canonical(k) + ":" + canonical(value[k]) for k in keys) + "}"
        )
    raise ReferenceError(f"no canonical form for {type(value).__name__}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    return sha256_hex(canonical(snapshot).encode("utf-8"))


def secret_digest(secret: str) -> str:
    if len(secret) != 64 or any(c not in "0123456789abcdef" for c in secret):
        raise ReferenceError("secret is not 64 lowercase hex digits")
    return sha256_hex(bytes.fromhex(secret))


# §4, §5: frames, root, stream words, uniform integers.
def frames(*items: bytes) -> bytes:
    out = b""
    for item in items:
        out += len(item).to_bytes(4, byteorder="big") + item
    return out


def root_of(snapshot: dict[str, Any], secret: str, public_value: str) -> bytes:
    secret_digest(secret)  # form check
    body = frames(
        NAME.encode("utf-8"),
        b"root",
        bytes.fromhex(snapshot_digest(snapshot)),
        bytes.fromhex(secret),
        public_value.encode("utf-8"),
    )
    return hashlib.sha256(body).digest()


def words(root: bytes, label: str) -> Iterator[int]:
    head = frames(NAME.encode("utf-8"), b"stream", root, label.encode("utf-8"))
    block_no = 0
    while True:
        block = hashlib.sha256(head + block_no.to_bytes(8, byteorder="big")).digest()
        for offset in (0, 8, 16, 24):
            yield int.from_bytes(block[offset : offset + 8], byteorder="big")
        block_no += 1


def uniform(stream: Iterator[int], n: int) -> int:
    limit = TWO_64 - TWO_64 % n
    for w in stream:
        if w < limit:
            return w % n
    raise AssertionError("streams are endless")


# §6, §7, §8: targets, inspectors, re-draws.
def pick_targets(snapshot: dict[str, Any], root: bytes) -> list[str]:
    picked = list(snapshot["included"])
    remaining = [c for c in snapshot["candidates"] if c["uscc"] not in picked]
    stream = words(root, "targets")
    while len(picked) < snapshot["count"]:
        r = uniform(stream, sum(c["weight"] for c in remaining))
        running = 0
        for k, cand in enumerate(remaining):
            running += cand["weight"]
            if running > r:
                picked.append(cand["uscc"])
                del remaining[k]
                break
    return picked


def eligible_for(snapshot: dict[str, Any], uscc: str) -> list[str]:
    desk = next(c["desk"] for c in snapshot["candidates"] if c["uscc"] == uscc)
    names = []
    for member in snapshot["pool"]:
        if uscc in member["conflicts"]:
            continue
        if snapshot["exclude_home_desk"] and member["unit_code"] == desk:
            continue
        names.append(member["staff_no"])
    return names


def pick_inspectors(snapshot: dict[str, Any], root: bytes, uscc: str) -> list[str]:
    pool = eligible_for(snapshot, uscc)
    if len(pool) < snapshot["per_target"]:
        raise ReferenceError(f"too few eligible inspectors for {uscc}")
    stream = words(root, "inspectors:" + uscc)
    chosen = []
    for _ in range(snapshot["per_target"]):
        chosen.append(pool.pop(uniform(stream, len(pool))))
    return chosen


def recompute(doc: dict[str, Any]) -> dict[str, Any]:
    """The hashes, the final result and the recusals, re-derived from `doc`."""
    snap = doc["snapshot"]
    root = root_of(snap, doc["secret"], doc["public_value"])
    included = set(snap["included"])
    result: list[dict[str, Any]] = [
        {
            "uscc": u,
            "inspectors": pick_inspectors(snap, root, u),
            "nominated": u in included,
        }
        for u in pick_targets(snap, root)
    ]
    by_target = {entry["uscc"]: entry for entry in result}
    recused_from: dict[str, list[str]] = {}
    recusals = []
    for seq, declared in enumerate(doc["recusals"], start=1):
        uscc, who = declared["uscc"], declared["staff_no"]
        entry = by_target.get(uscc)
        if entry is None or who not in entry["inspectors"]:
            raise ReferenceError(f"recusal {seq} does not match an assignment")
        earlier = recused_from.setdefault(uscc, [])
        left = [
            s
            for s in eligible_for(snap, uscc)
            if s not in entry["inspectors"] and s != who and s not in earlier
        ]
        if not left:
            raise ReferenceError(f"recusal {seq}: nobody left")
        stream = words(root, f"redraw:{uscc}:{seq}")
        replacement = left[uniform(stream, len(left))]
        entry["inspectors"][entry["inspectors"].index(who)] = replacement
        earlier.append(who)
        recusals.append(
            {"sequence": seq, "uscc": uscc, "staff_no": who, "replacement": replacement}
        )
    return {
        "snapshot_sha256": snapshot_digest(snap),
        "seed_sha256": secret_digest(doc["secret"]),
        "result": result,
        "recusals": recusals,
    }


def check(doc: dict[str, Any]) -> list[str]:
    """Short problem labels; [] when everything re-derives."""
    again = recompute(doc)
    found = []
    for key in ("snapshot_sha256", "seed_sha256"):
        if again[key] != doc["commitment"][key]:
            found.append(key)
    for key in ("result", "recusals"):
        if again[key] != doc[key]:
            found.append(key)
    return found
