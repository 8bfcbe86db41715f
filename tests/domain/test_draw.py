"""The 双随机 draw: rules, refusals, verification, and agreement with the spec.

Pure: nothing here touches a disk except reading docs/draw.md and the
reference implementation's source, which the golden and import tests check.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inspections import draw as d
from domain.inspections.draw import (
    ALGORITHM,
    MAX_WEIGHT,
    Assignment,
    Candidate,
    DrawError,
    PoolMember,
    Recusal,
    Snapshot,
)
from domain.shared.errors import InvalidInputError
from tests.independent import draw_reference as ref

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e68f87f894df9ad059e5d8fcdb6a2b7d4eb1ec130998744789925c7d97d57ade"
OTHER_SECRET = "00" * 31 + "01"
PUBLIC = "73915"


def uscc(n: int) -> str:
    return f"91500103MA{n:08d}"


def snapshot(
    *,
    n: int = 10,
    weights: dict[int, int] | None = None,
    included: tuple[int, ...] = (),
    count: int = 4,
    staff: int = 6,
    per_target: int = 2,
    conflicts: dict[str, tuple[int, ...]] | None = None,
    exclude_home_desk: bool = False,
) -> Snapshot:
    """n candidates on desks 500103/500105 alternately; staff split alike."""
    weights = weights or {}
    conflicts = conflicts or {}
    return d.make_snapshot(
        plan="CC-2026-0007",
        item="SE-ELEV-01",
        candidates=[
            Candidate(uscc(i), weights.get(i, 1), ("500103", "500105")[i % 2])
            for i in range(n)
        ],
        included=[uscc(i) for i in included],
        count=count,
        pool=[
            PoolMember(
                f"S{k:02d}",
                ("500103", "500105")[k % 2],
                tuple(uscc(i) for i in conflicts.get(f"S{k:02d}", ())),
            )
            for k in range(staff)
        ],
        per_target=per_target,
        exclude_home_desk=exclude_home_desk,
    )


# -- the worked example of docs/draw.md §11 -----------------------------------

EXAMPLE = d.make_snapshot(
    plan="CC-2026-0007",
    item="SE-ELEV-01",
    candidates=[
        Candidate("91500103MA5U0A1B7C", 1, "500103"),
        Candidate("91500103MA5U0C2D5C", 3, "500103"),
        Candidate("91500105MA60E3F406", 1, "500105"),
        Candidate("91500105MA61G5H67R", 9, "500105"),
        Candidate("91500106MA62J7K850", 2, "500106"),
    ],
    included=["91500106MA62J7K850"],
    count=3,
    pool=[
        PoolMember("CQ0101", "500103", ()),
        PoolMember("CQ0102", "500103", ("91500105MA61G5H67R",)),
        PoolMember("CQ0201", "500105", ()),
        PoolMember("CQ0301", "500106", ()),
    ],
    per_target=2,
    exclude_home_desk=True,
)
EXAMPLE_RECUSED = (("91500105MA60E3F406", "CQ0102"),)


def example_document() -> dict[str, Any]:
    final, recusals = d.replay(EXAMPLE, SECRET, PUBLIC, EXAMPLE_RECUSED)
    return d.document(
        EXAMPLE,
        secret=SECRET,
        public_value=PUBLIC,
        assignments=final,
        recusals=recusals,
    )


def example_trace() -> str:
    """The intermediate values of the worked example, from the reference code."""
    doc = example_document()
    snap = doc["snapshot"]
    root = ref.root_of(snap, SECRET, PUBLIC)
    lines = [
        f"canonical JSON length  = {len(ref.canonical(snap).encode())} bytes",
        f"snapshot_sha256        = {ref.snapshot_digest(snap)}",
        f"seed_sha256            = {ref.secret_digest(SECRET)}",
        f"root                   = {root.hex()}",
        f"targets: nominated first: {', '.join(snap['included'])}",
    ]
    remaining = [c for c in snap["candidates"] if c["uscc"] not in snap["included"]]
    stream = ref.words(root, "targets")
    for k in range(snap["count"] - len(snap["included"])):
        total = sum(c["weight"] for c in remaining)
        word = next(stream)
        assert word < 2**64 - 2**64 % total  # no rejection in this example
        r, running = word % total, 0
        for c in remaining:
            running += c["weight"]
            if running > r:
                break
        lines.append(
            f"targets word {k}: {word:#018x} mod {total} = {r} -> {c['uscc']}"
            f" (weights {' '.join(str(x['weight']) for x in remaining)})"
        )
        remaining.remove(c)
    for uscc_ in ref.pick_targets(snap, root):
        left = ref.eligible_for(snap, uscc_)
        lines.append(f"inspectors:{uscc_}: eligible {' '.join(left)}")
        stream = ref.words(root, f"inspectors:{uscc_}")
        for k in range(snap["per_target"]):
            word = next(stream)
            i = word % len(left)
            lines.append(
                f"  word {k}: {word:#018x} mod {len(left)} = {i} -> {left.pop(i)}"
            )
    [rec] = doc["recusals"]  # one recusal: nobody recused from its target before
    label = f"redraw:{rec['uscc']}:{rec['sequence']}"
    before = ref.pick_inspectors(snap, root, rec["uscc"])
    left = [s for s in ref.eligible_for(snap, rec["uscc"]) if s not in before]
    word = next(ref.words(root, label))
    lines.append(f"{label}: {rec['staff_no']} recused; left {' '.join(left)}")
    lines.append(f"  word 0: {word:#018x} mod {len(left)} = 0 -> {left[0]}")
    return "\n".join(lines)


def golden_block(name: str) -> str:
    text = (ROOT / "docs" / "draw.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- golden:{name} -->\n```\w*\n(.*?)\n```", text, re.DOTALL)
    assert found, f"docs/draw.md has no golden:{name} block"
    return found.group(1)


def test_the_worked_example_canonical_json_is_the_documented_one() -> None:
    assert golden_block("canonical-json") == d.canonical_json(EXAMPLE).decode()


def test_the_worked_example_trace_is_the_documented_one() -> None:
    assert golden_block("trace") == example_trace()


def test_the_worked_example_document_is_the_documented_one() -> None:
    doc = example_document()
    assert golden_block("document") == json.dumps(doc, ensure_ascii=False, indent=2)
    assert d.verify(doc) == []
    assert ref.check(doc) == []


# -- the draw ------------------------------------------------------------------


def test_the_same_inputs_give_the_same_draw() -> None:
    snap = snapshot()
    assert d.draw(snap, SECRET, PUBLIC) == d.draw(snap, SECRET, PUBLIC)


@pytest.mark.parametrize("count", [1, 4, 10])
def test_the_draw_returns_count_distinct_targets(count: int) -> None:
    result = d.draw(snapshot(count=count), SECRET, PUBLIC)
    assert len(result) == count
    assert len({a.uscc for a in result}) == count


def test_each_target_gets_per_target_distinct_inspectors() -> None:
    for public in map(str, range(30)):
        for a in d.draw(snapshot(per_target=3), SECRET, public):
            assert len(a.inspectors) == 3
            assert len(set(a.inspectors)) == 3


def test_included_targets_come_first_in_sorted_order_and_are_flagged_nominated() -> (
    None
):
    result = d.draw(snapshot(included=(7, 2), count=5), SECRET, PUBLIC)
    assert [a.uscc for a in result[:2]] == [uscc(2), uscc(7)]
    assert [a.nominated for a in result] == [True, True, False, False, False]


def test_a_conflicted_inspector_is_never_assigned_to_that_target() -> None:
    snap = snapshot(n=3, count=3, staff=4, conflicts={"S00": (0,), "S01": (0, 1)})
    for public in map(str, range(50)):
        by_target = {a.uscc: a.inspectors for a in d.draw(snap, SECRET, public)}
        assert {"S00", "S01"}.isdisjoint(by_target[uscc(0)])
        assert "S01" not in by_target[uscc(1)]


def test_the_home_desk_is_excluded_when_asked() -> None:
    snap = snapshot(count=10, exclude_home_desk=True)
    desk = {c.uscc: c.desk for c in snap.candidates}
    unit = {m.staff_no: m.unit_code for m in snap.pool}
    for public in map(str, range(20)):
        for a in d.draw(snap, SECRET, public):
            assert all(unit[s] != desk[a.uscc] for s in a.inspectors)


def test_the_home_desk_may_be_drawn_when_not_excluded() -> None:
    snap = snapshot(count=10)
    desk = {c.uscc: c.desk for c in snap.candidates}
    unit = {m.staff_no: m.unit_code for m in snap.pool}
    assert any(
        unit[s] == desk[a.uscc]
        for a in d.draw(snap, SECRET, PUBLIC)
        for s in a.inspectors
    )


def test_too_few_eligible_inspectors_for_a_candidate_refuses_the_snapshot() -> None:
    # Refused before the commitment, so no draw can fail once the public value
    # is known (which would force a new commitment: a re-roll).
    with pytest.raises(
        DrawError, match=f"candidate {uscc(1)} has 1 eligible"
    ) as refused:
        snapshot(n=2, count=1, staff=3, conflicts={"S00": (1,), "S01": (1,)})
    assert refused.value.rule == d.RULE_TWO_INSPECTORS
    assert isinstance(refused.value, InvalidInputError)


def test_the_home_desk_counts_against_eligibility_only_when_excluded() -> None:
    # staff S00, S02 sit at 500103 (candidate 0's desk); S01 declared a conflict.
    def build(exclude: bool) -> Snapshot:
        return snapshot(
            n=1, count=1, staff=3, conflicts={"S01": (0,)}, exclude_home_desk=exclude
        )

    assert build(exclude=False).per_target == 2
    with pytest.raises(DrawError, match=f"candidate {uscc(0)} has 0 eligible"):
        build(exclude=True)


def test_an_inspector_both_conflicted_and_at_the_desk_is_counted_once() -> None:
    snap = snapshot(
        n=1, count=1, staff=4, conflicts={"S00": (0,)}, exclude_home_desk=True
    )
    assert d.draw(snap, SECRET, PUBLIC)[0].inspectors in {
        ("S01", "S03"),
        ("S03", "S01"),
    }


def test_a_different_public_value_changes_the_result() -> None:
    snap = snapshot()
    assert d.draw(snap, SECRET, PUBLIC) != d.draw(snap, SECRET, "73916")


def test_a_different_secret_changes_the_result() -> None:
    snap = snapshot()
    assert d.draw(snap, SECRET, PUBLIC) != d.draw(snap, OTHER_SECRET, PUBLIC)


def test_a_heavier_candidate_is_drawn_in_proportion_to_its_weight() -> None:
    # Weight 9 against nine of weight 1: drawn half the time (1 in 10 if the
    # weights were ignored). 400 fixed draws: expect 200, σ = 10; ±40 is 4σ.
    snap = snapshot(weights={3: 9}, count=1)
    hits = sum(d.draw(snap, SECRET, str(p))[0].uscc == uscc(3) for p in range(400))
    assert 160 <= hits <= 240


def test_uniform_sampling_has_no_visible_bias_for_a_small_n() -> None:
    # 30,000 samples in [0, 3): each count is 10,000 ± 82 (σ); ±400 is ~5σ.
    stream = d._Stream(b"\x00" * 32, "test")
    counts = Counter(stream.below(3) for _ in range(30_000))
    assert sorted(counts) == [0, 1, 2]
    assert all(abs(c - 10_000) <= 400 for c in counts.values())


def test_words_at_or_above_the_largest_multiple_of_n_are_rejected() -> None:
    stream = d._Stream(b"\x00" * 32, "test")
    words = iter([2**64 - 1, 2**64 - 2, 5])  # limit for n = 3 is 2**64 - 1
    stream._word = lambda: next(words)  # type: ignore[method-assign]
    assert stream.below(3) == (2**64 - 2) % 3
    assert stream.below(3) == 2


def test_a_single_choice_still_reads_one_word() -> None:
    stream = d._Stream(b"\x00" * 32, "test")
    assert stream.below(1) == 0
    assert stream._counter == 1


# -- recusals (回避) -------------------------------------------------------------


def test_a_recusal_replaces_the_inspector_in_the_same_slot() -> None:
    snap = snapshot(staff=6)
    drawn = d.draw(snap, SECRET, PUBLIC)
    target = drawn[0]
    after, recusal = d.redraw(
        snap, SECRET, PUBLIC, drawn, (), target.uscc, target.inspectors[0]
    )
    assert recusal.staff_no == target.inspectors[0]
    assert recusal.replacement not in target.inspectors
    assert after[0].inspectors == (recusal.replacement, target.inspectors[1])
    assert after[1:] == drawn[1:]


def test_a_redraw_is_reproduced_by_replay() -> None:
    snap = snapshot(staff=8)
    drawn = d.draw(snap, SECRET, PUBLIC)
    first, r1 = d.redraw(
        snap, SECRET, PUBLIC, drawn, (), drawn[1].uscc, drawn[1].inspectors[1]
    )
    second, r2 = d.redraw(
        snap, SECRET, PUBLIC, first, (r1,), drawn[1].uscc, r1.replacement
    )
    assert d.replay(
        snap, SECRET, PUBLIC, [(r1.uscc, r1.staff_no), (r2.uscc, r2.staff_no)]
    ) == (second, (r1, r2))


def test_someone_who_recused_is_never_drawn_back() -> None:
    snap = snapshot(n=1, count=1, staff=4)  # 4 inspectors, 2 per target
    final, recusals = d.replay(snap, SECRET, PUBLIC, [])
    gone: list[str] = []
    for _ in range(2):  # 4 - 2 on the target: two can be replaced
        gone.append(final[0].inspectors[0])
        final, recusal = d.redraw(
            snap, SECRET, PUBLIC, final, recusals, final[0].uscc, gone[-1]
        )
        recusals = (*recusals, recusal)
        assert set(gone).isdisjoint(final[0].inspectors)
    with pytest.raises(DrawError, match="no eligible inspector is left"):
        d.redraw(
            snap, SECRET, PUBLIC, final, recusals, final[0].uscc, final[0].inspectors[0]
        )


def test_a_redraw_for_a_target_not_drawn_is_refused() -> None:
    snap = snapshot(count=1)
    drawn = d.draw(snap, SECRET, PUBLIC)
    absent = next(c.uscc for c in snap.candidates if c.uscc != drawn[0].uscc)
    with pytest.raises(DrawError, match="not a drawn target"):
        d.redraw(snap, SECRET, PUBLIC, drawn, (), absent, "S00")


def test_a_redraw_for_an_inspector_not_assigned_there_is_refused() -> None:
    snap = snapshot(count=1)
    drawn = d.draw(snap, SECRET, PUBLIC)
    outsider = next(
        m.staff_no for m in snap.pool if m.staff_no not in drawn[0].inspectors
    )
    with pytest.raises(DrawError, match=f"{outsider} is not assigned"):
        d.redraw(snap, SECRET, PUBLIC, drawn, (), drawn[0].uscc, outsider)


def test_a_redraw_with_nobody_left_is_refused() -> None:
    snap = snapshot(n=1, count=1, staff=2)
    drawn = d.draw(snap, SECRET, PUBLIC)
    with pytest.raises(DrawError, match="no eligible inspector is left"):
        d.redraw(snap, SECRET, PUBLIC, drawn, (), drawn[0].uscc, drawn[0].inspectors[0])


# -- the published document and verify() ---------------------------------------


def tampered(change: Any) -> list[str]:
    doc = json.loads(json.dumps(example_document()))
    change(doc)
    return d.verify(doc)


def test_a_real_document_verifies() -> None:
    assert d.verify(example_document()) == []


def test_an_edited_snapshot_is_reported() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["snapshot"]["candidates"][0]["weight"] = 5

    problems = tampered(edit)
    assert any("it is not the snapshot committed to" in p for p in problems)


def test_a_reordered_result_is_reported() -> None:
    def reorder(doc: dict[str, Any]) -> None:
        doc["result"].reverse()

    problems = tampered(reorder)
    assert problems[0].startswith("Result entry 1 is 91500105MA61G5H67R")
    assert len(problems) == 2  # entries 1 and 3 swapped; entry 2 still matches


def test_a_secret_that_does_not_match_the_seed_hash_is_reported() -> None:
    def swap(doc: dict[str, Any]) -> None:
        doc["secret"] = OTHER_SECRET

    problems = tampered(swap)
    assert problems[0].startswith(
        f"The revealed secret hashes to {d.seed_hash(OTHER_SECRET)}"
    )


def test_a_changed_public_value_shows_as_a_result_that_does_not_re_derive() -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["public_value"] = "73916"

    problems = tampered(change)
    assert problems
    assert all(
        p.startswith(("Result entry", "Recusal", "The draw cannot")) for p in problems
    )


def test_a_nominated_flag_written_as_a_number_is_reported() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["result"][0]["nominated"] = 1

    assert [p[:30] for p in tampered(edit)] == ["Result entry 1 is 91500106MA62"]


def test_an_edited_recusal_replacement_is_reported() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["recusals"][0]["replacement"] = "CQ0201"

    assert tampered(edit) == [
        "Recusal 1 (CQ0102 from 91500105MA60E3F406) names 'CQ0201' as the "
        "replacement but the re-draw chooses CQ0101."
    ]


def test_a_document_before_the_reveal_cannot_be_verified_yet() -> None:
    doc = d.document(
        EXAMPLE, secret=None, public_value=None, seed_sha256=d.seed_hash(SECRET)
    )
    assert doc["commitment"]["seed_sha256"] == d.seed_hash(SECRET)
    assert d.verify(doc) == [
        "The secret or the public value is not published yet, so the draw cannot be re-run."
    ]


def test_a_document_needs_the_secret_or_its_hash_and_they_must_agree() -> None:
    with pytest.raises(DrawError, match="needs the secret or its committed hash"):
        d.document(EXAMPLE, secret=None, public_value=None)
    with pytest.raises(DrawError, match="does not match the committed seed hash"):
        d.document(
            EXAMPLE,
            secret=SECRET,
            public_value=PUBLIC,
            seed_sha256=d.seed_hash(OTHER_SECRET),
        )


def test_a_malformed_document_is_reported_not_raised() -> None:
    assert d.verify({"algorithm": ALGORITHM}) == [
        "The document is malformed: the document must be an object with exactly the keys "
        "['algorithm', 'commitment', 'public_value', 'recusals', 'result', 'secret', 'snapshot']."
    ]

    def other(doc: dict[str, Any]) -> None:
        doc["algorithm"] = "casetrace-draw-v0"

    assert tampered(other) == [
        "The algorithm is 'casetrace-draw-v0'; this verifier runs casetrace-draw-v1."
    ]


# -- encodings and validation -----------------------------------------------------


def test_the_canonical_json_writes_chinese_as_raw_utf8() -> None:
    snap = replace(EXAMPLE, plan="渝市监-2026-0007")
    assert "渝市监".encode() in d.canonical_json(snap)
    assert b"\\u" not in d.canonical_json(snap)


def test_make_snapshot_sorts_its_inputs() -> None:
    snap = d.make_snapshot(
        plan="P",
        item="I",
        candidates=[Candidate(uscc(2), 1, "50"), Candidate(uscc(1), 1, "50")],
        included=[uscc(2), uscc(1)],
        count=2,
        pool=[
            PoolMember("C", "50", ()),
            PoolMember("B", "50", (uscc(1),)),
            PoolMember("A", "50", ()),
        ],
        per_target=2,
        exclude_home_desk=False,
    )
    assert [c.uscc for c in snap.candidates] == [uscc(1), uscc(2)]
    assert snap.included == (uscc(1), uscc(2))
    assert [m.staff_no for m in snap.pool] == ["A", "B", "C"]


def test_a_new_secret_is_64_lowercase_hex_and_its_hash_is_over_the_bytes() -> None:
    secret = d.new_secret()
    assert re.fullmatch("[0-9a-f]{64}", secret)
    assert d.seed_hash("00" * 32) == (
        "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
    )


@pytest.mark.parametrize(
    "secret", ["AB" * 32, "ab" * 31, "0x" + "ab" * 31, " " + "a" * 63]
)
def test_a_secret_not_64_lowercase_hex_is_refused(secret: str) -> None:
    with pytest.raises(DrawError, match="64 lowercase hexadecimal"):
        d.seed_hash(secret)


@pytest.mark.parametrize("public", ["", "a\nb", 'say "x"', "x" * 101])
def test_a_public_value_that_is_not_plain_text_is_refused(public: str) -> None:
    with pytest.raises(DrawError, match="public value"):
        d.draw(EXAMPLE, SECRET, public)


def _member(staff_no: str = "A", conflicts: tuple[str, ...] = ()) -> PoolMember:
    return PoolMember(staff_no, "50", conflicts)


REFUSED_SNAPSHOTS: dict[str, tuple[dict[str, Any], str]] = {
    "candidates unsorted": (
        {"candidates": (Candidate(uscc(2), 1, "50"), Candidate(uscc(1), 1, "50"))},
        "candidates must be sorted and unique",
    ),
    "candidate twice": (
        {"candidates": (Candidate(uscc(1), 1, "50"), Candidate(uscc(1), 2, "50"))},
        "appears twice",
    ),
    "no candidates": ({"candidates": ()}, "at least one candidate"),
    "included not a candidate": (
        {"included": (uscc(9),)},
        "is not among the candidates",
    ),
    "count zero": ({"count": 0}, "count must be an integer from 1 to 2"),
    "count too big": ({"count": 3}, "count must be"),
    "count below included": (
        {"included": (uscc(1), uscc(2)), "count": 1},
        "count must be an integer from 2",
    ),
    "count a bool": ({"count": True}, "count must be"),
    "one inspector per target": ({"per_target": 1}, "at least 2 inspectors"),
    "more per target than the pool": ({"per_target": 3}, "per_target must be"),
    "pool unsorted": ({"pool": (_member("B"), _member("A"))}, "pool must be sorted"),
    "exclude flag not a bool": ({"exclude_home_desk": 1}, "true or false"),
    "plan with a quote": ({"plan": 'CC"1'}, "plan"),
    "candidates a list": ({"candidates": [Candidate(uscc(1), 1, "50")]}, "tuple"),
}


@pytest.mark.parametrize("case", REFUSED_SNAPSHOTS)
def test_an_invalid_snapshot_is_refused(case: str) -> None:
    changes, message = REFUSED_SNAPSHOTS[case]
    fields: dict[str, Any] = {
        "plan": "P",
        "item": "I",
        "candidates": (Candidate(uscc(1), 1, "50"), Candidate(uscc(2), 1, "50")),
        "included": (),
        "count": 1,
        "pool": (_member("A"), _member("B")),
        "per_target": 2,
        "exclude_home_desk": False,
    } | changes
    with pytest.raises(DrawError, match=re.escape(message)):
        Snapshot(**fields)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Candidate(uscc(1), 0, "50"), "weight of"),
        (lambda: Candidate(uscc(1), MAX_WEIGHT + 1, "50"), "weight of"),
        (lambda: Candidate("91500103", 1, "50"), "not 18 digits"),
        (lambda: Candidate(uscc(1).lower(), 1, "50"), "not 18 digits"),
        (lambda: Candidate(uscc(1), 1, "500"), "region code"),
        (
            lambda: _member(conflicts=(uscc(2), uscc(1))),
            "conflicts of A must be sorted",
        ),
        (lambda: PoolMember("A\\B", "50", ()), "staff_no"),
    ],
)
def test_an_invalid_candidate_or_inspector_is_refused(build: Any, message: str) -> None:
    with pytest.raises(DrawError, match=message):
        build()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("count",), "3", "count must be"),
        (("exclude_home_desk",), "true", "true or false"),
        (("candidates", 0, "weight"), 1.0, "weight of"),
        (("candidates", 0, "weight"), True, "weight of"),
        (("pool", 0, "conflicts"), "91500105MA61G5H67R", "list of strings"),
        (("included",), None, "included must be a list"),
        (("candidates", 0, "extra"), 1, "exactly the keys"),
    ],
)
def test_snapshot_from_json_refuses_loose_types(
    path: tuple[Any, ...], value: Any, message: str
) -> None:
    obj = json.loads(json.dumps(example_document()["snapshot"]))
    assert d.snapshot_from_json(obj) == EXAMPLE
    *parents, last = path
    target = obj
    for key in parents:
        target = target[key]
    target[last] = value
    with pytest.raises(DrawError, match=message):
        d.snapshot_from_json(obj)


# -- the independent implementation ----------------------------------------------

DESKS = ("500103", "500105", "5001")
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'
    ),
    min_size=1,
    max_size=12,
)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    usccs = sorted(draw(st.sets(st.integers(0, 10**8 - 1), min_size=1, max_size=30)))
    codes = [uscc(n) for n in usccs]
    weight = st.integers(1, 5) | st.integers(1, MAX_WEIGHT)
    candidates = [
        Candidate(u, draw(weight), draw(st.sampled_from(DESKS))) for u in codes
    ]
    included = draw(st.sets(st.sampled_from(codes), max_size=3))
    staff = draw(
        st.sets(st.text("AB甲𠀀1", min_size=1, max_size=3), min_size=2, max_size=8)
    )
    pool = [
        PoolMember(
            s,
            draw(st.sampled_from(DESKS)),
            tuple(sorted(draw(st.sets(st.sampled_from(codes), max_size=3)))),
        )
        for s in staff
    ]
    fields: dict[str, Any] = {
        "plan": draw(TEXT),
        "item": draw(TEXT),
        "candidates": candidates,
        "included": included,
        "count": draw(st.integers(max(1, len(included)), len(codes))),
        "per_target": draw(st.integers(2, min(3, len(pool)))),
    }
    try:
        return d.make_snapshot(
            **fields, pool=pool, exclude_home_desk=draw(st.booleans())
        )
    except DrawError:  # some candidate is short of inspectors: drop the limits
        bare = [PoolMember(m.staff_no, m.unit_code, ()) for m in pool]
        return d.make_snapshot(**fields, pool=bare, exclude_home_desk=False)


@settings(max_examples=300, deadline=None)
@given(
    snap=snapshots(),
    secret=st.binary(min_size=32, max_size=32).map(bytes.hex),
    public=TEXT,
    picks=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=6),
)
def test_the_reference_implementation_agrees_with_draw(
    snap: Snapshot, secret: str, public: str, picks: list[tuple[int, int]]
) -> None:
    final: tuple[Assignment, ...] = d.draw(snap, secret, public)
    recusals: tuple[Recusal, ...] = ()
    for target_pick, slot_pick in picks:
        target = final[target_pick % len(final)]
        leaving = target.inspectors[slot_pick % len(target.inspectors)]
        try:
            final, recusal = d.redraw(
                snap, secret, public, final, recusals, target.uscc, leaving
            )
        except DrawError:
            continue  # nobody left to replace them: the recusal is not recorded
        recusals = (*recusals, recusal)
    doc = d.document(
        snap, secret=secret, public_value=public, assignments=final, recusals=recusals
    )
    again = ref.recompute(json.loads(json.dumps(doc)))
    assert again["snapshot_sha256"] == d.snapshot_hash(snap)
    assert ref.canonical(doc["snapshot"]).encode() == d.canonical_json(snap)
    assert again["seed_sha256"] == d.seed_hash(secret)
    assert again["result"] == doc["result"]
    assert again["recusals"] == doc["recusals"]
    assert d.verify(doc) == []


@settings(max_examples=200, deadline=None)
@given(
    desks=st.lists(st.sampled_from(DESKS), min_size=1, max_size=4),
    staff=st.lists(
        st.tuples(st.sampled_from(DESKS), st.sets(st.integers(0, 3), max_size=3)),
        min_size=2,
        max_size=6,
    ),
    per_target=st.integers(2, 6),
    exclude=st.booleans(),
)
def test_a_snapshot_is_refused_exactly_when_some_candidate_is_short_of_inspectors(
    desks: list[str],
    staff: list[tuple[str, set[int]]],
    per_target: int,
    exclude: bool,
) -> None:
    per_target = min(per_target, len(staff))
    shortest = min(
        sum(
            i not in conflicts and not (exclude and unit == desk)
            for unit, conflicts in staff
        )
        for i, desk in enumerate(desks)
    )

    def build() -> Snapshot:
        return d.make_snapshot(
            plan="P",
            item="I",
            candidates=[Candidate(uscc(i), 1, desk) for i, desk in enumerate(desks)],
            included=[],
            count=1,
            pool=[
                PoolMember(f"S{k}", unit, tuple(uscc(i) for i in sorted(conflicts)))
                for k, (unit, conflicts) in enumerate(staff)
            ],
            per_target=per_target,
            exclude_home_desk=exclude,
        )

    if shortest < per_target:
        with pytest.raises(DrawError, match="eligible inspectors but the plan assigns"):
            build()
    else:
        build()


def test_the_reference_imports_only_the_standard_library() -> None:
    source = (ROOT / "tests" / "independent" / "draw_reference.py").read_text()
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            modules.add((node.module or "").split(".")[0])
    assert modules, "the parser found the imports"
    assert modules <= set(sys.stdlib_module_names), modules - set(
        sys.stdlib_module_names
    )
    assert modules.isdisjoint(
        {"domain", "api", "projections", "eventsourcing", "pydantic"}
    )
