"""A German mentor and a Brazilian mentee: request, agreement, check-in and brief, each of
them reading every message in their own language and every time on their own clock.

Expected texts are the catalogs' own (``translate`` of the message), so the test checks
which language and which values each person got, not one translator's wording; and no
message either of them receives may contain English the catalogs would have translated.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.i18n import _, n_, translate
from core.messages import Moment, MomentStyle, in_zone
from core.model import DEFAULT_QUESTIONS
from tests.console_harness import ConsoleSession, own, told

PROGRAM = "Design mentoring 2026"
CONTENT = re.compile(
    r"Dana Berg|Mia Sousa|Cora Lead|Design mentoring 2026|design-26|@\w+|`[^`]*`|#\d+|"
    r"Finished the case study draft|Land a design job|Nothing|figma|career|portfolio|"
    r"mentorhub|Europe/Berlin|America/Sao_Paulo|\[#\d+ [^\]]*\]|UTC|[A-Z]{3,4}\b|-\d\d\b"
)
TYPED = re.compile(r"^\w+> ")  # the console's echo of what someone typed
# Words only English has among our languages: one of them left over means a message
# escaped translation (names, commands and what people typed are taken out first).
ENGLISH_ONLY = re.compile(
    r"\b(the|you|your|with|has|have|is|are|to|of|for|this|that|will|what|and|when|it)\b",
    re.IGNORECASE,
)


def reads_as(text: str, language: str) -> list[str]:
    """English words left in ``text`` a ``language`` reader got (empty: none)."""
    shown = "\n".join(line for line in text.splitlines() if not TYPED.match(line))
    return ENGLISH_ONLY.findall(CONTENT.sub(" ", shown)) if language != "en" else []


def said(reader: str, message: str, /, **values: str | int) -> str:
    """``message`` as a ``reader`` of that language reads it."""
    return translate(_(message, **values), reader)


def local_day(at: datetime, zone: str, language: str) -> str:
    locale = language.replace("-", "_")
    return format_skeleton("yMMMEd", at.astimezone(ZoneInfo(zone)), locale=locale)


async def test_a_german_mentor_and_a_brazilian_mentee(app: Mentorhub, clock: ManualClock) -> None:
    c = ConsoleSession(app)
    read: dict[str, list[str]] = {"dana": [], "mia": []}

    async def say(user: str, *lines: str) -> str:
        out = await c.say(user, *lines)
        read[user].append(own(out))
        for other in read.keys() - {user}:
            read[other].append(told(out, other))
        return out

    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram design-26 Design mentoring 2026")
    await c.say("cora", "configure design-26 cadence weekly")

    # -- Dana (Berlin) chooses German; Mia (São Paulo) Brazilian Portuguese ------------------
    await c.register("dana", "Dana Berg", "Europe/Berlin", "de,en")
    out = await say("dana", "language de")
    assert said("de", "From now on I speak {language} with you.", language="Deutsch") in out
    await say("dana", "enroll design-26 mentor 2", "figma, career", "async", "#1")
    await c.register("mia", "Mia Sousa", "America/Sao_Paulo", "pt,en")
    out = await say("mia", "language pt-BR")
    assert (
        said("pt-BR", "From now on I speak {language} with you.", language="Português (Brasil)")
        in out
    )
    await say(
        "mia", "enroll design-26 mentee", "figma, portfolio", "Land a design job", "async", "#1"
    )

    # -- the request: Mia asks, Dana reads it in German, accepts; Mia hears in Portuguese ---
    deadline = clock.now() + timedelta(hours=72)
    out = await say("mia", "ask @dana_berg")
    assert translate(
        n_("I've asked {name}. They have {count} hour to answer.",
           "I've asked {name}. They have {count} hours to answer.", 72, name="Dana Berg"),
        "pt-BR",
    ) in own(out)  # fmt: skip
    request = told(out, "dana")
    assert said("de", "{name} would like you as their mentor in {program}.",
                name="Mia Sousa", program=PROGRAM) in request  # fmt: skip
    assert said("de", "Mentoring request") in request
    on_danas_clock = in_zone("Europe/Berlin", "de")(Moment(deadline, MomentStyle.TIME))
    assert on_danas_clock in request and "CET" in on_danas_clock  # "Do., 12. März 2026, 11:00 CET"
    out = await say("dana", "#1")  # the first button: accept
    paired = said("pt-BR", "You're paired with {partner} as your mentor (pair #{pair}).",
                  partner="Dana Berg", pair=1)  # fmt: skip
    assert paired in told(out, "mia"), out

    # -- the agreement: Mia proposes, Dana reads the timeline in German and confirms --------
    await say("mia", "agree", "#1", "weekly", "async", "here in chat")
    out = await say("mia", "2026-03-09", "12w", "48", "#1")
    assert (
        said("pt-BR", "Sent to {name}. It's in force when they confirm.", name="Dana Berg") in out
    )
    proposal = told(out, "dana")
    starts, ends = date(2026, 3, 9), date(2026, 6, 1)
    assert format_skeleton("yMMMEd", starts, locale="de") in proposal  # "Mo., 9. März 2026"
    assert format_skeleton("yMMMEd", ends, locale="de") in proposal
    out = await say("dana", "confirm")
    assert said("de", "Agreement version {version} is in force for pair #{pair}.",
                version=1, pair=1) in own(out)  # fmt: skip
    confirmed = "{name} confirmed. Agreement version {version} is in force for pair #{pair}."
    assert said("pt-BR", confirmed, name="Dana Berg", version=1, pair=1) in told(out, "mia")

    # -- the first check-in: Mia answers; Dana's brief is German, questions included --------
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    out = await say("mia", "checkin", "#1", "#2", "Finished the case study draft", "Nothing", "4")
    out = await say("mia", "#1")
    brief = told(out, "dana")
    assert "Finished the case study draft" in brief  # what Mia wrote, as she wrote it
    assert translate(_(DEFAULT_QUESTIONS[0]), "de") in brief  # the question, in German
    assert DEFAULT_QUESTIONS[0] not in brief
    out = await say("dana", "checkin", "#1", "#2", "Reviewed it", "#1", "5", "#1")
    assert said("pt-BR", "{name} checked in for period {number}.", name="Dana Berg",
                number=1) in told(out, "mia")  # fmt: skip

    # -- their times: the week's check-in deadline on each one's own clock ------------------
    out = await say("dana", "checkins")
    assert local_day(datetime(2026, 3, 9, 12, tzinfo=UTC), "Europe/Berlin", "de") in own(out)
    out = await say("mia", "checkins")
    assert local_day(datetime(2026, 3, 9, 12, tzinfo=UTC), "America/Sao_Paulo", "pt-BR") in own(out)

    # -- and nothing either of them got was left in English ---------------------------------
    for user, language in (("dana", "de"), ("mia", "pt-BR")):
        for text in filter(None, read[user]):
            assert not reads_as(text, language), f"{user} ({language}) read English: {text!r}"
