"""Through the hub: forged, truncated and other people's button ids, and arbitrary
command lines. Never an unexpected exception (the apology), and never a partial write:
a refused call changes no row; another person's dialog button changes nothing at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.bootstrap import Mentorhub
from core.commands import build_registry
from core.hub import APOLOGY
from core.i18n import translate
from core.messages import Outcome
from tests.fuzz.strategies import FUZZ, any_text, hostile_text
from tests.journeys.test_authorization_matrix import ROLES, _ref, _restore, _world
from tests.journeys.test_reads_never_write import Snapshot, snapshot

# Commands that leave mia with an open dialog and buttons, and buttons on cards.
OPENERS = ["agree pair=1", "pause", "end pair=1", "profile"]
USERS = sorted(set(ROLES.values()))
VERBS = [spec.name for spec in build_registry().all(include_hidden=True)]


def _action_ids(outcome: Outcome) -> list[str]:
    return [choice.action for reply in outcome.replies for choice in reply.choices]


async def _mias_buttons(app: Mentorhub) -> list[str]:
    found: list[str] = []
    for line in OPENERS:
        verb, _, rest = line.partition(" ")
        found += _action_ids(await app.hub.command(_ref("mia"), verb, rest))
    return found


@pytest.fixture
async def world(sqlite_app: Mentorhub, tmp_path_factory: pytest.TempPathFactory) -> Mentorhub:
    await _world(sqlite_app, tmp_path_factory.getbasetemp())
    return sqlite_app


_SEEN: dict[int, tuple[list[str], Snapshot]] = {}


async def _prepared(app: Mentorhub) -> tuple[list[str], Snapshot]:
    """mia's buttons (her dialog left open) and every row then: once per app."""
    if id(app) not in _SEEN:
        buttons = await _mias_buttons(app)
        assert any(b.startswith("d:") for b in buttons), buttons
        _SEEN[id(app)] = (buttons, await snapshot(app))
    return _SEEN[id(app)]


def _forged(real: str) -> st.SearchStrategy[str]:
    return (
        st.integers(0, len(real)).map(lambda n: real[:n])  # truncated
        | st.tuples(st.integers(0, len(real)), hostile_text).map(  # tampered
            lambda cut: real[: cut[0]] + cut[1] + real[cut[0] + 1 :]
        )
        | st.just(real)
    )


@FUZZ
@given(data=st.data())
async def test_other_peoples_buttons_and_forged_ones(world: Mentorhub, data: st.DataObject) -> None:
    app = world
    buttons, pristine = await _prepared(app)
    presser = data.draw(st.sampled_from([u for u in USERS if u != "mia"]))
    action = data.draw(
        st.sampled_from(buttons).flatmap(_forged)
        | any_text
        | st.sampled_from(["d:", "d::::", "c:", "c::", ":", "d:1:1", "d:x:y:z"])
    )
    outcome = await app.hub.action(_ref(presser), action)
    texts = [reply.text for reply in outcome.replies]
    assert translate(APOLOGY, None) not in texts, (presser, action)
    after = await snapshot(app)
    if action.startswith("d:") or any(reply.is_error for reply in outcome.replies):
        assert after == pristine, (presser, action, texts)
    elif after != pristine:  # a forged "c:…" is a command the presser may run: undo it
        await _restore(app)
        _SEEN.pop(id(app))


@FUZZ
@given(
    user=st.sampled_from(USERS),
    verb=st.sampled_from(VERBS) | hostile_text,
    text=any_text | st.sampled_from(["pair=1", "prog", "progb", "#1", "1"]),
    typed=st.booleans(),
)
async def test_arbitrary_command_lines(
    world: Mentorhub, user: str, verb: str, text: str, typed: bool
) -> None:
    app = world
    pristine = await snapshot(app)
    if typed:
        outcome = await app.hub.message(_ref(user), f"{verb} {text}")
    else:
        outcome = await app.hub.command(_ref(user), verb, text)
    texts = [reply.text for reply in outcome.replies]
    assert translate(APOLOGY, None) not in texts, (user, verb, text)
    after = await snapshot(app)
    if any(reply.is_error for reply in outcome.replies):
        assert after == pristine, (user, verb, text, texts)
    if after != pristine:
        await _restore(app)
