"""统一社会信用代码 (USCC) validation per GB 32100-2015 and GB 11714-1997."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field

from domain.shared.errors import InvalidInputError

__all__ = [
    "CHARSET",
    "CHECK_RULES",
    "RULE_CHARSET",
    "RULE_CHECK_CHARACTER",
    "RULE_LENGTH",
    "RULE_ORG_CHECK_CHARACTER",
    "RULE_REGION_CODE",
    "USCC",
    "USCC_JSON_SCHEMA",
    "USCC_PATTERN",
    "ImportedUSCC",
    "compose_uscc",
    "org_code_check_character",
    "region_code_of",
    "uscc_check_character",
    "validate_uscc",
]

# GB 32100-2015 code character set, values 0-30 by position; I, O, S, V and Z
# are left out so they cannot be misread as 1, 0, 5, U and 2.
CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Final = {c: i for i, c in enumerate(CHARSET)}
# GB 32100-2015: W_i = 3^(i-1) mod 31 for positions 1-17.
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

# GB 11714-1997 weights for the 8 body characters of the organisation code.
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_DIGITS: Final = frozenset("0123456789")
# GB 11714-1997 values: digits 0-9, letters A=10 ... Z=35 (the full Latin
# alphabet, not the USCC table: 'M' is 22 here but 21 there; DOMAIN §6.3).
_ORG_VALUES: Final = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}

RULE_LENGTH: Final = "GB 32100-2015 代码长度"
RULE_CHARSET: Final = "GB 32100-2015 代码字符集"
RULE_REGION_CODE: Final = "GB 32100-2015 登记管理机关行政区划码 (GB/T 2260)"
RULE_ORG_CHECK_CHARACTER: Final = "GB 11714-1997 组织机构代码校验码"
RULE_CHECK_CHARACTER: Final = "GB 32100-2015 校验码"
# The rules of the two check characters: on imported data their failure is
# a warning for manual review, not a refusal (DOMAIN §6.4).
CHECK_RULES: Final = frozenset({RULE_ORG_CHECK_CHARACTER, RULE_CHECK_CHARACTER})

_FIELD: Final = "uscc"


def uscc_check_character(first17: str) -> str:
    """The 18th character: C18 = 31 - (sum of C_i * W_i mod 31), 31 -> 0.

    GB 32100-2015 校验码 formula (DOMAIN §6.2); `first17` must be upper case.
    """
    if len(first17) != 17:
        raise InvalidInputError(
            f"the USCC check character needs 17 characters, got {len(first17)}",
            field=_FIELD,
            rule=RULE_LENGTH,
        )
    total = 0
    for position, (char, weight) in enumerate(
        zip(first17, _USCC_WEIGHTS, strict=True), start=1
    ):
        value = _USCC_VALUES.get(char)
        if value is None:
            raise _charset_error(position, char)
        total += value * weight
    # 31 - 0 = 31 wraps to 0, which is what the final mod does.
    return CHARSET[(31 - total % 31) % 31]


def org_code_check_character(body8: str) -> str:
    """The organisation code check character: C9 = 11 - (sum of C_i * W_i mod 11).

    GB 11714-1997; 10 is written 'X' and 11 is written '0'.
    """
    if len(body8) != 8:
        raise InvalidInputError(
            f"the organisation code body must be 8 characters, got {len(body8)}",
            field="organization_code",
            rule=RULE_ORG_CHECK_CHARACTER,
        )
    total = 0
    for position, (char, weight) in enumerate(
        zip(body8, _ORG_WEIGHTS, strict=True), start=1
    ):
        value = _ORG_VALUES.get(char)
        if value is None:
            raise InvalidInputError(
                f"organisation code character {position} is {char!r}; only digits "
                "and upper-case letters are allowed",
                field="organization_code",
                rule=RULE_ORG_CHECK_CHARACTER,
            )
        total += value * weight
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def compose_uscc(region_code: str, org_body8: str, prefix: str = "91") -> str:
    """A USCC from its parts, with both check characters computed: the
    registration authority and entity type (`91`: 工商, 企业), the region
    code, the 8-character organisation code body plus its GB 11714 check
    character, and the GB 32100 check character."""
    first17 = f"{prefix}{region_code}{org_body8}{org_code_check_character(org_body8)}"
    return first17 + uscc_check_character(first17)


def _charset_error(position: int, char: str) -> InvalidInputError:
    return InvalidInputError(
        f"USCC character {position} is {char!r}, which is not in the GB 32100-2015 "
        f"character set {CHARSET} (I, O, S, V, Z are never used)",
        field=_FIELD,
        rule=RULE_CHARSET,
    )


def validate_uscc(code: str, *, check_characters: bool = True) -> str:
    """Return the normalised code (trimmed, upper case) or raise InvalidInputError
    naming the rule that failed. Without `check_characters`, only the code's
    shape is checked (length, character set, region digits): an imported
    code that fails a check character is kept for manual review."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise InvalidInputError(
            f"a USCC has 18 characters (GB 32100-2015), got {len(normalised)}",
            field=_FIELD,
            rule=RULE_LENGTH,
        )
    for position, char in enumerate(normalised, start=1):
        if char not in _USCC_VALUES:
            raise _charset_error(position, char)
    # Positions 3-8: 登记管理机关行政区划码, a GB/T 2260 code, always digits.
    for position in range(3, 9):
        char = normalised[position - 1]
        if char not in _DIGITS:
            raise InvalidInputError(
                f"USCC positions 3-8 are the registering authority's region code "
                f"(GB/T 2260) and must be digits; character {position} is {char!r}",
                field=_FIELD,
                rule=RULE_REGION_CODE,
            )
    if not check_characters:
        return normalised
    # Positions 9-17: 主体标识码, the GB 11714-1997 organisation code with its own
    # check character at position 17.
    expected_org = org_code_check_character(normalised[8:16])
    if normalised[16] != expected_org:
        raise InvalidInputError(
            f"the embedded organisation code {normalised[8:16]}-{normalised[16]} "
            f"fails the GB 11714-1997 check: character 17 should be "
            f"{expected_org!r}, found {normalised[16]!r}",
            field=_FIELD,
            rule=RULE_ORG_CHECK_CHARACTER,
        )
    expected = uscc_check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidInputError(
            f"the USCC check character (GB 32100-2015, position 18) should be "
            f"{expected!r}, found {normalised[17]!r}",
            field=_FIELD,
            rule=RULE_CHECK_CHARACTER,
        )
    return normalised


def region_code_of(uscc: str) -> str:
    """Positions 3-8: the registering authority's GB/T 2260 region code."""
    return validate_uscc(uscc)[2:8]


def _pydantic_uscc(value: str) -> str:
    if value != value.strip():  # a code is exact: what the schema's pattern says
        raise ValueError("a USCC has no surrounding spaces")
    try:
        return validate_uscc(value)
    except InvalidInputError as exc:
        # pydantic only turns ValueError into a ValidationError.
        raise ValueError(exc.detail) from exc


def _pydantic_imported_uscc(value: str) -> str:
    if value != value.strip():
        raise ValueError("a USCC has no surrounding spaces")
    try:
        return validate_uscc(value, check_characters=False)
    except InvalidInputError as exc:
        raise ValueError(exc.detail) from exc


# The code's shape as a JSON Schema pattern (either case; stored upper case).
# The two check characters cannot be a regular expression: the schema names
# them with `format: uscc` and its description, and `casetrace uscc generate`
# makes valid codes.
USCC_PATTERN: Final = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}$"
USCC_JSON_SCHEMA: Final[dict[str, Any]] = {
    "format": "uscc",
    "minLength": 18,
    "maxLength": 18,
    "pattern": USCC_PATTERN,
    "examples": ["91320803000000019H"],
    "description": "统一社会信用代码 — unified social credit code: 18 characters of "
    "the GB 32100-2015 set (digits and upper-case letters but I, O, S, V, Z); "
    "positions 3–8 the registering authority's GB/T 2260 region code; "
    "positions 9–17 the GB 11714-1997 organisation code with its mod-11 check "
    "character; position 18 the GB 32100 mod-31 check character. "
    "`casetrace uscc generate` makes a valid one.",
}

USCC = Annotated[
    str,
    Field(json_schema_extra=USCC_JSON_SCHEMA),
    AfterValidator(_pydantic_uscc),
]

ImportedUSCC = Annotated[
    str,
    Field(json_schema_extra={**USCC_JSON_SCHEMA, "format": "uscc-imported"}),
    AfterValidator(_pydantic_imported_uscc),
]
"""A code as the enterprise directory keeps it: its shape checked, its check
characters not (a code pushed by the credit system that fails them is kept
and flagged for manual review, DOMAIN §6.4)."""
