"""Region codes: prefix coverage, normalisation, parent and level."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import (
    RegionCode,
    covers,
    level_of,
    normalise_region_code,
    parent_of,
    validate_region_code,
)


class Unit(BaseModel):
    region_code: RegionCode


@pytest.mark.parametrize("unit", ["32", "3208", "320803"])
def test_province_city_and_county_units_cover_a_county_case(unit: str) -> None:
    assert covers(unit, "320803")


@pytest.mark.parametrize("unit", ["3209", "320804", "33"])
def test_units_elsewhere_do_not_cover_a_county_case(unit: str) -> None:
    assert not covers(unit, "320803")


def test_city_unit_covers_a_case_coded_as_the_city_with_trailing_zeros() -> None:
    assert covers("3208", "320800")


def test_county_unit_does_not_cover_a_city_level_case() -> None:
    assert not covers("320803", "320800")


def test_city_unit_does_not_cover_a_province_level_case() -> None:
    assert not covers("3208", "320000")


def test_unit_code_with_trailing_zeros_is_normalised_before_the_prefix_check() -> None:
    assert covers("320800", "320803")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("320800", "3208"), ("320000", "32"), ("3200", "32"), ("320803", "320803")],
)
def test_normalise_strips_trailing_zero_pairs(code: str, expected: str) -> None:
    assert normalise_region_code(code) == expected


def test_validate_trims_but_keeps_the_code_as_given() -> None:
    assert validate_region_code(" 320800 ") == "320800"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("320803", "3208"), ("3208", "32"), ("32", None), ("320800", "32")],
)
def test_parent_goes_county_city_province_then_none(
    code: str, expected: str | None
) -> None:
    assert parent_of(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("32", "province"),
        ("3208", "city"),
        ("320803", "county"),
        ("320800", "city"),
        ("320000", "province"),
    ],
)
def test_level_treats_trailing_zero_pairs_as_the_level_above(
    code: str, expected: str
) -> None:
    assert level_of(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "3",  # odd lengths are not a GB/T 2260 level
        "320",
        "32080",
        "3208031",  # too long
        "32a8",  # not digits
        "\uff13\uff12",  # full-width digits
        "00",  # no province 00
        "000000",
        "320008",  # a county part under a 00 city part
    ],
)
def test_invalid_region_codes_are_rejected(code: str) -> None:
    with pytest.raises(InvalidInputError, match="region code") as excinfo:
        validate_region_code(code)
    assert excinfo.value.field == "region_code"


def test_covers_rejects_an_invalid_case_code() -> None:
    with pytest.raises(InvalidInputError, match="must be 2"):
        covers("32", "32080")


def test_pydantic_region_code_raises_validation_error() -> None:
    with pytest.raises(ValidationError, match="must be 2"):
        Unit(region_code="32080")
