"""Nudges in the order and the words people live them: a new period opens after the last
one closed, deadlines read on each person's clock, a resume says what is open, and a
person's own pause offers nobody else a button that can't work (issue #13: 6, 13, 15, 17)."""

from __future__ import annotations

import re
from datetime import timedelta

from bots.bootstrap import Mentorhub
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world


async def passed(app: Mentorhub, c: ConsoleSession, delta: timedelta) -> str:
    start = c.out.tell()
    await app.pass_time(delta)
    return c.out.getvalue()[start:]


async def test_no_new_period_opens_for_a_pair_its_last_close_pauses(app: Mentorhub) -> None:
    """Dana (Berlin) is an hour ahead of Mia (Lisbon), whose morning closes each period:
    the period after the third silent one must not open for Dana before the pause."""
    c = await build_world(app)
    out = await passed(app, c, timedelta(days=22))  # three weekly periods, nobody checks in
    to_dana = told(out, "dana")
    assert "paused pair #1" in to_dana
    assert "Check-in 4 with Mia Sousa is open" not in to_dana
    assert "Check-in 3 with Mia Sousa is open" in to_dana  # the ones before did open


async def test_the_answer_deadline_reads_on_each_persons_clock(app: Mentorhub) -> None:
    """Erik (New York) mentors Olga (Tokyo). A period closes on Olga's Monday morning,
    which is still Sunday evening for Erik: his deadline is that instant; hers is the end
    of her Sunday, like Dana's (Berlin) is for Mia (Lisbon)."""
    c = await build_world(app)
    await c.say("olga", "profile timezone Asia/Tokyo")
    await c.say("olga", "enroll prog mentee", "figma", "Learn Figma", "async", "#1")
    await c.say("cora", "assign prog olga_ivanova erik_lund")
    await c.say("olga", "agree", "#1", "weekly", "async", "here in chat")
    await c.say("olga", "2026-03-09", "12w", "48", "#1")
    assert "is in force" in await c.say("erik", "confirm")
    out = await passed(app, c, timedelta(days=7, hours=6))  # Monday 9 March, 11:00 in NY
    opening = told(out, "erik")
    assert re.search(
        r"Check-in 1 with Olga Ivanova is open until Sun 15 Mar 2026 19:[34]\d EDT", opening
    ), opening
    assert "Check-in 1 with Erik Lund is open through Sun 15 Mar 2026." in told(out, "olga")
    assert "Check-in 2 with Mia Sousa is open through Sun 15 Mar 2026." in told(out, "dana")
    saved = own(await c.say("erik", "checkin", "no", "Intro call", "nothing", "4", "skip"))
    assert re.search(r"You can change it until Sun 15 Mar 2026 19:[34]\d EDT", saved), saved


async def test_a_check_in_already_answered_is_not_announced_again(app: Mentorhub) -> None:
    c = await build_world(app)  # Monday 2 March, 09:00 UTC: period 1 opens this morning
    out = own(await c.say("mia", "checkin", "no", "Drafted", "nothing", "4", "skip"))
    assert "check-in 1 recorded" in out
    out = await passed(app, c, timedelta(hours=3))
    assert "Check-in 1 with Dana Berg is open" not in told(out, "mia")
    assert "Check-in 1 with Mia Sousa is open" in told(out, "dana")


async def test_a_resume_says_which_check_in_is_open(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("mia", "pause pair=1 2026-03-10")  # before period 2 opens on 9 March
    out = await passed(app, c, timedelta(days=9))  # the pause ends on the 11th
    assert "resumed pair #1" in told(out, "dana")
    assert "Check-in 2 is open through Sun 15 Mar 2026." in told(out, "dana")


async def test_a_persons_own_pause_offers_the_partner_no_resume_button(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "pause 2026-03-20")
    notice = told(out, "dana")
    assert "Mia Sousa paused pair #1" in notice and "Resume" not in notice
    refused = own(await c.say("dana", "resume pair=1"))
    # The pause ends at the start of Mia's 21 March (Lisbon): 01:00 on Dana's Berlin clock.
    assert "Mia Sousa paused themselves until Sat 21 Mar 2026 01:00 CET" in refused
    await c.say("mia", "resume")
    out = await c.say("mia", "pause pair=1 2026-03-25")  # a pause of the pair: either lifts it
    assert "Resume" in told(out, "dana")
