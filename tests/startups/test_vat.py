"""The partita IVA check digit."""
import pytest

from alliance.startups import vat
from tests.factories import vat_with_check_digit


@pytest.mark.parametrize("number", [
    "12345678903",      # the textbook example
    "00743110157",      # real format: Milan office code 015
    "01114601006",
    "IT12345678903",    # with the country prefix
    "123 456 789 03",   # with spaces
])
def test_vat_valid_numbers_accepted(number):
    assert vat.is_valid(number)
    assert vat.error_message(number) is None


@pytest.mark.parametrize("first_ten", ["0000000001", "9876543210", "0743110015", "5555555555"])
def test_vat_check_digit_completes_any_ten_digits(first_ten):
    assert vat.is_valid(first_ten + str(vat.check_digit(first_ten)))
    assert vat_with_check_digit(first_ten) == first_ten + str(vat.check_digit(first_ten))


@pytest.mark.parametrize("number", ["12345678901", "12345678904", "00743110158", "01114601001"])
def test_vat_wrong_check_digit_refused(number, ctx):
    assert vat.problem(number) == vat.WRONG_CHECK_DIGIT
    assert "check digit" in vat.error_message(number)


@pytest.mark.parametrize("number", ["1234567890", "123456789012", "", "1234567890A", "ABCDEFGHIJK",
                                    "١٢٣٤٥٦٧٨٩٠٣"])
def test_vat_wrong_length_or_letters_refused(number, ctx):
    assert vat.problem(number) == vat.NOT_ELEVEN_DIGITS
    assert "11 digits" in vat.error_message(number)


def test_vat_every_single_digit_typo_detected():
    valid = "12345678903"
    for position in range(11):
        for digit in "0123456789":
            if digit == valid[position]:
                continue
            typo = valid[:position] + digit + valid[position + 1:]
            assert not vat.is_valid(typo), typo
