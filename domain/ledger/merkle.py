"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

A log's leaves are numbered 0, 1, 2, …, and the tree over the first n of them
is RFC 9162 §2.1.1's MTH(D[n]). Everything here works on leaf *hashes*
(`leaf_hash(entry)`), never on the entries themselves.

A perfect subtree is named (level, index). It covers the leaves
[index·2^level, (index+1)·2^level), and level 0 is a single leaf hash. Every
hash a proof carries is the MTH of a range [a, b) produced by RFC 6962's
recursion. Such a range is always a few perfect subtrees side by side
(`perfect_parts`), so a stored tree only has to keep its perfect subtrees. A
proof is then a handful of lookups and a few folds, never a re-hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

HASH_SIZE: Final = 32
EMPTY_ROOT: Final[bytes] = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
_LEAF: Final = b"\x00"
_NODE: Final = b"\x01"

Node = tuple[int, int]  # (level, index) of a perfect subtree
Span = tuple[int, int]  # the leaves [start, end)


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x00 ‖ entry)."""
    return _sha256(_LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x01 ‖ left ‖ right)."""
    return _sha256(_NODE + left + right).digest()


def split_point(n: int) -> int:
    """RFC 9162's k: the largest power of two strictly less than n (n ≥ 2)."""
    if n < 2:
        raise ValueError(f"a split needs at least 2 leaves, not {n}")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of these leaf hashes; EMPTY_ROOT when there are none.

    The tree is hashed level by level, and a level's odd last node moves up
    unchanged. That gives exactly RFC 6962's left-filled tree, without
    recursion.
    """
    level = list(leaves)
    if not level:
        return EMPTY_ROOT
    sha = _sha256
    while len(level) > 1:
        carry = level[-1] if len(level) & 1 else None
        level = [
            sha(_NODE + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if carry is not None:
            level.append(carry)
    return level[0]


class CompactRange:
    """The frontier of a growing tree: the perfect subtrees covering [0, size).

    There is one hash per set bit of `size`, largest (leftmost) first.
    Appending a leaf merges equal subtrees the way a binary counter carries.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_parts(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild from the hashes of `parts()` (largest first)."""
        if size < 0 or len(hashes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {max(size, 0).bit_count()} parts,"
                f" not {len(hashes)}"
            )
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError("every part is a 32-byte hash")
        frontier = cls()
        frontier._size = size
        frontier._hashes = [bytes(h) for h in hashes]
        return frontier

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the perfect subtrees it completed.

        Each is (level, index, hash) with level ≥ 1, smallest first.
        """
        # This runs once per stored event on a rebuild (10^7 of them), so it
        # stays inlined: no helper calls besides the hashing.
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        index = self._size
        self._size = index + 1
        hashes = self._hashes
        if not index & 1:
            hashes.append(leaf)
            return []
        done = []
        level = 0
        sha = _sha256
        while index & 1:
            leaf = sha(_NODE + hashes.pop() + leaf).digest()
            level += 1
            index >>= 1
            done.append((level, index, leaf))
        hashes.append(leaf)
        return done

    def parts(self) -> list[tuple[int, int, bytes]]:
        """The perfect subtrees (level, index, hash) covering [0, size)."""
        size = self._size
        levels = [lv for lv in range(size.bit_length() - 1, -1, -1) if size >> lv & 1]
        return [
            (level, (size >> level) - 1, h)
            for level, h in zip(levels, self._hashes, strict=True)
        ]

    def root(self) -> bytes:
        """MTH of the leaves so far: H(P1, H(P2, …)); EMPTY_ROOT when empty."""
        return fold(self._hashes) if self._hashes else EMPTY_ROOT


def perfect_parts(start: int, end: int) -> list[Node]:
    """The aligned perfect subtrees (level, index) covering [start, end).

    They are listed left to right, each the largest aligned power of two that
    fits. When [start, end) is a range from RFC 6962's recursion (start is a
    multiple of a power of two ≥ end - start, as every range in PATH and
    SUBPROOF is), MTH(D[start:end]) = fold(the hashes of these parts).
    """
    if not 0 <= start <= end:
        raise ValueError(f"no leaf range [{start}, {end})")
    parts: list[Node] = []
    while start < end:
        width = 1 << ((end - start).bit_length() - 1)
        if start:
            width = min(width, start & -start)  # the largest aligned one
        level = width.bit_length() - 1
        parts.append((level, start >> level))
        start += width
    return parts


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right-to-left fold H(h1, H(h2, … H(hn-1, hn))); one hash is itself."""
    if not hashes:
        raise ValueError("nothing to fold")
    result = hashes[-1]
    for i in range(len(hashes) - 2, -1, -1):
        result = node_hash(hashes[i], result)
    return result


def inclusion_path(index: int, size: int) -> list[Span]:
    """The ranges whose MTHs make up PATH(index, D[size]), leaf to root.

    RFC 9162 §2.1.3.1: the sibling of each subtree on the way down, listed
    bottom-up (the order in which the verifier combines them).
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    siblings: list[Span] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + split_point(end - start)
        if index < mid:
            siblings.append((mid, end))
            end = mid
        else:
            siblings.append((start, mid))
            start = mid
    siblings.reverse()
    return siblings


def consistency_path(old: int, new: int) -> list[Span]:
    """The ranges whose MTHs make up PROOF(old, D[new]) (RFC 9162 §2.1.4.1).

    RFC 9162 defines PROOF only for 0 < old < new. For old == new and for
    old == 0 there is nothing to prove, so the path is empty:
    SUBPROOF(m, D[m], true) = {}, and the empty tree is a prefix of every
    tree. `verify_consistency` accepts those cases only with an empty proof.
    """
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} leaves to {new}")
    if old in (0, new):
        return []
    siblings: list[Span] = []
    # m: the old leaves within [start, end); known: RFC's b.
    start, end, m, known = 0, new, old, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            siblings.append((start + k, end))
            end = start + k
        else:
            siblings.append((start, start + k))
            start, m, known = start + k, m - k, False
    siblings.reverse()
    # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last subtree.
    return siblings if known else [(start, end), *siblings]


def needed(path: Iterable[Span]) -> set[Node]:
    """Every perfect subtree (level, index) that `prove` will look up."""
    return {node for start, end in path for node in perfect_parts(start, end)}


def prove(path: Sequence[Span], perfect: Mapping[Node, bytes]) -> list[bytes]:
    """The hashes of a path, from the hashes of its perfect subtrees.

    `perfect` maps (level, index) to that subtree's hash (level 0: the leaf
    hashes). A missing subtree raises KeyError.
    """
    return [
        fold([perfect[node] for node in perfect_parts(start, end)])
        for start, end in path
    ]


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) over in-memory leaf hashes (size ≤ len(leaves))."""
    _check_size(leaves, size)
    path = inclusion_path(index, size)
    return prove(path, _subtrees(leaves, needed(path)))


def consistency_proof(leaves: Sequence[bytes], old: int, new: int) -> list[bytes]:
    """PROOF(old, D[new]) over in-memory leaf hashes (new ≤ len(leaves))."""
    _check_size(leaves, new)
    path = consistency_path(old, new)
    return prove(path, _subtrees(leaves, needed(path)))


def _check_size(leaves: Sequence[bytes], size: int) -> None:
    if size > len(leaves):
        raise ValueError(f"a tree of {size} leaves, but only {len(leaves)} given")


def _subtrees(leaves: Sequence[bytes], nodes: Iterable[Node]) -> dict[Node, bytes]:
    return {
        (level, index): root(leaves[index << level : (index + 1) << level])
        for level, index in nodes
    }


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: is `leaf` the leaf at `index` of the tree `root`?

    Never raises: malformed input is simply not a proof. The size is bound
    only by the signed checkpoint that carries `root`. Two sizes whose trees
    have the same shape along this leaf's path accept the same proof.
    """
    if not (_is_hash(leaf) and _is_hash(root) and _is_count(index)):
        return False
    if not (_is_count(size) and isinstance(proof, Sequence)):
        return False
    if index >= size:  # step 1
        return False
    fn, sn, r = index, size - 1, leaf  # steps 2, 3
    for p in proof:  # step 4
        if sn == 0 or not _is_hash(p):
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root  # step 5


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree `new_root` an extension of `old_root`?

    Never raises. RFC 9162 verifies only 0 < old < new. Here old == new holds
    with an empty proof and equal roots, and old == 0 holds with an empty
    proof when `old_root` is the empty tree's root. (Go's transparency-dev
    verifier ignores the old root when old is 0.)
    """
    if not (_is_count(old) and _is_count(new) and old <= new):
        return False
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not isinstance(proof, Sequence):
        return False
    if old == new:
        return len(proof) == 0 and old_root == new_root
    if old == 0:
        return len(proof) == 0 and old_root == EMPTY_ROOT
    if not proof:  # step 1
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # step 2: the old tree is itself a subtree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    if not _is_hash(fr):
        return False
    for c in path[1:]:  # step 6
        if sn == 0 or not _is_hash(c):
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0  # step 7


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
