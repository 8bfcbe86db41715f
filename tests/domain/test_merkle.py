"""RFC 6962 / RFC 9162 Merkle trees (domain/ledger/merkle.py): published
vectors, the RFC's own examples, properties over random sizes, and a
cross-check against an independent implementation (pymerkle)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import pytest

from domain.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_path,
    consistency_proof,
    fold,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    needed,
    node_hash,
    perfect_parts,
    prove,
    root,
    split_point,
    verify_consistency,
    verify_inclusion,
)

# --- Published vectors -------------------------------------------------------
# Copied from transparency-dev/merkle, proof/verify_test.go (the RFC 6962 test
# tree that google/certificate-transparency-go's merkle tests also use). Go
# numbers the inclusion vectors' leaves from 1; the indexes below are 0-based.

LEAF_DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAVES = [leaf_hash(d) for d in LEAF_DATA]

ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]  # ROOTS[n]: the tree of the first n leaves (ROOTS[0]: Go's sha256EmptyTreeHash)


def hx(*hashes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


INCLUSION = [  # (index, size, proof)
    (0, 1, []),
    (
        0,
        8,
        hx(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        hx(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        3,
        hx("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    ),
    (
        1,
        5,
        hx(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

CONSISTENCY = [  # (old, new, proof); old = 1 and old = 2 are powers of two
    (1, 1, []),
    (
        1,
        8,
        hx(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        hx(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        hx(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        hx(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


def test_empty_root_is_the_sha256_of_nothing() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert root([]) == EMPTY_ROOT == CompactRange().root()


def test_leaf_and_node_hashes_match_rfc6962_vectors() -> None:
    # transparency-dev/merkle, rfc6962/rfc6962_test.go (TestRFC6962Hasher).
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize(
    ("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (6, 4), (7, 4), (8, 4), (9, 8)]
)
def test_split_point_is_the_largest_power_of_two_below_n(n: int, k: int) -> None:
    assert split_point(n) == k


@pytest.mark.parametrize("n", [1, 0, -3])
def test_split_point_needs_two_leaves(n: int) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_point(n)


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_standard_leaves_match_the_vectors(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]


def test_trees_of_3_5_6_7_leaves_split_at_the_largest_power_of_two() -> None:
    a, b, c, d, e, f, g, _ = LEAVES
    ab, cd, ef = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    abcd = node_hash(ab, cd)
    assert root(LEAVES[:3]) == node_hash(ab, c)
    assert root(LEAVES[:5]) == node_hash(abcd, e)
    assert root(LEAVES[:6]) == node_hash(abcd, ef)
    assert root(LEAVES[:7]) == node_hash(abcd, node_hash(ef, g))


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(LEAVES, index, size) == proof
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_vectors(
    old: int, new: int, proof: list[bytes]
) -> None:
    assert consistency_proof(LEAVES, old, new) == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


# --- Paths as ranges -----------------------------------------------------------


def test_paths_match_the_rfc_example_tree_of_seven_leaves() -> None:
    # RFC 9162 §2.1.5 (the 7-leaf tree a..j, d0..d6): inclusion proofs for d0
    # [b, h, l], d3 [c, g, l], d4 [f, j, k], d6 [i, k]; consistency proofs
    # PROOF(3) [c, d, g, l], PROOF(4) [l], PROOF(6) [i, j, k].
    b, c, d, f, j = (1, 2), (2, 3), (3, 4), (5, 6), (6, 7)
    g, h, i = (0, 2), (2, 4), (4, 6)
    k, l = (0, 4), (4, 7)  # noqa: E741 (the RFC's name)
    assert inclusion_path(0, 7) == [b, h, l]
    assert inclusion_path(3, 7) == [c, g, l]
    assert inclusion_path(4, 7) == [f, j, k]
    assert inclusion_path(6, 7) == [i, k]
    assert consistency_path(3, 7) == [c, d, g, l]
    assert consistency_path(4, 7) == [l]
    assert consistency_path(6, 7) == [i, j, k]


# transparency-dev/merkle, proof/proof_test.go (TestInclusion, TestConsistency):
# Go names the nodes compact.NodeID(level, index) and lists a range that is
# not a perfect subtree as its parts (a "rehash"); here it is one range.
GO_INCLUSION = [
    (10, 15, [(11, 12), (8, 10), (12, 15), (0, 8)], {(0, 11), (1, 4), (0, 14), (1, 6), (3, 0)}),
    (24, 31, [(25, 26), (26, 28), (28, 31), (16, 24), (0, 16)], {(0, 25), (1, 13), (0, 30), (1, 14), (3, 2), (4, 0)}),
    (81, 95, [(80, 81), (82, 84), (84, 88), (88, 95), (64, 80), (0, 64)], {(0, 80), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)}),
]  # fmt: skip
GO_CONSISTENCY = [
    (7, 8, [(6, 7), (7, 8), (4, 6), (0, 4)], {(0, 6), (0, 7), (1, 2), (2, 0)}),
    (10, 15, [(8, 10), (10, 12), (12, 15), (0, 8)], {(1, 4), (1, 5), (0, 14), (1, 6), (3, 0)}),
    (24, 31, [(16, 24), (24, 31), (0, 16)], {(3, 2), (0, 30), (1, 14), (2, 6), (4, 0)}),
    (81, 95, [(80, 81), (81, 82), (82, 84), (84, 88), (88, 95), (64, 80), (0, 64)], {(0, 80), (0, 81), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)}),
]  # fmt: skip


@pytest.mark.parametrize(("index", "size", "path", "nodes"), GO_INCLUSION)
def test_inclusion_paths_need_the_nodes_go_uses(
    index: int, size: int, path: list[tuple[int, int]], nodes: set[tuple[int, int]]
) -> None:
    assert inclusion_path(index, size) == path
    assert needed(path) == nodes


@pytest.mark.parametrize(("old", "new", "path", "nodes"), GO_CONSISTENCY)
def test_consistency_paths_need_the_nodes_go_uses(
    old: int, new: int, path: list[tuple[int, int]], nodes: set[tuple[int, int]]
) -> None:
    assert consistency_path(old, new) == path
    assert needed(path) == nodes


def test_consistency_from_the_same_size_or_the_empty_tree_is_an_empty_path() -> None:
    # RFC 9162 §2.1.4.1 defines PROOF(m, D[n]) for 0 < m < n only.
    assert consistency_path(5, 5) == []
    assert consistency_path(0, 5) == []
    assert consistency_path(0, 0) == []


@pytest.mark.parametrize(("index", "size"), [(3, 3), (0, 0), (-1, 2), (8, 7)])
def test_inclusion_path_refuses_a_leaf_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_path(index, size)


@pytest.mark.parametrize(("old", "new"), [(5, 4), (-1, 3), (9, 8)])
def test_consistency_path_refuses_a_shrinking_tree(old: int, new: int) -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_path(old, new)


def test_proofs_refuse_a_size_beyond_the_leaves_given() -> None:
    with pytest.raises(ValueError, match="only 8 given"):
        inclusion_proof(LEAVES, 0, 9)
    with pytest.raises(ValueError, match="only 8 given"):
        consistency_proof(LEAVES, 2, 9)


# --- Perfect subtrees and folds --------------------------------------------------


def test_perfect_parts_are_aligned_and_largest_first() -> None:
    assert perfect_parts(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_parts(4, 7) == [(1, 2), (0, 6)]
    assert perfect_parts(5, 8) == [(0, 5), (1, 3)]
    assert perfect_parts(1, 9) == [(0, 1), (1, 1), (2, 1), (0, 8)]
    assert perfect_parts(3, 3) == []


@pytest.mark.parametrize(("start", "end"), [(3, 2), (-1, 4)])
def test_perfect_parts_refuse_a_backwards_range(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="no leaf range"):
        perfect_parts(start, end)


def test_fold_combines_right_to_left() -> None:
    a, b, c = LEAVES[1:4]
    assert fold([a]) == a
    assert fold([a, b, c]) == node_hash(a, node_hash(b, c))
    with pytest.raises(ValueError, match="nothing to fold"):
        fold([])


def recursion_ranges(size: int) -> set[tuple[int, int]]:
    """Every range of every PATH and PROOF over a tree of `size` leaves."""
    spans = {span for i in range(size) for span in inclusion_path(i, size)}
    spans |= {span for m in range(size + 1) for span in consistency_path(m, size)}
    return spans


def test_folded_perfect_parts_are_the_mth_of_every_range_of_the_recursion() -> None:
    leaves = [leaf_hash(b"%d" % i) for i in range(70)]
    for size in range(1, 71):
        for start, end in recursion_ranges(size):
            parts = [root(leaves[i << lv : (i + 1) << lv]) for lv, i in perfect_parts(start, end)]  # fmt: skip
            assert fold(parts) == root(leaves[start:end]), (size, start, end)


def test_folded_perfect_parts_are_not_the_mth_of_an_unaligned_range() -> None:
    # [1, 4) starts mid-subtree: its parts are d1 and (d2 d3), folded
    # H(d1, H(d2, d3)), while MTH(D[1:4]) splits 2 + 1: H(H(d1, d2), d3).
    assert perfect_parts(1, 4) == [(0, 1), (1, 1)]
    b, c, d = LEAVES[1:4]
    assert fold([b, node_hash(c, d)]) != root([b, c, d])


# --- Properties over random sizes -------------------------------------------------

RNG = random.Random(6962)
SIZES = sorted({1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 127, 128, 200} | {RNG.randint(1, 200) for _ in range(12)})  # fmt: skip
DATA = [leaf_hash(RNG.randbytes(RNG.randint(0, 40))) for _ in range(256)]


def flipped(value: bytes, at: int) -> bytes:
    return value[:at] + bytes((value[at] ^ 0x5A,)) + value[at + 1 :]


def wrong_inclusions(
    index: int, size: int, proof: list[bytes], top: bytes
) -> list[tuple[bytes, int, int, list[bytes], bytes]]:
    """Go's corruptInclusionProof probes, and a flipped byte in every hash."""
    leaf = DATA[index]
    probes = [(leaf, i, size, proof, top) for i in {index - 1, index + 1, index ^ 2} - {index}]  # fmt: skip
    probes += [(leaf, index, s, proof, top) for s in (size * 2, size // 2) if s != size]
    probes += [(flipped(leaf, 7), index, size, proof, top)]
    probes += [(leaf, index, size, proof, flipped(top, 31)), (leaf, index, size, proof, EMPTY_ROOT)]  # fmt: skip
    probes += [(leaf, index, size, [*proof, top], top), (leaf, index, size, [top, *proof], top)]  # fmt: skip
    if proof:
        probes.append((leaf, index, size, proof[:-1], top))
    for i in range(len(proof)):
        for at in (0, RNG.randrange(32), 31):
            bad = list(proof)
            bad[i] = flipped(bad[i], at)
            probes.append((leaf, index, size, bad, top))
    return probes


@pytest.mark.parametrize("size", SIZES)
def test_every_inclusion_proof_verifies_and_no_corruption_does(size: int) -> None:
    top = root(DATA[:size])
    for index in range(size):
        proof = inclusion_proof(DATA, index, size)
        assert verify_inclusion(DATA[index], index, size, proof, top)
        for probe in wrong_inclusions(index, size, proof, top):
            assert not verify_inclusion(*probe), (index, size, probe[1:3])


def wrong_consistencies(
    old: int, new: int, proof: list[bytes]
) -> list[tuple[int, int, bytes, bytes, list[bytes]]]:
    """Go's corruptConsistencyProof probes, and a flipped byte in every hash."""
    r1, r2 = root(DATA[:old]), root(DATA[:new])
    probes = [(m, new, r1, r2, proof) for m in {old - 1, old + 1, old ^ 2} - {old}]
    probes += [(old, n, r1, r2, proof) for n in (new * 2, new // 2)]
    probes += [(old, new, flipped(r1, 0), r2, proof), (old, new, r1, flipped(r2, 31), proof)]  # fmt: skip
    probes += [(old, new, r2, r1, proof), (old, new, r1, r2, [])]
    probes += [(old, new, r1, r2, [*proof, r1]), (old, new, r1, r2, [*proof, r2])]
    probes += [(old, new, r1, r2, [r1, *proof]), (old, new, r1, r2, [proof[0], *proof])]  # fmt: skip
    probes.append((old, new, r1, r2, proof[:-1]))
    for i in range(len(proof)):
        for at in (0, RNG.randrange(32), 31):
            bad = list(proof)
            bad[i] = flipped(bad[i], at)
            probes.append((old, new, r1, r2, bad))
    return probes


@pytest.mark.parametrize("new", SIZES)
def test_every_consistency_proof_verifies_and_no_corruption_does(new: int) -> None:
    for old in range(new + 1):
        proof = consistency_proof(DATA, old, new)
        assert verify_consistency(old, new, root(DATA[:old]), root(DATA[:new]), proof)
        if 0 < old < new:
            for probe in wrong_consistencies(old, new, proof):
                assert not verify_consistency(*probe), (old, new, probe[:2])


def test_a_tree_is_consistent_with_itself_and_extends_the_empty_tree() -> None:
    r5, r7 = ROOTS[5], ROOTS[7]
    assert verify_consistency(5, 5, r5, r5, [])
    assert not verify_consistency(5, 5, r5, r7, [])
    assert not verify_consistency(5, 5, r5, r5, [r5])
    assert verify_consistency(0, 7, EMPTY_ROOT, r7, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 7, r5, r7, [])  # a size-0 root is the empty one
    assert not verify_consistency(0, 7, EMPTY_ROOT, r7, [r7])


GOOD = LEAVES[1]
BAD_INCLUSIONS: list[tuple[object, ...]] = [
    (GOOD, -1, 2, [], GOOD),
    (GOOD, 0, -2, [], GOOD),
    (GOOD, True, 2, [LEAVES[0]], ROOTS[2]),
    (GOOD, 0, 0, [], EMPTY_ROOT),
    (GOOD[:31], 0, 1, [], GOOD[:31]),
    (GOOD, 0, 2, None, ROOTS[2]),
    (GOOD, 0, 2, "proof", ROOTS[2]),
    (GOOD, 0, 2, [b"short"], ROOTS[2]),
    (GOOD, 0, 2, [None], ROOTS[2]),
    (GOOD, 0, 2, [LEAVES[2]], "root"),
    (None, 0, 1, [], GOOD),
    (GOOD, 10**30, 10**31, [], GOOD),
]
BAD_CONSISTENCIES: list[tuple[object, ...]] = [
    (3, 2, ROOTS[3], ROOTS[2], []),
    (-1, 2, EMPTY_ROOT, ROOTS[2], []),
    (2, 5, ROOTS[2], ROOTS[5], None),
    (2, 5, ROOTS[2], ROOTS[5], [b"", b""]),
    (2, 5, ROOTS[2][:16], ROOTS[5], CONSISTENCY[3][2]),
    (3, 5, ROOTS[3], ROOTS[5], [object(), ROOTS[1]]),
    (1.5, 5, ROOTS[1], ROOTS[5], []),
    (2, 5, ROOTS[2], None, CONSISTENCY[3][2]),
]


@pytest.mark.parametrize("args", BAD_INCLUSIONS)
def test_verify_inclusion_says_false_to_malformed_input(args: Sequence[object]) -> None:
    assert verify_inclusion(*args) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("args", BAD_CONSISTENCIES)
def test_verify_consistency_says_false_to_malformed_input(
    args: Sequence[object],
) -> None:
    assert verify_consistency(*args) is False  # type: ignore[arg-type]


def test_a_proof_binds_the_size_only_through_the_root() -> None:
    # RFC 9162's verifier derives each step's side from (index, size) alone.
    # Leaf 0's path [d1, d2] up the 3-leaf tree has the same shape in a tree
    # of 4, so it "verifies" for size 4 against the 3-leaf root. A checkpoint
    # signs size and root together, which is what pins the size.
    proof = inclusion_proof(LEAVES, 0, 3)
    assert verify_inclusion(LEAVES[0], 0, 4, proof, ROOTS[3])
    assert not verify_inclusion(LEAVES[0], 0, 4, proof, ROOTS[4])


# --- The compact range (the ledger's frontier) ---------------------------------


def test_compact_range_root_is_the_tree_root_at_every_size() -> None:
    leaves = [leaf_hash(b"event %d" % i) for i in range(301)]
    frontier = CompactRange()
    for size in range(301):
        assert frontier.size == size
        assert frontier.root() == root(leaves[:size]), size
        assert [(lv, i) for lv, i, _ in frontier.parts()] == perfect_parts(0, size)
        frontier.append(leaves[size])


def test_compact_range_reports_each_completed_subtree_once() -> None:
    leaves = [leaf_hash(b"event %d" % i) for i in range(300)]
    frontier = CompactRange()
    done: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        done.extend(frontier.append(leaf))
    expected = {
        (lv, i): root(leaves[i << lv : (i + 1) << lv])
        for lv in range(1, 9)
        for i in range(300 >> lv)
    }
    assert len(done) == len(expected) == 299 - (300).bit_count() + 1
    assert {(lv, i): h for lv, i, h in done} == expected


def test_compact_range_round_trips_through_its_parts() -> None:
    leaves = [leaf_hash(b"event %d" % i) for i in range(140)]
    for size in (0, 1, 2, 3, 64, 77, 127, 128):
        frontier = CompactRange()
        for leaf in leaves[:size]:
            frontier.append(leaf)
        copy = CompactRange.from_parts(size, [h for _, _, h in frontier.parts()])
        assert copy.parts() == frontier.parts()
        assert copy.root() == frontier.root()
        for leaf in leaves[size:]:
            assert copy.append(leaf) == frontier.append(leaf)
        assert copy.root() == root(leaves)


def test_compact_range_refuses_malformed_parts_and_leaves() -> None:
    with pytest.raises(ValueError, match="has 2 parts, not 1"):
        CompactRange.from_parts(5, [ROOTS[4]])
    with pytest.raises(ValueError, match="32-byte"):
        CompactRange.from_parts(1, [b"short"])
    with pytest.raises(ValueError, match="parts"):
        CompactRange.from_parts(-1, [])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange().append(b"not a hash")


def test_root_of_a_million_leaves_needs_no_recursion() -> None:
    leaves = [leaf_hash(b"%d" % (i % 1000)) for i in range(1_000_003)]
    frontier = CompactRange()
    for leaf in leaves[:100_003]:
        frontier.append(leaf)
    assert root(leaves[:100_003]) == frontier.root()
    assert len(root(leaves)) == 32


# --- Proofs from stored perfect subtrees -----------------------------------------


def test_prove_from_stored_subtrees_equals_the_in_memory_proofs() -> None:
    # What the ledger stores: the leaf hashes (level 0) and every subtree the
    # frontier completed. needed() names all that a proof of an older size
    # reads, and every one of them is already complete.
    leaves = [leaf_hash(b"event %d" % i) for i in range(100)]
    stored = {(0, i): leaf for i, leaf in enumerate(leaves)}
    frontier = CompactRange()
    for leaf in leaves:
        stored.update(((lv, i), h) for lv, i, h in frontier.append(leaf))
    for size in range(1, 101):
        for index in range(0, size, 7):
            path = inclusion_path(index, size)
            subset = {node: stored[node] for node in needed(path)}
            assert prove(path, subset) == inclusion_proof(leaves, index, size)
        for old in range(size + 1):
            path = consistency_path(old, size)
            subset = {node: stored[node] for node in needed(path)}
            assert prove(path, subset) == consistency_proof(leaves, old, size)


def test_prove_names_a_missing_subtree() -> None:
    with pytest.raises(KeyError):
        prove(inclusion_path(0, 4), {(0, 1): LEAVES[1]})


# --- Cross-check: pymerkle ---------------------------------------------------------


def test_roots_and_proofs_agree_with_pymerkle() -> None:
    """pymerkle's InmemoryTree hashes exactly as RFC 6962 with its default
    settings (its "security" mode prefixes leaves with 0x00 and nodes with
    0x01; disable_security=True would drop both). Its inclusion path is the
    leaf hash followed by RFC 9162's PATH. Its consistency path is not RFC
    9162's minimal PROOF (it descends further and carries more hashes), so
    for those only the old and new roots it folds to are compared."""
    pymerkle = pytest.importorskip("pymerkle")
    data = [b"entry %d" % i for i in range(64)]
    leaves = [leaf_hash(d) for d in data]
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for d in data:
        tree.append_entry(d)
    assert tree.get_root(0) == EMPTY_ROOT
    for size in range(1, 65):
        assert tree.get_root(size) == root(leaves[:size])
        for index in range(size):  # pymerkle counts leaves from 1
            theirs = tree.prove_inclusion(index + 1, size)
            assert theirs.path == [leaves[index], *inclusion_proof(leaves, index, size)]
        for old in range(1, size + 1):
            theirs = tree.prove_consistency(old, size)
            assert theirs.retrieve_prior_state() == root(leaves[:old])
            assert theirs.compute_root() == root(leaves[:size])
