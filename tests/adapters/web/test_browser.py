"""The dashboard in a real headless Chromium: a coordinator signs in with a link from a
console session, sees the charts, sorts the pair list, swaps a pair in a matching draft
and publishes it — and the partners get their intros. Expired and reused links, another
program's coordinator and a form without the session's token are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.web.browser import Chromium, require_chromium
from tests.adapters.web.conftest import signin_path
from tests.console_harness import told
from tests.journeys.test_match import cohort


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    require_chromium()
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()


def sign_in(chromium: Chromium, base: str, path: str, width: int = 1280) -> Any:
    page = chromium.new_page(base, width=width)
    page.goto(path)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/p/prog/$"))
    return page


def keyboard(page: Any) -> list[str]:
    """What Tab reaches first, and where Enter on a column header leads."""
    page.goto("/p/prog/")
    reached = []
    for _ in range(3):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    page.goto("/p/prog/pairs")
    page.locator("thead th a", has_text="Started").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=started"))
    return [*reached, page.locator("th[aria-sort]").inner_text()]


def overview(page: Any) -> dict[str, Any]:
    charts = page.locator("svg.chart")
    return {
        "h1": page.locator("h1").inner_text(),
        "titles": [t.text_content() for t in page.locator("svg.chart > title").all()],
        "charts": charts.count(),
        "bars": [
            int(v)
            for v in page.locator("svg.chart rect.bar").evaluate_all(
                "bars => bars.map(b => b.dataset.value)"
            )
        ],
        "waiting": page.locator("#wait-h .count").inner_text(),
        "overflow": page.evaluate("document.documentElement.scrollWidth - innerWidth"),
    }


def compute_draft(page: Any) -> str:
    page.get_by_role("link", name="Matching draft").click()
    page.get_by_role("button", name="Compute a draft").click()
    page.wait_for_selector("text=Proposed pairs, weakest first")
    return str(page.locator("main").inner_text())


def swap(page: Any, mentee: str, other: str) -> str:
    page.get_by_label("Mentee").select_option(mentee)
    page.get_by_label("With").select_option(other)
    page.get_by_role("button", name="Swap", exact=True).click()
    return str(page.locator(".flash").first.inner_text())


def publish(page: Any) -> str:
    page.get_by_role("button", name=re.compile(r"^Publish draft 1")).click()
    return str(page.locator(".flash").first.inner_text())


def sorted_mentees(page: Any) -> list[list[str]]:
    page.get_by_role("link", name="Pairs", exact=True).click()
    seen = []
    for _ in range(2):  # ascending, then the same header again: descending
        page.locator("thead th a", has_text="Mentee").click()
        page.wait_for_selector("th[aria-sort]")
        seen.append([cell.inner_text() for cell in page.locator("tbody tr td:nth-child(3)").all()])
    seen.append([page.url])
    return seen


def sign_out(page: Any) -> str:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    return str(page.locator("h1").inner_text())


async def test_sign_in_see_charts_sort_swap_and_publish(
    web_app: Mentorhub, served: str, chromium: Chromium, tmp_path: Path
) -> None:
    c = await cohort(web_app, tmp_path)
    page = await chromium.run(sign_in, chromium, served, await signin_path(c, "cora"))
    seen = await chromium.run(overview, page)
    assert seen["h1"] == "Test program"
    assert "Check-in completion by week" in seen["titles"]
    assert "Waiting mentees by how long they have waited" in seen["titles"]
    assert seen["charts"] == 4 and seen["waiting"] == "12"
    assert sum(seen["bars"]) >= 12 + 4, seen  # 12 waiting mentees, 4 mentors with no mentee
    assert seen["overflow"] <= 0

    text = await chromium.run(compute_draft, page)
    assert "Nobody has been told anything yet" in text and "Pia Park" in text
    async with web_app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        draft = await uow.drafts.latest(program.id)
        assert draft is not None and draft.id is not None
        rows = {r.mentee_id: r for r in await uow.drafts.rows(draft.id)}
        ids = {
            h: p.id or 0 for h in ("mia", "uma", "pedro") if (p := await uow.people.by_handle(h))
        }
    other = "uma" if rows[ids["uma"]].mentor_id != rows[ids["mia"]].mentor_id else "pedro"
    flash = await chromium.run(swap, page, "mia", other)
    assert "Swapped: Mia Sousa has a new mentor." in flash
    async with web_app.uow() as uow:
        after = {r.mentee_id: r for r in await uow.drafts.rows(draft.id)}
    assert after[ids["mia"]].mentor_id == rows[ids[other]].mentor_id
    assert after[ids[other]].mentor_id == rows[ids["mia"]].mentor_id

    start = c.out.tell()
    flash = await chromium.run(publish, page)
    assert "Published draft 1: 11 pairs are introduced" in flash
    await web_app.deliver()
    delivered = c.out.getvalue()[start:]
    for handle in ("mia", other, "dana", "erik"):
        got = told(delivered, handle)
        assert "New mentoring pair" in got or "You're paired with" in got, (handle, delivered)
    assert "No mentor speaks your language yet." in told(delivered, "pia"), delivered

    assert await chromium.run(keyboard, page) == [
        "Skip to content", "Overview", "Pairs", "Started ▲",
    ]  # fmt: skip
    ascending, descending, (url,) = await chromium.run(sorted_mentees, page)
    assert len(ascending) == 11 and ascending == sorted(ascending)
    assert descending == sorted(ascending, reverse=True)
    assert "sort=mentee" in url and "order=desc" in url
    assert await chromium.run(sign_out, page) == "mentorhub dashboard"
    async with web_app.uow() as uow:
        audit = await uow.web.recent_audit(program.id, 10)
    assert [a.action for a in audit] == [
        "sign out", "draft publish", "draft swap", "draft compute", "sign in",
    ]  # fmt: skip
    assert {a.person_id for a in audit} == {draft.created_by}


def open_link(chromium: Chromium, base: str, path: str) -> tuple[str, str]:
    page = chromium.new_page(base)
    page.goto(path)
    return str(page.locator("h1").inner_text()), str(page.locator("main").inner_text())


def click_sign_in(page: Any) -> str:
    page.get_by_role("button", name="Sign in").click()
    return str(page.locator("main").inner_text())


def visit(page: Any, path: str) -> tuple[int, str]:
    response = page.goto(path)
    return int(response.status), str(page.locator("main").inner_text())


def post_without_token(page: Any, path: str) -> int:
    response = page.request.post(path, form={"field": "cadence", "value": "weekly"})
    return int(response.status)


async def test_expired_reused_and_foreign_links_are_refused(
    web_app: Mentorhub, served: str, chromium: Chromium, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(web_app, tmp_path)
    await c.register("olga_c", "Olga Chief", "Europe/Warsaw")
    await c.say("olga_c", "newprogram other Another program")

    stale = await signin_path(c, "cora")
    clock.advance(timedelta(minutes=11))
    title, text = await chromium.run(open_link, chromium, served, stale)
    assert title == "This link doesn't work" and "has expired" in text

    used = await signin_path(c, "cora")
    page = await chromium.run(sign_in, chromium, served, used)
    title, text = await chromium.run(open_link, chromium, served, used)
    assert title == "This link doesn't work" and "was used already" in text
    assert await chromium.run(post_without_token, page, "/p/prog/settings") == 403

    # a phone-width window on the coordinator's own pages: nothing wider than the screen
    narrow = await chromium.run(sign_in, chromium, served, await signin_path(c, "cora"), 375)
    assert (await chromium.run(overview, narrow))["overflow"] <= 0

    outsider = await chromium.run(
        open_link, chromium, served, await signin_path(c, "olga_c", "other")
    )
    assert outsider[0] == "Sign in to the dashboard of Another program"
    olga = await chromium.run(
        sign_in_other, chromium, served, await signin_path(c, "olga_c", "other")
    )
    status, text = await chromium.run(visit, olga, "/p/prog/pairs")
    assert status == 404 and "Test program" not in text
    status, _ = await chromium.run(visit, olga, "/p/other/")
    assert status == 200


def sign_in_other(chromium: Chromium, base: str, path: str) -> Any:
    page = chromium.new_page(base)
    page.goto(path)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/p/other/$"))
    return page
