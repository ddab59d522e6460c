"""What happens as time passes: requests expire and pass on, pauses lift, flows persist."""

from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.conftest import make_app
from tests.console_harness import ConsoleSession, told
from tests.journeys.world import build_world


async def test_an_unanswered_request_expires_and_passes_to_the_next_choice(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    out = await c.say("noah", "ask @erik_lund @dana_berg")
    assert "They have 72 hours to answer." in out
    clock.advance(timedelta(hours=71))
    await app.upkeep()
    await app.deliver()
    assert "expired" not in c.out.getvalue()
    clock.advance(timedelta(hours=2))
    start = c.out.tell()
    await app.upkeep()
    await app.deliver()
    out = c.out.getvalue()[start:]
    assert "Erik Lund didn't answer in time. I've asked your next choice, Dana Berg." in told(
        out, "noah"
    )
    assert "Noah Sato would like you as their mentor" in told(out, "dana")
    assert "A mentoring request to you expired" in told(out, "erik")
    start = c.out.tell()
    await app.upkeep()  # a second run changes nothing and sends nothing
    await app.deliver()
    assert c.out.getvalue()[start:] == ""


async def test_a_pause_lifts_by_itself_on_its_end_date(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    out = await c.say("mia", "pause 2026-03-10")
    assert "You're paused until Tue 10 Mar 2026" in out
    # dana reads when the pause lifts on her own clock (Berlin), not on mia's calendar
    assert "Mia Sousa paused pair #1 until Wed 11 Mar 2026 01:00 CET" in told(out, "dana")
    clock.set(clock.now().replace(day=10, hour=22))  # 22:00 UTC is 22:00 in Lisbon: still the 10th
    await app.upkeep()
    await app.deliver()
    assert "resumed" not in c.out.getvalue()
    clock.advance(timedelta(hours=3))
    await app.upkeep()
    await app.deliver()
    assert "The pause's end date resumed pair #1." in told(c.out.getvalue(), "dana")


async def test_a_flow_survives_a_restart(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    out = await c.say("mia", "feedback", "4")
    assert "What happened?" in out
    await app.close()
    restarted = make_app(app.config.database.url, clock)
    try:
        c2 = ConsoleSession(restarted)
        out = await c2.say("mia", "Dana walked me through her portfolio critique")
        assert "What effect did it have?" in out
    finally:
        await restarted.close()
