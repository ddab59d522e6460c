"""core.lookup (autocomplete) and core.reachability.fallback_channels on both backends."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from core.lookup import handles, program_slugs
from core.reachability import fallback_channels
from tests.journeys.world import build_world


def console(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user)


async def person_id(app: Mentorhub, user: str) -> int:
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("console"), "", user)
    assert account is not None
    return account.person_id


async def test_handles_are_those_of_people_sharing_a_program(app: Mentorhub) -> None:
    c = await build_world(app)
    factory = app.uow_factory
    # mia shares "prog" with cora, dana and erik; never herself; olga is in no program
    assert await handles(factory, console("mia"), "") == ["cora_lead", "dana_berg", "erik_lund"]
    assert await handles(factory, console("mia"), "@D") == ["dana_berg"]
    assert await handles(factory, console("mia"), "x") == []
    assert await handles(factory, console("mia"), "_") == []  # "_" is no LIKE wildcard
    assert await handles(factory, console("mia"), "", limit=2) == ["cora_lead", "dana_berg"]
    assert await handles(factory, console("olga"), "") == []
    assert await handles(factory, console("stranger"), "") == []
    # someone who left stops being suggested
    await c.say("erik", "leave prog")
    assert await handles(factory, console("mia"), "") == ["cora_lead", "dana_berg"]


async def test_program_slugs_start_with_then_contain(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("cora", "newprogram design-prog Design", "newprogram alpha Alpha")
    factory = app.uow_factory
    assert await program_slugs(factory, "") == ["alpha", "design-prog", "prog"]
    assert await program_slugs(factory, "PRO") == ["prog", "design-prog"]
    assert await program_slugs(factory, "#al") == ["alpha"]
    assert await program_slugs(factory, "zzz") == []


async def test_fallback_channels_of_a_persons_programs_on_a_platform(app: Mentorhub) -> None:
    await build_world(app)
    factory = app.uow_factory
    dana, olga = await person_id(app, "dana"), await person_id(app, "olga")
    assert await fallback_channels(factory, dana, Platform("discord")) == []  # none configured
    async with app.uow() as uow:  # a channel set before channels could only be linked
        program = await uow.programs.by_slug("prog")
        assert program is not None
        program.channel = "123456789012345678"
        await uow.programs.save(program)
        await uow.commit()
    # "prog" was made in the console: it lives on no platform, so any may use its channel
    assert await fallback_channels(factory, dana, Platform("discord")) == ["123456789012345678"]
    assert await fallback_channels(factory, olga, Platform("discord")) == []
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None
        program.space = "slack:T1"
        await uow.programs.save(program)
        await uow.commit()
    assert await fallback_channels(factory, dana, Platform("discord")) == []
    assert await fallback_channels(factory, dana, Platform("slack")) == ["123456789012345678"]
