"""Matching mentees to mentors: scores that explain themselves, optimal and stable
assignment of a whole pool. Pure: no database, no messenger.

The engine (numpy, OR-Tools) loads on first use of one of its names, so a process that
never matches (or only imports `fit`) doesn't pay for it in start-up time and memory.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from core.matching.reasons import CODES, PHRASES, LockRefused

if TYPE_CHECKING:
    from core.matching.engine import (
        DEFAULT_K,
        blocking_pairs,
        match,
        priority,
        rank_mentors,
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

_ENGINE = {"DEFAULT_K", "blocking_pairs", "match", "priority", "rank_mentors"}


def __getattr__(name: str) -> Any:
    if name in _ENGINE:
        return getattr(importlib.import_module("core.matching.engine"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
