"""Hostile inputs shared by the fuzz tests: bounded, so the whole directory runs in seconds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded runs: no deadline (a shared CI machine), a fixed number of examples.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "@everyone",
    "@here",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@U123|boss>",
    "<#C123>",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "<t:1700000000:F>",
    "</pause:123>",
    "<https://evil.example|your bank>",
    "[Click here](https://evil.example/login)",
    "[a](<https://evil.example>)",
    "\\[x](https://evil.example)",
    "**bold** _it_ ~~s~~ `code` ```block``` > quote || spoiler ||",
    "<b>bold</b> <a href='https://evil.example'>x</a> &amp; &lt;",
    "/pause",
    "`pause`",
    "evil.example",
    "https://evil.example",
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\u200d",
    "\u2060",
    "\ufeff",
    "\ud800",  # lone surrogates
    "\udfff",
    "\ue000",  # our own moment markers (private use)
    "\ue001",
    "&",
    "<",
    ">",
    "\n",
    "\r\n",
    "\x00",
    "1. item",
    "# heading",
    "😀",
    "👨‍👩‍👧",
]

# Text made of hostile pieces and arbitrary characters (surrogates included).
hostile_text = st.lists(
    st.sampled_from(HOSTILE) | st.text(max_size=20),
    max_size=12,
).map("".join)

# Now and then very long: 10,000 characters and more.
long_text = st.builds(
    lambda piece, n: (piece * (n // max(len(piece), 1) + 1))[:n],
    st.sampled_from(HOSTILE) | st.text(min_size=1, max_size=5),
    st.integers(min_value=3000, max_value=12_000),
)

any_text = hostile_text | long_text


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    """Arbitrary JSON whose objects mostly use ``keys``, so deep paths get reached."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**64)
        | st.floats(allow_nan=True)
        | hostile_text
    )
    key = st.sampled_from(keys) | st.text(max_size=6)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=6),
        max_leaves=25,
    )


def json_objects(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), json_values(keys))
