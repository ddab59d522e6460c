"""The engine's plain inputs and outputs: no database rows, no messenger, only values.

The caller (a use case) reads a program's pool once and hands it over as a `Pool`; the
engine never reads anything else, so the same pool always gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.model import Mode


@dataclass(frozen=True, slots=True)
class MenteeIn:
    person_id: int
    skills: tuple[str, ...]  # wanted
    goals: str
    languages: tuple[str, ...]
    timezone: str  # IANA name
    mode: Mode
    windows: str  # free-text availability ("weekdays 9-12"); "" = unknown
    waiting_since: datetime | None = None
    rematch: bool = False  # waiting after an ended pair: comes first


@dataclass(frozen=True, slots=True)
class MentorIn:
    person_id: int
    skills: tuple[str, ...]  # offered
    goals: str
    languages: tuple[str, ...]
    timezone: str
    mode: Mode
    windows: str
    capacity: int
    load: int = 0  # pairs already taking one of this mentor's places

    @property
    def room(self) -> int:
        return max(0, self.capacity - self.load)


@dataclass(frozen=True, slots=True)
class Rules:
    required_language: str | None = None  # both people must speak it


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each part of the score counts (relative; they need not sum to 1).

    Defaults: what a mentee wants to learn matters most (skills 0.40); then whether the two
    can meet at the times their mode needs (overlap 0.20); matching preferred modes (0.15)
    and goals (0.15); more shared languages than the one they need a little (0.10).
    """

    skills: float = 0.40
    goals: float = 0.15
    languages: float = 0.10
    mode: float = 0.15
    overlap: float = 0.20

    @property
    def total(self) -> float:
        return self.skills + self.goals + self.languages + self.mode + self.overlap


@dataclass(frozen=True, slots=True)
class Forbidden:
    """The hard "never" of a run. The caller may already have filtered people out; the
    engine enforces whatever it is given anyway."""

    blocked: frozenset[frozenset[int]] = frozenset()  # confidential: never revealed
    previous: frozenset[tuple[int, int]] = frozenset()  # (mentee, mentor) paired before
    forced: frozenset[tuple[int, int]] = frozenset()  # previous pairs a coordinator allows
    declined: frozenset[tuple[int, int]] = frozenset()  # (mentee, mentor): mentor said no
    paused: frozenset[int] = frozenset()  # people (mentors or mentees) paused now
    paired: frozenset[int] = frozenset()  # mentees who already have an open pair

    def forbids(self, mentee_id: int, mentor_id: int) -> bool:
        pair = (mentee_id, mentor_id)
        return (
            mentee_id == mentor_id
            or frozenset(pair) in self.blocked
            or (pair in self.previous and pair not in self.forced)
            or pair in self.declined
        )


@dataclass(frozen=True, slots=True)
class Pool:
    mentees: tuple[MenteeIn, ...]
    mentors: tuple[MentorIn, ...]
    at: datetime  # aware: the program's start, or now — the offsets (DST) of that moment
    rules: Rules = Rules()
    forbidden: Forbidden = Forbidden()
    locked: frozenset[tuple[int, int]] = frozenset()  # (mentee, mentor) kept as they are
    weights: Weights = Weights()

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Pool.at must be an aware datetime")


@dataclass(frozen=True, slots=True)
class Proposed:
    mentee_id: int
    mentor_id: int
    score: float
    reasons: tuple[str, ...]  # short, plain, nothing private
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Unplaced:
    mentee_id: int
    reason_code: str  # one of core.matching.reasons.CODES
    phrase: str  # safe to show the mentee: never reveals a block


@dataclass(frozen=True, slots=True)
class MatchResult:
    pairs: tuple[Proposed, ...]
    unmatched: tuple[Unplaced, ...]
    mean_score: float
    lowest_score: float
    k_used: int  # candidates per mentee the solve used (the number of mentors = all)
    widened: bool  # the first k could not place everyone it could: the solve widened
    seconds: float
    stable: bool = False  # deferred acceptance, not the total-score optimum
