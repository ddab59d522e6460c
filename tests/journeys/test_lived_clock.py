"""Everything time-driven follows the core clock: when a scripted run's `:advance` jumps,
pauses end, requests expire and nudges fire at their own moments on the way, in order."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world


async def world_with_clock(app: Mentorhub) -> ConsoleSession:
    return await build_world(app)  # the harness's console passes time as `run` wires it


async def test_a_pause_ends_on_its_date_while_the_clock_jumps_past_it(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await world_with_clock(app)
    await c.say("mia", "pause 2026-03-10")
    out = await c.say("cora", ":advance 14d")
    assert "(clock moves to 2026-03-16 09:00 UTC)" in own(out)
    assert clock.now().isoformat() == "2026-03-16T09:00:00+00:00"
    to_dana = told(out, "dana")
    assert "The pause's end date resumed pair #1." in to_dana
    # The check-in that opens after the pause ended is sent, not cancelled by a late resume.
    after_resume = to_dana.split("The pause's end date resumed pair #1.")[1]
    assert "Time to check in" in after_resume
    status = await c.say("cora", "status prog")
    assert "Pairs: active 1" in status


async def test_a_request_expires_and_passes_on_as_the_clock_jumps(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await world_with_clock(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    await c.say("noah", "ask @erik_lund @dana_berg")
    out = await c.say("noah", ":advance 4d")
    assert "I've asked your next choice, Dana Berg." in told(out, "noah")
    assert "A mentoring request to you expired" in told(out, "erik")


async def test_the_weekly_digest_goes_out_on_monday_morning_of_the_moved_clock(
    app: Mentorhub,
) -> None:
    c = await world_with_clock(app)
    out = await c.say("cora", ":advance 6d")  # Sunday: no digest yet
    assert "this week ==" not in told(out, "cora")
    out = await c.say("cora", ":advance 1d")  # past Monday 07:00 UTC
    assert "== Test program: this week ==" in told(out, "cora")
