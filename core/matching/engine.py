"""Matching a whole pool: `match` (optimal or stable), `rank_mentors` for one mentee, and
`blocking_pairs` to check a stable result.

Optimal mode maximizes first the number of mentees placed, then the total score, over every
feasible pair, solving over each mentee's best k mentors (k = 30 to start). Whenever that
places fewer mentees than an upper bound on what all feasible arcs could place
(solve.upper_bound: exact arcs for mentees who have fewer than k, language sets for the
rest), k doubles, up to every feasible arc — never a silent partial matching. The result
says which k it used. Then the solve's dual prices (solve.prices) show any pair left out of
the top k that would raise the total (ties and full mentors can make a mentee's best k the
wrong ones); those pairs join and it solves again, until none would — never a silently
suboptimal total either.

Rematches come first, then those waiting longest: in the solve each mentee's arcs gain a
bonus — REMATCH_BONUS for a mentee waiting for a rematch (after an ended pair, or left out
of a published match), more than any one score can differ, so they take a place another
mentee would fit better; and up to WAIT_BONUS for waiting WAIT_FULL_DAYS or more, which
only settles near-ties. It never changes how many are placed, and scores reported are
without it.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from core.i18n import _, said
from core.matching.inputs import (
    MatchResult,
    MenteeIn,
    MentorIn,
    Pool,
    Proposed,
    Unplaced,
)
from core.matching.reasons import PHRASES, LockRefused
from core.matching.score import feasible, score_pair
from core.matching.solve import SCALE, assign, prices, resolve, units, upper_bound
from core.matching.stable import blocking, deferred_acceptance
from core.matching.vector import (
    SCREEN_MARGIN,
    Encoded,
    arcs_above,
    candidates,
    encode,
    shared_counts,
)
from core.text import language_name

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
DEFAULT_K = 30
REMATCH_BONUS = 1.0  # scores are within [0, 1]
WAIT_BONUS = 0.01
WAIT_FULL_DAYS = 90
CHUNK_ROWS = 2048


def priority(mentee: MenteeIn, at: datetime) -> float:
    waited = 0.0
    if mentee.waiting_since is not None:
        waited = min(1.0, max(0.0, (at - mentee.waiting_since).days / WAIT_FULL_DAYS))
    return REMATCH_BONUS * mentee.rematch + WAIT_BONUS * waited


def _locks(pool: Pool) -> list[tuple[MenteeIn, MentorIn]]:
    mentees = {m.person_id: m for m in pool.mentees}
    mentors = {m.person_id: m for m in pool.mentors}
    pairs = []
    for mentee_id, mentor_id in sorted(pool.locked):
        mentee, mentor = mentees.get(mentee_id), mentors.get(mentor_id)
        if mentee is None or mentor is None:
            raise LockRefused(
                _(
                    "#{mentee} with #{mentor}: not both in this pool.",
                    mentee=mentee_id,
                    mentor=mentor_id,
                )
            )
        if not feasible(mentee, mentor, pool):
            raise LockRefused(
                _(
                    "#{mentee} with #{mentor}: that pairing isn't possible.",
                    mentee=mentee_id,
                    mentor=mentor_id,
                )
            )
        pairs.append((mentee, mentor))
    twice = [m for m, n in Counter(e.person_id for e, _mentor in pairs).items() if n > 1]
    if twice:
        raise LockRefused(_("#{mentee} is locked with more than one mentor.", mentee=twice[0]))
    for mentor_id, n in Counter(m.person_id for _mentee, m in pairs).items():
        if n > mentors[mentor_id].room:
            raise LockRefused(
                _("#{mentor} has fewer places than pairs locked with them.", mentor=mentor_id)
            )
    return pairs


def match(pool: Pool, *, k: int = DEFAULT_K, stable: bool = False) -> MatchResult:
    """Pairs for a whole pool, every hard rule kept; see the module's docstring."""
    started = time.perf_counter()
    locks = _locks(pool)
    locked_ids = {e.person_id for e, _mentor in locks}
    taken = Counter(m.person_id for _mentee, m in locks)
    room = np.array([m.room - taken[m.person_id] for m in pool.mentors], dtype=np.int64)
    free = replace(pool, mentees=tuple(m for m in pool.mentees if m.person_id not in locked_ids))
    enc = encode(free, room)
    n, m = len(free.mentees), len(free.mentors)
    bonus = np.array([priority(e, pool.at) for e in free.mentees], dtype=np.float64)
    widened = False
    if stable:
        k_used = m
        rows, cols, scores = candidates(enc, m)
        mentor_of = deferred_acceptance(
            [e.person_id for e in free.mentees],
            [j.person_id for j in free.mentors],
            room.tolist(),
            bonus.tolist(),
            rows,
            cols,
            scores,
        )
    else:
        # mentor rows in pool order, as candidates' cols and room are
        back = np.argsort(enc.mentor_order)
        k_used = max(1, min(k, m))
        while True:
            rows, cols, scores = candidates(enc, k_used)
            mentor_of = assign(n, room, rows, cols, scores + bonus[rows])
            bound = upper_bound(
                enc.mentees.lang, enc.mentors.lang[back], room, enc.mentees.ok,
                enc.mentors.ok[back], rows, cols, k_used,
            )  # fmt: skip
            if int((mentor_of >= 0).sum()) >= bound or k_used >= m:
                break
            k_used, widened = min(2 * k_used, m), True
        if k_used < m:
            mentor_of = _best_total(enc, room, bonus, rows, cols, scores, mentor_of, k_used)

    proposed = [_proposed(e, j, pool, locked=True) for e, j in locks]
    proposed += [
        _proposed(free.mentees[e], free.mentors[j], pool, locked=False)
        for e, j in enumerate(mentor_of.tolist())
        if j >= 0
    ]
    placed = locked_ids | {p.mentee_id for p in proposed}
    unmatched = _unplaced(enc, [i for i, e in enumerate(free.mentees) if e.person_id not in placed])
    scores_made = [p.score for p in proposed]
    return MatchResult(
        pairs=tuple(proposed),
        unmatched=unmatched,
        mean_score=float(np.mean(scores_made)) if scores_made else 0.0,
        lowest_score=min(scores_made, default=0.0),
        k_used=k_used,
        widened=widened,
        seconds=time.perf_counter() - started,
        stable=stable,
    )


def _best_total(
    enc: Encoded,
    room: I64,
    bonus: F64,
    rows: I64,
    cols: I64,
    scores: F64,
    mentor_of: I64,
    k: int,
) -> I64:
    """The assignment of the top-k solve ``mentor_of`` made optimal over every feasible arc:
    while the solve's prices say some arc left out would raise the total, add every such
    arc and solve what they change (column generation; `solve.resolve`). The count placed
    is already the most possible, and more arcs never lower it."""
    n = len(bonus)
    # a mentee given fewer than k arcs has all of its own; the others' left-out arcs score
    # at most SCREEN_MARGIN above their lowest kept one
    ceiling = np.full(n, np.inf)
    np.minimum.at(ceiling, rows, scores)
    ceiling = np.where(np.bincount(rows, minlength=n) >= k, ceiling + SCREEN_MARGIN, -np.inf)
    unsure = ceiling > -np.inf
    worth = prices(n, room, rows, cols, scores + bonus[rows], mentor_of)
    while unsure.any():
        mentee_floor = worth.mentee / SCALE - bonus
        mentor_floor = worth.mentor / SCALE
        more, to, more_scores = arcs_above(
            enc, mentee_floor, mentor_floor, np.where(unsure, ceiling, -np.inf)
        )
        raises = units(more_scores + bonus[more]) > worth.mentee[more] + worth.mentor[to]
        raises &= mentor_of[more] != to  # its own mentor's arc is in the solve already
        if not raises.any():
            break
        rows = np.concatenate([rows, more[raises]])
        cols = np.concatenate([cols, to[raises]])
        scores = np.concatenate([scores, more_scores[raises]])
        before = worth
        mentor_of, worth = resolve(n, room, rows, cols, scores + bonus[rows], mentor_of, worth)
        # Mentor prices only rose, so an arc that wasn't worth adding still isn't unless
        # its mentee's price fell since: only those mentees need looking at again.
        unsure = (ceiling > -np.inf) & (worth.mentee < before.mentee)
    return mentor_of


def _proposed(mentee: MenteeIn, mentor: MentorIn, pool: Pool, *, locked: bool) -> Proposed:
    scored = score_pair(mentee, mentor, pool.weights, pool.at)
    return Proposed(mentee.person_id, mentor.person_id, scored.score, scored.reasons, locked)


def _unplaced(enc: Encoded, indices: list[int]) -> tuple[Unplaced, ...]:
    """The most specific true reason for each unplaced mentee (by index into the encoded
    mentees), worded so a block is never revealed."""
    pool = enc.pool
    e, m = enc.mentees, enc.mentors
    required = pool.rules.required_language or ""
    out: list[Unplaced] = []
    for start in range(0, len(indices), CHUNK_ROWS):
        rows = np.array(indices[start : start + CHUNK_ROWS], dtype=np.int64)
        talk = (shared_counts(e.lang[rows], m.lang) > 0) & m.able[None, :]
        allowed = talk.copy()
        for r, i in enumerate(rows.tolist()):
            banned = enc.forbidden.get(i)
            if banned is not None:
                allowed[r, banned] = False
        roomy = _any_per_row(allowed & (enc.room > 0)[None, :])
        skilled = _any_per_row(allowed & (shared_counts(e.skill[rows], m.skill) > 0))
        talks, may = _any_per_row(talk), _any_per_row(allowed)
        for r, i in enumerate(rows.tolist()):
            mentee = pool.mentees[i]
            pid = mentee.person_id
            if pid in pool.forbidden.paused:
                code = "paused"
            elif pid in pool.forbidden.paired:
                code = "already_paired"
            elif required and not e.able[i]:
                code = "required_language"
            elif not talks[r]:
                code = "no_language"
            elif not may[r]:
                code = "unavailable"  # only blocks, past partners or declines are left
            elif not roomy[r]:
                code = "full"
            elif e.n_skill[i] > 0 and not skilled[r]:
                code = "no_skill"
            else:
                code = "full"
            out.append(Unplaced(pid, code, _unplaced_phrase(code, required)))
    return tuple(out)


def _any_per_row(cells: NDArray[np.bool_]) -> list[bool]:
    return np.asarray(cells.any(axis=1), dtype=np.bool_).tolist()  # type: ignore[no-any-return]


@lru_cache(maxsize=64)
def _unplaced_phrase(code: str, required: str) -> str:
    if code == "required_language" and required:
        return said(PHRASES[code], language=language_name(required))
    return said(PHRASES[code])


def rank_mentors(pool: Pool, mentee: MenteeIn, *, limit: int = 10) -> list[Proposed]:
    """The mentors with room this mentee may be paired with, best score first (the same
    score as `match`), each with its reasons: what `mentors` shows a mentee."""
    one = replace(pool, mentees=(mentee,), locked=frozenset())
    room = np.array([j.room for j in one.mentors], dtype=np.int64)
    _rows, cols, scores = candidates(encode(one, room), len(one.mentors))
    order = np.lexsort(
        (np.array([one.mentors[j].person_id for j in cols], dtype=np.int64), -scores)
    )
    return [_proposed(mentee, one.mentors[int(cols[i])], pool, locked=False) for i in order[:limit]]


def blocking_pairs(result: MatchResult, pool: Pool) -> list[tuple[int, int]]:
    """Pairs (mentee id, mentor id) that would both rather be together than as ``result``
    has them, over every feasible pair of ``pool``; locked pairs stay as they are."""
    locked_ids = {e for e, _mentor in pool.locked}
    taken = Counter(j for _mentee, j in pool.locked)
    room = np.array([j.room - taken[j.person_id] for j in pool.mentors], dtype=np.int64)
    free = replace(pool, mentees=tuple(e for e in pool.mentees if e.person_id not in locked_ids))
    rows, cols, scores = candidates(encode(free, room), len(free.mentors))
    mentor_at = {j.person_id: i for i, j in enumerate(free.mentors)}
    assigned = {p.mentee_id: mentor_at[p.mentor_id] for p in result.pairs if not p.locked}
    mentor_of = np.array([assigned.get(e.person_id, -1) for e in free.mentees], dtype=np.int64)
    return blocking(
        [e.person_id for e in free.mentees],
        [j.person_id for j in free.mentors],
        room.tolist(),
        [priority(e, pool.at) for e in free.mentees],
        rows,
        cols,
        scores,
        mentor_of,
    )


__all__ = [
    "DEFAULT_K",
    "blocking_pairs",
    "match",
    "priority",
    "rank_mentors",
]
