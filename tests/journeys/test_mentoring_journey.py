"""A whole mentoring relationship through the console adapter, as five people.

Two mentees, two mentors and a coordinator: program creation, joining, a request that is
declined and passed on, an assignment, an agreement proposed, countered and confirmed,
three check-ins with one missed, a goal completed, a pause and resume, an end with a
reason, a rematch, and the closing survey.
"""

from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.console_harness import ConsoleSession, own, told


async def test_the_whole_relationship(app: Mentorhub, clock: ManualClock) -> None:
    c = ConsoleSession(app)
    # -- a coordinator creates the program ------------------------------------------------
    await c.register("cora", "Cora Lead", "Europe/London")
    out = await c.say("cora", "newprogram design-26 Design mentoring 2026")
    assert "Program Design mentoring 2026 created; you're its coordinator." in out
    out = await c.say("cora", "configure design-26 cadence weekly")
    assert "Check-ins: weekly" in out

    # -- mentors and mentees join, each with a profile for the program -------------------
    await c.register("dana", "Dana Berg", "Europe/Berlin", "en,de")
    await c.say("dana", "enroll design-26 mentor 2", "ux research, figma, career", "async", "#1")
    await c.register("erik", "Erik Lund", "America/New_York")
    out = await c.say("erik", "enroll design-26 mentor 1", "figma, portfolio", "call", "Mornings")
    assert "You're in Design mentoring 2026 as a mentor." in out
    assert "Erik Lund joined Design mentoring 2026 as a mentor." in told(out, "cora")

    await c.register("mia", "Mia Sousa", "Europe/Lisbon", "en,pt")
    out = await c.say("mia", "enroll design-26 mentee", "figma, portfolio, career")
    assert "What do you want to achieve" in out
    out = await c.say("mia", "Land my first product design job", "#1", "#1")
    assert "Next: `mentors design-26`" in out
    await c.register("noah", "Noah Sato", "Asia/Tokyo", "ja,en")
    await c.say(
        "noah", "enroll design-26 mentee", "ux research", "Run my own interviews", "async", "#1"
    )

    # -- Mia browses mentors and asks two, in order ----------------------------------------
    out = await c.say("mia", "mentors")
    # Same skill overlap; Dana is an hour away and prefers written check-ins like Mia.
    assert out.index("== Dana Berg ==") < out.index("== Erik Lund ==")
    assert "Why: both interested in career and figma; both prefer async" in out, out
    assert "Why: both interested in figma and portfolio" in out, out
    assert "Time: Berlin is 1 h ahead of Lisbon" in out and "New York is 5 h behind Lisbon" in out
    out = await c.say("mia", "ask @erik_lund @dana_berg")
    assert "I've asked Erik Lund. They have 72 hours to answer." in out
    request = told(out, "erik")
    assert "Mia Sousa would like you as their mentor" in request
    assert "Goals: Land my first product design job" in request

    # Erik declines: Mia hears it kindly, without a reason; Dana is asked next.
    out = await c.say("erik", "#2")
    assert "Declined." in out
    assert (
        "Erik Lund can't take a new mentee right now. I've asked your next choice, Dana Berg."
        in told(out, "mia")
    )
    assert "Mia Sousa would like you as their mentor" in told(out, "dana")
    out = await c.say("dana", "#1")  # Accept
    assert "You accepted Mia Sousa." in out
    assert "You're paired with Dana Berg as your mentor (pair #2)." in told(out, "mia")
    assert "You're paired with Mia Sousa as your mentee (pair #2)." in own(out)  # one message
    assert told(out, "dana") == ""

    # -- the coordinator assigns Noah; rules hold ------------------------------------------
    out = await c.say("cora", "assign design-26 noah_sato dana_berg")
    assert "Paired #3 Dana Berg (mentor) & Noah Sato (mentee)." in out
    out = await c.say("cora", "assign design-26 noah_sato erik_lund")
    assert "Noah Sato already has an open pair in Design mentoring 2026." in out

    # -- agreement: proposed by Mia, countered by Dana, confirmed by Mia -------------------
    out = await c.say("mia", "agree")
    assert "(1/8)" in out and "Use the mentee's goals" in out
    await c.say("mia", "#1", "weekly", "async", "here in chat")
    out = await c.say("mia", "2026-03-09", "12w", "48", "#1")
    assert "Sent to Dana Berg. It's in force when they confirm." in out
    proposal = told(out, "dana")
    assert "Goals: Land my first product design job" in proposal
    assert (
        "Check-ins: weekly" in proposal
        and "Timeline: Mon 09 Mar 2026 to Mon 01 Jun 2026" in proposal
    )

    out = await c.say("dana", "#2")  # Suggest changes: every step offers to keep Mia's value
    assert "Keep: Land my first product design job" in out
    out = await c.say("dana", "#1", "#1", "call", "#1")  # calls: a meeting length to agree
    assert "Keep: 30 min" in out
    out = await c.say("dana", "45", "#1", "8w", "#1", "#1")
    assert "Timeline: Mon 09 Mar 2026 to Mon 04 May 2026" in own(out)
    counter = told(out, "mia")
    assert "Dana Berg proposed a change to your agreement (version 2)" in counter
    assert "Meetings: 45 minutes" in counter
    out = await c.say("dana", "confirm pair=2")
    assert "You've already confirmed this version" in out
    out = await c.say("mia", "#1")  # Confirm
    assert "Agreement version 2 is in force for pair #2." in out
    assert "Agreement version 2 is in force" in told(out, "dana")

    # -- check-ins: week 1 both answer, the mentee's answers brief the mentor -------------
    out = await c.say("mia", "checkin")
    assert "Your first check-in opens Mon 09 Mar 2026." in out
    clock.set(clock.now().replace(day=9, hour=10))
    out = await c.say("mia", "checkin", "#1", "#2", "Finished the case study draft", "Nothing", "4")
    assert "Anything else to note?" in out
    out = await c.say("mia", "I'm nervous about presenting", "#1")  # Only me
    assert "check-in 1 recorded" in out
    brief = told(out, "dana")
    assert "toward the goals you agreed on?: Finished the case study draft" in brief
    assert "Rating: 4/5" in brief
    assert "nervous" not in brief  # a private note stays private
    out = await c.say("dana", "checkin")
    assert "You have several pairs (#2, #3); which one?" in out and "[#1 #2 with Mia Sousa]" in out
    out = await c.say("dana", "#1", "#1", "#2", "Reviewed the draft", "#1", "5", "#1")
    assert "check-in 1 recorded" in out
    assert "Dana Berg checked in for period 1." in told(out, "mia")

    # Mia edits her answer while the period is open.
    out = await c.say("mia", "checkin")
    assert "You answered already; this replaces your answer." in out
    out = await c.say("mia", "#1", "#2", "Finished and shared the case study", "Nothing", "5", "#1")
    assert "check-in 1 recorded" in out
    assert "Mia Sousa checked in (updated)." in told(out, "dana")

    # -- week 2: Mia adds a goal, checks in; week 3 is missed --------------------------------
    clock.advance(timedelta(days=7))
    out = await c.say("mia", "goal Present the case study at the design crit")
    assert "Goal #1 added." in out
    out = await c.say("mia", "#1")  # share with mentor
    assert "shared a goal with you: Present the case study" in told(out, "dana")
    await c.say("mia", "checkin", "#2", "Rehearsed the presentation", "Slides", "4", "#1")
    clock.advance(timedelta(days=7))  # week 3: nobody answers
    clock.advance(timedelta(days=7))  # week 4
    out = await c.say("mia", "goal_done 1")
    assert "Goal #1 done." in out
    assert "Mia Sousa completed a goal: Present the case study at the design crit" in told(
        out, "dana"
    )
    out = await c.say("mia", "checkins")
    assert "1. Mon 09 Mar 2026: done" in out
    assert "2. Mon 16 Mar 2026: partial" in out
    assert "3. Mon 23 Mar 2026: missed" in out
    await c.say("mia", "checkin", "#1", "#3", "Presented! Got two interviews", "Nothing", "5", "#1")
    out = await c.say(
        "dana", "checkin", "#1", "#1", "#3", "Prepared interview practice", "#1", "5", "#1"
    )
    assert "check-in 4 recorded" in out

    out = await c.say("cora", "status design-26")
    assert "Pairs: declined 1, agreeing 1, active 1" in out
    assert "Check-ins this period: 2/2 answers (100%)" in out
    assert "#3 Dana Berg & Noah Sato: no agreement after 28 days" in out
    assert "Finished" not in out and "Presented" not in out  # aggregates, never answers

    # -- a pause freezes the cadence; resume continues it -----------------------------------
    out = await c.say("dana", "pause 2026-04-20 pair=2")
    assert "Pair #2 is paused until Mon 20 Apr 2026" in out
    # mia reads when the pause lifts on her own clock (Lisbon), not on dana's calendar
    assert "Dana Berg paused pair #2 until Mon 20 Apr 2026 23:00 WEST." in told(out, "mia")
    out = await c.say("mia", "checkin")
    assert "Pair #2 is paused, so check-ins are on hold." in out
    clock.advance(timedelta(days=14))
    out = await c.say("mia", "resume pair=2")
    assert "Pair #2 is active again." in out
    assert "Mia Sousa resumed pair #2." in told(out, "dana")
    out = await c.say("mia", "checkins")
    assert "5. Mon 06 Apr 2026: paused" in out  # not counted as missed

    # -- Mia ends the pair privately and asks for a rematch ---------------------------------
    out = await c.say("mia", "end")
    assert "Only coordinators see your reason" in out
    out = await c.say("mia", "#1", "5", "Dana was wonderful", "#1")
    assert "Pair #2 is closed." in out
    assert "You're first in line for a new mentor." in out
    to_dana = told(out, "dana")
    assert (
        "Your mentoring pair with Mia Sousa in Design mentoring 2026 has come to a close."
        in to_dana
    )
    assert "goals reached" not in to_dana and "wonderful" not in to_dana
    to_cora = told(out, "cora")
    assert "Pair #2 (Mia Sousa & Dana Berg) was ended by Mia Sousa: goals reached." in to_cora

    # Dana gives the closing survey with specific feedback.
    out = await c.say("dana", "feedback pair=2")
    assert "Closing survey" in out
    out = await c.say("dana", "5", "great", "Mia presented her case study at the crit")
    assert "Could you be a bit more specific?" in out  # "great" is not specific
    out = await c.say("dana", "She got two interview invitations", "#1")
    assert "feedback saved" in out

    # The coordinator sees Mia first among waiting mentees and rematches her.
    out = await c.say("cora", "status design-26")
    assert "Waiting mentees: Mia Sousa" in out and "rematch" in out
    out = await c.say("cora", "assign design-26 mia_sousa dana_berg")
    assert "Dana Berg and Mia Sousa were paired before." in out
    out = await c.say("cora", "suggest design-26")  # Erik declined her: never suggested
    assert "Mia Sousa: Dana Berg and Mia Sousa were paired before." in out, out
    assert "Erik Lund declined a request from Mia Sousa." in out, out
    out = await c.say("cora", "assign design-26 mia_sousa erik_lund")  # they talked it over
    assert "Paired #4 Erik Lund (mentor) & Mia Sousa (mentee)." in out
    assert "You're paired with Erik Lund as your mentor (pair #4)." in told(out, "mia")

    out = await c.say("cora", "export design-26")
    assert "3 pairs exported." in out
    assert "2,design-26,dana_berg,mia_sousa,ended,requested" in out
    assert "wonderful" not in out and "case study" not in out
