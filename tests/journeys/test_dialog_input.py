"""Bad input at every step of every dialog gets a specific message, and the flow stays put.

Each case starts a flow, answers validly up to one step, sends a bad answer, and checks the
message and that the same question is asked again; then a valid answer moves on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.journeys.world import copy_of_world


@dataclass(frozen=True)
class Case:
    user: str
    before: tuple[str, ...]  # the command that starts the flow, then valid answers
    bad: str
    error: str
    asked_again: str
    good: str  # a valid answer to the same step
    moves_to: str  # what the next step (or the end) says


LONG = "x" * 2001
AGREE = ("agree",)
AGREE_TO_END = (*AGREE, "Ship my portfolio", "weekly", "async", "here in chat", "2026-03-09")
CHECKIN = ("checkin",)
CASES = {
    # registration (a person who isn't registered yet)
    "name": Case("newbie", ("start",), "x" * 81, "limit is 80", "What name", "Newbie", "Which time zone"),
    "timezone": Case("newbie", ("start", "Newbie"), "Mars/Olympus", "not a time zone I know", "Which time zone", "Lisbon", "Which languages"),
    "languages": Case("newbie", ("start", "Newbie", "Lisbon"), "english!!", "not a language code", "Which languages", "en", "You're registered"),
    # program sign-up
    "skills": Case("olga", ("enroll prog mentor",), ", ,", "name at least one skill", "What can you help with?", "figma", "How do you prefer"),
    "mode": Case("olga", ("enroll prog mentor", "figma"), "carrier pigeon", "Choose async, chat or call.", "How do you prefer", "async", "When are you usually"),
    "availability": Case("olga", ("enroll prog mentor", "figma", "async"), "x" * 201, "limit is 200", "When are you usually", "Evenings", "How many mentees"),
    "capacity": Case("olga", ("enroll prog mentor", "figma", "async", "Evenings"), "99", "capacity must be from 1 to 20", "[#1 2 (usual)]", "2", "as a mentor"),
    # agreement
    "goals": Case("mia", AGREE, "x" * 301, "limit is 300", "What do you want to achieve together?", "Ship my portfolio", "How often"),
    "cadence": Case("mia", (*AGREE, "Ship"), "fortnightly-ish", "cadence in days must be a whole number", "How often", "weekly", "How will you mostly talk"),
    "agreement mode": Case("mia", (*AGREE, "Ship", "weekly"), "fax", "Choose async, chat or call.", "How will you mostly talk", "call", "Where?"),
    "channel": Case("mia", (*AGREE, "Ship", "weekly", "call"), "x" * 121, "limit is 120", "Where?", "Zoom", "How long is a typical"),
    "minutes": Case("mia", (*AGREE, "Ship", "weekly", "call", "Zoom"), "1000", "from 5 to 240", "How long is a typical", "45", "When do you start"),
    "start": Case("mia", (*AGREE, "Ship", "weekly", "call", "Zoom", "45"), "someday", "is not a date", "When do you start", "2026-03-09", "For how long"),
    "start in the past": Case("mia", (*AGREE, "Ship", "weekly", "call", "Zoom", "45"), "2020-01-01", "more than a week in the past", "When do you start", "2026-03-09", "For how long"),
    "end": Case("mia", AGREE_TO_END, "2026-03-10", "at least one check-in (7 days) after the start", "For how long", "8w", "How quickly"),
    "response": Case("mia", (*AGREE_TO_END, "8w"), "0", "from 1 to 336", "How quickly", "24", "confidentiality"),
    "confidentiality": Case("mia", (*AGREE_TO_END, "8w", "24"), "x" * 301, "limit is 300", "confidentiality", "Between us", "Sent to Dana Berg"),
    # check-in
    "met": Case("mia", CHECKIN, "maybe", "Please answer yes or no.", "Did you meet", "yes", "how long"),
    "checkin minutes": Case("mia", (*CHECKIN, "yes"), "0", "minutes must be from 1 to 600", "how long", "30", "What progress"),
    "progress": Case("mia", (*CHECKIN, "no"), "x" * 301, "limit is 300", "What progress", "Drafted the case study", "What is blocking"),
    "blockers": Case("mia", (*CHECKIN, "no", "Drafted"), "x" * 301, "limit is 300", "What is blocking", "Nothing", "How useful"),
    "rating": Case("mia", (*CHECKIN, "no", "Drafted", "Nothing"), "9", "rating must be from 1 to 5", "How useful", "4", "Anything else to note"),
    "note": Case("mia", (*CHECKIN, "no", "Drafted", "Nothing", "4"), LONG, "limit is 2000", "Anything else to note", "A note", "Who may see this note?"),
    "note visibility": Case("mia", (*CHECKIN, "no", "Drafted", "Nothing", "4", "A note"), "everyone", "Choose 'Only me'", "Who may see this note?", "private", "check-in 1 recorded"),
    # notes
    "note flow": Case("mia", ("note Remember the portfolio review",), "public", "Choose 'Only me'", "Who may see this note?", "Share with my partner", "you and your partner can see it"),
    # feedback
    "feedback rating": Case("mia", ("feedback",), "6", "rating must be from 1 to 5", "Quick pulse", "4", "What happened?"),
    "feedback specific": Case("mia", ("feedback", "4"), "ok", "a bit more specific", "What happened?", "Dana reviewed my case study in detail", "What effect"),
    "feedback share": Case("mia", ("feedback", "4", "Dana reviewed my case study", "I rewrote the intro section", "Keep doing reviews weekly"), "public", "send it or keep it private", "Send this feedback", "private", "feedback saved"),
    # ending
    "end reason": Case("mia", ("end",), "bored", "choose one of the reasons", "Why are you ending", "goals", "how valuable"),
    "end rating": Case("mia", ("end", "goals"), "0", "rating must be from 1 to 5", "how valuable", "5", "Anything the coordinators"),
    "end comment": Case("mia", ("end", "goals", "5"), "x" * 301, "limit is 300", "Anything the coordinators", "Thanks", "new mentor"),
    "rematch": Case("mia", ("end", "goals", "5", "Thanks"), "perhaps", "Please answer yes or no.", "new mentor", "no", "is closed"),
    # profile edit
    "profile value": Case("mia", ("profile timezone",), "Atlantis", "not a time zone I know", "Which time zone", "Asia/Tokyo", "Profile updated"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_bad_answer_is_explained_and_the_step_repeats(
    sqlite_app: Mentorhub, clock: ManualClock, case: Case, tmp_path_factory: pytest.TempPathFactory
) -> None:
    console = await copy_of_world(sqlite_app, tmp_path_factory.getbasetemp())
    console.console.user = case.user
    if case.before[0] == "checkin":
        clock.set(clock.now().replace(day=3))  # inside the first period
    await console.say(case.user, *case.before)
    out = await console.say(case.user, case.bad)
    assert case.error in out
    assert case.asked_again in out.split(case.error, 1)[1]
    out = await console.say(case.user, case.good)
    assert case.moves_to in out


async def test_only_a_dialog_left_open_by_another_command_is_mentioned(
    sqlite_app: Mentorhub, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> None:
    console = await copy_of_world(sqlite_app, tmp_path_factory.getbasetemp())
    clock.set(clock.now().replace(day=3))  # inside the first period
    out = await console.say("mia", "checkin")  # opens with buttons only (Yes / No)
    assert "Did you meet or talk" in out
    assert "still open" not in out  # its question is right there
    out = await console.say("mia", "privacy")
    assert "(Your check-in is still open: answer its last question, or send `cancel`.)" in out
