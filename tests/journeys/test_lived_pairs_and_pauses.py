"""Pairs and pauses as people live them: asking several mentors, pauses that are whose they
are, what coordinators see, why nobody can be matched, ended pairs, and catching up."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from tests.console_harness import own
from tests.journeys.world import build_world


async def test_asking_several_mentors_counts_the_ones_still_in_line(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    out = own(await c.say("noah", "ask @erik_lund @dana_berg"))
    assert "I'll ask the next on your list (1 more)." in out, out
