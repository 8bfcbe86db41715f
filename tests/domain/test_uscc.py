"""USCC validation: GB 32100-2015 check character and GB 11714-1997 org code."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from domain.shared.errors import InvalidInputError
from domain.shared.uscc import (
    RULE_CHARSET,
    RULE_CHECK_CHARACTER,
    RULE_LENGTH,
    RULE_ORG_CHECK_CHARACTER,
    RULE_REGION_CODE,
    USCC,
    compose_uscc,
    org_code_check_character,
    region_code_of,
    uscc_check_character,
    validate_uscc,
)

# DOMAIN §6.4, plus the letter-prefixed code python-stdnum wrongly rejects.
VALID_CODES = [
    "91350100M000100Y43",
    "91110000600037341L",
    "9144030071526726XG",
    "91330100799655058B",
    "914403001922038216",
    "91110108551385082Q",
    "91110108MA01G0FB09",
    "Y1110000600037341Y",
]


class Party(BaseModel):
    uscc: USCC


@pytest.mark.parametrize("code", VALID_CODES)
def test_published_codes_pass_both_checks(code: str) -> None:
    assert validate_uscc(code) == code


def test_org_code_check_character_by_hand() -> None:
    # 91110000600037341L, body 60003734 with GB 11714 weights 3,7,9,10,5,8,4,2:
    # 6*3 + 0*7 + 0*9 + 0*10 + 3*5 + 7*8 + 3*4 + 4*2 = 18+15+56+12+8 = 109;
    # 109 mod 11 = 10; 11 - 10 = 1.
    assert org_code_check_character("60003734") == "1"


def test_uscc_check_character_by_hand() -> None:
    # 9111000060003734 1 with weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28:
    # 9*1 + 1*3 + 1*9 + 1*27 + 0 + 0 + 0 + 0 + 6*20 + 0 + 0 + 0 + 3*8 + 7*24
    # + 3*10 + 4*30 + 1*28 = 9+3+9+27+120+24+168+30+120+28 = 538;
    # 538 mod 31 = 11; 31 - 11 = 20 = 'L' (the set skips I and O).
    assert uscc_check_character("91110000600037341") == "L"


def test_uscc_check_character_of_the_standard_example_is_3() -> None:
    # DOMAIN §6.2 worked example: sum 1640, 1640 mod 31 = 28, 31 - 28 = 3.
    assert uscc_check_character("91350100M000100Y4") == "3"


def test_uscc_check_value_31_wraps_to_0() -> None:
    # 9*1+1*3+3*9+2*27+1*26+M21*20+A10*29+1*25+2*8+2*24+X29*10+Y30*30 = 2108
    # = 68*31, so 31 - 0 = 31, written as '0'.
    assert uscc_check_character("91320100MA1022XY0") == "0"


def test_org_code_check_value_10_is_written_x() -> None:
    # From 9144030071526726XG.
    assert org_code_check_character("71526726") == "X"


def test_org_code_check_value_11_is_written_0() -> None:
    # From 91110108MA01G0FB09; letters use A=10 ... Z=35 here, not USCC values.
    assert org_code_check_character("MA01G0FB") == "0"


def test_lowercase_and_surrounding_whitespace_are_normalised() -> None:
    assert validate_uscc("  91110108ma01g0fb09\n") == "91110108MA01G0FB09"


def test_region_code_is_positions_3_to_8() -> None:
    assert region_code_of("91350100M000100Y43") == "350100"


def test_wrong_length_is_rejected_by_the_length_rule() -> None:
    with pytest.raises(InvalidInputError, match=r"18 characters.*got 17") as excinfo:
        validate_uscc("91350100M000100Y4")
    assert (excinfo.value.rule, excinfo.value.field) == (RULE_LENGTH, "uscc")


def test_character_outside_the_gb32100_set_is_named_with_its_position() -> None:
    # The standard's misprinted example: 'Z' is not in the 31-character set.
    with pytest.raises(InvalidInputError, match="character 18 is 'Z'") as excinfo:
        validate_uscc("91350100M000100Y4Z")
    assert excinfo.value.rule == RULE_CHARSET


def test_letter_o_is_not_in_the_set_even_mid_code() -> None:
    with pytest.raises(InvalidInputError, match="character 9 is 'O'"):
        validate_uscc("91350100O000100Y43")


def test_letters_in_the_region_positions_are_rejected() -> None:
    # Both check characters are made consistent, so only the region rule fails.
    first17 = "9135A100M000100Y4"
    code = first17 + uscc_check_character(first17)
    with pytest.raises(InvalidInputError, match="character 5 is 'A'") as excinfo:
        validate_uscc(code)
    assert excinfo.value.rule == RULE_REGION_CODE


def test_broken_org_check_character_is_caught_even_with_a_valid_18th() -> None:
    # Position 17 changed from '4' to '5' and position 18 recomputed.
    first17 = "91350100M000100Y5"
    code = first17 + uscc_check_character(first17)
    with pytest.raises(InvalidInputError, match="should be '4', found '5'") as excinfo:
        validate_uscc(code)
    assert excinfo.value.rule == RULE_ORG_CHECK_CHARACTER


def test_wrong_18th_character_says_expected_and_found() -> None:
    with pytest.raises(InvalidInputError, match="should be '3', found '4'") as excinfo:
        validate_uscc("91350100M000100Y44")
    assert excinfo.value.rule == RULE_CHECK_CHARACTER


def test_pydantic_type_normalises_a_valid_code() -> None:
    assert Party(uscc="91110108ma01g0fb09").uscc == "91110108MA01G0FB09"


def test_pydantic_type_refuses_surrounding_spaces_as_its_schema_does() -> None:
    # The OpenAPI pattern says 18 code characters; the server agrees.
    with pytest.raises(ValidationError, match="surrounding spaces"):
        Party(uscc=" 91110108MA01G0FB09")


def test_pydantic_type_raises_validation_error_with_the_rule_message() -> None:
    with pytest.raises(ValidationError, match="should be '3', found '4'"):
        Party(uscc="91350100M000100Y44")


def test_composed_code_reproduces_a_published_one_and_validates() -> None:
    # 91350100M000100Y43 (DOMAIN §6): region 350100, organisation body M000100Y.
    assert compose_uscc("350100", "M000100Y") == "91350100M000100Y43"
    assert validate_uscc(compose_uscc("320803", "00000042")) == compose_uscc(
        "320803", "00000042"
    )
