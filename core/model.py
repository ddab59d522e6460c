"""The mentoring domain: programs, enrollments, pairs, agreements, check-ins, goals, notes,
feedback. Plain dataclasses; rules live in the use cases (core/commands) and policies here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from core.i18n import N_, said


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    COORDINATOR = "coordinator"


class Mode(StrEnum):
    ASYNC = "async"  # written check-ins in chat
    CHAT = "chat"  # live chat at an agreed time
    CALL = "call"


class Matching(StrEnum):
    REQUEST = "request"  # mentees ask mentors
    ASSIGN = "assign"  # coordinators pair people
    SUGGEST = "suggest"  # coordinators review scored suggestions


class PairStatus(StrEnum):
    AWAITING = "awaiting"  # a mentee asked; the mentor hasn't answered
    DECLINED = "declined"
    EXPIRED = "expired"
    AGREEING = "agreeing"  # paired; the agreement is not confirmed by both yet
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"

    @property
    def is_open(self) -> bool:
        return self in (
            PairStatus.AWAITING,
            PairStatus.AGREEING,
            PairStatus.ACTIVE,
            PairStatus.PAUSED,
        )

    @property
    def takes_a_place(self) -> bool:
        """A pair that uses one of its mentor's places (a request doesn't, yet)."""
        return self.is_open and self is not PairStatus.AWAITING

    @property
    def was_matched(self) -> bool:
        """True once the two were actually paired (requests that went nowhere don't count)."""
        return self in (PairStatus.AGREEING, PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.ENDED)


# Both partners answer the same questions, so none of them may assume whose goals they are.
# Stored in English with each program (and each answer); shown through shown_question.
DEFAULT_QUESTIONS = (
    N_("What progress did you make toward the goals you agreed on?"),
    N_("What is blocking you, if anything?"),
)
MAX_QUESTIONS = 5  # a check-in stays a few taps


def shown_question(question: str) -> str:
    """A check-in question as a person reads it: ours in their language; a coordinator's
    own wording as they wrote it (it is content, not ours to translate)."""
    return said(question) if question in DEFAULT_QUESTIONS else question


@dataclass(slots=True)
class Program:
    slug: str
    name: str
    created_at: datetime
    description: str = ""
    starts_on: date | None = None  # None and None: evergreen
    ends_on: date | None = None
    cadence_days: int = 14
    duration_weeks: int = 12
    meeting_minutes: int = 30
    questions: tuple[str, ...] = DEFAULT_QUESTIONS
    matching: Matching = Matching.REQUEST
    request_expiry_hours: int = 72
    space: str = ""  # "<platform>:<server, workspace or group chat>": where it lives
    channel: str = ""  # announcements and reach-you-here fallback
    remind_after_misses: int = 1
    partner_after_misses: int = 2
    coordinator_after_misses: int = 3
    auto_pause: bool = True
    announcements: int = 0  # how many were sent: the latest one's number names its notices
    match_language: str = ""  # a language every pair must share ("": any shared one)
    match_weights: str = ""  # "skills=0.5 overlap=0.3": what counts in a match ("": defaults)
    language: str = ""  # the language for members who chose none and whose app says none
    id: int | None = None


@dataclass(slots=True)
class Enrollment:
    program_id: int
    person_id: int
    role: Role
    joined_at: datetime
    capacity: int = 0  # mentors only
    skills: tuple[str, ...] = ()  # offered (mentor) or wanted (mentee)
    goals: str = ""
    mode: Mode = Mode.ASYNC
    availability: str = ""
    active: bool = True
    waiting_since: datetime | None = None  # mentees waiting for a (re)match
    rematch: bool = False  # comes first: waiting after an ended pair, or left out of a match
    joins: int = 1  # times joined (again after leaving): names each join and leave
    id: int | None = None


@dataclass(slots=True)
class Pair:
    program_id: int
    mentor_id: int
    mentee_id: int
    status: PairStatus
    created_at: datetime
    origin: str = "assigned"  # assigned | requested | suggested
    forced: bool = False  # a coordinator overrode the no-repeat rule
    expires_at: datetime | None = None  # for AWAITING requests
    next_choices: tuple[int, ...] = ()  # mentors to ask next if this one declines
    started_at: datetime | None = None
    paused_until: datetime | None = None
    ended_at: datetime | None = None
    ended_by: int | None = None
    end_reason: str = ""
    pauses: int = 0  # how many times it was paused: the current pause's number
    # Each partner's yes to messages relayed through the bot (`say`): both must agree.
    relay_mentor: bool = False
    relay_mentee: bool = False
    id: int | None = None

    @property
    def relays(self) -> bool:
        return self.relay_mentor and self.relay_mentee

    def partner_of(self, person_id: int) -> int:
        return self.mentee_id if person_id == self.mentor_id else self.mentor_id

    def has(self, person_id: int) -> bool:
        return person_id in (self.mentor_id, self.mentee_id)


CADENCES = {"weekly": 7, "biweekly": 14, "monthly": 30}


@dataclass(slots=True)
class Agreement:
    pair_id: int
    version: int
    proposed_by: int
    created_at: datetime
    goals: str
    cadence_days: int
    mode: Mode
    channel: str
    meeting_minutes: int
    starts_on: date
    ends_on: date
    response_hours: int
    confidentiality: str
    confirmed_by: tuple[int, ...] = ()
    status: str = "proposed"  # proposed | confirmed | superseded
    confirmed_at: datetime | None = None
    id: int | None = None

    def terms(self) -> dict[str, Any]:
        """What was agreed, as plain JSON values (a proposal's base, a person's export)."""
        return {
            "goals": self.goals,
            "cadence_days": self.cadence_days,
            "mode": self.mode.value,
            "channel": self.channel,
            "meeting_minutes": self.meeting_minutes,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "response_hours": self.response_hours,
            "confidentiality": self.confidentiality,
        }

    @property
    def midpoint_on(self) -> date:
        return self.starts_on + (self.ends_on - self.starts_on) / 2

    def period_of(self, day: date) -> int:
        """The check-in period a day falls in (0-based); negative before the start."""
        return (day - self.starts_on).days // self.cadence_days

    def period_bounds(self, period: int) -> tuple[date, date]:
        start = self.starts_on + timedelta(days=period * self.cadence_days)
        return start, min(start + timedelta(days=self.cadence_days), self.ends_on)

    @property
    def period_count(self) -> int:
        return max(1, -(-(self.ends_on - self.starts_on).days // self.cadence_days))


@dataclass(slots=True)
class CheckIn:
    pair_id: int
    period: int
    opens_on: date
    closes_on: date
    status: str = "open"  # open | done | partial | missed | paused (see services/periods)
    id: int | None = None


@dataclass(slots=True)
class CheckInAnswer:
    checkin_id: int
    person_id: int
    met: bool
    minutes: int
    questions: tuple[str, ...]  # as asked (a program may change its questions later)
    answers: tuple[str, ...]  # one per question, in order
    rating: int
    note: str
    note_shared: bool
    submitted_at: datetime
    revision: int = 0  # times changed since first given: names each updated brief
    id: int | None = None


@dataclass(slots=True)
class Goal:
    owner_id: int
    program_id: int
    text: str
    created_at: datetime
    shared: bool = False
    progress: int = 0  # percent
    done_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Note:
    author_id: int
    pair_id: int
    text: str
    shared: bool
    created_at: datetime
    id: int | None = None


@dataclass(slots=True)
class Feedback:
    pair_id: int
    author_id: int
    kind: str  # pulse | midpoint | closing
    rating: int
    created_at: datetime
    what_happened: str = ""
    effect: str = ""
    suggestion: str = ""
    reason: str = ""  # closing survey
    id: int | None = None


@dataclass(slots=True)
class Block:
    """A confidential "not with this person": never shown to anyone but its author."""

    person_id: int
    blocked_id: int
    created_at: datetime
    id: int | None = field(default=None)


@dataclass(slots=True)
class MatchDraft:
    """One run of `match` for a program: proposed pairs a coordinator reviews, then
    publishes. Numbered per program; a newer run replaces the older draft. ``fingerprint``
    sums up the pool it was computed from: a publish refuses a draft whose pool changed."""

    program_id: int
    number: int
    created_by: int
    created_at: datetime
    stable: bool  # deferred acceptance rather than the best total score
    fingerprint: str
    census: str  # JSON: the waiting mentees and the mentors' free places, to say what changed
    seconds: float
    k_used: int
    widened: bool
    status: str = "draft"  # draft | published | replaced
    published_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class DraftRow:
    """A proposed pair of a draft, or (``mentor_id`` None) a mentee it leaves waiting."""

    draft_id: int
    mentee_id: int
    mentor_id: int | None
    score: float
    reasons: tuple[str, ...] = ()  # why they fit, for both of them: nothing private
    locked: bool = False  # kept as it is when `match` runs again
    reason_code: str = ""  # why a mentee is left waiting
    phrase: str = ""  # the same, as the mentee is told
    id: int | None = None
