"""`language`: each person reads the bot in their own language, notices included, chosen
apart from the languages they speak for matching. The pseudo-language ("qps") marks each
message ⟦…⟧, so these tests see which language each text was written in without
depending on any catalog's wording."""

from __future__ import annotations

import re

from bots.bootstrap import Mentorhub
from core.i18n import PSEUDO_CLOSE, PSEUDO_OPEN, _, translate
from tests.console_harness import own, told
from tests.journeys.world import build_world


def pseudo(text: str) -> bool:
    return PSEUDO_OPEN in text and PSEUDO_CLOSE in text


async def test_language_shows_and_changes_what_the_bot_speaks(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "language")
    assert "I speak English with you." in out, out
    assert "Deutsch" in out and "Português (Brasil)" in out and "Русский" in out  # buttons
    out = await c.say("mia", "language klingon")
    assert "I don't speak 'klingon' yet." in out, out
    assert "`de`, `es`, `pt-BR`, `ru`" in out
    out = await c.say("mia", "language qps")
    assert pseudo(out), out
    out = await c.say("mia", "relay on")
    assert pseudo(own(out)), out
    assert "Dana Berg" in out  # names are content: never translated
    out = await c.say("mia", "language auto")
    assert not pseudo(out), out
    assert "I'll follow your messenger's language: English for now." in out
    out = await c.say("mia", "profile")
    assert "en, pt" in out  # the languages she speaks, for matching, are untouched


async def test_each_partner_reads_a_notice_in_their_own_language(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("mia", "language qps")
    await c.say("mia", "relay on")
    out = await c.say("dana", "relay on")
    assert not pseudo(own(out)), out  # Dana reads English
    out = await c.say("dana", "say See you Thursday")
    assert not pseudo(own(out)), out
    relayed = told(out, "mia")
    assert pseudo(relayed), relayed  # Mia reads the pseudo-language
    assert "See you Thursday" in relayed  # what Dana wrote, as she wrote it
    assert "`say pair=1 <your message>`" in relayed  # commands stay as typed


async def test_a_notice_is_written_in_the_language_of_the_day_it_is_delivered(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    await c.say("mia", "relay on")
    await c.say("dana", "relay on")
    await c.say("mia", "language qps")
    out = await c.say("dana", "say Hello")
    assert pseudo(told(out, "mia"))
    await c.say("mia", "language en")
    out = await c.say("dana", "say Hello again")
    text = told(out, "mia")
    assert not pseudo(text) and re.search(r"Dana Berg \(your mentor, pair #1\) says:", text)


async def test_a_programs_language_is_for_members_whose_messenger_says_none(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    out = await c.say("cora", "configure prog bot_language klingon")
    assert "I don't speak 'klingon' yet." in out and "or none." in out
    out = await c.say("cora", "configure prog bot_language de")
    assert "Bot language: Deutsch" in out, out
    c.console.locale = ""  # a messenger that says nothing about its user's language
    await c.register("zoe", "Zoe Park", "Europe/Vienna")
    await c.say("zoe", "enroll prog mentee", "figma", "Learn", "async", "#1")
    out = await c.say("zoe", "language")
    assert f"== {translate(_('Language'), 'de')} ==" in out, out  # she reads German
    assert "Deutsch" in out and "[#1 English]" in out
    out = await c.say("mia", "language")  # her messenger said English: that wins
    assert "I speak English with you." in out
