"""Matching a program's whole pool: read it, compute a draft, check it is still current,
publish it. The engine (core.matching) is pure; this is where it meets the program.

A draft is computed from a read (no write lock held while the engine runs) and stored in a
short write of its own. It remembers a fingerprint of the pool it was computed from: the
waiting mentees, the mentors' free places, everyone's matching profile, the private lists
and past pairs. A publish reads the pool again and refuses a draft whose pool changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from typing import Any

from core import matching  # the engine (numpy) loads on first use, not at import
from core.errors import Conflict, InvalidInput
from core.i18n import _, n_, number
from core.matching import (
    Forbidden,
    MatchResult,
    MenteeIn,
    MentorIn,
    Pool,
    Rules,
    Weights,
    score_pair,
)
from core.messages import Notice, Reply
from core.model import DraftRow, Enrollment, MatchDraft, Pair, PairStatus, Program, Role
from core.ports import Seat, UnitOfWork
from core.services.pairing import introductions, is_paused

WEIGHT_NAMES = ("skills", "goals", "languages", "mode", "overlap")


# --- a program's settings --------------------------------------------------------------


def weights_of(program: Program) -> Weights:
    """The program's weights (``configure … weights``), defaults for what it didn't set."""
    if not program.match_weights:
        return Weights()
    return Weights(**dict(_weight_items(program.match_weights)))


def describe_weights(weights: Weights) -> str:
    return " ".join(f"{name}={getattr(weights, name):g}" for name in WEIGHT_NAMES)


def clean_weights(text: str) -> str:
    """``"skills=0.5 overlap=0.3"`` checked and written canonically; "default" clears."""
    if text.strip().lower() in {"default", "defaults", "reset"}:
        return ""
    items = dict(_weight_items(text))
    if not items:
        raise InvalidInput(
            _(
                "Give weights as name=number, e.g. `skills=0.5 overlap=0.3`: {names}.",
                names=", ".join(WEIGHT_NAMES),
            )
        )
    if (
        sum(items.values()) + sum(getattr(Weights(), n) for n in WEIGHT_NAMES if n not in items)
        <= 0
    ):
        raise InvalidInput(_("At least one weight must be above 0."))
    return " ".join(f"{name}={items[name]:g}" for name in WEIGHT_NAMES if name in items)


def _weight_items(text: str) -> Iterable[tuple[str, float]]:
    for part in text.replace(",", " ").split():
        name, sep, raw = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in WEIGHT_NAMES:
            raise InvalidInput(
                _(
                    "'{typed}' isn't a weight. Use name=number with names: {names}.",
                    typed=part[:40],
                    names=", ".join(WEIGHT_NAMES),
                )
            )
        try:
            value = float(raw)
        except ValueError:
            raise InvalidInput(
                _("'{typed}' isn't a number (in '{weight}').", typed=raw[:20], weight=part[:40])
            ) from None
        if not 0 <= value <= 10:
            got = format(value, "g")
            raise InvalidInput(
                _("A weight is between 0 and 10 (got {value} for {name}).", value=got, name=name)
            )
        yield name, value


# --- the pool ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolRead:
    """A program's pool as read at one moment, and what's needed to describe it later."""

    pool: Pool
    names: dict[int, str]  # everyone in the pool, by id
    fingerprint: str
    census: dict[str, object]  # waiting mentees and mentors' free places, to say what changed
    waiting: dict[int, Enrollment]  # the pool's mentees' enrolments, by person id
    # As read, before the pool left anyone out (paused, or a mentee with an open pair):
    # what `suggest` explains a missing suggestion with, without reading it again.
    waiting_seats: list[Seat]
    mentor_seats: list[Seat]  # mentors with a free place
    pairs: list[Pair]
    blocks: set[frozenset[int]]


def match_moment(program: Program, now: datetime) -> datetime:
    """The moment whose UTC offsets (DST) decide shared hours: the program's start if it
    is still ahead, else now — at midday, so a draft read twice in a day reads the same."""
    day = program.starts_on if program.starts_on and program.starts_on > now.date() else now.date()
    return datetime.combine(day, time(12), tzinfo=UTC)


async def read_pool(
    uow: UnitOfWork,
    program: Program,
    now: datetime,
    *,
    locked: Iterable[tuple[int, int]] = (),
) -> PoolRead:
    """Waiting mentees who aren't paused and have no open pair, mentors with a free place
    who aren't paused, and what they may never be paired with: in a few statements."""
    assert program.id is not None
    waiting_seats = await uow.views.seats(program.id, Role.MENTEE, waiting=True)
    mentor_seats = await uow.views.seats(program.id, Role.MENTOR, with_room=True)
    waiting = [s for s in waiting_seats if s.open_pairs == 0 and not is_paused(s.person, now)]
    mentors = [s for s in mentor_seats if not is_paused(s.person, now)]
    pairs = await uow.views.pairs(program.id)
    blocks = await uow.views.blocks_in(program.id)
    pool = Pool(
        mentees=tuple(mentee_in(s) for s in waiting),
        mentors=tuple(mentor_in(s) for s in mentors),
        at=match_moment(program, now),
        rules=Rules(required_language=program.match_language or None),
        forbidden=Forbidden(
            blocked=frozenset(blocks),
            previous=frozenset((p.mentee_id, p.mentor_id) for p in pairs if p.status.was_matched),
            declined=frozenset(
                (p.mentee_id, p.mentor_id) for p in pairs if p.status is PairStatus.DECLINED
            ),
        ),
        locked=frozenset(locked),
        weights=weights_of(program),
    )
    seats = [*waiting, *mentors]
    return PoolRead(
        pool=pool,
        names={s.person.id: s.person.name for s in seats if s.person.id is not None},
        fingerprint=_fingerprint(pool),
        census={
            "mentees": sorted(m.person_id for m in pool.mentees),
            "mentors": {str(m.person_id): m.room for m in pool.mentors},
        },
        waiting={s.enrollment.person_id: s.enrollment for s in waiting},
        waiting_seats=waiting_seats,
        mentor_seats=mentor_seats,
        pairs=pairs,
        blocks=blocks,
    )


def mentee_in(seat: Seat) -> MenteeIn:
    return MenteeIn(
        **_profile(seat),
        waiting_since=seat.enrollment.waiting_since,
        rematch=seat.enrollment.rematch,
    )


def mentor_in(seat: Seat) -> MentorIn:
    return MentorIn(**_profile(seat), capacity=seat.enrollment.capacity, load=seat.open_pairs)


def _profile(seat: Seat) -> dict[str, Any]:
    """What matching reads of anyone: their enrolment's profile and how they talk."""
    person, enrollment = seat.person, seat.enrollment
    assert person.id is not None
    return {
        "person_id": person.id,
        "skills": enrollment.skills,
        "goals": enrollment.goals,
        "languages": person.languages,
        "timezone": person.timezone,
        "mode": enrollment.mode,
        "windows": enrollment.availability,
    }


def _fingerprint(pool: Pool) -> str:
    """Everything a result depends on but the locks and the moment (a day's drift in the
    moment must not make yesterday's draft stale): dataclass reprs, in a fixed order."""
    parts = (
        repr(pool.mentees),
        repr(pool.mentors),
        repr(pool.rules),
        repr(pool.weights),
        repr(sorted(sorted(pair) for pair in pool.forbidden.blocked)),
        repr(sorted(pool.forbidden.previous)),
        repr(sorted(pool.forbidden.declined)),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def what_changed(draft: MatchDraft, now_read: PoolRead) -> str | None:
    """Why ``draft`` no longer fits the pool (safe to show a coordinator), or None."""
    if draft.fingerprint == now_read.fingerprint:
        return None
    then = json.loads(draft.census)
    before, after = set(then["mentees"]), set(now_read.census["mentees"])  # type: ignore[call-overload]
    changes = []
    if after - before:
        changes.append(
            n_(
                "{count} mentee started waiting",
                "{count} mentees started waiting",
                len(after - before),
            )
        )
    if before - after:
        changes.append(
            n_(
                "{count} mentee stopped waiting (paired, paused or left)",
                "{count} mentees stopped waiting (paired, paused or left)",
                len(before - after),
            )
        )
    rooms_then: dict[str, int] = then["mentors"]
    rooms_now: dict[str, int] = now_read.census["mentors"]  # type: ignore[assignment]
    moved = sum(
        1 for m in set(rooms_then) | set(rooms_now) if rooms_then.get(m) != rooms_now.get(m)
    )
    if moved:
        changes.append(
            n_(
                "{count} mentor has a different number of free places",
                "{count} mentors have a different number of free places",
                moved,
            )
        )
    if not changes:
        changes.append(_("profiles, settings or past pairs changed"))
    return "; ".join(changes)


# --- computing and storing a draft -------------------------------------------------------


# Stable mode weighs every feasible pair (no top-k): past this many mentee × mentor pairs
# its memory and time grow beyond what a chat command should take (5,000 × 1,000 takes ~3 s).
STABLE_MAX_PAIRS = 10_000_000


async def compute(read: PoolRead, *, stable: bool) -> MatchResult:
    """The engine in a worker thread: the event loop keeps serving everyone meanwhile."""
    size = len(read.pool.mentees) * len(read.pool.mentors)
    if stable and size > STABLE_MAX_PAIRS:
        raise Conflict(
            _(
                "A stable match weighs every mentee against every mentor: {size} pairs here, "
                "more than the {most} it can take in reasonable time.",
                size=number(size),
                most=number(STABLE_MAX_PAIRS),
            ),
            hint=_("Run `match` without `stable` for the best total score."),
        )
    return await asyncio.to_thread(matching.match, read.pool, stable=stable)


def draft_rows(result: MatchResult, draft_id: int) -> list[DraftRow]:
    """The rows of a draft: pairs, then mentees left waiting."""
    rows = [
        DraftRow(draft_id, p.mentee_id, p.mentor_id, round(p.score, 4), p.reasons, p.locked)
        for p in result.pairs
    ]
    rows += [
        DraftRow(draft_id, u.mentee_id, None, 0.0, reason_code=u.reason_code, phrase=u.phrase)
        for u in result.unmatched
    ]
    return rows


async def store_draft(
    uow: UnitOfWork,
    program: Program,
    created_by: int,
    read: PoolRead,
    result: MatchResult,
    now: datetime,
) -> tuple[MatchDraft, list[DraftRow]]:
    """The new draft, numbered after the program's last; an older open draft is replaced."""
    assert program.id is not None
    last = await uow.drafts.latest(program.id)
    if last is not None and last.status == "draft":
        last.status = "replaced"
        await uow.drafts.save(last)
    draft = await uow.drafts.add(
        MatchDraft(
            program_id=program.id,
            number=(last.number if last else 0) + 1,
            created_by=created_by,
            created_at=now,
            stable=result.stable,
            fingerprint=read.fingerprint,
            census=json.dumps(read.census, sort_keys=True),
            seconds=round(result.seconds, 3),
            k_used=result.k_used,
            widened=result.widened,
        )
    )
    assert draft.id is not None
    rows = draft_rows(result, draft.id)
    await uow.drafts.add_rows(rows)
    return draft, rows


def summary_of(rows: Sequence[DraftRow]) -> tuple[float, float]:
    """Mean and lowest score of a draft's pairs, as reviewed (after swaps and drops)."""
    scores = [r.score for r in rows if r.mentor_id is not None]
    if not scores:
        return 0.0, 0.0
    return sum(scores) / len(scores), min(scores)


def rescore(read: PoolRead, row: DraftRow) -> DraftRow:
    """A row's score and reasons for its (new) mentor, by the engine's own scorer."""
    assert row.mentor_id is not None
    mentee = next(m for m in read.pool.mentees if m.person_id == row.mentee_id)
    mentor = next(m for m in read.pool.mentors if m.person_id == row.mentor_id)
    scored = score_pair(mentee, mentor, read.pool.weights, read.pool.at)
    return replace(row, score=round(scored.score, 4), reasons=scored.reasons)


async def publish(
    uow: UnitOfWork,
    program: Program,
    draft: MatchDraft,
    rows: Sequence[DraftRow],
    read: PoolRead,
    now: datetime,
) -> tuple[int, int, list[Notice]]:
    """Every pair of the draft made at once, each introduced to both with why they were
    matched; every mentee it leaves waiting told why. In a few statements whatever the
    size; the notices go out through the outbox, paced. Returns (pairs, waiting, notices).
    ``read`` is the pool read just now: the caller has checked the draft still fits it."""
    assert program.id is not None and draft.id is not None
    if not await uow.drafts.mark_published(draft.id, now):
        raise Conflict(
            _("Draft {number} was published or replaced a moment ago.", number=draft.number)
        )
    draft.status, draft.published_at = "published", now
    placed = [r for r in rows if r.mentor_id is not None]
    pairs = await uow.pairs.insert_many(
        [
            Pair(
                program.id,
                r.mentor_id,
                r.mentee_id,
                PairStatus.AGREEING,
                now,
                origin="matched",
                started_at=now,
            )
            for r in placed
            if r.mentor_id is not None
        ]
    )
    matched = []
    for row in placed:
        enrollment = read.waiting[row.mentee_id]
        enrollment.waiting_since, enrollment.rematch = None, False
        matched.append(enrollment)
    await uow.enrollments.update_many(matched)
    notices: list[Notice] = []
    for pair, row in zip(pairs, placed, strict=True):
        notices += introductions(
            pair, read.names[pair.mentor_id], read.names[pair.mentee_id], row.reasons
        )
    waiting = [r for r in rows if r.mentor_id is None]
    left_out = []
    for row in waiting:  # they come first the next time pairs are made
        enrollment = read.waiting[row.mentee_id]
        enrollment.rematch = True
        left_out.append(enrollment)
    await uow.enrollments.update_many(left_out)
    notices += [
        Notice(
            r.mentee_id,
            Reply(
                _still_waiting(program, r),
                title=_("Still waiting for a mentor"),
            ),
            key=f"draft:{draft.id}:waiting:{r.mentee_id}",
        )
        for r in waiting
    ]
    return len(pairs), len(waiting), notices


def _still_waiting(program: Program, row: DraftRow) -> str:
    made = _("Pairs were made in {program}, and you aren't in one yet.", program=program.name)
    if row.reason_code == "full":  # its phrase says they come first already
        return f"{made} {row.phrase}"
    first = _("You come first the next time pairs are made.")
    return f"{made} {row.phrase} {first}"
