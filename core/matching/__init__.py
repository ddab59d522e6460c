"""Matching mentees to mentors: scores that explain themselves, optimal and stable
assignment of a whole pool. Pure: no database, no messenger."""

from core.matching.engine import (
    CODES,
    DEFAULT_K,
    PHRASES,
    LockRefused,
    blocking_pairs,
    match,
    priority,
    rank_mentors,
)
from core.matching.fit import Fit, fit, utc_offset_hours
from core.matching.inputs import (
    Forbidden,
    MatchResult,
    MenteeIn,
    MentorIn,
    Pool,
    Proposed,
    Rules,
    Unplaced,
    Weights,
)
from core.matching.score import Scored, feasible, score_pair
from core.matching.windows import overlap_hours, parse_windows, time_difference

__all__ = [
    "CODES",
    "DEFAULT_K",
    "PHRASES",
    "Fit",
    "Forbidden",
    "LockRefused",
    "MatchResult",
    "MenteeIn",
    "MentorIn",
    "Pool",
    "Proposed",
    "Rules",
    "Scored",
    "Unplaced",
    "Weights",
    "blocking_pairs",
    "feasible",
    "fit",
    "match",
    "overlap_hours",
    "parse_windows",
    "priority",
    "rank_mentors",
    "score_pair",
    "time_difference",
    "utc_offset_hours",
]
