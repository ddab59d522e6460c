"""The authorization matrix: every command in the registry × every kind of person.

Generated from the registry: a command without an argument recipe or an expectation
fails the test, so a new command can't skip it. Each cell says what the person gets:
``ok``, or the kind of refusal (the error class the hub turned into a reply). A refused
call writes nothing: every row of every table is the same before and after.

One world (two programs, built once per session through the console) is shared by all
of a role's calls; it is copied back only after a call that changed something.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bots.bootstrap import Mentorhub
from core.errors import MentorhubError
from core.identity import Platform, UserRef
from tests.journeys.test_reads_never_write import Snapshot, row_counts, snapshot
from tests.journeys.world import build_world

# Who each column is (console users of the world below).
ROLES: dict[str, str] = {
    "unregistered": "zed",
    "non_member": "olga",
    "mentee_a": "mia",
    "mentor_a": "dana",
    "coordinator_a": "cora",
    "coordinator_b": "bea",
    "participant_b": "paul",
}

# The text after the verb. Everything names program A ("prog"), its pair #1, its people
# and mia's goal #1: what a role may do to A is the question.
RECIPES: dict[str, str] = {
    "help": "",
    "start": '"Zed Zero" UTC en',
    "profile": "timezone Europe/Paris",
    "cancel": "",
    "privacy": "",
    "newprogram": "newp New program",
    "programs": "",
    "program": "prog",
    "enroll": "prog mentee",
    "leave": "prog",
    "configure": "prog cadence biweekly",
    "coordinator_accept": "prog",
    "coordinator_decline": "prog",
    "coordinator": "prog olga_ivanova",
    "mentors": "prog",
    "ask": "program=prog erik_lund",
    "accept": "1",
    "decline": "1",
    "pairs": "",
    "block": "dana_berg",
    "unblock": "dana_berg",
    "assign": "prog mia_sousa erik_lund",
    "suggest": "prog",
    "match": "prog",
    "agree": "pair=1",
    "confirm": "pair=1",
    "agreement": "pair=1",
    "checkin": "pair=1",
    "checkins": "pair=1",
    "brief": "pair=1",
    "goal": "program=prog Learn auto layout",
    "goals": "",
    "goal_done": "1",
    "goal_share": "1",
    "goal_progress": "1 50",
    "note": "pair=1 A private note",
    "notes": "pair=1",
    "pause": "pair=1",
    "resume": "pair=1",
    "end": "pair=1",
    "rematch": "program=prog",
    "feedback": "pair=1",
    "review": "pair=1",
    "status": "prog",
    "export": "prog",
    "dashboard": "prog",
    "link": "prog",
    "announce": "prog Hello everyone",
    "my_data": "",
    "forget_me": "confirm=yes",
    "connect": "",
    "connect_answer": "1 yes",
    "connections": "",
    "language": "de",
    "disconnect": "console",
    "say": "pair=1 Hello",
    "relay": "pair=1 on",
}

OK = "ok"
REG = "NotRegistered"
DENY = "NotAllowed"
NONE = "NotFound"
CONF = "Conflict"
BAD = "InvalidInput"

# Per command, one cell per role in ROLES' order:
# unregistered, non_member, mentee_a, mentor_a, coordinator_a, coordinator_b, participant_b
EXPECTED: dict[str, tuple[str, ...]] = {
    "help": (OK, OK, OK, OK, OK, OK, OK),
    "start": (OK, OK, OK, OK, OK, OK, OK),
    "profile": (REG, OK, OK, OK, OK, OK, OK),
    "cancel": (OK, OK, OK, OK, OK, OK, OK),
    "privacy": (OK, OK, OK, OK, OK, OK, OK),
    "newprogram": (REG, OK, OK, OK, OK, OK, OK),
    "programs": (REG, OK, OK, OK, OK, OK, OK),
    "program": (REG, OK, OK, OK, OK, OK, OK),
    "enroll": (REG, OK, CONF, OK, OK, OK, OK),
    "leave": (REG, NONE, CONF, CONF, NONE, NONE, NONE),
    "configure": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    "coordinator_accept": (REG, NONE, NONE, NONE, CONF, NONE, NONE),
    "coordinator_decline": (REG, NONE, NONE, NONE, CONF, NONE, NONE),
    "coordinator": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    "mentors": (REG, DENY, OK, DENY, DENY, DENY, DENY),
    "ask": (REG, NONE, CONF, NONE, NONE, NONE, NONE),
    "accept": (REG, NONE, NONE, CONF, NONE, NONE, NONE),
    "decline": (REG, NONE, NONE, CONF, NONE, NONE, NONE),
    "pairs": (REG, OK, OK, OK, OK, OK, OK),
    "block": (REG, NONE, OK, BAD, OK, NONE, NONE),
    "unblock": (REG, NONE, OK, OK, OK, NONE, NONE),
    "assign": (REG, DENY, DENY, DENY, CONF, DENY, DENY),
    "suggest": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    "match": (REG, DENY, DENY, DENY, CONF, DENY, DENY),
    "agree": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "confirm": (REG, NONE, CONF, CONF, NONE, NONE, NONE),
    "agreement": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "checkin": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "checkins": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "brief": (REG, NONE, CONF, NONE, NONE, NONE, NONE),
    "goal": (REG, DENY, OK, OK, DENY, DENY, DENY),
    "goals": (REG, OK, OK, OK, OK, OK, OK),
    "goal_done": (REG, NONE, OK, NONE, NONE, NONE, NONE),
    "goal_share": (REG, NONE, OK, NONE, NONE, NONE, NONE),
    "goal_progress": (REG, NONE, OK, NONE, NONE, NONE, NONE),
    "note": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "notes": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "pause": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "resume": (REG, NONE, CONF, CONF, NONE, NONE, NONE),
    "end": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "rematch": (REG, NONE, CONF, NONE, NONE, NONE, NONE),
    "feedback": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "review": (REG, NONE, OK, OK, NONE, NONE, NONE),
    "status": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    "export": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    # [web] isn't enabled here: the coordinator is told the operator hasn't turned it on
    "dashboard": (REG, DENY, DENY, DENY, CONF, DENY, DENY),
    "link": (REG, DENY, DENY, DENY, BAD, DENY, DENY),
    "announce": (REG, DENY, DENY, DENY, OK, DENY, DENY),
    "my_data": (REG, OK, OK, OK, OK, OK, OK),
    "forget_me": (REG, OK, OK, OK, OK, OK, OK),
    "connect": (REG, OK, OK, OK, OK, OK, OK),
    "connect_answer": (REG, NONE, NONE, NONE, NONE, NONE, NONE),
    "connections": (REG, OK, OK, OK, OK, OK, OK),
    "language": (REG, OK, OK, OK, OK, OK, OK),
    "disconnect": (REG, DENY, DENY, DENY, DENY, DENY, DENY),
    "say": (REG, NONE, CONF, CONF, NONE, NONE, NONE),
    "relay": (REG, NONE, OK, OK, NONE, NONE, NONE),
}


async def _build(app: Mentorhub) -> None:
    """build_world (cora coordinates 'prog'; dana mentors mia, pair #1 in force; erik a
    mentor with room; olga registered, in no program), plus mia's goal #1 in prog, and a
    second program 'progb' coordinated by bea with ben mentoring paul (pair #2)."""
    c = await build_world(app)
    out = await c.say("mia", "goal program=prog Get a design job by summer")
    assert "#1" in out, out
    await c.register("bea", "Bea Boss", "Europe/Madrid")
    await c.say("bea", "newprogram progb Program B")
    await c.register("ben", "Ben Brown", "Europe/Rome")
    await c.say("ben", "enroll progb mentor 1", "figma", "async", "#1")
    await c.register("paul", "Paul Poe", "Europe/Paris")
    await c.say("paul", "enroll progb mentee", "figma", "Get better", "async", "#1")
    out = await c.say("bea", "assign progb paul_poe ben_brown")
    assert "#2" in out, out
    for user in ("bea", "cora", "paul", "ben", "mia", "dana"):
        await c.say(user, "cancel")  # leave no dialog open


_TEMPLATE: dict[str, Path] = {}


def _db_file(app: Mentorhub) -> Path:
    return Path(str(make_url(app.config.database.url).database))


async def _restore(app: Mentorhub) -> None:
    await app.engine.dispose()  # closes connections (and checkpoints the WAL)
    shutil.copyfile(_TEMPLATE["matrix"], _db_file(app))


async def _world(app: Mentorhub, tmp_root: Path) -> None:
    if "matrix" not in _TEMPLATE:
        await _build(app)
        await app.engine.dispose()
        template = tmp_root / "matrix-world.db"
        shutil.copyfile(_db_file(app), template)
        _TEMPLATE["matrix"] = template
    else:
        await _restore(app)


def _ref(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user.capitalize(), locale="en")


def test_every_command_has_a_recipe_and_an_expectation(sqlite_app: Mentorhub) -> None:
    names = {spec.name for spec in sqlite_app.hub.registry.all(include_hidden=True)}
    assert set(RECIPES) == names, (
        f"no argument recipe for {sorted(names - set(RECIPES))}; "
        f"recipes for unknown commands {sorted(set(RECIPES) - names)}"
    )
    assert set(EXPECTED) == names, (
        f"no expectation for {sorted(names - set(EXPECTED))}; "
        f"expectations for unknown commands {sorted(set(EXPECTED) - names)}"
    )
    assert all(len(cells) == len(ROLES) for cells in EXPECTED.values())


@pytest.mark.parametrize("role", list(ROLES))
async def test_matrix(
    role: str,
    sqlite_app: Mentorhub,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = sqlite_app
    await _world(app, tmp_path_factory.getbasetemp())
    raised: list[str] = []
    user_text = MentorhubError.user_text

    def spy(self: MentorhubError) -> str:
        raised.append(type(self).__name__)
        return user_text(self)

    monkeypatch.setattr(MentorhubError, "user_text", spy)
    column = list(ROLES).index(role)
    pristine: Snapshot = await snapshot(app)
    observed: dict[str, str] = {}
    wrong: list[str] = []
    for spec in app.hub.registry.all(include_hidden=True):
        raised.clear()
        outcome = await app.hub.command(_ref(ROLES[role]), spec.name, RECIPES.get(spec.name, ""))
        errors = [reply.text for reply in outcome.replies if reply.is_error]
        got = raised[-1] if raised else ("Apology" if errors else OK)
        observed[spec.name] = got
        after = await snapshot(app)
        if got != OK and after != pristine:
            wrong.append(f"{spec.name}: refused ({got}) but wrote {_diff(pristine, after)}")
        expected = EXPECTED.get(spec.name, ("?",) * len(ROLES))[column]
        if got != expected:
            wrong.append(f"{spec.name}: expected {expected}, got {got}: {errors[:1]}")
        if after != pristine:
            await _restore(app)
    assert not wrong, "\n".join(wrong) + "\n\nobserved:\n" + _table(observed)


def _diff(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    counts_before, counts_after = row_counts(before), row_counts(after)
    return {
        name: (counts_before[name], counts_after[name])
        for name in before
        if before[name] != after[name]
    }


def _table(observed: dict[str, str]) -> str:
    return "\n".join(f"    {name!r}: {value!r}," for name, value in observed.items())


# Across programs: a coordinator or participant of B acting in B on A's people and pairs
# (and the other way round). Each refused; none writes.
ACROSS: list[tuple[str, str, str, str]] = [
    ("bea", "assign", "progb mia_sousa dana_berg", CONF),
    ("bea", "assign", "progb paul_poe dana_berg", CONF),
    ("bea", "assign", "progb mia_sousa ben_brown", CONF),
    ("bea", "block", "mia_sousa", NONE),
    ("bea", "coordinator_accept", "prog", NONE),
    ("paul", "ask", "program=progb dana_berg", CONF),
    ("paul", "ask", "program=prog dana_berg", NONE),
    ("paul", "goal_progress", "1 50", NONE),
    ("mia", "agree", "pair=2", NONE),
    ("mia", "end", "pair=2", NONE),
    ("mia", "note", "pair=2 hello", NONE),
    ("mia", "mentors", "progb", DENY),
    ("cora", "assign", "prog paul_poe dana_berg", CONF),
    ("cora", "export", "progb", DENY),
    ("cora", "announce", "progb Hello", DENY),
    ("cora", "coordinator", "progb olga_ivanova", DENY),
    ("dana", "goal_share", "1", NONE),
]


async def test_across_programs(
    sqlite_app: Mentorhub,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = sqlite_app
    await _world(app, tmp_path_factory.getbasetemp())
    raised: list[str] = []
    user_text = MentorhubError.user_text

    def spy(self: MentorhubError) -> str:
        raised.append(type(self).__name__)
        return user_text(self)

    monkeypatch.setattr(MentorhubError, "user_text", spy)
    pristine = await snapshot(app)
    wrong = []
    for user, verb, text, expected in ACROSS:
        raised.clear()
        await app.hub.command(_ref(user), verb, text)
        got = raised[-1] if raised else OK
        if got != expected:
            wrong.append(f"{user}: {verb} {text}: expected {expected}, got {got}")
        after = await snapshot(app)
        if after != pristine:
            wrong.append(f"{user}: {verb} {text}: wrote {_diff(pristine, after)}")
            await _restore(app)
    assert not wrong, "\n".join(wrong)
    export = await app.hub.command(_ref("bea"), "export", "progb")
    shown = repr(export)
    assert all(name not in shown for name in ("Mia", "Dana", "Cora", "Erik", "Olga")), shown
