"""The shared text type: what a person may send, and what is stored."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from domain.shared.text import (
    LINE_PATTERN,
    PROSE_PATTERN,
    STORED_FACT,
    Line,
    OptionalLine,
    Prose,
)


class Note(BaseModel):
    name: Annotated[str, Line(20)]
    reason: Annotated[str, Prose(200)] = "-"
    phone: Annotated[str, OptionalLine(20)] = ""


def refusal(**fields: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        Note(**fields)
    (error,) = excinfo.value.errors()
    return f"{error['loc'][0]}: {error['msg']}"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_naming_the_field(char: str) -> None:
    assert refusal(name=f"淮安{char}公司").startswith("name: Value error, contains")
    assert refusal(name="x", reason=f"a{char}b").startswith("reason:")


def test_nul_is_named_by_code_point() -> None:
    assert "U+0000" in refusal(name="a\x00b")


def test_text_is_stored_in_nfc_and_trimmed() -> None:
    decomposed = "  Cafe\u0301 淮安\u3000"  # e + combining acute; ideographic space
    assert Note(name=decomposed).name == "Café 淮安"


def test_empty_after_trimming_is_refused() -> None:
    assert "empty" in refusal(name=" \t ".replace("\t", " "))
    assert "empty" in refusal(name="x", reason="\n\n")


def test_a_newline_is_allowed_in_a_reason_but_not_in_a_name() -> None:
    assert (
        Note(name="x", reason="第一条\n第二条\t（附件）").reason
        == "第一条\n第二条\t（附件）"
    )
    assert "U+000A" in refusal(name="淮安\n公司")


@pytest.mark.parametrize(
    "char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u200e", "\u2028"]
)
def test_bidi_controls_are_refused_in_names(char: str) -> None:
    assert "formatting character" in refusal(name=f"淮安{char}公司")


def test_an_optional_line_may_be_empty() -> None:
    assert Note(name="x", phone="  ").phone == ""


def test_a_stored_fact_loads_exactly_as_recorded() -> None:
    # Facts recorded before these rules existed must still load (and replay).
    old = Note.model_validate({"name": " a\x00b "}, context=STORED_FACT)
    assert old.name == " a\x00b "


@pytest.mark.parametrize(
    ("text", "line", "prose"),
    [
        ("淮安 公司", True, True),
        ("  x ", True, True),
        ("a\nb", False, True),
        ("a\x00b", False, False),
        ("a\u202eb", False, True),
        ("   ", False, False),
        ("", False, False),
    ],
)
def test_the_schema_patterns_say_what_the_validator_does(
    text: str, line: bool, prose: bool
) -> None:
    assert bool(re.match(LINE_PATTERN, text)) is line
    assert bool(re.match(PROSE_PATTERN, text)) is prose


@pytest.mark.parametrize(
    "char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u061c"]
)
def test_invisible_format_characters_are_refused_in_names(char: str) -> None:
    # Zero-width characters make two names look alike (淮安公司 and 淮\u200b安公司);
    # U+061C ARABIC LETTER MARK is a bidi control (UAX #9 Bidi_Control).
    assert "formatting character" in refusal(name=f"淮安{char}公司")


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", " \u200b\u200d ", "\u2060\n"])
def test_text_of_invisible_characters_only_is_empty(blank: str) -> None:
    # A reason nobody can see is no reason (全过程留痕).
    assert "empty" in refusal(name="x", reason=blank)


@pytest.mark.parametrize(
    ("text", "line", "prose"),
    [
        ("a\u200bb", False, True),
        ("\u200b", False, False),
        (" \ufeff ", False, False),
        ("a\u061cb", False, True),
    ],
)
def test_the_schema_patterns_say_what_the_validator_does_for_invisible_text(
    text: str, line: bool, prose: bool
) -> None:
    assert bool(re.match(LINE_PATTERN, text)) is line
    assert bool(re.match(PROSE_PATTERN, text)) is prose
