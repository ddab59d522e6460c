"""The shared step builders: what a button means never depends on where it sits."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from core.dialogs import parse_yes_no, two_choice_step
from core.errors import InvalidInput

if TYPE_CHECKING:
    from core.context import Context

NO_CONTEXT = cast("Context", None)  # these parsers read only the raw answer


@pytest.mark.parametrize("order", ["shared first", "private first"])
async def test_two_choice_step_stores_true_for_the_named_value_in_any_order(order: str) -> None:
    shared, private = ("Share", "shared"), ("Only me", "private")
    first, second = (shared, private) if order == "shared first" else (private, shared)
    step = two_choice_step("s", "Who?", first, second, true_when="shared", error="Pick one.")

    prompt = await step.ask(NO_CONTEXT, {})
    assert list(prompt.choices) == [first, second] and not prompt.free_text
    assert await step.parse(NO_CONTEXT, {}, "shared") is True
    assert await step.parse(NO_CONTEXT, {}, "private") is False
    with pytest.raises(InvalidInput, match="Pick one"):
        await step.parse(NO_CONTEXT, {}, "maybe")


def test_two_choice_step_refuses_a_true_value_that_is_no_choice() -> None:
    with pytest.raises(ValueError, match="neither choice"):
        two_choice_step("s", "Who?", ("A", "a"), ("B", "b"), true_when="c", error="x")


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), (" Y ", True), ("No", False)])
async def test_yes_no(raw: str, expected: bool) -> None:
    assert await parse_yes_no(NO_CONTEXT, {}, raw) is expected


async def test_yes_no_explains_anything_else() -> None:
    with pytest.raises(InvalidInput, match="yes or no"):
        await parse_yes_no(NO_CONTEXT, {}, "perhaps")
