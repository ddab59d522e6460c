"""Optimal assignment over candidate arcs: OR-Tools' min-cost flow, in two phases.

1. Maximum flow: the most mentees the arcs can place (mentee → mentor, mentor → sink with
   capacity = room). A placed mentee always beats an unplaced one, so this count is fixed
   first — lexicographic, with no big constant distorting the costs.
2. Min-cost flow of exactly that many units, cost = SCALE − gain per arc, which maximizes the
   total gain among the assignments that place that many.

Measured against scipy and networkx in benchmarks/MATCHING.md; why two phases and not one
solve with a large per-match bonus: the bonus widens the cost range and the cost-scaling
solver took 1.5–2.5× longer.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
SCALE = 1_000_000  # gains are rounded to 1e-6 for the integer solver


def _network(n_mentees: int, room: I64, rows: I64, cols: I64) -> tuple[I64, I64, I64, int, int]:
    """Nodes: mentees 0..n−1, mentors n..n+m−1, source, sink. Arcs: source → mentee (1),
    the candidates (1), mentor → sink (room)."""
    m = len(room)
    source, sink = n_mentees + m, n_mentees + m + 1
    tails = np.concatenate([np.full(n_mentees, source), rows, n_mentees + np.arange(m)]).astype(
        np.int64
    )
    heads = np.concatenate([np.arange(n_mentees), n_mentees + cols, np.full(m, sink)]).astype(
        np.int64
    )
    capacities = np.concatenate(
        [np.ones(n_mentees, np.int64), np.ones(len(rows), np.int64), room]
    ).astype(np.int64)
    return tails, heads, capacities, source, sink


def most_placed(n_mentees: int, room: I64, rows: I64, cols: I64) -> int:
    """How many mentees these arcs can place at most."""
    if len(rows) == 0:
        return 0
    tails, heads, capacities, source, sink = _network(n_mentees, room, rows, cols)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, capacities)
    if flow.solve(source, sink) != flow.OPTIMAL:  # pragma: no cover - integer inputs
        raise RuntimeError("max flow failed")
    return int(flow.optimal_flow())


def assign(n_mentees: int, room: I64, rows: I64, cols: I64, gains: F64) -> I64:
    """The mentor index of each mentee (−1: unplaced): the most mentees placed, then the
    greatest total gain. ``gains`` must lie in [0, 2)."""
    mentor_of = np.full(n_mentees, -1, dtype=np.int64)
    placed = most_placed(n_mentees, room, rows, cols)
    if placed == 0:
        return mentor_of
    tails, heads, capacities, source, sink = _network(n_mentees, room, rows, cols)
    costs = np.zeros(len(tails), dtype=np.int64)
    costs[n_mentees : n_mentees + len(rows)] = 2 * SCALE - np.rint(gains * SCALE).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(source, placed)
    flow.set_node_supply(sink, -placed)
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - feasible by construction
        raise RuntimeError("min-cost flow failed")
    flows = flow.flows(np.arange(n_mentees, n_mentees + len(rows)))
    used = flows > 0
    mentor_of[rows[used]] = cols[used]
    return mentor_of


def group_bound(
    mentee_langs: NDArray[np.uint64], mentor_langs: NDArray[np.uint64], room: I64
) -> int:
    """An upper bound on the mentees any assignment can place: people grouped by what
    decides feasibility wholesale (their language bitsets, one row each; pass only the
    people who may be paired), groups joined where they share a language, per-pair
    exclusions (blocks, past partners, declines) ignored."""
    if len(mentee_langs) == 0 or len(mentor_langs) == 0:
        return 0
    e_keys, e_group = np.unique(mentee_langs, axis=0, return_inverse=True)
    m_keys, m_group = np.unique(mentor_langs, axis=0, return_inverse=True)
    e_count = np.bincount(e_group.ravel(), minlength=len(e_keys)).astype(np.int64)
    m_room = np.bincount(m_group.ravel(), weights=room, minlength=len(m_keys)).astype(np.int64)
    g, h = np.nonzero((e_keys[:, None, :] & m_keys[None, :, :]).any(axis=2))
    if len(g) == 0:
        return 0
    n_e, n_m = len(e_keys), len(m_keys)
    source, sink = n_e + n_m, n_e + n_m + 1
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.concatenate([np.full(n_e, source), g, n_e + np.arange(n_m)]).astype(np.int64),
        np.concatenate([np.arange(n_e), n_e + h, np.full(n_m, sink)]).astype(np.int64),
        np.concatenate([e_count, np.full(len(g), len(mentee_langs)), m_room]).astype(np.int64),
    )
    flow.solve(source, sink)
    return int(flow.optimal_flow())
