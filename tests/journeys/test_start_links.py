"""`start join_<slug>`: an invitation link to a program (Telegram sends it from
t.me/<bot>?start=join_<slug>), through the console like any other start."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.commands.people import invited_program
from tests.console_harness import ConsoleSession

JOIN_BUTTONS = "[#1 Join as mentee]  [#2 Join as mentor]"


async def _program(app: Mentorhub) -> ConsoleSession:
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram design-26 Design mentoring 2026")
    return c


async def test_a_newcomer_registers_then_sees_the_program(app: Mentorhub) -> None:
    c = await _program(app)
    out = await c.say("newbie", "start join_design-26")
    assert "What name should people see?" in out  # the usual steps
    out = await c.say("newbie", "Nia Okafor", "Lisbon", "en")
    assert "You're registered, Nia Okafor." in out
    assert "Next: join Design mentoring 2026 below, or `help` to see everything." in out
    assert "== Design mentoring 2026 ==" in out and "Short name: design-26" in out
    assert out.rstrip().endswith(JOIN_BUTTONS)
    assert "Check-in questions" not in out  # the coordinator's view stays the coordinator's
    out = await c.say("newbie", "#1")  # Join as mentee
    assert "What would you like to learn?" in out


async def test_a_registered_person_sees_the_program_at_once(app: Mentorhub) -> None:
    c = await _program(app)
    await c.register("olga", "Olga Ivanova", "Europe/Warsaw")
    out = await c.say("olga", "start join_design-26")
    assert "Welcome back" not in out and "What name" not in out
    assert "== Design mentoring 2026 ==" in out and out.rstrip().endswith(JOIN_BUTTONS)
    out = await c.say("cora", "start JOIN_design-26")
    assert "Check-in questions" in out  # its coordinator sees everything


async def test_a_link_to_a_missing_program_is_a_plain_start(app: Mentorhub) -> None:
    c = await _program(app)
    out = await c.say("newbie", "start join_gone-2020")
    assert "The program 'gone-2020' from your link doesn't exist. See `programs`." in out
    assert "What name should people see?" in out
    await c.say("newbie", "Nia", "Lisbon", "en")
    await c.register("olga", "Olga Ivanova", "Europe/Warsaw")
    out = await c.say("olga", "start join_gone-2020")
    assert "doesn't exist" in out and "Welcome back, Olga Ivanova!" in out


async def test_the_program_vanishing_mid_registration_is_harmless(app: Mentorhub) -> None:
    c = await _program(app)
    await c.say("newbie", "start join_design-26", "Nia", "Lisbon")
    async with app.uow() as uow:
        program = await uow.programs.by_slug("design-26")
        assert program is not None
        program.slug = "renamed-26"
        await uow.programs.save(program)
        await uow.commit()
    out = await c.say("newbie", "en")
    assert "Next: `programs` to find a program to join" in out
    assert "== Design mentoring 2026 ==" not in out


async def test_other_payloads_behave_as_before(app: Mentorhub) -> None:
    c = await _program(app)
    out = await c.say("newbie", "start Grace")  # a lone word is still the name
    assert "Which time zone are you in?" in out
    out = await c.say("other", "start join_design-26 Europe/Berlin en")
    assert "What name" not in out  # with more arguments it is an ordinary start…
    assert "Which time zone" not in out and "You're registered, join_design-26." in out


def test_only_a_lone_join_word_is_an_invitation() -> None:
    assert invited_program({"name": "join_design-26"}) == "design-26"
    assert invited_program({"name": "Join_Design-26"}) == "design-26"
    assert invited_program({"name": "join_design-26", "timezone": "UTC"}) is None
    assert invited_program({"name": "join_"}) is None
    assert invited_program({"name": "join_9lives"}) is None  # not a slug
    assert invited_program({"name": "Grace"}) is None
    assert invited_program({}) is None
