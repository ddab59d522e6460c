"""Pairs and pauses as people live them: asking several mentors, pauses that are whose they
are, what coordinators see, why nobody can be matched, ended pairs, and catching up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.ports import DueItem, DueStatus
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world


async def test_asking_several_mentors_counts_the_ones_still_in_line(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    out = own(await c.say("noah", "ask @erik_lund @dana_berg"))
    assert "I'll ask the next on your list (1 more)." in out, out


async def _propose_the_same_agreement_again(c: ConsoleSession) -> None:
    out = await c.say("mia", "agree")
    for _ in range(12):  # each step offers to keep what is agreed as its first button
        if "Sent to Dana Berg" in out:
            return
        out = await c.say("mia", "#1")
    raise AssertionError(out)


async def scheduled(app: Mentorhub, subject: str) -> list[DueItem]:
    async with app.uow() as uow:
        found = await uow.due.for_subject(subject)
    return [item for item in found if item.status != DueStatus.CANCELLED]


async def test_an_ended_pair_takes_no_more_commands(app: Mentorhub) -> None:
    c = await build_world(app)
    await _propose_the_same_agreement_again(c)
    out = await c.say("dana", "end", "#1", "4", "#1", "no")
    assert "Pair #1 is closed." in out
    assert await scheduled(app, "pair:1") == []
    out = own(await c.say("dana", "confirm pair=1"))
    assert "Pair #1 has ended, so nothing can be changed in it" in out, out
    assert "in force" not in out
    assert await scheduled(app, "pair:1") == []
    for command in ("checkin pair=1", "pause pair=1", "note pair=1 hello there"):
        out = own(await c.say("mia", command))
        assert "Pair #1 has ended" in out, (command, out)
    # Its history still reads: nothing in it changes.
    for person, command in (("mia", "agreement pair=1"), ("mia", "checkins pair=1"),
                            ("dana", "notes pair=1")):  # fmt: skip
        out = own(await c.say(person, command))
        assert "has ended" not in out and not out.splitlines()[1].startswith("!"), out
    assert "Your mentee hasn't checked in yet." in own(await c.say("dana", "brief pair=1"))


async def test_every_pause_and_resume_is_told_even_within_one_second(app: Mentorhub) -> None:
    c = await build_world(app)  # the manual clock stands still: all of this is one instant
    for _ in range(2):
        out = await c.say("mia", "pause pair=1")
        assert "Mia Sousa paused pair #1" in told(out, "dana"), out
        out = await c.say("mia", "resume pair=1")
        assert "Mia Sousa resumed pair #1" in told(out, "dana"), out


async def test_leaving_and_joining_again_within_one_second_is_told_each_time(
    app: Mentorhub,
) -> None:
    c = await build_world(app)  # one instant: only the events can tell these notices apart
    for _ in range(2):
        out = await c.say("olga", "enroll prog mentee", "figma", "Learn Figma", "async", "#1")
        assert "Olga Ivanova joined Test program as a mentee." in told(out, "cora"), out
        out = await c.say("olga", "leave prog")
        assert "Olga Ivanova left Test program." in told(out, "cora"), out


async def test_every_change_to_a_check_in_reaches_the_mentor_even_within_one_second(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    out = await c.say("mia", "checkin", "no", "Drafted the case study", "nothing", "4", "skip")
    assert "Drafted the case study" in told(out, "dana"), out
    for progress in ("Finished the case study", "Sent the case study out"):
        out = await c.say("mia", "checkin", "no", progress, "nothing", "4", "skip")
        assert "Mia Sousa checked in (updated)" in told(out, "dana"), out
        assert progress in told(out, "dana")


async def test_a_rematch_is_told_once_per_wait(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("mia", "end", "goals", "4", "skip", "no")  # ended, not waiting yet
    out = await c.say("mia", "rematch")
    assert "Mia Sousa asked for a rematch in Test program." in told(out, "cora"), out
    out = await c.say("mia", "rematch")  # the same wait: nothing new to tell
    assert "You're waiting for a new match" in own(out) and told(out, "cora") == ""


async def test_a_personal_pause_is_lifted_only_by_its_owner_or_its_end_date(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    await c.say("mia", "pause pair=1 2026-03-10")
    out = await c.say("dana", "pause 2026-03-20")
    assert "You're paused until Fri 20 Mar 2026" in out
    out = await c.say("mia", "resume")
    assert "Pair #1 stays paused: Dana Berg paused themselves until" in own(out), out
    assert told(out, "dana") == ""
    out = await c.say("mia", "resume pair=1")
    assert "only they can lift their own pause" in own(out), out
    assert told(out, "dana") == ""

    clock.set(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))  # the pair's own pause is over
    start = c.out.tell()
    await app.upkeep()
    await app.dispatch()
    await app.deliver()
    assert c.out.getvalue()[start:] == ""  # Dana is still away: nothing resumes, nobody nudged

    clock.set(datetime(2026, 3, 21, 10, 0, tzinfo=UTC))
    start = c.out.tell()
    await app.upkeep()
    await app.deliver()
    out = c.out.getvalue()[start:]
    assert "resumed pair #1" in told(out, "mia"), out


async def _let_time_pass(app: Mentorhub, clock: ManualClock, until: datetime) -> None:
    """Run the scheduler every few hours, as a running mentorhub would."""
    while clock.now() < until:
        clock.advance(timedelta(hours=4))
        await app.upkeep()
        await app.dispatch()
        await app.deliver()


async def test_status_shows_auto_paused_pairs_at_risk_and_no_paused_mentor_as_free(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    start = c.out.tell()
    await _let_time_pass(app, clock, datetime(2026, 3, 24, 12, 0, tzinfo=UTC))
    assert "The pair is paused until one of them resumes." in told(c.out.getvalue()[start:], "cora")
    await c.say("erik", "pause 2026-04-30")
    out = await c.say("cora", "status prog")
    assert "At risk: 1" in out, out
    assert "#1 Dana Berg & Mia Sousa: paused after 3 missed check-ins in a row" in out
    assert "Mentors with free places: Dana Berg (1)\n" in out + "\n", out


async def test_suggest_and_mentors_say_why_nobody_can_be_matched(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    await c.say("noah", "ask @erik_lund")
    await c.say("erik", "accept 2")  # Erik's one place is taken
    out = await c.say("mia", "end", "#1", "4", "#1", "yes")  # Mia waits for a rematch
    assert "You're first in line for a new mentor." in out, out
    out = own(await c.say("cora", "suggest prog"))
    assert "nobody in Test program is waiting, or no mentor has room" not in out
    assert "Mia Sousa: Dana Berg and Mia Sousa were paired before." in out, out
    assert "`assign prog <mentee> <mentor> force`" in out
    out = own(await c.say("mia", "mentors"))
    assert "No mentor in Test program can take you right now:" in out, out
    assert "Dana Berg and Mia Sousa were paired before." in out


async def test_catching_up_after_downtime_takes_the_next_step_once_and_says_what_it_skipped(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 31, 10, 0, tzinfo=UTC))  # down for four weekly periods
    start = c.out.tell()
    for _ in range(10):  # every item due meanwhile, batch by batch
        report = await app.dispatch()
        await app.deliver()
        if not report.claimed:
            break
    out = c.out.getvalue()[start:]
    assert told(out, "mia").count("We missed your check-in last period") == 1, out
    assert told(out, "dana").count("We missed your check-in last period") == 1, out
    assert "hasn't checked in" not in out  # the partner rung was skipped, and said so:
    skipped = told(out, "cora")
    assert "Mia Sousa missed 4 check-ins in a row. I took only the next step" in skipped, out
    assert "I skipped a note to their partner and telling you." in skipped
    assert "paused" not in out


async def test_pause_alone_asks_before_pausing_everything(app: Mentorhub) -> None:
    """A bare `pause` (a tapped "/pause" too) changes nothing until it is confirmed."""
    c = await build_world(app)
    out = own(await c.say("dana", "pause"))
    assert "Pause everything?" in out
    assert "Your 1 pair would be paused too." in out
    assert "[#1 Pause until I resume]" in out
    async with app.uow() as uow:
        dana = await uow.people.by_handle("dana_berg")
        pair = await uow.pairs.get(1)
    assert dana is not None and dana.paused_until is None
    assert pair is not None and pair.status.value == "active"
    out = own(await c.say("dana", "#1"))
    assert "You're paused until you resume" in out or "You're paused until" in out
    assert "Your 1 pair is paused too." in out
    async with app.uow() as uow:
        dana = await uow.people.by_handle("dana_berg")
    assert dana is not None and dana.paused_until is not None
