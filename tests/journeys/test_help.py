"""Help shows each person what they may do: coordinator commands only to coordinators."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from tests.console_harness import own
from tests.journeys.world import build_world


async def test_help_lists_coordinator_commands_only_to_coordinators(app: Mentorhub) -> None:
    c = await build_world(app)
    coordinator_help = own(await c.say("cora", "help"))
    assert "Coordinators:" in coordinator_help and "`status`" in coordinator_help
    for person in ("mia", "dana", "olga"):
        help_text = own(await c.say(person, "help"))
        assert "Coordinators:" not in help_text and "`status`" not in help_text
        assert "checkin" in help_text


async def test_an_unknown_command_gets_a_suggestion_not_the_whole_help(app: Mentorhub) -> None:
    c = await build_world(app)
    coordinator_view = own(await c.say("cora", "statuss"))
    assert "I don't know the command 'statuss'. Did you mean `status`?" in coordinator_view
    assert "Coordinators:" not in coordinator_view
    for person in ("mia", "dana"):
        view = own(await c.say(person, "/frobnicate"))
        assert "I don't know the command 'frobnicate'." in view
        assert "Coordinators:" not in view and "status <program>" not in view
