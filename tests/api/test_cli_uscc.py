"""`casetrace uscc`: make a valid code for a test case, and check one."""

from __future__ import annotations

from typer.testing import CliRunner

from api.host.cli import app
from domain.shared.uscc import (
    RULE_CHECK_CHARACTER,
    RULE_ORG_CHECK_CHARACTER,
    validate_uscc,
)

runner = CliRunner()


def test_generate_prints_valid_codes_for_the_region() -> None:
    result = runner.invoke(
        app, ["uscc", "generate", "--region", "320803", "--count", "20"]
    )
    assert result.exit_code == 0, result.output
    codes = result.output.split()
    assert len(codes) == 20
    for code in codes:
        assert validate_uscc(code) == code
        assert code.startswith("91320803")


def test_generate_honours_kind_and_body() -> None:
    result = runner.invoke(
        app,
        [
            "uscc",
            "generate",
            "--region",
            "350100",
            "--kind",
            "91",
            "--body",
            "M000100Y",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "91350100M000100Y43"  # a published code (DOMAIN §6)


def test_generate_refuses_a_region_that_is_not_a_county_code() -> None:
    result = runner.invoke(app, ["uscc", "generate", "--region", "3208"])
    assert result.exit_code == 2
    assert "6-digit region code" in result.output


def test_check_says_valid_and_shows_the_parts() -> None:
    result = runner.invoke(app, ["uscc", "check", "91350100m000100y43"])
    assert result.exit_code == 0, result.output
    assert "valid: 91350100M000100Y43" in result.output
    assert "M000100Y-4" in result.output


def test_check_names_the_failed_check_character_rule_and_exits_1() -> None:
    result = runner.invoke(app, ["uscc", "check", "91350100M000100Y44"])
    assert result.exit_code == 1
    assert "should be '3', found '4'" in result.output
    assert RULE_CHECK_CHARACTER in result.output


def test_check_names_the_organisation_code_rule() -> None:
    result = runner.invoke(app, ["uscc", "check", "91350100M000100Y53"])
    assert result.exit_code == 1
    assert RULE_ORG_CHECK_CHARACTER in result.output


def test_check_names_the_character_set_rule() -> None:
    result = runner.invoke(app, ["uscc", "check", "91350100M00010OY43"])
    assert result.exit_code == 1
    assert "character 15 is 'O'" in result.output
