"""A button's label typed back in the reader's own language answers the question.

Mia reads the pseudo language (every message wrapped and accented, see core.i18n): she
types the Skip button's label as she sees it, and the optional question is skipped.
"""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.dialogs import SKIP_LABEL
from core.i18n import PSEUDO, translate
from tests.journeys.world import build_world

MIA = "console::mia"


async def _reads_pseudo(app: Mentorhub, handle: str) -> None:
    async with app.uow() as uow:
        person = await uow.people.by_handle(handle)
        assert person is not None
        person.language = PSEUDO
        await uow.people.save(person)
        await uow.commit()


async def test_the_skip_label_in_the_readers_language_skips(app: Mentorhub) -> None:
    c = await build_world(app)
    await _reads_pseudo(app, "mia_sousa")
    skip = translate(SKIP_LABEL, PSEUDO)
    assert skip not in ("Skip", "skip")  # really another language's label
    await c.say("mia", "checkin", "no", "Drafted the case study", "Nothing", "4")
    async with app.uow() as uow:
        asked = await uow.dialogs.active(MIA)
    assert asked is not None and asked.flow == "checkin"
    out = await c.say("mia", skip.upper())  # typed back in any case
    assert "\n! " not in f"\n{out}", out  # no error line
    async with app.uow() as uow:
        assert await uow.dialogs.active(MIA) is None  # the check-in is finished


async def test_the_english_label_still_works_for_a_reader_of_another_language(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    await _reads_pseudo(app, "mia_sousa")
    await c.say("mia", "checkin", "no", "Drafted the case study", "Nothing", "4")
    out = await c.say("mia", "skip")
    assert "\n! " not in f"\n{out}", out
    async with app.uow() as uow:
        assert await uow.dialogs.active(MIA) is None


async def test_a_label_of_another_button_is_no_answer(app: Mentorhub) -> None:
    c = await build_world(app)
    await _reads_pseudo(app, "mia_sousa")
    await c.say("mia", "checkin", "no", "Drafted the case study", "Nothing", "4")
    out = await c.say("mia", translate(SKIP_LABEL, PSEUDO) + "x" * 2001)
    assert "\n! " in f"\n{out}", out  # too long for a note: refused, still asked
    async with app.uow() as uow:
        asked = await uow.dialogs.active(MIA)
    assert asked is not None and asked.flow == "checkin"


async def test_the_hub_and_the_registry_answer_in_the_readers_language(app: Mentorhub) -> None:
    c = await build_world(app)
    await _reads_pseudo(app, "mia_sousa")
    out = await c.say("mia", "/frobnicate")
    assert "⟦Î đöñ'ţ ķñöŵ ţĥé çöɱɱàñđ 'frobnicate'." in out, out
    assert "I don't know" not in out
    out = await c.say("mia", "help relay")
    assert "`relay [pair=…] <switch>` — ⟦Ţûŕñ ɱéššàĝéš" in out, out  # said in her language
    out = await c.say("mia", "relay maybe")
    assert "⟦'maybe' îš ñöţ à ṽàĺîđ switch." in out, out
    out = await c.say("dana", "/frobnicate")  # Dana still reads English
    assert "I don't know the command 'frobnicate'." in out, out
