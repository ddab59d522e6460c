"""Seeded synthetic matching pools, built in memory.

`build_pool` is the one step B3 swaps for "import the CSV with `mentorhub import`, then
read the pool from the database": everything after it only sees a `Pool`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from core.matching import MenteeIn, MentorIn, Pool
from core.model import Mode

SKILLS = tuple(
    [
        "python",
        "sql",
        "data-engineering",
        "machine-learning",
        "statistics",
        "product-management",
        "ux-design",
        "frontend",
        "backend",
        "devops",
        "kubernetes",
        "terraform",
        "aws",
        "gcp",
        "azure",
        "security",
        "networking",
        "golang",
        "rust",
        "java",
        "kotlin",
        "swift",
        "android",
        "ios",
        "react",
        "vue",
        "typescript",
        "testing",
        "qa",
        "agile",
        "scrum",
        "leadership",
        "management",
        "hiring",
        "public-speaking",
        "writing",
        "career-change",
        "interviewing",
        "negotiation",
        "startups",
        "fundraising",
        "marketing",
        "seo",
        "sales",
        "analytics",
        "excel",
        "tableau",
        "power-bi",
        "finance",
        "accounting",
        "research",
        "academia",
        "phd",
        "open-source",
        "linux",
        "databases",
        "postgres",
        "spark",
        "airflow",
        "llm",
        "mlops",
    ]
)
LANGUAGES = ("en", "es", "de", "fr", "pt", "hi", "ja", "ar")
ZONES = (
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "America/Mexico_City", "America/Toronto", "America/Bogota",
    "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
    "Europe/Warsaw", "Europe/Istanbul", "Africa/Lagos", "Africa/Nairobi", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
    "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip
WINDOWS = (
    "weekdays 9-12", "weekdays 18:00-20:00", "Mon,Wed 18:00-20:00", "Tue, Thu 7-9am",
    "weekends", "evenings", "mornings", "weekdays lunch", "Sat 10-14", "", "",
    "Mon-Fri 12-14, Sat mornings", "afternoons",
)  # fmt: skip
GOAL_WORDS = tuple(
    [
        "career",
        "growth",
        "leadership",
        "promotion",
        "interviews",
        "portfolio",
        "startup",
        "freelance",
        "architecture",
        "scaling",
        "testing",
        "data",
        "cloud",
        "mobile",
        "design",
        "writing",
        "speaking",
        "research",
        "management",
        "hiring",
        "teamwork",
        "confidence",
        "negotiation",
        "salary",
        "transition",
    ]
)
MODES = (Mode.ASYNC, Mode.CHAT, Mode.CALL)


def _language_set(rng: random.Random) -> tuple[str, ...]:
    # English is common but not universal, as in a real international program
    count = rng.choice((1, 1, 2, 2, 3))
    weights = [6, 2, 1.5, 1.5, 1, 1, 0.7, 0.7]
    chosen: list[str] = []
    while len(chosen) < count:
        pick = rng.choices(LANGUAGES, weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return tuple(chosen)


def build_pool(
    mentees: int, mentors: int, *, seed: int = 12, max_capacity: int = 5, at: datetime | None = None
) -> Pool:
    rng = random.Random(seed)
    at = at or datetime(2026, 3, 2, 12, tzinfo=UTC)
    people = []
    for i in range(mentees):
        people.append(
            MenteeIn(
                person_id=i + 1,
                skills=tuple(rng.sample(SKILLS, rng.randint(1, 4))),
                goals=" ".join(rng.sample(GOAL_WORDS, rng.randint(0, 5))),
                languages=_language_set(rng),
                timezone=rng.choice(ZONES),
                mode=rng.choice(MODES),
                windows=rng.choice(WINDOWS),
                waiting_since=at - timedelta(days=rng.randint(0, 120)),
                rematch=rng.random() < 0.05,
            )
        )
    guides = []
    for j in range(mentors):
        guides.append(
            MentorIn(
                person_id=1_000_000 + j,
                skills=tuple(rng.sample(SKILLS, rng.randint(2, 8))),
                goals=" ".join(rng.sample(GOAL_WORDS, rng.randint(0, 5))),
                languages=_language_set(rng),
                timezone=rng.choice(ZONES),
                mode=rng.choice(MODES),
                windows=rng.choice(WINDOWS),
                capacity=rng.randint(1, max_capacity),
            )
        )
    return Pool(tuple(people), tuple(guides), at)
