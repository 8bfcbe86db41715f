"""One text type for every string a person sends (DESIGN §4, issue 7 §2).

Nothing a person types may stop a projector or mislead a reader: NUL and other
control characters are refused (a 422 naming the field), Unicode is
normalised to NFC, surrounding whitespace is trimmed, and a value that is
empty once trimmed is refused. Line breaks and tabs are allowed only in
multi-line prose (reasons, findings, facts, records); invisible formatting
characters (bidirectional overrides, embeddings, isolates and marks; zero-width
spaces and joiners, the byte order mark, …) are refused in single-line text
(names, numbers, places), where they can make one name look like another, and
text of nothing but whitespace and invisible characters counts as empty.

Use `Annotated[str, Line(200)]` or `Annotated[str, Prose(2000)]` in a pydantic
model or a FastAPI query parameter. The JSON Schema carries the same rules
as a `pattern` (and `maxLength`), so a client can check before it sends.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = [
    "BIDI_CONTROLS",
    "FORMAT_CHARACTERS",
    "STORED_FACT",
    "Items",
    "Line",
    "Name",
    "OptionalLine",
    "Prose",
    "Reason",
    "Reasons",
    "clean_text",
]

# Validation context of a fact read back from the event store: it was checked
# when it was recorded and is returned exactly as stored, never refused by a
# rule made later (an event that cannot be loaded would freeze its case).
STORED_FACT: Final[dict[str, Any]] = {"stored_fact": True}

# U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F
# and U+061C marks (UAX #9 Bidi_Control): the "Trojan Source" characters
# (CVE-2021-42574).
BIDI_CONTROLS: Final = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
# Every invisible formatting character of the Basic Multilingual Plane
# (Unicode category Cf): the bidi controls, and zero-width space, joiners,
# word joiner, soft hyphen, byte order mark, … A name with one looks like
# another name without it; text of nothing else looks empty. Only the BMP, so
# that the JSON Schema's pattern (ECMA-262 `\uXXXX`) can say the same.
FORMAT_CHARACTERS: Final = frozenset(
    chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"
)
_PROSE_BREAKS: Final = frozenset("\t\n\r")
# U+2028/U+2029 are line and paragraph separators: line breaks in all but name.
_SEPARATORS: Final = frozenset("\u2028\u2029")

# The same rules as regular expressions for the JSON Schema (valid in
# ECMA-262 and Python): no forbidden character, and at least one that is not
# whitespace.
_C0_C1: Final = r"\x00-\x1f\x7f-\x9f"
_C0_C1_BUT_BREAKS: Final = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


def _ranges(chars: frozenset[str]) -> str:
    """A regular-expression class body (ranges of `\\uXXXX`) for BMP characters."""
    points = sorted(ord(c) for c in chars)
    runs: list[list[int]] = []
    for point in points:
        if runs and runs[-1][1] == point - 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return "".join(
        rf"\u{a:04x}" if a == b else rf"\u{a:04x}-\u{b:04x}" for a, b in runs
    )


_FORMAT_RANGES: Final = _ranges(FORMAT_CHARACTERS)
_SEPARATOR_RANGES: Final = r"\u2028\u2029"


def _pattern(forbidden: str) -> str:
    # At least one character that is neither whitespace nor invisible.
    visible = rf"[^\s{forbidden}{_FORMAT_RANGES}]"
    return rf"^[^{forbidden}]*{visible}[^{forbidden}]*$"


LINE_PATTERN: Final = _pattern(_C0_C1 + _FORMAT_RANGES + _SEPARATOR_RANGES)
PROSE_PATTERN: Final = _pattern(_C0_C1_BUT_BREAKS)


# Any character `clean_text` may refuse (a superset: prose's breaks too); text
# without one skips the character-by-character check (an import's many cells).
_SUSPECT: Final = re.compile(
    f"[{_C0_C1}{_FORMAT_RANGES}{_SEPARATOR_RANGES}\ud800-\udfff]"
)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def clean_text(
    value: str, *, multiline: bool = False, allow_empty: bool = False
) -> str:
    """The text as it will be stored, or ValueError saying what is wrong.

    Checked before trimming, so a control character at either end is refused
    rather than silently dropped (str.strip treats U+001C–U+001F as space).
    """
    text = unicodedata.normalize("NFC", value)
    for char in text if _SUSPECT.search(text) else ():
        category = unicodedata.category(char)
        if multiline and char in _PROSE_BREAKS:
            continue
        if category == "Cc":
            where = "" if multiline else " (line breaks and tabs only in prose)"
            msg = f"contains the control character {_describe(char)}{where}"
            raise ValueError(msg)
        if category == "Cs":
            msg = f"contains an unpaired surrogate {_describe(char)}"
            raise ValueError(msg)
        if not multiline and (char in FORMAT_CHARACTERS or char in _SEPARATORS):
            msg = f"contains the invisible formatting character {_describe(char)}"
            raise ValueError(msg)
    text = text.strip()
    if not allow_empty and all(c.isspace() or c in FORMAT_CHARACTERS for c in text):
        msg = "must not be empty or only whitespace"
        raise ValueError(msg)
    return text


@dataclass(frozen=True)
class _Text:
    max_length: int
    multiline: bool = False
    allow_empty: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        multiline, allow_empty = self.multiline, self.allow_empty

        def clean(value: str, info: core_schema.ValidationInfo) -> str:
            if info.context and info.context.get("stored_fact"):
                return value
            return clean_text(value, multiline=multiline, allow_empty=allow_empty)

        return core_schema.with_info_after_validator_function(
            clean, core_schema.str_schema(max_length=self.max_length)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        pattern = PROSE_PATTERN if self.multiline else LINE_PATTERN
        if self.allow_empty:  # empty, or text as usual
            json_schema["pattern"] = pattern.replace("^", "^$|^", 1)
        else:
            json_schema.update(minLength=1, pattern=pattern)
        return json_schema


def Line(max_length: int) -> _Text:  # noqa: N802 (reads as a type in Annotated)
    """Single-line text: names, numbers, places, material titles."""
    return _Text(max_length)


def OptionalLine(max_length: int) -> _Text:  # noqa: N802
    """Single-line text that may be left empty ("" means not given)."""
    return _Text(max_length, allow_empty=True)


def Prose(max_length: int) -> _Text:  # noqa: N802
    """Multi-line prose: reasons, findings, facts, records (tabs and breaks allowed)."""
    return _Text(max_length, multiline=True)


def OptionalProse(max_length: int) -> _Text:  # noqa: N802
    """Prose that may be left empty ("" means not given)."""
    return _Text(max_length, multiline=True, allow_empty=True)


# The lengths most fields use; a field with its own limit writes Line(n).
Name = Annotated[str, Line(200)]
Reason = Annotated[str, Prose(2000)]
# One to fifty entries: material names, attendees (one line each); the reasons
# of a refusal, one per entry (prose).
Items = Annotated[
    tuple[Annotated[str, Line(200)], ...], Field(min_length=1, max_length=50)
]
Reasons = Annotated[
    tuple[Annotated[str, Prose(2000)], ...], Field(min_length=1, max_length=50)
]
