"""A program's size never changes what a coordinator's read costs, nor who waits for it.

Status, export, the digest, `mentors` and `suggest` read a whole program in a fixed number
of statements; the chat summary fits one message on every messenger at 10,000 pairs; and
on SQLite a read runs beside a writer instead of queueing for its lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from adapters.telegram import render as telegram_render
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.commands.coordinator import inert
from core.dispatch import WorkContext
from core.identity import Person
from core.model import (
    Agreement,
    CheckIn,
    CheckInAnswer,
    Enrollment,
    Mode,
    Pair,
    PairStatus,
    Program,
    Role,
)
from core.nudges import weekly_digest
from core.ports import Seat
from core.services.health import PairHealth, ProgramHealth, status_reply
from core.services.periods import DONE, MISSED
from storage.db import statements_run
from tests.console_harness import ConsoleSession
from tests.journeys.world import build_world

NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)
STATEMENT_CEILING = 30


async def grow(app: Mentorhub, pairs: int, waiting: int, *, prefix: str = "") -> None:
    """Add ``pairs`` running pairs to 'prog' (a mentor each, weekly since 2 March, with a
    mix of done and missed check-ins and answers), ``waiting`` waiting mentees and a
    mentor with room for each of them; handles start with ``prefix``."""
    start = date(2026, 3, 2)
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        at = datetime(2026, 3, 1, tzinfo=UTC)

        async def person(handle: str, role: Role, **enrolled: Any) -> int:
            handle = prefix + handle
            added = await uow.people.add(
                Person(handle, handle.title(), "Europe/Berlin", ("en",), at)
            )
            assert added.id is not None and program.id is not None
            await uow.enrollments.add(
                Enrollment(program.id, added.id, role, at, skills=("figma",), **enrolled)
            )
            return added.id

        for n in range(pairs):
            mentor = await person(f"m{n}", Role.MENTOR, capacity=1)
            mentee = await person(f"e{n}", Role.MENTEE)
            pair = await uow.pairs.add(
                Pair(program.id, mentor, mentee, PairStatus.ACTIVE, at, started_at=at)
            )
            assert pair.id is not None
            agreement = Agreement(
                pair.id, 1, mentee, at, "goals", 7, Mode.ASYNC, "chat", 30, start,
                start + timedelta(weeks=12), 48, "", (mentor, mentee), "confirmed", at,
            )  # fmt: skip
            await uow.agreements.add(agreement)
            for period in range(6):
                opens, closes = agreement.period_bounds(period)
                status = DONE if (n + period) % 3 else MISSED
                checkin = await uow.checkins.add(CheckIn(pair.id, period, opens, closes, status))
                assert checkin.id is not None
                if status == DONE:
                    for who in (mentor, mentee):
                        submitted = datetime.combine(opens, datetime.min.time(), UTC)
                        await uow.answers.add(
                            CheckInAnswer(
                                checkin.id, who, True, 30, ("q",), ("a",), 4, "", False, submitted
                            )
                        )
        for n in range(waiting):
            await person(f"w{n}", Role.MENTEE, waiting_since=at + timedelta(hours=n))
            await person(f"f{n}", Role.MENTOR, capacity=2)
        await uow.commit()


async def statements_of(app: Mentorhub, action: Callable[[], Awaitable[object]]) -> int:
    with statements_run(app.engine) as statements:
        await action()
    return len(statements)


async def costs(app: Mentorhub, c: ConsoleSession) -> dict[str, int]:
    async def digest() -> None:
        async with app.read_factory() as uow:
            await weekly_digest(WorkContext(uow=uow, now=NOW))

    return {
        "status": await statements_of(app, lambda: c.say("cora", "status prog")),
        "export": await statements_of(app, lambda: c.say("cora", "export prog")),
        "suggest": await statements_of(app, lambda: c.say("cora", "suggest prog")),
        "mentors": await statements_of(app, lambda: c.say("w0", "mentors")),
        "digest": await statements_of(app, digest),
    }


async def test_reads_cost_the_same_statements_at_any_size(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    clock.set(NOW)
    await grow(app, pairs=2, waiting=2)
    await c.register("w0", "W Zero", "Europe/Berlin")  # not w0 of grow: a fresh mentee
    await c.say("w0", "enroll prog mentee", "figma", "Learn", "async", "#1")
    small = await costs(app, c)
    await grow(app, pairs=20, waiting=20, prefix="x")  # ten times as many
    large = await costs(app, c)
    assert large == small, (small, large)
    assert max(large.values()) <= STATEMENT_CEILING, large


def big_program_health() -> tuple[ProgramHealth, dict[int, str]]:
    """10,000 active pairs, every one at risk, 3,000 waiting and 2,000 mentors with room:
    long names everywhere."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    program = Program("design-2026", "Design mentoring 2026", at, id=1)
    long_name = "Maximiliane Alexandra von Hohenzollern-Sigmaringen Esperanza"
    pairs = [
        PairHealth(
            Pair(1, 2 * n, 2 * n + 1, PairStatus.ACTIVE, at, id=n),
            *(6, 2, 1, 3, None, 1),
            f"missed {n % 7 + 2} check-ins in a row",
            misses_in_a_row=n % 7 + 2,
        )
        for n in range(10_000)
    ]
    people = [Person(f"p{n}", long_name, "Europe/Berlin", ("en",), at, id=n) for n in range(5)]
    first = [
        Seat(p, Enrollment(1, p.id or 0, Role.MENTEE, at, waiting_since=at), 0) for p in people[:5]
    ]
    most_room = [Seat(p, Enrollment(1, p.id or 0, Role.MENTOR, at, capacity=3), 0) for p in people]
    health = ProgramHealth(
        program, NOW, {PairStatus.ACTIVE: 10_000}, 9_000, 20_000, pairs, 3_000, first,
        2_000, 6_000, most_room[:5],
    )  # fmt: skip
    names = {n: long_name for n in range(20_000)}
    return health, names


def test_the_status_of_10000_pairs_fits_one_message_on_every_messenger() -> None:
    health, names = big_program_health()
    reply = status_reply(health, names, title="Design mentoring 2026: status").translated()
    assert "… and 9,990 more at risk: `export design-2026`" in reply.text
    assert (
        "3,000; first in line:" in dict((f.label, f.value) for f in reply.fields)["Waiting mentees"]
    )

    assert len(telegram_render.render(reply)) == 1

    slack = slack_render.render_outcome([reply])
    assert len(slack.blocks) < 50
    for block in slack.blocks:
        texts = [block.get("text", {}), *block.get("fields", [])]
        for text in texts:
            assert "…" not in text.get("text", "").replace("… and 9,990", ""), block

    discord = discord_render.render_reply(reply)
    assert discord.embed is not None
    embed = discord.embed
    assert len(embed.get("description", "")) <= 4096
    assert not embed.get("description", "").endswith("…")
    for f in embed["fields"]:
        assert len(f["value"]) <= 1024 and not f["value"].endswith("…"), f
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000


async def test_on_sqlite_status_and_export_run_while_a_writer_holds_the_lock(
    sqlite_app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(sqlite_app)
    clock.set(NOW)
    cora = c.console.ref("cora")
    async with sqlite_app.uow() as writer:  # holds the write lock until the block ends
        person = await writer.people.by_handle("olga_ivanova")
        assert person is not None
        person.name = "Olga I."
        await writer.people.save(person)
        status = await asyncio.wait_for(sqlite_app.hub.command(cora, "status", "prog"), 10)
        typed = await asyncio.wait_for(sqlite_app.hub.message(cora, "export prog"), 10)
        await writer.commit()
    assert status.replies[0].fields[0].value == "active 1"
    assert typed.replies[0].attachment is not None


async def test_on_sqlite_looking_at_a_profile_runs_beside_a_writer_and_changing_it_waits(
    sqlite_app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(sqlite_app)
    clock.set(NOW)
    mia = c.console.ref("mia")
    async with sqlite_app.uow() as writer:  # holds the write lock until the block ends
        person = await writer.people.by_handle("olga_ivanova")
        assert person is not None
        person.name = "Olga I."
        await writer.people.save(person)
        shown = await asyncio.wait_for(sqlite_app.hub.command(mia, "profile"), 10)
        typed = await asyncio.wait_for(sqlite_app.hub.message(mia, "profile"), 10)
        change = asyncio.create_task(sqlite_app.hub.command(mia, "profile", "quiet 22-7"))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not change.done()  # a change queues for the write lock
        await writer.commit()
    changed = await asyncio.wait_for(change, 10)
    assert shown.replies[0].title == typed.replies[0].title
    assert not shown.replies[0].is_error and not changed.replies[0].is_error
    async with sqlite_app.uow() as uow:
        me = await uow.people.by_handle("mia_sousa")
        assert me is not None and (me.quiet_start, me.quiet_end) == (22, 7)


async def test_a_read_only_command_typed_mid_dialog_still_answers_the_dialog(
    sqlite_app: Mentorhub, clock: ManualClock
) -> None:
    """`status x` typed while a flow waits for free text is that text, not the command."""
    c = await build_world(sqlite_app)
    clock.set(datetime(2026, 3, 4, 12, tzinfo=UTC))
    await c.say("mia", "checkin", "yes", "45")
    out = await c.say("mia", "status of my portfolio: two case studies done")
    assert "What is blocking you, if anything?" in out, out


def test_export_makes_typed_text_inert_for_spreadsheets() -> None:
    assert inert('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert inert("@SUM(A1)") == "'@SUM(A1)"
    assert inert("-1+2") == "'-1+2"
    assert inert("moved away") == "moved away"


async def test_whole_program_reads_take_turns(sqlite_app: Mentorhub, clock: ManualClock) -> None:
    """While one long read holds the lane, a second status waits; a short read doesn't."""
    c = await build_world(sqlite_app)
    clock.set(NOW)
    cora = c.console.ref("cora")
    async with sqlite_app.long_reads:
        waiting = asyncio.create_task(sqlite_app.hub.command(cora, "status", "prog"))
        short = await asyncio.wait_for(sqlite_app.hub.command(cora, "pairs"), 10)
        for _ in range(20):
            await asyncio.sleep(0)  # the lane is taken before any I/O: it can't have started
        assert not waiting.done()
    status = await asyncio.wait_for(waiting, 10)
    assert short.replies and status.replies[0].fields[0].value == "active 1"
