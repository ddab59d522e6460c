"""Screenshots of the dashboard for the README, taken in Debian's headless Chromium.

Seeds a demo program in a temporary SQLite file (people and running pairs imported with
`mentorhub import`, ten weeks of check-ins as benchmarks/b6_program_size.py writes them,
mentees left waiting), serves the dashboard as `mentorhub run` does, signs in with a link
from `dashboard prog` and saves PNGs in docs/images/:

    .venv/bin/python docs/screenshots.py          # needs /usr/bin/chromium
"""

from __future__ import annotations

import asyncio
import csv
import random
import re
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402
from sqlmodel import col  # noqa: E402

from adapters.web.server import DashboardServer, WebSettings  # noqa: E402
from benchmarks import cohort  # noqa: E402
from benchmarks.b6_program_size import COORDINATOR, STUB, add_history, mentorhub_import  # noqa: E402
from benchmarks.common import fresh_sqlite  # noqa: E402
from bots.bootstrap import Mentorhub, build  # noqa: E402
from bots.config import Config, DatabaseConfig, WebConfig  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.identity import UserRef  # noqa: E402
from storage.tables import CheckInAnswerRow, CheckInRow, EnrollmentRow, PairRow  # noqa: E402

IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
FIRST = ("Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
         "Uma", "Vera", "Wei", "Yara", "Zoe", "Luca", "Mina", "Pedro", "Sofia", "Theo")  # fmt: skip
LAST = ("Lima", "Berg", "Costa", "Patel", "Sato", "Okafor", "Novak", "Haddad", "Kim",
        "Weber", "Silva", "Rossi", "Khan", "Moreau", "Lund", "Mori", "Singh", "Reyes",
        "Cohen", "Dubois", "Ivanova", "Nakamura", "Schmidt", "Alves", "Hughes")  # fmt: skip


def people(path: Path, n: int) -> list[tuple[str, str, int]]:
    """A cohort like benchmarks/cohort.py's, with names people have."""
    rng = random.Random(19)
    written: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["name", "handle", "timezone", "languages", "role", "capacity", "skills",
                      "goals", "mode"])  # fmt: skip
        while len(written) < n:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            handle = f"{first}_{last}".lower().replace("é", "e")
            if handle in seen:
                continue
            seen.add(handle)
            mentor = len(written) % cohort.MENTOR_EVERY == 0
            capacity = rng.randint(1, 4) if mentor else 0
            role = "mentor" if mentor else "mentee"
            skills = ";".join(rng.sample(cohort.SKILLS, 2))
            goals = "" if mentor else "Grow in my role"
            zone, languages = rng.choice(cohort.ZONES), rng.choice(cohort.LANGUAGES)
            row = [f"{first} {last}", handle, zone, languages, role, capacity or "", skills]
            out.writerow([*row, goals, rng.choice(cohort.MODES)])
            written.append((handle, "mentor" if mentor else "mentee", capacity))
    return written


async def seed(url: str, workdir: Path) -> None:
    app = build(Config(database=DatabaseConfig(url=url)), clock=SystemClock(), messengers=())
    try:
        cora = UserRef(STUB, "", COORDINATOR)
        await app.hub.message(cora, 'start "Cora Lead" Europe/London en')
        await app.hub.message(cora, "newprogram prog Design mentoring 2026")
        config_path = workdir / "demo.toml"
        config_path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        cohort_people = people(workdir / "people.csv", 420)
        today = datetime.now(UTC).date()
        started = today - timedelta(weeks=10)
        cohort.pairs_csv(workdir / "pairs.csv", cohort_people, 170, started)
        mentorhub_import(config_path, "people", workdir / "people.csv")
        mentorhub_import(config_path, "pairs", workdir / "pairs.csv")
        await add_history(app, today, ended=40)
        await backdate(app, datetime.combine(started, time(9), UTC))
    finally:
        await app.close()


async def backdate(app: Mentorhub, started: datetime) -> None:
    """As if the cohort had been running: pairs started ten weeks ago, the mentees not
    paired have waited a few days to six weeks."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    async with app.engine.begin() as conn:
        await conn.execute(
            update(PairRow).where(col(PairRow.status) == "active").values(started_at=started)
        )
        await answer_this_period(conn, rng, now)
        waiting = await conn.execute(
            select(col(EnrollmentRow.id)).where(col(EnrollmentRow.waiting_since).is_not(None))
        )
        for (enrollment_id,) in waiting.all():
            since = now - timedelta(days=rng.choice((1, 2, 3, 5, 6, 9, 12, 16, 20, 30, 41)))
            await conn.execute(
                update(EnrollmentRow)
                .where(col(EnrollmentRow.id) == enrollment_id)
                .values(waiting_since=since)
            )


async def answer_this_period(conn: Any, rng: random.Random, now: datetime) -> None:
    """The period open today, about half answered already."""
    pairs = (
        await conn.execute(
            select(col(PairRow.id), col(PairRow.mentor_id), col(PairRow.mentee_id)).where(
                col(PairRow.status) == "active"
            )
        )
    ).all()
    today = now.date()
    await conn.execute(
        insert(CheckInRow),
        [
            {"pair_id": pair_id, "period": 5, "opens_on": today,
             "closes_on": today + timedelta(days=14), "status": "open"}
            for pair_id, _, _ in pairs
        ],
    )  # fmt: skip
    opened = dict(
        (await conn.execute(select(col(CheckInRow.pair_id), col(CheckInRow.id)).where(
            col(CheckInRow.period) == 5))).all()
    )  # fmt: skip
    answers = [
        {"checkin_id": opened[pair_id], "person_id": who, "met": True, "minutes": 30,
         "questions": ["How did it go?"], "answers": ["Fine"], "rating": 4, "note": "",
         "note_shared": False, "submitted_at": now, "revision": 0}
        for pair_id, mentor, mentee in pairs
        for who in (mentor, mentee)
        if rng.random() < 0.55
    ]  # fmt: skip
    await conn.execute(insert(CheckInAnswerRow), answers)


async def shoot(app: Mentorhub) -> list[Path]:
    server = DashboardServer(app.dashboard, WebSettings("127.0.0.1", 0, secure=False))
    await server.start()
    outcome = await app.hub.command(UserRef(STUB, "", COORDINATOR), "dashboard", "prog")
    found = re.search(r"/signin/[A-Za-z0-9_-]+", outcome.replies[0].text)
    assert found is not None, outcome.replies[0].text
    saved = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            context = await browser.new_context(
                base_url=f"http://127.0.0.1:{server.port}",
                viewport={"width": 1280, "height": 900},
                device_scale_factor=1,
            )
            page = await context.new_page()
            page.set_default_timeout(15_000)
            await page.goto(found.group(0))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(re.compile(r"/p/prog/$"))
            shots = {
                "dashboard-overview.png": "/p/prog/",
                "dashboard-pairs.png": "/p/prog/pairs?status=active&sort=last_checkin&order=desc",
            }
            for name, path in shots.items():
                await page.goto(path)
                await page.screenshot(path=IMAGES / name, full_page=True)
                saved.append(IMAGES / name)
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.goto("/p/prog/")
            await page.screenshot(path=IMAGES / "dashboard-phone.png")
            wider = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert wider <= 0, f"the overview is {wider} px wider than a phone"
            saved.append(IMAGES / "dashboard-phone.png")
            await browser.close()
    finally:
        await server.stop()
    return saved


async def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_sqlite(Path(tmp) / "demo.db")
        await seed(url, Path(tmp))
        config = Config(
            database=DatabaseConfig(url=url),
            web=WebConfig(enabled=True, port=0, public_url="https://dash.example.org"),
        )
        app = build(config, clock=SystemClock(), messengers=())
        try:
            for path in await shoot(app):
                print(path.relative_to(ROOT))
        finally:
            await app.close()


if __name__ == "__main__":
    asyncio.run(main())
