"""The dashboard over HTTP: a link from chat signs in once, within ten minutes, for its
person and program only; every form needs the session's token; actions are audited."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from adapters.web.server import COOKIE, DashboardServer, WebSettings
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.commands.programs import SETTINGS
from core.identity import Platform, UserRef
from core.model import Role
from tests.adapters.web.conftest import signin_path, small_program
from tests.console_harness import ConsoleSession, own


@pytest.fixture
async def http(served: str) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(base_url=served, cookie_jar=jar) as session:
        yield session


async def sign_in(http: aiohttp.ClientSession, path: str) -> aiohttp.ClientResponse:
    async with http.post(path, allow_redirects=False) as response:
        await response.read()
        return response


async def csrf_of(http: aiohttp.ClientSession, page: str) -> str:
    async with http.get(page) as response:
        assert response.status == 200
        found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert found is not None
    return found.group(1)


async def test_a_link_from_chat_signs_in_once(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    path = await signin_path(c, "cora")
    for _ in range(2):  # opening it (a link preview does) uses nothing
        async with http.get(path) as page:
            assert page.status == 200
            assert "Sign in to the dashboard of Test program" in await page.text()
    response = await sign_in(http, path)
    assert response.status == 303 and response.headers["Location"] == "/p/prog/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    async with http.get("/p/prog/") as overview:
        text = await overview.text()
        assert overview.status == 200, text
        assert "<h1>Test program</h1>" in text and '<svg class="chart"' in text
        assert overview.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in overview.headers["Content-Security-Policy"]
        assert overview.headers["Referrer-Policy"] == "same-origin"
    again = await sign_in(http, path)
    assert again.status == 403
    async with http.post(path) as refused:
        assert "was used already" in await refused.text()


async def test_an_expired_link_is_refused(
    web_app: Mentorhub, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    path = await signin_path(c, "cora")
    clock.advance(timedelta(minutes=10, seconds=1))
    async with http.get(path) as page:
        assert page.status == 403 and "has expired" in await page.text()
    assert (await sign_in(http, path)).status == 403
    async with http.get("/p/prog/", allow_redirects=False) as overview:
        assert overview.status == 401
    async with http.post("/signin/not-a-link") as wrong:
        assert wrong.status == 403 and "doesn&#x27;t work" in await wrong.text()


async def test_each_coordinator_sees_only_their_program(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    out = own(await c.say("olga", "dashboard prog"))
    assert "/signin/" not in out and "coordinat" in out.lower(), out
    out = own(await c.say("mia", "dashboard prog"))
    assert "/signin/" not in out, out
    assert (await sign_in(http, await signin_path(c, "olga", "other"))).status == 303
    async with http.get("/p/other/") as mine:
        assert mine.status == 200 and "Another program" in await mine.text()
    for page in ("/p/prog/", "/p/prog/pairs", "/p/prog/draft", "/p/prog/settings",
                 "/p/prog/export.csv"):  # fmt: skip
        async with http.get(page) as theirs:
            assert theirs.status == 404, page
            assert "Test program" not in await theirs.text()
    csrf = await csrf_of(http, "/p/other/settings")
    async with http.post(
        "/p/prog/settings", data={"csrf": csrf, "field": "cadence", "value": "weekly"}
    ) as theirs:
        assert theirs.status == 404
    async with web_app.uow() as uow:
        prog = await uow.programs.by_slug("prog")
    assert prog is not None and prog.cadence_days == 14


async def test_a_form_without_the_session_token_changes_nothing(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    await sign_in(http, await signin_path(c, "cora"))
    change = {"field": "cadence", "value": "weekly"}
    for token in ({}, {"csrf": "forged"}):
        async with http.post("/p/prog/settings", data=change | token) as refused:
            assert refused.status == 403 and "Form refused" in await refused.text()
    async with http.post("/signout", allow_redirects=False) as refused:
        assert refused.status == 403
    async with web_app.uow() as uow:
        prog = await uow.programs.by_slug("prog")
        assert prog is not None and prog.cadence_days == 14

    csrf = await csrf_of(http, "/p/prog/settings")
    async with http.post("/p/prog/settings", data=change | {"csrf": csrf}) as done:
        assert done.status == 200 and "Updated cadence." in await done.text()
    async with http.post(
        "/p/prog/settings", data={"csrf": csrf, "field": "duration", "value": "1000 weeks"}
    ) as bad:
        text = await bad.text()
        assert 'class="flash error"' in text and "104" in text, text
    async with web_app.uow() as uow:
        prog = await uow.programs.by_slug("prog")
        cora = await uow.people.by_handle("cora_lead")
        assert prog is not None and prog.id is not None and cora is not None
        assert prog.cadence_days == 7 and prog.duration_weeks == 12
        audit = await uow.web.recent_audit(prog.id, 10)
    assert [(a.action, a.outcome, a.person_id) for a in audit] == [
        ("configure duration", "refused", cora.id),
        ("configure cadence", "ok", cora.id),
        ("sign in", "ok", cora.id),
    ]

    async with http.get("/p/prog/export.csv") as csv_file:
        assert csv_file.status == 200 and csv_file.content_type == "text/csv"
        assert (await csv_file.text()).startswith("pair,program,mentor,mentee,status")
    async with http.post("/signout", data={"csrf": csrf}, allow_redirects=False) as out:
        assert out.status == 303
    async with http.get("/p/prog/") as gone:
        assert gone.status == 401


async def test_the_cookie_is_secure_behind_https(web_app: Mentorhub) -> None:
    c = await small_program(web_app)
    path = await signin_path(c, "cora")
    server = DashboardServer(web_app.dashboard, WebSettings("127.0.0.1", 0, secure=True))
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{server.port}{path}"
            async with http.post(url, allow_redirects=False) as response:
                assert response.status == 303
                assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await server.stop()


async def test_the_link_comes_only_in_a_private_chat(web_app: Mentorhub) -> None:
    await small_program(web_app)
    in_group = UserRef(Platform("console"), "", "cora", space="console:lounge")
    said = await web_app.hub.command(in_group, "dashboard", "prog")
    assert said.replies[0].is_error and "private chat" in said.replies[0].text
    assert "/signin/" not in said.replies[0].text


async def test_without_web_the_dashboard_is_not_on(sqlite_app: Mentorhub) -> None:
    c = ConsoleSession(sqlite_app)  # [web] not enabled
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program")
    out = own(await c.say("cora", "dashboard prog"))
    assert "The dashboard isn't turned on" in out and "/signin/" not in out, out


async def test_a_session_ends_when_its_person_stops_coordinating(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    assert (await sign_in(http, await signin_path(c, "cora"))).status == 303
    async with http.get("/p/prog/pairs") as page:
        assert page.status == 200
    async with web_app.uow() as uow:
        prog, cora = await uow.programs.by_slug("prog"), await uow.people.by_handle("cora_lead")
        assert prog is not None and prog.id is not None and cora is not None and cora.id
        enrollment = await uow.enrollments.find(prog.id, cora.id, Role.COORDINATOR)
        assert enrollment is not None
        enrollment.active = False
        await uow.enrollments.save(enrollment)
        await uow.commit()
    async with http.get("/p/prog/pairs") as page:
        assert page.status == 401 and "Please sign in" in await page.text()


async def test_a_sign_in_posted_from_another_site_is_refused(
    web_app: Mentorhub, http: aiohttp.ClientSession, served: str
) -> None:
    c = await small_program(web_app)
    path = await signin_path(c, "cora")
    for elsewhere in ("https://evil.example", "null"):
        async with http.post(path, headers={"Origin": elsewhere}) as refused:
            assert refused.status == 403 and "from another site" in await refused.text()
    async with http.post(path, headers={"Origin": served}, allow_redirects=False) as ours:
        assert ours.status == 303


async def test_a_new_link_starts_reading_its_program(web_app: Mentorhub) -> None:
    c = await small_program(web_app)
    dashboard = web_app.dashboard
    seen = await dashboard.read_ahead(set())
    assert seen == set() and not dashboard._refreshing
    await signin_path(c, "cora")
    seen = await dashboard.read_ahead(seen)
    await dashboard.settled()
    assert len(seen) == 1 and dashboard._usable(1) is not None
    assert dashboard._usable(1)[1].program.slug == "prog"  # type: ignore[index]
    dashboard.forget(1)
    assert await dashboard.read_ahead(seen) == seen  # a link seen once is read once
    await dashboard.settled()
    assert dashboard._usable(1) is None


async def test_draft_forms_say_what_is_wrong(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    await sign_in(http, await signin_path(c, "cora"))
    csrf = await csrf_of(http, "/p/prog/draft")
    same = {"csrf": csrf, "do": "swap", "mentee": "mia_sousa", "other": "@mia_sousa"}
    async with http.post("/p/prog/draft", data=same) as page:
        assert "Choose two different people to swap." in await page.text()
    async with http.post("/p/prog/draft", data={"csrf": csrf, "do": "publish"}) as page:
        text = await page.text()
        assert 'class="flash error"' in text, text
        assert "In Test program mentees choose their mentors (<code>mentors</code>" in text
    async with http.post("/p/prog/draft", data={"csrf": csrf, "do": "explode"}) as page:
        assert page.status == 400


async def test_every_setting_shown_can_be_saved_back_unchanged(
    web_app: Mentorhub, http: aiohttp.ClientSession
) -> None:
    c = await small_program(web_app)
    await sign_in(http, await signin_path(c, "cora"))
    async with http.get("/p/prog/settings") as page:
        text = await page.text()
    shown = re.findall(r'name="field" value="([a-z_]+)"><input id="set-\1" name="value" '
                       r'value="([^"]*)"', text)  # fmt: skip
    assert len(shown) == len(SETTINGS) == 18
    assert ("starts", "none") in shown and ("weights", "default") in shown
    async with web_app.uow() as uow:
        before = await uow.programs.by_slug("prog")
    csrf = await csrf_of(http, "/p/prog/settings")
    for field, value in shown:
        if not value:
            continue  # not set, and nothing to type: the description
        form = {"csrf": csrf, "field": field, "value": html.unescape(value)}
        async with http.post("/p/prog/settings", data=form) as saved:
            assert f"Updated {field}." in await saved.text(), (field, value)
    async with web_app.uow() as uow:
        assert await uow.programs.by_slug("prog") == before
