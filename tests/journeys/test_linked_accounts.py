"""One person, several accounts: connect codes, confirmations, merges and their limits.

Two console users stand for two messenger accounts of one person (the end-to-end test in
tests/bots/test_cross_messenger.py does it across Slack, Telegram and Discord)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.commands.accounts import CODE_ALPHABET, new_code, normalized
from core.identity import Platform
from tests.console_harness import own, told
from tests.journeys.world import build_world

CODE = re.compile(r"Your code: ([A-Z2-9]{8})")


def code_in(out: str) -> str:
    found = CODE.search(out)
    assert found, out
    return found.group(1)


async def person_of(app: Mentorhub, user: str) -> int | None:
    async with app.uow_factory() as uow:
        account = await uow.accounts.find(Platform("console"), "", user)
        return account.person_id if account else None


async def test_a_new_account_joins_after_the_first_one_confirms(app: Mentorhub) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    assert all(ch not in code for ch in "01OIL")
    out = await c.say("mia_phone", f"connect {code.lower()}")
    assert "Almost done: confirm on Console (Mia)" in own(out), out
    ask = told(out, "mia")
    assert "“Mia_phone” on Console sent your code to connect to you (@mia_sousa)" in ask
    assert await person_of(app, "mia_phone") is None  # nothing before the confirmation
    out = await c.say("mia", "#1")
    assert "Connected: Console (Mia_phone) is now yours too." in out, out
    assert "This account is now connected to @mia_sousa (Mia Sousa)." in told(out, "mia_phone")
    assert await person_of(app, "mia_phone") == await person_of(app, "mia")
    out = await c.say("mia_phone", "pairs")
    assert "Dana Berg" in out, out
    out = await c.say("mia_phone", "connections")
    assert "Mia (reminders go here)" in out and "Mia_phone (you're using it now)" in out, out


async def test_a_code_expires_after_ten_minutes(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    clock.advance(timedelta(minutes=10, seconds=1))
    out = await c.say("mia_phone", f"connect {code}")
    assert "That code doesn't work: it is wrong, used or more than 10 minutes old." in out
    assert told(out, "mia") == ""


async def test_a_code_works_once(app: Mentorhub) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_phone", f"connect {code}")
    out = await c.say("mia_laptop", f"connect {code}")
    assert "That code doesn't work" in out
    assert told(out, "mia") == ""
    await c.say("mia", "#1")  # the first claim is still the one confirmed
    assert await person_of(app, "mia_phone") == await person_of(app, "mia")
    assert await person_of(app, "mia_laptop") is None


async def test_a_newer_code_replaces_the_older_one(app: Mentorhub) -> None:
    c = await build_world(app)
    old = code_in(await c.say("mia", "connect"))
    new = code_in(await c.say("mia", "connect"))
    assert "That code doesn't work" in await c.say("mia_phone", f"connect {old}")
    assert "Almost done" in await c.say("mia_phone", f"connect {new}")


async def test_wrong_codes_are_limited_per_hour(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    for left in (4, 3, 2, 1, 0):
        out = await c.say("mallory", "connect AAAA2222")
        tries = "try" if left == 1 else "tries"
        assert f"{left} more {tries} this hour" in out, out
    out = await c.say("mallory", f"connect {code}")  # even the right code, now
    assert "5 wrong codes in the last hour: I'm not taking more." in out
    assert told(out, "mia") == ""
    clock.advance(timedelta(minutes=61))
    code = code_in(await c.say("mia", "connect"))
    assert "Almost done" in await c.say("mallory", f"connect {code}")


async def test_codes_asked_for_are_limited_per_hour(app: Mentorhub) -> None:
    c = await build_world(app)
    for _ in range(5):
        code_in(await c.say("mia", "connect"))
    out = await c.say("mia", "connect")
    assert "You asked for 5 codes in the last hour." in out and "Your code" not in out


async def test_a_code_cannot_join_an_account_to_someone_elses_person(app: Mentorhub) -> None:
    """Typing someone's code only asks them; they say no, and the code is spent."""
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    out = await c.say("olga", f"connect {code}")  # olga saw it over Mia's shoulder
    assert "“Olga” on Console sent your code to connect to you (@mia_sousa)" in told(out, "mia")
    # Olga can't confirm for Mia, even by typing the button's command
    request = re.search(r"connect_answer:(\d+):yes", repr(c.console._buttons["mia"]))
    assert request, c.console._buttons
    out = await c.say("olga", f"connect_answer {request.group(1)} yes")
    assert "That request to connect is no longer open." in out
    out = await c.say("mia", "#2")  # No
    assert "Not connected." in out
    assert await person_of(app, "olga") != await person_of(app, "mia")
    out = await c.say("olga", f"connect {code}")
    assert "That code doesn't work" in out


async def test_only_the_account_that_asked_confirms(app: Mentorhub) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_phone", f"connect {code}")
    await c.say("mia", "#1")
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_laptop", f"connect {code}")
    request = re.search(r"connect_answer:(\d+):yes", repr(c.console._buttons["mia"]))
    assert request
    out = await c.say("mia_phone", f"connect_answer {request.group(1)} yes")
    assert "Confirm on the account where you asked for the code." in out
    assert await person_of(app, "mia_laptop") is None


async def test_two_registrations_merge_keeping_everything(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("mia2", "Mia S", "Europe/Lisbon")
    await c.say("cora", "newprogram other Other program")
    await c.say("mia2", "enroll other mentee", "figma", "Speak at a meetup", "async", "#1")
    await c.say("mia2", "goal Give a talk program=other")
    await c.say("erik", "enroll other mentor 1", "figma", "call", "#1")
    out = await c.say("cora", "assign other mia_s erik_lund")
    assert "Paired #2" in out, out
    await c.say("mia2", "note Met Erik", "#1")
    out = await c.say("mia2", "block @erik_lund")
    assert "Noted" in out, out
    absorbed = await person_of(app, "mia2")
    code = code_in(await c.say("mia", "connect"))
    out = await c.say("mia2", f"connect {code}")
    assert "It is registered as @mia_s: that profile" in told(out, "mia"), out
    out = await c.say("mia", "#1")
    assert "Your profile @mia_s is now part of this one." in out, out
    mia = await person_of(app, "mia")
    assert await person_of(app, "mia2") == mia
    async with app.uow_factory() as uow:
        assert mia is not None
        programs = {e.program_id for e in await uow.enrollments.of_person(mia)}
        goals = [g.text for g in await uow.goals.of_owner(mia)]
        assert len(programs) == 2
        assert any("Give a talk" in g for g in goals), goals
        assert await uow.people.by_handle("mia_s") is None
        assert len(await uow.pairs.of_person(mia)) == 2
        assert [b.blocked_id for b in await uow.blocks.of_person(mia)]
    assert absorbed is not None
    assert await rows_pointing_at(app, absorbed) == []


async def rows_pointing_at(app: Mentorhub, person_id: int) -> list[str]:
    """Every column that refers to a person and still names ``person_id``."""
    found = []
    async with app.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "person" for fk in column.foreign_keys):
                    count = await connection.scalar(
                        select(func.count()).select_from(table).where(column == person_id)
                    )
                    if count:
                        found.append(f"{table.name}.{column.name}")
    return found


async def test_a_merge_that_would_break_the_rules_is_refused(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("mia2", "Mia S", "Europe/Lisbon")
    await c.say("mia2", "enroll prog mentee", "figma", "Again", "async", "#1")
    code = code_in(await c.say("mia", "connect"))
    out = await c.say("mia2", f"connect {code}")
    assert "These two profiles can't become one: both are in Test program." in out, out
    assert told(out, "mia") == ""
    # Dana (mentor of Mia) can't become Mia either
    out = await c.say("dana", f"connect {code}")
    assert "the two profiles are pair #1" in out, out


async def test_disconnect_never_removes_the_last_account(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "disconnect console")
    assert "That is your last account" in out
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_phone", f"connect {code}")
    await c.say("mia", "#1")
    out = await c.say("mia", "disconnect telegram")
    assert "You have no telegram account here." in out
    out = await c.say("mia_phone", "disconnect console")  # two there: the one speaking
    assert "Disconnected Console (Mia_phone): nothing more goes there." in out, out
    assert await person_of(app, "mia_phone") is None
    out = await c.say("mia", "disconnect console")
    assert "That is your last account" in out


async def test_notices_go_where_the_person_chose(app: Mentorhub) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_phone", f"connect {code}")
    await c.say("mia", "#1")
    out = await c.say("dana", "note First thought", "#2")
    assert "First thought" in told(out, "mia") and told(out, "mia_phone") == "", out
    out = await c.say("mia_phone", "profile notify console")
    assert "Reminders and notices now go to Console (Mia_phone)." in out, out
    assert "If I can't reach you there: Console (Mia)." in out
    out = await c.say("dana", "note Second thought", "#2")
    assert "Second thought" in told(out, "mia_phone") and told(out, "mia") == "", out
    out = await c.say("mia", "connections")
    assert "Mia_phone (reminders go here)" in out, out


async def test_a_confirmation_comes_within_ten_minutes(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    code = code_in(await c.say("mia", "connect"))
    await c.say("mia_phone", f"connect {code}")
    clock.advance(timedelta(minutes=10, seconds=1))
    out = await c.say("mia", "#1")
    assert "That request to connect is no longer open." in out
    assert await person_of(app, "mia_phone") is None


def test_codes_are_read_as_typed() -> None:
    assert normalized(" k7qm-4xpa ") == "K7QM4XPA"
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
