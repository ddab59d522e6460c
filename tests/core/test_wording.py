from __future__ import annotations

from datetime import date

import pytest

from core.errors import InvalidInput
from core.i18n import PSEUDO, translate
from core.services.wording import cadence_label, counted, fmt_day
from core.text import clean_amount, clean_int, clean_text


def test_days_counts_and_cadences_read_as_before_in_english() -> None:
    assert translate(fmt_day(date(2026, 3, 10)), "en") == "Tue 10 Mar 2026"
    assert translate(fmt_day(date(2026, 1, 4)), "en") == "Sun 04 Jan 2026"
    assert translate(counted(1, "period"), "en") == "1 period"
    assert translate(counted(1000, "day"), "en") == "1,000 days"
    assert translate(counted(2, "open pair"), "en") == "2 open pairs"
    assert [translate(cadence_label(d), "en") for d in (7, 14, 30, 10)] == [
        "weekly",
        "every two weeks",
        "monthly",
        "every 10 days",
    ]


def test_days_counts_and_cadences_are_translated() -> None:
    for shown in (fmt_day(date(2026, 3, 10)), counted(3, "pair"), cadence_label(7)):
        assert translate(shown, PSEUDO).startswith("⟦")
    assert "Ṁàŕ" in translate(fmt_day(date(2026, 3, 10)), PSEUDO)


def test_a_noun_without_a_message_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no counted message"):
        counted(2, "widget")


@pytest.mark.parametrize(
    ("check", "english"),
    [
        (lambda: clean_text(" ", what="goal", limit=5), "The goal can't be empty."),
        (
            lambda: clean_int("9", what="rating", low=1, high=5),
            "The rating must be from 1 to 5; you wrote 9.",
        ),
        (
            lambda: clean_amount("200", what="duration", unit="weeks", low=1, high=104),
            "The duration must be from 1 to 104 weeks; you wrote 200.",
        ),
        (
            lambda: clean_amount("10d", what="duration", unit="weeks", low=1, high=104),
            "The duration must be a whole number of weeks; you wrote 10d.",
        ),
    ],
)
def test_validation_errors_name_what_was_wrong(check: object, english: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check()  # type: ignore[operator]
    assert translate(error.value.message, "en") == english
    assert translate(error.value.message, PSEUDO).startswith("⟦")
