"""What people type is read the way they meant it: prose with apostrophes, settings in
natural units, time zones as people name them, typos, and buttons pressed by number."""

from __future__ import annotations

import pytest

from bots.bootstrap import Mentorhub
from tests.console_harness import ConsoleSession, own
from tests.journeys.world import copy_of_world


@pytest.fixture
async def world(sqlite_app: Mentorhub, tmp_path_factory: pytest.TempPathFactory) -> ConsoleSession:
    return await copy_of_world(sqlite_app, tmp_path_factory.getbasetemp())


# --- prose is taken as typed (item 11) ------------------------------------------------------


async def test_apostrophes_in_prose_are_text_not_quotes(world: ConsoleSession) -> None:
    out = own(await world.say("mia", "note I don't know", "Only me", "notes"))
    assert "unclosed quote" not in out
    assert "(private): I don't know" in out
    out = own(await world.say("mia", 'note pair=1 Dana\'s tip: "ship it"', "Only me", "notes"))
    assert '(private): Dana\'s tip: "ship it"' in out
    out = own(await world.say("mia", "profile name Zoë O'Brien"))
    assert "Zoë O'Brien" in out and "unclosed quote" not in out
    out = own(await world.say("mia", 'profile name "Zoë Smith"'))  # one pair of quotes: unwrapped
    assert "Name: Zoë Smith" in out
    out = own(await world.say("cora", "configure prog questions What did you try? | What's next?"))
    assert "What did you try? | What's next?" in out
    out = own(await world.say("mia", "goal program=prog Ship the students' portfolio"))
    assert "unclosed quote" not in out and "Ship the students' portfolio" in out
