"""Matching mentees to mentors: scores that explain themselves, optimal and stable
assignment of a whole pool. Pure: no database, no messenger."""

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

__all__ = [
    "Fit",
    "Forbidden",
    "MatchResult",
    "MenteeIn",
    "MentorIn",
    "Pool",
    "Proposed",
    "Rules",
    "Unplaced",
    "Weights",
    "fit",
    "utc_offset_hours",
]
