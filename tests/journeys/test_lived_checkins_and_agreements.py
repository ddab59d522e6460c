"""Check-ins, briefs, notes and the agreement dialog as people live them (issue #13).

The world's pair #1: Dana (Berlin) mentors Mia (Lisbon), weekly from Mon 2 March 2026 for
12 weeks, written check-ins; Cora coordinates "prog".
"""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from tests.console_harness import own, told
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
