"""The dashboard speaks its viewer's language: the signed-in coordinator's, as chat speaks
to them; before sign-in, the browser's (Accept-Language). Every page is checked in the
pseudo-language (core.i18n.PSEUDO): no English word may be left outside its marks."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bots.bootstrap import Mentorhub
from core.commands.programs import SETTINGS
from core.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN, _, p_, translate
from tests.adapters.web.conftest import signin_path, small_program
from tests.console_harness import ConsoleSession
from tests.journeys.test_match import MENTEES, MENTORS, cohort


@pytest.fixture
async def http(served: str) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(base_url=served, cookie_jar=jar) as session:
        yield session


async def page_of(http: aiohttp.ClientSession, path: str, **headers: str) -> str:
    async with http.get(path, headers=headers) as response:
        assert response.status in (200, 401, 403, 404), response.status
        return await response.text()


async def signed_in(http: aiohttp.ClientSession, c: ConsoleSession) -> None:
    async with http.post(await signin_path(c, "cora"), allow_redirects=False) as response:
        assert response.status == 303


async def csrf_of(http: aiohttp.ClientSession, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', await page_of(http, path))
    assert found is not None
    return found.group(1)


def heading(text: str, language: str) -> str:
    return html.escape(translate(text, language), quote=True)


async def test_a_german_coordinator_reads_the_overview_in_german(
    web_app: Mentorhub, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    c = await cohort(web_app, tmp_path)
    await c.say("cora", "language de")
    await signed_in(http, c)
    csrf = await csrf_of(http, "/p/prog/draft")
    for step in ("compute", "publish"):
        async with http.post("/p/prog/draft", data={"csrf": csrf, "do": step}) as done:
            assert done.status == 200
    page = await page_of(http, "/p/prog/", **{"Accept-Language": "es"})  # hers wins
    assert page.startswith('<!doctype html>\n<html lang="de">'), page[:80]
    for text in (
        _("Check-in completion by week"),
        _("Pairs by state"),
        _("Waiting mentees"),
        _("Mentor load"),
        _("Download CSV"),
        _("Sign out"),
        p_("pair status", "agreeing"),  # already translated in chat: "in Abstimmung"
    ):
        assert f">{heading(text, 'de')}" in page, heading(text, "de")
    assert ">in Abstimmung<" in page and ">agreeing<" not in page


async def test_before_sign_in_the_browser_language_is_read(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    path = await signin_path(c, "cora")
    german = await page_of(http, path, **{"Accept-Language": "fr-CH, de-AT;q=0.8, en;q=0.5"})
    assert german.startswith('<!doctype html>\n<html lang="de">')
    assert heading(_("Sign in to the dashboard of {program}", program="Test program"), "de") in (
        german
    )
    english = await page_of(http, path, **{"Accept-Language": "fr, it"})
    assert english.startswith('<!doctype html>\n<html lang="en">')
    assert "Sign in to the dashboard of Test program" in english
    # a signed-in page asked for without a session: the browser's language too
    assert '<html lang="es">' in await page_of(http, "/p/prog/", **{"Accept-Language": "es"})


# What is content or the interface as typed, never translated.
CONTENT = (
    "Cora Lead", *(str(row[i]) for row in (*MENTORS, *MENTEES) for i in (0, 1)), "Test program",
    "mentorhub", "CSV", "UTC", "prog", "Europe/London", "Europe/Berlin", "matching", "suggest",
    *(setting.name for setting in SETTINGS),
)  # fmt: skip
_MARKED = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}")
_SHOWN_ATTRIBUTES = re.compile(r'\b(?:aria-label|label|placeholder|alt)="([^"]*)"')
_NOISE = re.compile(r"https?://\S+|@[\w.-]+|#\d+|\b[a-z0-9]+(?:[_-][a-z0-9]+)+\b")
_CONTENT = re.compile("|".join(rf"(?<!\w){re.escape(content)}(?!\w)" for content in CONTENT))
_WORD = re.compile(r"[A-Za-z]{3,}")


def left_in_english(page: str) -> list[str]:
    """The English words a person would see on ``page`` outside the pseudo marks: text
    and the attributes read out or shown (labels, placeholders); markup, commands (as
    typed, in <code> or backticks), names, handles, numbers and URLs taken out."""
    body = page.split("<body>", 1)[1] if "<body>" in page else page
    title = re.findall(r"<title>([^<]*)</title>", page)
    shown = [*title, *_SHOWN_ATTRIBUTES.findall(body)]
    text = re.sub(r"<code>[^<]*</code>|`[^`]*`", " ", body)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(" ".join([text, *shown]))
    while _MARKED.search(text):
        text = _MARKED.sub(" ", text)
    text = _CONTENT.sub(" ", _NOISE.sub(" ", text))
    return _WORD.findall(text)


async def test_no_page_is_left_in_english(
    web_app: Mentorhub, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    c = await cohort(web_app, tmp_path)
    pseudo = {"Accept-Language": PSEUDO}
    path = await signin_path(c, "cora")
    pages = {"home": await page_of(http, "/", **pseudo)}
    pages["sign-in"] = await page_of(http, path, **pseudo)
    pages["signed out"] = await page_of(http, "/p/prog/", **pseudo)
    async with web_app.uow() as uow:  # as if `language` could choose the pseudo-language
        cora = await uow.people.by_handle("cora_lead")
        assert cora is not None
        cora.language = PSEUDO
        await uow.people.save(cora)
        await uow.commit()
    async with http.post(path, allow_redirects=False) as response:
        assert response.status == 303
    pages["used link"] = await page_of(http, path, **pseudo)
    pages["empty draft"] = await page_of(http, "/p/prog/draft")
    csrf = await csrf_of(http, "/p/prog/draft")
    async with http.post("/p/prog/draft", data={"csrf": csrf, "do": "compute"}) as computed:
        pages["draft"] = await computed.text()
    assert "Pia Park" in pages["draft"]
    same = {"csrf": csrf, "do": "swap", "mentee": "mia", "other": "mia"}
    async with http.post("/p/prog/draft", data=same) as refused:
        pages["swap refused"] = await refused.text()
    async with http.post("/p/prog/draft", data={"csrf": csrf, "do": "publish"}) as published:
        pages["published"] = await published.text()
    pages["overview"] = await page_of(http, "/p/prog/")
    pages["pairs"] = await page_of(http, "/p/prog/pairs?sort=mentee&order=desc")
    pages["no pair matches"] = await page_of(http, "/p/prog/pairs?q=nobody")
    form = {"csrf": csrf, "field": "duration", "value": "1000 weeks"}
    async with http.post("/p/prog/settings", data=form) as refused:
        pages["settings"] = await refused.text()
    async with http.post("/p/prog/settings", data={"csrf": csrf}) as empty:
        pages["settings, nothing said"] = await empty.text()
    pages["another program"] = await page_of(http, "/p/other/")

    assert 'class="flash error"' in pages["settings"]
    assert '<html lang="qps">' in pages["overview"]
    assert '<svg class="chart"' in pages["overview"] and "<table" in pages["pairs"]
    left = {name: words for name, page in pages.items() if (words := left_in_english(page))}
    assert not left, left


def test_the_check_finds_english() -> None:
    page = '<html><body><p>⟦Ṗàĝé⟧ Pairs <code>configure prog</code></p><a aria-label="Go">x</a>'
    assert left_in_english(page) == ["Pairs"]
    assert left_in_english('<body><input placeholder="Search here"></body>') == ["Search", "here"]
