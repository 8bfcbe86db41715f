"""Region codes (GB/T 2260) identifying units and the cases they act on."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from domain.shared.errors import InvalidInputError

__all__ = [
    "REGION_CODE_PATTERN",
    "RULE_REGION_CODE",
    "Level",
    "RegionCode",
    "covers",
    "level_of",
    "lineage",
    "normalise_region_code",
    "parent_of",
    "validate_region_code",
]

RULE_REGION_CODE: Final = "GB/T 2260 行政区划代码"
_FIELD: Final = "region_code"
_DIGITS: Final = frozenset("0123456789")

Level = Literal["province", "city", "county"]
_LEVELS: Final[dict[int, Level]] = {2: "province", 4: "city", 6: "county"}


def _invalid(code: str, reason: str) -> InvalidInputError:
    return InvalidInputError(
        f"region code {code!r} {reason}", field=_FIELD, rule=RULE_REGION_CODE
    )


def validate_region_code(code: str) -> str:
    """Return `code` (trimmed) if it is a 2, 4 or 6 digit GB/T 2260 code.

    GB/T 2260 digits come in pairs: province, city (地级), county (县级). A code
    is not rewritten here; `normalise_region_code` drops trailing "00" pairs.
    """
    trimmed = code.strip()
    if len(trimmed) not in _LEVELS or not set(trimmed) <= _DIGITS:
        raise _invalid(
            trimmed,
            "must be 2 (province), 4 (city) or 6 (county) digits",
        )
    if trimmed[:2] == "00":
        raise _invalid(trimmed, "has no province: 00 is not a GB/T 2260 province")
    pairs = [trimmed[i : i + 2] for i in range(2, len(trimmed), 2)]
    # A "00" pair stands for the level above, so nothing finer may follow it:
    # 320008 would name a county under no city.
    if "00" in pairs and any(p != "00" for p in pairs[pairs.index("00") :]):
        raise _invalid(trimmed, "has a county part under a 00 (no) city part")
    return trimmed


def normalise_region_code(code: str) -> str:
    """Validate and drop trailing "00" pairs: 320800 -> 3208, 320000 -> 32."""
    normalised = validate_region_code(code)
    while len(normalised) > 2 and normalised.endswith("00"):
        normalised = normalised[:-2]
    return normalised


def level_of(code: str) -> Level:
    """province, city or county, after normalisation (320800 is a city)."""
    return _LEVELS[len(normalise_region_code(code))]


def parent_of(code: str) -> str | None:
    """The normalised code one level up: county -> city -> province -> None."""
    normalised = normalise_region_code(code)
    if len(normalised) == 2:
        return None
    return normalised[:-2]


def lineage(code: str) -> tuple[str, ...]:
    """The normalised codes covering `code`, narrowest first: a county's own,
    its city's, its province's (420102 -> 420102, 4201, 42). The unit
    responsible for a place is the first of these the bureau has."""
    codes = [normalise_region_code(code)]
    while (parent := parent_of(codes[-1])) is not None:
        codes.append(parent)
    return tuple(codes)


def covers(unit_code: str, case_region_code: str) -> bool:
    """A unit acts on the cases in its own area: a prefix check on normalised
    codes (32 and 3208 cover 320803; 3209 and 320804 do not)."""
    return normalise_region_code(case_region_code).startswith(
        normalise_region_code(unit_code)
    )


def _pydantic_region_code(value: str) -> str:
    if value != value.strip():  # a code is exact: what the schema's pattern says
        raise ValueError("a region code has no surrounding spaces")
    try:
        return validate_region_code(value)
    except InvalidInputError as exc:
        # pydantic only turns ValueError into a ValidationError.
        raise ValueError(exc.detail) from exc


# validate_region_code as a pattern: a province pair (not 00); then nothing,
# 00 or 0000, or a city pair (not 00) and perhaps a county pair.
REGION_CODE_PATTERN: Final = (
    "^(0[1-9]|[1-9][0-9])((00){0,2}|(0[1-9]|[1-9][0-9])([0-9]{2})?)$"
)
REGION_CODE_JSON_SCHEMA: Final[dict[str, Any]] = {
    "pattern": REGION_CODE_PATTERN,
    "minLength": 2,
    "maxLength": 6,
    "examples": ["320803"],
    "description": "行政区划码 — GB/T 2260 region code: 2 (province), 4 (city) or "
    "6 (county) digits; a trailing 00 pair stands for the level above",
}

RegionCode = Annotated[
    str,
    Field(json_schema_extra=REGION_CODE_JSON_SCHEMA),
    AfterValidator(_pydantic_region_code),
]
