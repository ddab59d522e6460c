"""Check-ins, briefs, notes and the agreement dialog as people live them (issue #13).

The world's pair #1: Dana (Berlin) mentors Mia (Lisbon), weekly from Mon 2 March 2026 for
12 weeks, written check-ins; Cora coordinates "prog".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.model import PairStatus
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world

# --- item 1: every configured question is asked, each answer labelled by its question ------


async def test_every_configured_question_is_asked_and_labels_its_answer_in_the_brief(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    out = await c.say(
        "cora", "configure prog questions What did you try? | What comes next? | Who helped you?"
    )
    assert "questions" in out, out
    out = await c.say("mia", "checkin", "no")
    assert "What did you try?" in out
    out = await c.say("mia", "Sketched three layouts")
    assert "What comes next?" in out
    out = await c.say("mia", "Pick one layout")
    assert "Who helped you?" in out
    out = await c.say("mia", "Dana and a friend", "4", "Skip")
    assert "check-in 1 recorded" in out
    brief = told(out, "dana")
    assert "What did you try?: Sketched three layouts" in brief
    assert "What comes next?: Pick one layout" in brief
    assert "Who helped you?: Dana and a friend" in brief
    assert "Blockers" not in brief and "Progress" not in brief


async def test_the_default_questions_suit_the_mentor_too(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("dana", "checkin", "no")
    assert "toward your goals" not in out
    assert "What progress did you make toward the goals you agreed on?" in out


# --- item 2: a mentor's shared check-in note reaches the mentee ----------------------------


async def test_a_mentors_shared_check_in_note_reaches_the_mentee(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say(
        "dana", "checkin", "no", "Reviewed her case study", "Nothing", "5",
        "Bring the printed portfolio on Thursday", "Share with my partner",
    )  # fmt: skip
    assert "check-in 1 recorded" in own(out)
    to_mia = told(out, "mia")
    assert "Dana Berg checked in for period 1 and shared a note with you." in to_mia
    assert "Shared note: Bring the printed portfolio on Thursday" in to_mia
    assert "Reviewed her case study" not in to_mia  # only the note is shared

    # A note shared on an edit reaches her too; a private one never does.
    out = await c.say(
        "dana", "checkin", "no", "Reviewed it", "Nothing", "5",
        "And the slides, please", "Share with my partner",
    )  # fmt: skip
    assert "Shared note: And the slides, please" in told(out, "mia")
    out = await c.say(
        "dana", "checkin", "no", "Reviewed it", "Nothing", "5", "Mia seems tired", "Only me"
    )
    assert told(out, "mia") == ""


# --- item 9: a typed word means what its button means, on every step ----------------------


async def test_typing_skip_at_an_optional_step_skips_it(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "checkin", "no", "Drafted the case study", "nothing", "4")
    assert "Anything else to note?" in out
    out = await c.say("mia", "skip")
    assert "Who may see this note?" not in out  # nothing to share: no note was written
    assert "check-in 1 recorded" in out
    assert "Shared note" not in told(out, "dana")
    out = await c.say("dana", "brief")
    assert "skip" not in out.lower()


async def test_typing_a_buttons_first_word_presses_it(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("dana", "agree", "keep")  # "Keep: Get a design job"
    assert "How often do you check in?" in out
    out = await c.say("dana", "keep", "keep", "keep")
    assert "When do you start?" in out
    out = await c.say("dana", "today", "keep", "keep", "keep")
    assert "Sent to Mia Sousa" in out
    proposal = told(out, "mia")
    assert "Goals: Get a design job" in proposal
    assert "Timeline: Mon 02 Mar 2026 to Mon 25 May 2026" in proposal


# --- item 15: late nudges are reworded or dropped; the last day says one thing -------------


async def _dispatched(app: Mentorhub, c: ConsoleSession) -> str:
    start = c.out.tell()
    await app.dispatch()
    await app.deliver()
    return c.out.getvalue()[start:]


async def _passed(app: Mentorhub, c: ConsoleSession, delta: timedelta) -> str:
    start = c.out.tell()
    await app.pass_time(delta)
    return c.out.getvalue()[start:]


async def test_a_meeting_reminder_handled_after_its_period_opened_is_dropped(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    # Calls from now on: each period has a meeting reminder the evening before it opens.
    await c.say("mia", "agree", "#1", "#1", "call", "#1", "30", "#1", "#1", "#1", "#1")
    assert "is in force" in await c.say("dana", "confirm")
    clock.set(datetime(2026, 3, 8, 18, tzinfo=UTC))  # Sunday evening: on time
    out = await _dispatched(app, c)
    assert "Tomorrow a new period starts" in told(out, "mia")
    # We were down from then until Monday 16 March, 10:00: the reminder for the period
    # that opened that morning no longer fits; its check-in opening is what Mia gets.
    clock.set(datetime(2026, 3, 16, 10, tzinfo=UTC))
    out = await _dispatched(app, c)
    out += await _passed(app, c, timedelta(minutes=5))  # the opening follows the last close
    assert "Check-in 3 with Dana Berg is open" in told(out, "mia")
    assert "Tomorrow a new period starts" not in out


async def test_the_agreements_last_day_brings_one_coherent_message(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    # Three weekly periods of calls, ending Monday 23 March; nobody ever checks in.
    await c.say("mia", "agree", "#1", "#1", "call", "#1", "30", "#1", "2026-03-23", "#1", "#1")
    assert "is in force" in await c.say("dana", "confirm")
    for day in range(3, 23):
        clock.set(datetime(2026, 3, day, 10, tzinfo=UTC))
        await _dispatched(app, c)
    clock.set(datetime(2026, 3, 23, 10, tzinfo=UTC))
    out = await _dispatched(app, c)
    for person in ("mia", "dana"):
        last_day = told(out, person)
        assert "reaches its end date today" in last_day
        # (buttons are numbered across everything the line brought: the numbers vary)
        assert re.search(r"\[#\d+ Carry on\]  \[#\d+ Close the pair\]", last_day)
        assert "paused" not in last_day and "We missed your check-in" not in last_day
    assert "missed 3 check-ins in a row" in told(out, "cora")
    assert "paused" not in told(out, "cora")
    async with app.uow() as uow:
        pair = await uow.pairs.get(1)
        assert pair is not None and pair.status is PairStatus.ACTIVE


# --- item 16: nothing surprising -------------------------------------------------------------


async def test_nobody_gets_a_third_person_notice_about_their_own_action(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("dana", "pause pair=1")
    assert "Pair #1 is paused until further notice; your partner is told." in own(out)
    assert "Dana Berg paused pair #1" in told(out, "mia")
    assert told(out, "dana") == ""
    out = await c.say("dana", "resume pair=1")
    assert "Pair #1 is active again. Your partner is told." in own(out)
    assert "Dana Berg resumed pair #1" in told(out, "mia")
    assert told(out, "dana") == ""


async def test_leaving_a_program_is_told_to_its_coordinator(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("olga", "enroll prog mentee", "figma", "Learn Figma", "async", "#1")
    out = await c.say("olga", "leave prog")
    assert "You've left Test program." in own(out)
    assert "Olga Ivanova left Test program." in told(out, "cora")


async def test_a_counter_proposal_shows_what_changed(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say(
        "dana", "agree", "#1", "Every two weeks", "call", "#1", "45", "#1", "#1", "24", "#1"
    )
    assert "Sent to Mia Sousa" in own(out)
    proposal = told(out, "mia")
    assert "What changed since version 1:" in proposal
    assert "• Check-ins: every two weeks (was weekly)" in proposal
    assert "• How we talk: call — here in chat (was async — here in chat)" in proposal
    assert "• Meetings: 45 minutes (new)" in proposal  # written agreements have no meetings
    assert "• We answer within: 24 hours (was 48 hours)" in proposal
    assert "• Goals" not in proposal  # unchanged fields aren't listed as changes


async def test_the_proposer_is_not_shown_the_whole_agreement_again(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "agree", "#1", "#1", "call", "#1", "45", "#1", "#1", "24", "#1")
    assert own(out).count("Goals:") == 1  # the summary of what she sent, once
    out = await c.say("dana", "confirm")
    to_mia = told(out, "mia")
    assert "Dana Berg confirmed. Agreement version 2 is in force for pair #1." in to_mia
    assert "Goals:" not in to_mia


async def test_another_reason_for_ending_asks_for_it(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "end", "Another reason")
    assert "what is the reason? Only coordinators see it." in out
    out = await c.say("mia", "I am moving abroad", "4", "Skip", "No")
    assert "Pair #1 is closed." in own(out)
    assert "was ended by Mia Sousa: another reason: I am moving abroad." in told(out, "cora")
    assert "moving abroad" not in told(out, "dana")


async def test_the_review_says_where_the_pair_stands(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 16, 10, tzinfo=UTC))  # day 15 of a 12-week agreement
    out = await c.say("mia", "review", "4", "Skip", "Skip", "Skip")
    assert "You're in week 3 of 12. Does your agreement still fit?" in out
    assert "Halfway" not in out


async def test_the_agreement_dialog_counts_its_steps_and_asks_meetings_only_for_live_modes(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    out = await c.say("mia", "agree", "#1", "#1", "Written check-ins", "#1", "#1", "#1", "#1")
    assert "(1/8)" in out and "(8/8)" in out
    assert "How long is a typical meeting" not in out and "Last step" not in out
    out = await c.say("mia", "#1")
    assert "Meetings:" not in own(out)  # a written agreement has no meetings to show
    out = await c.say("mia", "agree", "#1", "#1", "Calls", "#1")
    assert "(5/9)" in out and "How long is a typical meeting" in out
    out = await c.say("mia", "45", "#1", "#1", "#1", "#1")
    assert "(9/9)" in out
    assert "Meetings: 45 minutes" in own(out)


async def test_a_stale_accept_says_what_happened_and_the_mentor_gets_one_message(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    await c.say("noah", "ask @erik_lund")
    out = await c.say("erik", "accept 2")
    assert "You accepted Noah Sato. I've told them." in own(out)
    assert "You're paired with Noah Sato as your mentee (pair #2)." in own(out)
    assert told(out, "erik") == ""  # one message, not a second notice
    assert "You're paired with Erik Lund as your mentor (pair #2)." in told(out, "noah")
    out = await c.say("erik", "accept 2")
    assert "You accepted that request already: it's pair #2; nothing changed." in out
    assert "agreeing" not in out
