"""Stable mode: mentee-proposing deferred acceptance with capacities, and its checker.

Both sides rank by the same score. A mentee prefers the higher score, then the lower mentor
id; a mentor the higher score plus the mentee's priority (a rematch first, as in optimal
mode; waiting longest settles near-ties), then the lower mentee id. Ties break the same way
everywhere, so preferences are strict.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
MentorKey = tuple[float, float, int]


def mentor_key(score: float, priority: float, mentee_id: int) -> MentorKey:
    return (score + priority, score, -mentee_id)


def deferred_acceptance(
    mentee_ids: Sequence[int],
    mentor_ids: Sequence[int],
    room: Sequence[int],
    priority: Sequence[float],
    rows: I64,
    cols: I64,
    scores: F64,
) -> I64:
    """The mentee-optimal stable assignment over the feasible arcs given (all of them, or
    stability only holds among them): each mentee's mentor index, −1 when unplaced."""
    n = len(mentee_ids)
    mentor_pid = np.asarray(mentor_ids, dtype=np.int64)
    # each mentee's list: best score first, then the lower mentor id
    order = np.lexsort((mentor_pid[cols], -scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    starts = np.searchsorted(rows, np.arange(n + 1))
    next_choice = starts[:-1].copy()
    held: list[list[tuple[MentorKey, int]]] = [[] for _ in mentor_ids]  # min-heaps
    mentor_of = np.full(n, -1, dtype=np.int64)
    free = deque(range(n))
    while free:
        e = free.popleft()
        while next_choice[e] < starts[e + 1]:
            arc = next_choice[e]
            next_choice[e] += 1
            j = int(cols[arc])
            key = mentor_key(float(scores[arc]), priority[e], mentee_ids[e])
            if len(held[j]) < room[j]:
                heapq.heappush(held[j], (key, e))
                mentor_of[e] = j
                break
            if held[j] and key > held[j][0][0]:
                _, loser = heapq.heapreplace(held[j], (key, e))
                mentor_of[loser] = -1
                mentor_of[e] = j
                free.append(loser)
                break
    return mentor_of


def blocking(
    mentee_ids: Sequence[int],
    mentor_ids: Sequence[int],
    room: Sequence[int],
    priority: Sequence[float],
    rows: I64,
    cols: I64,
    scores: F64,
    mentor_of: I64,
) -> list[tuple[int, int]]:
    """(mentee id, mentor id) pairs that would both rather be together than as assigned:
    the mentee is unplaced or prefers this mentor, and the mentor has a free place or
    prefers this mentee to one of theirs. Empty for a stable assignment."""
    score_of = {(int(r), int(c)): float(s) for r, c, s in zip(rows, cols, scores, strict=True)}
    worst: dict[int, MentorKey] = {}
    count = [0] * len(mentor_ids)
    for e, j in enumerate(mentor_of.tolist()):
        if j >= 0:
            count[j] += 1
            key = mentor_key(score_of[(e, j)], priority[e], mentee_ids[e])
            worst[j] = min(worst.get(j, key), key)
    found = []
    for (e, j), s in score_of.items():
        current = int(mentor_of[e])
        if current == j:
            continue
        if current >= 0:
            mine = (score_of[(e, current)], -mentor_ids[current])
            if (s, -mentor_ids[j]) <= mine:
                continue
        has_room = count[j] < room[j]
        if has_room or (j in worst and mentor_key(s, priority[e], mentee_ids[e]) > worst[j]):
            found.append((mentee_ids[e], mentor_ids[j]))
    return sorted(found)
