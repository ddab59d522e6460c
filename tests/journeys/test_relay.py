"""Messages between partners through the bot: opt-in per pair, limited, no copy kept."""

from __future__ import annotations

from sqlalchemy import select

from bots.bootstrap import Mentorhub
from storage.tables import OutboxRow
from tests.console_harness import own, told
from tests.journeys.world import build_world


async def stored_texts(app: Mentorhub) -> str:
    async with app.engine.connect() as connection:
        rows = await connection.execute(select(OutboxRow.__table__.c.payload))  # type: ignore[attr-defined]
        return repr([row[0] for row in rows])


async def test_say_needs_both_partners_yes(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "say Hello Dana")
    assert "Messages aren't relayed in pair #1: you haven't turned it on" in out, out
    assert told(out, "dana") == ""
    out = await c.say("mia", "relay on")
    assert "once Dana Berg sends `relay on pair=1` too" in out, out
    out = await c.say("mia", "say Hello Dana")
    assert "Dana Berg hasn't turned it on; nothing was sent." in out
    out = await c.say("dana", "relay on")
    assert "Relaying is on for pair #1" in out
    out = await c.say("mia", "say Hello Dana, call me on +351 912 345 678")
    assert "Passed on to Dana Berg. I keep no copy once it's delivered." in own(out)
    relayed = told(out, "dana")
    assert "Mia Sousa (your mentee, pair #1) says:" in relayed
    assert "Hello Dana, call me on +351 912 345 678" in relayed  # she wrote it herself
    assert "Answer with `say pair=1 <your message>`." in relayed
    assert "@" not in relayed and "mia_sousa" not in relayed  # no handle she didn't write
    out = await c.say("dana", "say pair=1 Happy to!")
    assert "Dana Berg (your mentor, pair #1) says:" in told(out, "mia")
    # delivered: the bot keeps neither text, and the coordinator never had it
    assert "Hello Dana" not in await stored_texts(app)
    assert "Happy to" not in await stored_texts(app)
    out = await c.say("cora", "status prog", "export prog")
    assert "Hello Dana" not in out and "Happy to" not in out
    out = await c.say("dana", "relay off")
    assert "Relaying is off for pair #1" in out
    out = await c.say("mia", "say Still there?")
    assert "Dana Berg hasn't turned it on" in out and told(out, "dana") == ""


async def test_agreeing_to_relayed_messages_turns_it_on(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "agree", "#1", "weekly", "async")
    assert "Messages relayed by mentorhub" in out, out
    await c.say("mia", "messages relayed by mentorhub", "2026-03-02", "12w", "48", "#1")
    assert "Messages aren't relayed" in await c.say("mia", "say Before")
    out = await c.say("dana", "confirm")
    assert "Agreement version 2 is in force" in out, out
    out = await c.say("mia", "say After")
    assert "After" in told(out, "dana"), out


async def test_relayed_messages_are_limited_per_sender(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("mia", "relay on")
    await c.say("dana", "relay on")
    for n in range(20):
        assert "Passed on" in await c.say("mia", f"say note {n}")
    out = await c.say("mia", "say one too many")
    assert "You sent 20 messages in the last hour; nothing was sent." in out
    assert told(out, "dana") == ""
    assert "Passed on" in await c.say("dana", "say I can still write")
