"""Synthetic cohorts for `mentorhub import` (benchmarks, demos, trying it out).

``people_csv(path, n, seed)`` writes a people file: one mentor in five (capacity 1-5),
the rest mentees, with plausible zones, languages, skills and modes. ``pairs_csv(path,
people, n, starts_on)`` pairs n of its mentees with its mentors within their capacity.
Handles are ``m00001`` (mentors) and ``e00001`` (mentees), so files of any size are valid
and deterministic for a seed.

    python -m benchmarks.cohort people.csv pairs.csv 10000 2000   # 10k people, 2k pairs
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date
from pathlib import Path

ZONES = (
    "Europe/Berlin", "Europe/London", "Europe/Lisbon", "America/New_York",
    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "UTC",
)  # fmt: skip
LANGUAGES = ("en", "en;de", "en;pt", "en;es", "en;fr", "en;ja")
SKILLS = ("python", "design", "career", "figma", "leadership", "data", "writing", "ux")
MODES = ("async", "async", "chat", "call")
MENTOR_EVERY = 5


def handle(index: int, *, mentor: bool) -> str:
    return f"{'m' if mentor else 'e'}{index:05d}"


def people_csv(path: Path, n: int, seed: int = 1) -> list[tuple[str, str, int]]:
    """Write ``n`` people; returns (handle, role, capacity) of each, in file order."""
    rng = random.Random(seed)
    written: list[tuple[str, str, int]] = []
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(
            ["name", "handle", "timezone", "languages", "role", "capacity", "skills", "goals",
             "mode"]
        )  # fmt: skip
        for index in range(1, n + 1):
            mentor = index % MENTOR_EVERY == 0
            who = handle(index, mentor=mentor)
            capacity = rng.randint(1, 5) if mentor else 0
            out.writerow(
                [
                    f"Person {index}",
                    who,
                    rng.choice(ZONES),
                    rng.choice(LANGUAGES),
                    "mentor" if mentor else "mentee",
                    capacity or "",
                    ";".join(rng.sample(SKILLS, 2)),
                    "" if mentor else "Grow in my role",
                    rng.choice(MODES),
                ]
            )
            written.append((who, "mentor" if mentor else "mentee", capacity))
    return written


def pairs_csv(
    path: Path,
    people: list[tuple[str, str, int]],
    n: int,
    starts_on: date,
    cadence_days: int = 14,
) -> int:
    """Pair up to ``n`` mentees of ``people`` (as people_csv returned them) with mentors
    that have room; returns how many pairs were written."""
    slots = [who for who, role, capacity in people if role == "mentor" for _ in range(capacity)]
    mentees = [who for who, role, _ in people if role == "mentee"]
    count = min(n, len(slots), len(mentees))
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["mentor_handle", "mentee_handle", "starts_on", "cadence_days"])
        for mentor, mentee in zip(slots[:count], mentees[:count], strict=True):
            out.writerow([mentor, mentee, starts_on.isoformat(), cadence_days])
    return count


if __name__ == "__main__":
    people_path, pairs_path, size, pair_count = sys.argv[1:5]
    cohort = people_csv(Path(people_path), int(size))
    made = pairs_csv(Path(pairs_path), cohort, int(pair_count), date.today())  # noqa: DTZ011
    print(f"{len(cohort)} people, {made} pairs")
