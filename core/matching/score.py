"""One mentee–mentor pair: the hard rules, the score in [0, 1], and the reasons behind it.

This scalar scorer explains a match and ranks mentors for one mentee; `vector.py` computes
the same numbers for whole pools at once (tests hold the two equal).

Each part is in [0, 1]; the score is their weighted mean (`Weights`):
- skills: the share of the mentee's wanted skills the mentor offers (none wanted: 0.5)
- goals: shared goal words, full at 3 or at all of the shorter goal (either empty: 0.5)
- languages: the share of the mentee's languages the mentor speaks (at least one is a must)
- mode: same preferred mode 1, neighbours (async–chat, chat–call) 0.5, async–call 0
- overlap: hours a week both are free against what the livelier mode needs (chat 2 h,
  call 3 h); an async pair needs none (1); windows not given: 0.5
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from core.i18n import N_, _, listed, number, said
from core.matching.inputs import MenteeIn, MentorIn, Pool, Rules, Weights
from core.matching.windows import overlap_hours
from core.model import Mode
from core.text import language_name

NEUTRAL = 0.5  # a part the people left blank neither helps nor hurts
GOAL_FULL = 3  # shared goal words that count as fully aligned
MODES = (Mode.ASYNC, Mode.CHAT, Mode.CALL)
MODE_FIT = ((1.0, 0.5, 0.0), (0.5, 1.0, 0.5), (0.0, 0.5, 1.0))  # by MODES index
NEED_HOURS = (0.0, 2.0, 3.0)  # shared hours a week each mode needs
# A shared preference said whole: the mode's word takes different forms in other languages.
_BOTH_PREFER = {
    Mode.ASYNC: N_("both prefer async"),
    Mode.CHAT: N_("both prefer live chat"),
    Mode.CALL: N_("both prefer calls"),
}
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "have",
        "how",
        "i",
        "i'm",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "more",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "want",
        "wants",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "better",
        "learn",
        "learning",
        "improve",
        "become",
        "help",
    ]
)


def norm(value: str) -> str:
    return " ".join(value.lower().split())


@lru_cache(maxsize=65536)  # people share few distinct skill and language lists
def norm_set(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(norm(v) for v in values)


@lru_cache(maxsize=65536)
def goal_words(text: str) -> frozenset[str]:
    """Simple normalized tokens: lower case, stopwords out, a plural "s" dropped."""
    words = set()
    for word in re.findall(r"[a-z0-9+#]+", text.lower()):
        if word in STOPWORDS or len(word) < 2:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def mode_index(mode: Mode) -> int:
    return MODES.index(mode)


def speaks(languages: tuple[str, ...], language: str) -> bool:
    return norm(language) in norm_set(languages)


def language_problem(mentee: MenteeIn, mentor: MentorIn, rules: Rules) -> str | None:
    """ "no_language" when the two can't talk, "required_language" when the program's language
    is missing on either side, else None."""
    required = rules.required_language
    if required and not (speaks(mentee.languages, required) and speaks(mentor.languages, required)):
        return "required_language"
    if not norm_set(mentee.languages) & norm_set(mentor.languages):
        return "no_language"
    return None


def feasible(mentee: MenteeIn, mentor: MentorIn, pool: Pool) -> bool:
    """Every hard rule but capacity, which depends on the rest of the assignment."""
    forbidden = pool.forbidden
    return (
        language_problem(mentee, mentor, pool.rules) is None
        and not forbidden.forbids(mentee.person_id, mentor.person_id)
        and mentee.person_id not in forbidden.paused
        and mentee.person_id not in forbidden.paired
        and mentor.person_id not in forbidden.paused
    )


def overlap_part(mode_e: int, mode_m: int, hours: float | None) -> float:
    need = max(NEED_HOURS[mode_e], NEED_HOURS[mode_m])
    if need == 0:
        return 1.0
    if hours is None:
        return NEUTRAL
    return min(1.0, hours / need)


def combine(weights: Weights, parts: tuple[float, float, float, float, float]) -> float:
    """The weighted mean, in one order, so the vectorized sum rounds the same way."""
    skills, goals, languages, mode, overlap = parts
    total = (
        weights.skills * skills
        + weights.goals * goals
        + weights.languages * languages
        + weights.mode * mode
        + weights.overlap * overlap
    )
    return total / weights.total


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    reasons: tuple[str, ...]
    shared_skills: tuple[str, ...]
    shared_languages: tuple[str, ...]
    overlap_hours: float | None


def score_pair(
    mentee: MenteeIn, mentor: MentorIn, weights: Weights, at: datetime, *, top: int = 3
) -> Scored:
    """The score and the ``top`` reasons that weigh most, as short plain phrases."""
    wanted = norm_set(mentee.skills)
    shared_skills = tuple(sorted(wanted & norm_set(mentor.skills)))
    skills = len(shared_skills) / len(wanted) if wanted else NEUTRAL
    mine, theirs = goal_words(mentee.goals), goal_words(mentor.goals)
    shared_goals = len(mine & theirs)
    if mine and theirs:
        goals = min(1.0, shared_goals / min(len(mine), len(theirs), GOAL_FULL))
    else:
        goals = NEUTRAL
    langs = norm_set(mentee.languages)
    shared_langs = tuple(sorted(langs & norm_set(mentor.languages)))
    languages = len(shared_langs) / len(langs) if langs else 0.0
    me, mm = mode_index(mentee.mode), mode_index(mentor.mode)
    mode = MODE_FIT[me][mm]
    hours = overlap_hours(mentee.windows, mentee.timezone, mentor.windows, mentor.timezone, at)
    overlap = overlap_part(me, mm, hours)
    score = combine(weights, (skills, goals, languages, mode, overlap))

    # Reasons, each weighed by what it added to the score; ties keep this order. Only the
    # ``top`` are worded (a match words thousands of pairs' reasons).
    candidates: list[tuple[float, Callable[[], str]]] = []
    if shared_skills:
        candidates.append((weights.skills * skills, lambda: _interested(shared_skills[:2])))
    if shared_goals and mine and theirs:
        candidates.append((weights.goals * goals, _similar_goals))
    if hours is not None and hours >= 1 and max(NEED_HOURS[me], NEED_HOURS[mm]) > 0:
        free_hours = hours
        candidates.append((weights.overlap * overlap, lambda: _free(free_hours)))
    if me == mm:
        candidates.append((weights.mode * mode, lambda: _both_prefer(mentee.mode)))
    # English alone is the default most people share: only say a language that stands out
    if len(shared_langs) > 1 or (shared_langs and shared_langs[0] != "en"):
        candidates.append((weights.languages * languages, lambda: _both_speak(shared_langs)))
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i][0], i))
    reasons = tuple(candidates[i][1]() for i in order[:top])
    return Scored(score, reasons, shared_skills, shared_langs, hours)


def _some(items: tuple[str, ...]) -> str:
    return listed(items[:2])


# A reason's wording depends only on these few values, which repeat across a pool: each
# is worded once (a match words thousands of reasons, and wording costs more than scoring).
@lru_cache(maxsize=4096)
def _interested(topics: tuple[str, ...]) -> str:
    return _("both interested in {topics}", topics=_some(topics))


@lru_cache(maxsize=1)
def _similar_goals() -> str:
    return _("similar goals")


@lru_cache(maxsize=1024)
def _free(hours: float) -> str:
    # Translators: a reason two people fit; "h" is hours.
    return _("{hours} h a week when both are free", hours=number(hours))


@lru_cache(maxsize=16)
def _both_prefer(mode: Mode) -> str:
    return said(_BOTH_PREFER[mode])


@lru_cache(maxsize=1024)
def _both_speak(languages: tuple[str, ...]) -> str:
    names = tuple(dict.fromkeys(map(language_name, languages)))
    return _("both speak {languages}", languages=_some(names))
