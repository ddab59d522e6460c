from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.i18n import translate
from core.text import (
    clean_amount,
    clean_languages,
    clean_text,
    clean_timezone,
    handle_from_name,
    likely_timezones,
)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_time_zones_in_any_reasonable_spelling(typed: str, zone: str) -> None:
    assert clean_timezone(typed) == zone


def test_unknown_time_zone_says_what_a_valid_one_looks_like() -> None:
    with pytest.raises(InvalidInput) as error:
        clean_timezone("Europe/Berln")
    text = translate(error.value.user_text(), "en")
    assert "Did you mean Europe/Berlin" in text
    assert "IANA name like Europe/Berlin" in text


def test_languages_are_validated_and_deduplicated() -> None:
    assert clean_languages("en, DE,en pt-br") == ("en", "de", "pt-br")
    with pytest.raises(InvalidInput) as error:
        clean_languages("english!")
    assert translate(error.value.message, "en") == "'english!' is not a language code."


def test_text_limits_name_the_limit_and_drop_control_characters() -> None:
    assert clean_text(" hi\x00 there\u202e ", what="note", limit=20) == "hi there"
    with pytest.raises(InvalidInput) as error:
        clean_text("x" * 21, what="note", limit=20)
    said = translate(error.value.message, "en")
    assert said == "The note is 21 characters long; the limit is 20."


def test_handles_and_zone_suggestions() -> None:
    assert handle_from_name("Zoë O'Brien") == "zoe_o_brien"
    assert handle_from_name("123") == "user_123"
    assert likely_timezones("de")[0] == "Europe/Berlin"
    assert likely_timezones("en-US")[0] == "America/New_York"


@pytest.mark.parametrize(
    ("typed", "unit", "amount"),
    [
        ("12 Wochen", "weeks", 12),
        ("84 días", "weeks", 12),
        ("2 нед.", "weeks", 2),
        ("3 semanas", "weeks", 3),
        ("1 Stunde", "minutes", 60),
        ("90 Min.", "minutes", 90),
        ("45 мин", "minutes", 45),
        ("30 minutos", "minutes", 30),
        ("2 horas", "hours", 2),
    ],
)
def test_a_length_of_time_in_any_of_our_languages(typed: str, unit: str, amount: int) -> None:
    """People answer in the language they read: each unit's names in every width and
    plural form that CLDR knows for our languages count, beside the English ones."""
    assert clean_amount(typed, what="x", unit=unit, low=1, high=10_000) == amount


def test_a_word_that_names_no_unit_is_still_refused() -> None:
    with pytest.raises(InvalidInput):
        clean_amount("12 Äpfel", what="x", unit="weeks", low=1, high=100)
