"""The command parser and the action-id codec, on anything at all: a result or a
MentorhubError, never another exception."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.commands import build_registry
from core.errors import MentorhubError
from core.i18n import translate
from core.messages import ACTION_ID_MAX_BYTES, Action
from core.registry import split_words
from tests.fuzz.strategies import FUZZ, any_text, hostile_text

REGISTRY = build_registry()
SPECS = REGISTRY.all(include_hidden=True)
VERBS = [verb for spec in SPECS for verb in (spec.name, *spec.aliases)]

# Words the parser treats specially: quotes, name=value, every argument's name.
PARTS = ['"', "'", "“", "”", "=", " ", "\n", "@", "#", "-", "0", "1", "10000000000"]
PARTS += sorted({f"{arg.name}=" for spec in SPECS for arg in spec.args})
PARTS += sorted({choice for spec in SPECS for arg in spec.args for choice in arg.choices})
command_text = st.lists(st.sampled_from(PARTS) | hostile_text, max_size=10).map(" ".join)


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
@settings(parent=FUZZ, max_examples=25)
@given(text=command_text | any_text)
def test_every_command_parses_anything_or_says_why(spec, text):
    try:
        values = spec.parse(text)
    except MentorhubError as error:
        values = {}
        told = translate(error.user_text(), None)
        assert told and len(told) < 1000  # said, and briefly (never the whole input back)
    assert set(values) <= {arg.name for arg in spec.args}
    for arg in spec.args:
        if arg.name in values and arg.choices:
            assert values[arg.name] in arg.choices


@FUZZ
@given(text=any_text)
def test_split_words_and_lookup(text):
    with contextlib.suppress(MentorhubError):
        split_words(text)
    REGISTRY.get(text)
    REGISTRY.suggest(text[:64])


action_part = st.text(alphabet=st.characters(blacklist_characters=":"), max_size=12)


@FUZZ
@given(kind=action_part, args=st.lists(action_part, max_size=5))
def test_actions_round_trip_or_are_refused_when_too_long(kind, args):
    action = Action(kind, tuple(args))
    try:
        encoded = action.encode()
    except (ValueError, UnicodeEncodeError):
        return  # too long for a button, or unencodable (a lone surrogate): never made
    assert len(encoded.encode()) <= ACTION_ID_MAX_BYTES
    assert Action.decode(encoded) == action


@FUZZ
@given(
    encoded=st.sampled_from(["c:pause:pair=1", "d:12:3:yes", "c:goal_done:1"]).flatmap(
        lambda real: st.integers(0, len(real)).map(lambda n: real[:n])  # truncated
    )
    | st.text(max_size=80)  # forged
    | st.lists(st.sampled_from(["c", "d", ":", *VERBS[:10], "1", "x" * 30]), max_size=8).map(
        "".join
    )
)
def test_decoding_anything_is_an_action_or_a_value_error(encoded):
    try:
        action = Action.decode(encoded)
    except (ValueError, UnicodeEncodeError):
        return
    assert isinstance(action.kind, str)
    assert all(isinstance(arg, str) for arg in action.args)
