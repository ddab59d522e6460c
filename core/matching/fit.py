"""The simple per-pair scorer `mentors` and `suggest` use today (the engine in this package
replaces it once they are wired to it); the hard rules are checked elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.identity import Person
from core.model import Enrollment


@dataclass(frozen=True, slots=True)
class Fit:
    score: float
    shared_skills: tuple[str, ...]
    shared_languages: tuple[str, ...]
    hours_apart: float


@lru_cache(maxsize=1024)  # a command scoring thousands of people asks a few zones, once each
def utc_offset_hours(zone: str, at: datetime) -> float:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def fit(
    mentor: Person, mentor_enr: Enrollment, mentee: Person, mentee_enr: Enrollment, at: datetime
) -> Fit:
    """Skills overlap dominates; a shared language is nearly required; close zones and the
    same preferred mode help."""
    shared = tuple(sorted(set(mentor_enr.skills) & set(mentee_enr.skills)))
    wanted = max(1, len(set(mentee_enr.skills)))
    languages = tuple(sorted(set(mentor.languages) & set(mentee.languages)))
    apart = abs(utc_offset_hours(mentor.timezone, at) - utc_offset_hours(mentee.timezone, at))
    apart = min(apart, 24 - apart)
    score = 0.6 * len(shared) / wanted
    score += 0.25 if languages else -1.0
    score += 0.1 * (1 - apart / 12)
    score += 0.05 if mentor_enr.mode is mentee_enr.mode else 0.0
    return Fit(round(score, 4), shared, languages, apart)
