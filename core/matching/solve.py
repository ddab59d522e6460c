"""Optimal assignment over candidate arcs: OR-Tools' min-cost flow.

One call finds the maximum flow of least cost (``solve_max_flow_with_min_cost``): the most
mentees the arcs can place (mentee → mentor, mentor → sink with capacity = room) — a placed
mentee always beats an unplaced one — and among those assignments the one of greatest total
gain (cost = GAIN_CEILING × SCALE − gain per arc, never negative). Lexicographic, with no big
per-match constant widening the cost range (which made the cost-scaling solver 1.5–2.5×
slower); also 20–30 % faster than a separate max-flow then min-cost-flow of that size.

`prices` reads the solve's dual prices, which say whether an arc left out of it would have
raised the total: how the engine makes the top-k solve optimal over every feasible arc.

Measured against scipy and networkx in benchmarks/MATCHING.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
SCALE = 1_000_000  # gains are rounded to 1e-6 for the integer solver
GAIN_CEILING = 4  # above any gain (score ≤ 1, priority ≤ 1.01): every arc costs ≥ 0
# Bellman–Ford rounds after a small change before `resolve` tries its exact fallback: a
# dozen or two when the assignment is optimal (a negative cycle never settles)
QUICK_ROUNDS = 200


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


def units(gains: F64) -> I64:
    """Gains as the integer solver sees them."""
    return np.rint(gains * SCALE).astype(np.int64)


def assign(n_mentees: int, room: I64, rows: I64, cols: I64, gains: F64) -> I64:
    """The mentor index of each mentee (−1: unplaced): the most mentees placed, then the
    greatest total gain. ``gains`` must lie in [0, GAIN_CEILING)."""
    mentor_of = np.full(n_mentees, -1, dtype=np.int64)
    if len(rows) == 0:
        return mentor_of
    tails, heads, capacities, source, sink = _network(n_mentees, room, rows, cols)
    costs = np.zeros(len(tails), dtype=np.int64)
    costs[n_mentees : n_mentees + len(rows)] = GAIN_CEILING * SCALE - units(gains)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(source, n_mentees)
    flow.set_node_supply(sink, -n_mentees)
    # the maximum flow (most mentees placed), and among those the cheapest (most gain)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:  # pragma: no cover
        raise RuntimeError("min-cost flow failed")
    flows = flow.flows(np.arange(n_mentees, n_mentees + len(rows)))
    used = flows > 0
    mentor_of[rows[used]] = cols[used]
    return mentor_of


@dataclass(frozen=True, slots=True)
class Prices:
    """What an arc must gain to be worth adding to a solve, in `units`: an arc (mentee i,
    mentor j) that the solve left out would raise its total iff its gain exceeds
    ``mentee[i] + mentor[j]``. ``mentor`` is never negative."""

    distance: I64  # in the residual network: mentees, mentors, the source, the sink
    n_mentees: int

    @property
    def mentee(self) -> I64:
        return GAIN_CEILING * SCALE + self.distance[: self.n_mentees]

    @property
    def mentor(self) -> I64:
        return -self.distance[self.n_mentees : -2]


def _residual(
    n_mentees: int, room: I64, rows: I64, cols: I64, gains: F64, mentor_of: I64
) -> tuple[I64, I64, I64, I64]:
    """The residual network of the assignment ``mentor_of`` on these arcs, nodes as in
    `_network`: the unused candidates forward and the used ones back, a placed mentee back
    to the source and an unplaced one from it, a mentor with room left to the sink and one
    with someone from it. (tails, heads, costs, capacities)"""
    m = len(room)
    source, sink = n_mentees + m, n_mentees + m + 1
    used = mentor_of[rows] == cols
    cost = GAIN_CEILING * SCALE - units(gains)
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    placed = mentor_of >= 0
    mentees, mentors = np.arange(n_mentees), n_mentees + np.arange(m)
    spare, busy = load < room, load > 0
    tails = np.concatenate(
        [np.where(used, n_mentees + cols, rows), np.where(placed, mentees, source),
         mentors[spare], np.full(int(busy.sum()), sink)]
    )  # fmt: skip
    heads = np.concatenate(
        [np.where(used, rows, n_mentees + cols), np.where(placed, source, mentees),
         np.full(int(spare.sum()), sink), mentors[busy]]
    )  # fmt: skip
    costs = np.concatenate(
        [np.where(used, -cost, cost), np.zeros(n_mentees + int(spare.sum() + busy.sum()), np.int64)]
    )
    capacities = np.concatenate(
        [np.ones(len(rows) + n_mentees, np.int64), (room - load)[spare], load[busy]]
    )
    return tails, heads, costs, capacities


def prices(
    n_mentees: int,
    room: I64,
    rows: I64,
    cols: I64,
    gains: F64,
    mentor_of: I64,
    since: Prices | None = None,
) -> Prices:
    """The dual prices of ``assign``'s answer on these arcs.

    They are shortest-path distances in its residual network (Bellman–Ford from a virtual
    root, one vectorized pass over the arcs a round), starting from the prices ``since``
    of an earlier solve of the same pool if given: distances only fall from where they
    start, so mentor prices only rise, and few rounds move what a small change upset.
    ``assign`` leaves no negative cycle, so the distances settle (a few dozen rounds from
    scratch on the benchmark pool) and every arc has a non-negative reduced cost against
    them: an arc added with a negative one closes a negative cycle (a better assignment),
    and if no left-out arc has one, the answer is optimal over them all."""
    settled = _settle(n_mentees, room, rows, cols, gains, mentor_of, since, rounds=None)
    if settled is None:  # pragma: no cover
        raise RuntimeError("the solve left a negative cycle")
    return settled


def _settle(
    n_mentees: int,
    room: I64,
    rows: I64,
    cols: I64,
    gains: F64,
    mentor_of: I64,
    since: Prices | None,
    rounds: int | None,
) -> Prices | None:
    """`prices`, or None if they haven't settled after ``rounds`` rounds (or ever: a
    negative cycle is left, so ``mentor_of`` isn't optimal on these arcs)."""
    tails, heads, costs, _capacities = _residual(n_mentees, room, rows, cols, gains, mentor_of)
    size = n_mentees + len(room) + 2
    distance = np.zeros(size, np.int64) if since is None else since.distance.copy()
    # arcs by tail: a round relaxes only the arcs out of the nodes that came nearer in the
    # one before (most settle in the first few of a few dozen rounds)
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    first = np.searchsorted(tails, np.arange(size + 1))
    nearer = np.arange(size)
    for _ in range(size + 1 if rounds is None else rounds):
        if not len(nearer):
            return Prices(distance, n_mentees)
        count = first[nearer + 1] - first[nearer]
        arcs = np.arange(int(count.sum())) + np.repeat(
            first[nearer] - np.cumsum(count) + count, count
        )
        before = distance.copy()
        np.minimum.at(distance, heads[arcs], before[tails[arcs]] + costs[arcs])
        nearer = np.flatnonzero(distance < before)
    return None


def resolve(
    n_mentees: int, room: I64, rows: I64, cols: I64, gains: F64, mentor_of: I64, worth: Prices
) -> tuple[I64, Prices]:
    """``assign``'s answer on these arcs and its `prices`, from ``mentor_of``, which was
    optimal on all of them but some added since, and its prices ``worth`` from then.

    The best assignment differs from ``mentor_of`` by cycles of negative cost in its
    residual network. Against ``worth`` only added arcs have a negative reduced cost, each
    such cycle passes through at least one of them, each at most once, and its other arcs'
    reduced costs, never negative, sum to less than what its added ones make up. So a
    min-cost circulation over the arcs whose reduced cost is below the sum of all the
    negative ones finds the optimum. Most of the time each cycle has one added arc, and
    the arcs below the largest single one do, a sixth of the network on the benchmark
    pool: that is tried first, and kept if prices settle on it (the proof it is optimal;
    a negative cycle left would keep them falling)."""
    tails, heads, costs, capacities = _residual(n_mentees, room, rows, cols, gains, mentor_of)
    reduced = costs + worth.distance[tails] - worth.distance[heads]
    gaps = -reduced[reduced < 0]
    if not len(gaps):
        return mentor_of, worth
    for reach, rounds in ((int(gaps.max()), QUICK_ROUNDS), (int(gaps.sum()), None)):
        near = np.flatnonzero(reduced < reach)
        flow = min_cost_flow.SimpleMinCostFlow()
        nodes = np.unique(np.concatenate([tails[near], heads[near]]), return_inverse=True)[1]
        flow.add_arcs_with_capacity_and_unit_cost(
            nodes[: len(near)], nodes[len(near) :], capacities[near], reduced[near]
        )
        if flow.solve() != flow.OPTIMAL:  # pragma: no cover
            raise RuntimeError("min-cost circulation failed")
        moved = near[flow.flows(np.arange(len(near))) > 0]
        arcs = moved[moved < len(rows)]  # candidate arcs; the rest are source and sink arcs
        better = mentor_of.copy()
        left = arcs[mentor_of[rows[arcs]] == cols[arcs]]  # a used arc sent back: its mentee leaves
        better[rows[left]] = -1
        taken = arcs[mentor_of[rows[arcs]] != cols[arcs]]
        better[rows[taken]] = cols[taken]
        settled = _settle(n_mentees, room, rows, cols, gains, better, worth, rounds)
        if settled is not None:
            return better, settled
    raise RuntimeError("the circulation left a negative cycle")  # pragma: no cover


def upper_bound(
    mentee_langs: NDArray[np.uint64],
    mentor_langs: NDArray[np.uint64],
    room: I64,
    live: NDArray[np.bool_],
    open_: NDArray[np.bool_],
    rows: I64,
    cols: I64,
    k: int,
) -> int:
    """At least as many mentees as any assignment over all feasible arcs can place.

    A mentee given fewer than k candidates got all of its feasible mentors: its own arcs
    count. The others stand in by language set, joined to every open mentor sharing one of
    their languages — so only their per-pair exclusions (blocks, past partners, declines)
    are ignored. Mentees are rows of ``mentee_langs``; mentors rows of ``mentor_langs``,
    in the order ``cols`` and ``room`` use; ``live``/``open_`` say who may be paired."""
    n, m = len(mentee_langs), len(mentor_langs)
    given = np.bincount(rows, minlength=n)
    complete = live & (given < k)
    grouped = np.nonzero(live & ~complete)[0]
    mentors = np.nonzero(open_)[0]
    if len(mentors) == 0:
        return 0
    # nodes: mentors 0..m-1, mentees m..m+n-1, mentee sets, mentor sets, source, sink
    tails: list[I64] = [rows[complete[rows]] + m]
    heads: list[I64] = [cols[complete[rows]]]
    caps: list[I64] = [np.ones(int(complete[rows].sum()), np.int64)]
    node = m + n
    e_sets: NDArray[np.uint64] = np.empty((0, mentee_langs.shape[1]), dtype=np.uint64)
    e_count: I64 = np.empty(0, np.int64)
    if len(grouped):
        e_sets, e_group = np.unique(mentee_langs[grouped], axis=0, return_inverse=True)
        e_count = np.bincount(e_group.ravel(), minlength=len(e_sets)).astype(np.int64)
    m_sets, m_group = np.unique(mentor_langs[mentors], axis=0, return_inverse=True)
    e_base, m_base = node, node + len(e_sets)
    source, sink = m_base + len(m_sets), m_base + len(m_sets) + 1
    g, h = np.nonzero((e_sets[:, None, :] & m_sets[None, :, :]).any(axis=2))
    tails += [e_base + g, m_base + m_group.ravel(), np.full(len(e_sets), source)]
    heads += [m_base + h, mentors, e_base + np.arange(len(e_sets))]
    caps += [np.full(len(g), n), np.full(len(mentors), n), e_count]
    singles = np.nonzero(complete)[0]
    tails += [np.full(len(singles), source), np.arange(m)]
    heads += [singles + m, np.full(m, sink)]
    caps += [np.ones(len(singles), np.int64), room]
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.concatenate(tails).astype(np.int64),
        np.concatenate(heads).astype(np.int64),
        np.concatenate(caps).astype(np.int64),
    )
    flow.solve(source, sink)
    return int(flow.optimal_flow())
