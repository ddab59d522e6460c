"""The scorer of score.py for whole pools at once: bitsets, chunked numpy, top-k per mentee.

Skills, languages and goal words become bitsets over the words both sides use (a word only
one side uses can't be shared, so it only counts in that person's total). Mode and
availability depend on few distinct (windows, zone, mode) profiles, so their part is a
small profile × profile table looked up per pair. Mentees are taken a language set at a
time against the open mentors who share a language with it, a chunk of rows at a time,
so memory stays bounded whatever the pool's size.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from core.matching.inputs import Forbidden, MenteeIn, MentorIn, Pool, Weights
from core.matching.score import (
    GOAL_FULL,
    MODE_FIT,
    NEED_HOURS,
    NEUTRAL,
    goal_words,
    mode_index,
    norm,
    norm_set,
)
from core.matching.windows import SLOT_MINUTES, WEEK_SLOTS, utc_mask

U64 = NDArray[np.uint64]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FORBIDDEN = -2.0  # a screened score below every real one (scores are in [0, 1])
SCREEN_ERROR = 1e-5  # float32 rounding: an exact score is at most this above its screen
JITTER = 2.0**-12  # above the tie-breaking jitter added to every screened score
SCREEN_MARGIN = JITTER + 2 * SCREEN_ERROR  # a screened-out arc's score above the lowest kept
CHUNK_CELLS = 1 << 21  # mentee × mentor cells screened at once (8 MiB a float32 array)

if hasattr(np, "bitwise_count"):  # numpy ≥ 2

    def popcount(x: U64) -> NDArray[np.uint8]:
        return np.bitwise_count(x)

else:  # pragma: no cover - numpy 1.x
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount(x: U64) -> NDArray[np.uint8]:
        counts = _BYTE_COUNTS[x[..., None].view(np.uint8)]
        return np.asarray(counts.sum(axis=-1, dtype=np.uint8), dtype=np.uint8)


def bitsets(sets: Sequence[Collection[str]], vocabulary: dict[str, int]) -> U64:
    words = max(1, -(-len(vocabulary) // 64))
    bits = np.array([vocabulary.get(x, -1) for items in sets for x in items], dtype=np.int64)
    owner = np.repeat(np.arange(len(sets)), [len(items) for items in sets])
    owner, bits = owner[bits >= 0], bits[bits >= 0]
    out = np.zeros((len(sets), words), dtype=np.uint64)
    one = np.left_shift(np.uint64(1), (bits & 63).astype(np.uint64))
    np.bitwise_or.at(out, (owner, bits >> 6), one)
    return out


def shared_vocabulary(
    left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]
) -> dict[str, int]:
    both = set().union(*left) & set().union(*right) if left and right else set()
    return {word: i for i, word in enumerate(sorted(both))}


def shared_counts(a: U64, b: U64) -> NDArray[np.uint8] | NDArray[np.uint16]:
    """|a_i ∩ b_j| for every row of a against every row of b."""
    first = popcount(a[:, None, 0] & b[None, :, 0])
    if a.shape[1] == 1:
        return first  # ≤ 64: no widening copy for the common one-word vocabularies
    total = first.astype(np.uint16)
    for word in range(1, a.shape[1]):
        total += popcount(a[:, None, word] & b[None, :, word])
    return total


@dataclass(frozen=True, slots=True)
class Side:
    skill: U64
    n_skill: I64
    goal: U64
    n_goal: I64
    lang: U64
    n_lang: I64
    profile: I64  # index into Encoded.profile_part's rows (mentees) or columns (mentors)
    able: BoolArray  # not paused, speaks the required language (mentees: no open pair)
    ok: BoolArray  # able, and (mentors) has room in this run


@dataclass(frozen=True, slots=True)
class Encoded:
    pool: Pool
    mentees: Side
    mentors: Side
    room: I64  # places left per (sorted) mentor, locked pairs taken off
    profile_part: F64  # weights.mode * mode + weights.overlap * overlap, by profile pair
    mentor_order: I64  # sorted position -> index into pool.mentors
    forbidden: dict[int, I64]  # mentee index -> sorted mentor positions never allowed


def _profiles(
    people: Sequence[MenteeIn | MentorIn], at: datetime
) -> tuple[I64, list[tuple[int | None, int]]]:
    keys: dict[tuple[int | None, int], int] = {}
    index = np.empty(len(people), dtype=np.int64)
    for row, person in enumerate(people):
        key = (utc_mask(person.windows, person.timezone, at), mode_index(person.mode))
        index[row] = keys.setdefault(key, len(keys))
    return index, list(keys)


def _masks(masks: list[int | None]) -> tuple[U64, BoolArray]:
    words = -(-WEEK_SLOTS // 64)
    out = np.zeros((len(masks), words), dtype=np.uint64)
    for row, mask in enumerate(masks):
        for word in range(words):
            out[row, word] = ((mask or 0) >> (64 * word)) & (2**64 - 1)
    return out, np.array([m is None for m in masks], dtype=bool)


def encode(pool: Pool, room: Sequence[int] | I64) -> Encoded:
    """``room``: places each mentor has for this solve (capacity − load − locked)."""
    mentees, rules, forbid = pool.mentees, pool.rules, pool.forbidden
    m_prof_orig, m_keys = _profiles(pool.mentors, pool.at)
    # Mentors sorted by profile: a mentee's profile row then spreads over them with one
    # np.repeat, which is much cheaper than gathering a column per mentor.
    order = np.argsort(m_prof_orig, kind="stable")
    mentors = [pool.mentors[j] for j in order]
    m_prof = m_prof_orig[order]
    e_skills = [norm_set(m.skills) for m in mentees]
    m_skills = [norm_set(m.skills) for m in mentors]
    e_goals = [goal_words(m.goals) for m in mentees]
    m_goals = [goal_words(m.goals) for m in mentors]
    e_langs = [norm_set(m.languages) for m in mentees]
    m_langs = [norm_set(m.languages) for m in mentors]
    skill_vocab = shared_vocabulary(e_skills, m_skills)
    goal_vocab = shared_vocabulary(e_goals, m_goals)
    lang_vocab = shared_vocabulary(e_langs, m_langs)
    required = norm(rules.required_language) if rules.required_language else None

    e_prof, e_keys = _profiles(mentees, pool.at)
    e_bits, e_unknown = _masks([k[0] for k in e_keys])
    m_bits, m_unknown = _masks([k[0] for k in m_keys])
    hours = np.asarray(shared_counts(e_bits, m_bits) * (SLOT_MINUTES / 60), dtype=np.float64)
    part = _profile_part(
        pool.weights,
        np.array([k[1] for k in e_keys], dtype=np.int64),
        np.array([k[1] for k in m_keys], dtype=np.int64),
        hours,
        e_unknown[:, None] | m_unknown[None, :],
    )
    sorted_room = np.asarray(room, dtype=np.int64)[order]

    def side(
        skills: list[frozenset[str]],
        goals: list[frozenset[str]],
        langs: list[frozenset[str]],
        profile: I64,
        able: Callable[[int], bool],
        room: I64 | None,
    ) -> Side:
        can = np.array([able(i) for i in range(len(skills))], dtype=bool)
        return Side(
            bitsets(skills, skill_vocab),
            np.array([len(s) for s in skills], dtype=np.int64),
            bitsets(goals, goal_vocab),
            np.array([len(g) for g in goals], dtype=np.int64),
            bitsets(langs, lang_vocab),
            np.array([len(x) for x in langs], dtype=np.int64),
            profile,
            can,
            can if room is None else can & (room > 0),
        )

    def mentee_ok(i: int) -> bool:
        pid = mentees[i].person_id
        return (
            pid not in forbid.paused
            and pid not in forbid.paired
            and (required is None or required in e_langs[i])
        )

    def mentor_ok(j: int) -> bool:
        return mentors[j].person_id not in forbid.paused and (
            required is None or required in m_langs[j]
        )

    return Encoded(
        pool,
        side(e_skills, e_goals, e_langs, e_prof, mentee_ok, None),
        side(m_skills, m_goals, m_langs, m_prof, mentor_ok, sorted_room),
        sorted_room,
        part,
        order.astype(np.int64),
        _forbidden_indices(mentees, mentors, forbid),
    )


def _profile_part(w: Weights, e_mode: I64, m_mode: I64, hours: F64, unknown: BoolArray) -> F64:
    """w.mode × mode part + w.overlap × overlap part (score.overlap_part) by profile pair."""
    need_of = np.array(NEED_HOURS)
    need = np.maximum(need_of[e_mode][:, None], need_of[m_mode][None, :])
    overlap = np.minimum(1.0, hours / np.where(need > 0, need, 1.0))
    overlap = np.where(unknown, NEUTRAL, overlap)
    overlap = np.where(need == 0, 1.0, overlap)
    mode = np.array(MODE_FIT)[e_mode][:, m_mode]
    return np.asarray(w.mode * mode + w.overlap * overlap, dtype=np.float64)


def _forbidden_indices(
    mentees: Sequence[MenteeIn], mentors: Sequence[MentorIn], forbid: Forbidden
) -> dict[int, I64]:
    mentee_at = {m.person_id: i for i, m in enumerate(mentees)}
    mentor_at = {m.person_id: j for j, m in enumerate(mentors)}
    pairs: set[tuple[int, int]] = set()
    for pid, i in mentee_at.items():
        if pid in mentor_at:
            pairs.add((i, mentor_at[pid]))  # nobody mentors themselves
    for block in forbid.blocked:
        if len(block) == 2:
            a, b = tuple(block)
            for e, m in ((a, b), (b, a)):
                if e in mentee_at and m in mentor_at:
                    pairs.add((mentee_at[e], mentor_at[m]))
    for e, m in (forbid.previous - forbid.forced) | forbid.declined:
        if e in mentee_at and m in mentor_at:
            pairs.add((mentee_at[e], mentor_at[m]))
    by_row: dict[int, list[int]] = {}
    for i, j in pairs:
        by_row.setdefault(i, []).append(j)
    return {i: np.array(sorted(js), dtype=np.int64) for i, js in by_row.items()}


def screen(enc: Encoded, rows: I64, cols: I64) -> NDArray[np.float32]:
    """Approximate scores (float32) of mentees ``rows`` against sorted mentors ``cols``
    (ascending), about FORBIDDEN (< 0) where a hard rule forbids the pair. Only used to
    pick candidates: `exact` scores the picked arcs as score.py does."""
    e, m, w = enc.mentees, enc.mentors, enc.pool.weights
    f32 = np.float32
    n_skill = e.n_skill[rows]
    inv = np.where(n_skill > 0, 1.0 / np.maximum(n_skill, 1), 0.0) * w.skills / w.total
    base = np.where(n_skill > 0, 0.0, NEUTRAL * w.skills / w.total)
    part = enc.profile_part[e.profile[rows]] / w.total + base[:, None]
    counts = np.bincount(m.profile[cols], minlength=part.shape[1])  # cols keep profile order
    score = np.repeat(part.astype(f32), counts, axis=1)
    score += shared_counts(e.skill[rows], m.skill[cols]).astype(f32) * inv.astype(f32)[:, None]
    # goals: a table by (the mentee's goals, the mentor's, shared), each capped at GOAL_FULL
    capped = np.minimum(shared_counts(e.goal[rows], m.goal[cols]), GOAL_FULL).astype(np.uint8)
    capped += (np.minimum(e.n_goal[rows], GOAL_FULL) * GOAL_CELLS**2).astype(np.uint8)[:, None]
    capped += (np.minimum(m.n_goal[cols], GOAL_FULL) * GOAL_CELLS).astype(np.uint8)[None, :]
    score += _goal_part(w.goals / w.total).take(capped)
    per_language = (w.languages / w.total / np.maximum(e.n_lang[rows], 1)).astype(f32)
    if len(rows) and (e.lang[rows] == e.lang[rows[0]]).all():
        # one language set (as callers take them): its part depends on the mentor alone
        shared_lang = shared_counts(e.lang[rows[:1]], m.lang[cols])
        score += shared_lang.astype(f32) * per_language[:1, None]
        bad = np.zeros(score.shape, dtype=bool)
        bad[:, shared_lang[0] == 0] = True
    else:
        shared_lang = shared_counts(e.lang[rows], m.lang[cols])
        score += shared_lang.astype(f32) * per_language[:, None]
        bad = shared_lang == 0
    bad[~e.ok[rows], :] = True
    bad[:, ~m.ok[cols]] = True
    for r, i in enumerate(rows.tolist()):
        banned = enc.forbidden.get(i)
        if banned is not None:
            at = np.minimum(np.searchsorted(cols, banned), len(cols) - 1)
            bad[r, at[cols[at] == banned]] = True
    # Scores take few distinct values, and selecting among many equal ones is slow (3-4×
    # here): a fixed jitter far below any real difference in score separates them.
    score[bad] = FORBIDDEN
    score += _jitter(score.shape[1])
    return score


GOAL_CELLS = GOAL_FULL + 1  # 0..GOAL_FULL goals (or shared goals) once capped


@lru_cache(maxsize=4)
def _goal_part(weight: float) -> NDArray[np.float32]:
    """The goals part of a screened score by index (mentee's goals × GOAL_CELLS + mentor's)
    × GOAL_CELLS + shared, each capped at GOAL_FULL: min(1, shared / min(n_e, n_m)),
    NEUTRAL when either side has none, times ``weight``, in float32 as the screen adds it."""
    f32 = np.float32
    mine, theirs, shared = np.indices((GOAL_CELLS,) * 3).reshape(3, -1)
    full = np.minimum(mine, theirs).astype(f32)
    goals = shared.astype(f32) / np.maximum(full, f32(1))
    np.minimum(goals, f32(1), out=goals)
    goals[full == 0] = NEUTRAL
    return np.asarray(goals * f32(weight), dtype=f32)


@lru_cache(maxsize=4)
def _jitter(columns: int) -> NDArray[np.float32]:
    spread = (np.arange(columns, dtype=np.int64) * 40503) % 65536
    return (spread * (JITTER / 65536)).astype(np.float32)


def exact(enc: Encoded, rows: I64, cols: I64) -> F64:
    """score.py's score for the arcs (mentee index, sorted mentor index), in float64."""
    e, m, w = enc.mentees, enc.mentors, enc.pool.weights

    def shared(a: U64, b: U64) -> I64:
        return np.asarray(popcount(a[rows] & b[cols]).sum(axis=1, dtype=np.int64))

    n_skill = e.n_skill[rows]
    skills = np.where(n_skill > 0, shared(e.skill, m.skill) / np.maximum(n_skill, 1), NEUTRAL)
    full = np.minimum(np.minimum(e.n_goal[rows], m.n_goal[cols]), GOAL_FULL)
    goals = np.where(
        full > 0, np.minimum(1.0, shared(e.goal, m.goal) / np.maximum(full, 1)), NEUTRAL
    )
    languages = shared(e.lang, m.lang) / np.maximum(e.n_lang[rows], 1)
    profile = enc.profile_part[e.profile[rows], m.profile[cols]]
    total = w.skills * skills + w.goals * goals + w.languages * languages + profile
    return np.asarray(total / w.total, dtype=np.float64)


def _language_sets(enc: Encoded, mentees: I64) -> Iterator[tuple[I64, I64]]:
    """``mentees`` (indices) who may be paired, a language set at a time, with the sorted
    positions (ascending) of the open mentors who share a language with that set."""
    live = mentees[enc.mentees.ok[mentees]]
    open_cols = np.nonzero(enc.mentors.ok)[0]
    if not len(live) or not len(open_cols):
        return
    sets, group = np.unique(enc.mentees.lang[live], axis=0, return_inverse=True)
    group = group.ravel()
    for g, languages in enumerate(sets):
        cols = open_cols[(enc.mentors.lang[open_cols] & languages).any(axis=1)]
        if len(cols):
            yield live[group == g], cols


def _arcs(enc: Encoded, rows_out: list[I64], cols_out: list[I64]) -> tuple[I64, I64, F64]:
    if not rows_out:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    rows, cols = np.concatenate(rows_out), np.concatenate(cols_out)
    return rows, enc.mentor_order[cols], exact(enc, rows, cols)


def candidates(enc: Encoded, k: int) -> tuple[I64, I64, F64]:
    """Each mentee's best ``k`` feasible mentors as arcs (mentee index, mentor index into
    pool.mentors, exact score); k ≥ the number of mentors gives every feasible arc.

    Mentees are taken by language set, and each set only against the mentors who share a
    language with it and may be paired: no time goes on pairs that can't talk. A mentor
    left out scores at most SCREEN_MARGIN above the lowest of the mentee's k."""
    rows_out: list[I64] = []
    cols_out: list[I64] = []
    for members, cols in _language_sets(enc, np.arange(len(enc.pool.mentees))):
        width = len(cols)
        chunk = max(1, CHUNK_CELLS // width)
        for start in range(0, len(members), chunk):
            rows = members[start : start + chunk]
            score = screen(enc, rows, cols)
            if k >= width:
                r, c = np.nonzero(score >= 0)
            else:
                top = np.argpartition(score, width - k, axis=1)[:, width - k :]
                keep = np.take_along_axis(score, top, axis=1) >= 0
                r = np.broadcast_to(np.arange(len(rows))[:, None], top.shape)[keep]
                c = top[keep]
            rows_out.append(rows[r])
            cols_out.append(cols[c])
    return _arcs(enc, rows_out, cols_out)


def arcs_above(
    enc: Encoded, mentee_floor: F64, mentor_floor: F64, ceiling: F64
) -> tuple[I64, I64, F64]:
    """The feasible arcs (mentee i, mentor j into pool.mentors) that may score above
    ``mentee_floor[i] + mentor_floor[j]``, as `candidates` gives them, among those that
    score at most ``ceiling[i]``: screened with room for the screen's rounding, so none is
    missed, and scored exactly, so the caller can tell. Arcs above the ceiling may be left
    out."""
    rows_out: list[I64] = []
    cols_out: list[I64] = []
    by_position = mentor_floor[enc.mentor_order] - SCREEN_ERROR
    for members, cols in _language_sets(enc, np.flatnonzero(ceiling > -np.inf)):
        # only a mentor whose floor is below the mentee's ceiling less its floor can do:
        # mentees in order of that reach, each chunk against the mentors within its own
        reach = ceiling[members] - mentee_floor[members]
        order = np.argsort(reach)
        members, reach = members[order], reach[order]
        floors = by_position[cols]
        members, reach = members[reach > floors.min()], reach[reach > floors.min()]
        chunk = max(1, CHUNK_CELLS // len(cols))
        for start in range(0, len(members), chunk):
            rows = members[start : start + chunk]
            within = cols[floors < reach[start : start + chunk].max()]
            score = screen(enc, rows, within)
            floor = mentee_floor[rows][:, None] + by_position[within][None, :]
            r, c = np.nonzero((score >= 0) & (score > floor))
            rows_out.append(rows[r])
            cols_out.append(within[c])
    return _arcs(enc, rows_out, cols_out)
