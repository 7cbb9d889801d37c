"""Matchmaking rounds: the best assignment of candidates to free slots (pure, on arrays).

A round is a bipartite problem: candidates (each may receive at most ``limit`` places,
normally 1), places (each may receive at most its capacity: free slots, and no more than
what is left of its intake cap this month) and the **pairs** between them (only matches
under the matching rules, never the home employer, never an excluded pair; the caller
builds them). Every pair gets one integer **value**; the solver picks the pairs with the
largest total value, exactly, as a min-cost flow (OR-Tools).

The objective, lexicographic in one integer:

1. as many placements as possible (each pair is worth ``base``, more than all the
   weighted points of the round together: nobody is left out to raise the others' score);
2. then the weighted points ``Σ weight × term`` (each term 0..100):
   urgency (weeks left to the end week, quadratic: more weight as it nears), fit (no
   signals, fewer unknowns, more slack), distance (shorter within the candidate's range)
   and reciprocity (hosts that took fewer than they sent get a small preference);
3. ties: the shorter distance (in 100 m steps), then the solver's order on the input
   sorted by candidate and place (the same input always gives the same result).

``greedy`` is the "most urgent first, nearest place" allocation shown beside the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

__all__ = [
    "DEFAULT_WEIGHTS",
    "MAX_WEIGHT",
    "URGENT_WEEKS",
    "Outcome",
    "Problem",
    "Summary",
    "Terms",
    "build_problem",
    "Unplaced",
    "Weights",
    "balance_change",
    "distance_term",
    "fit_term",
    "greedy",
    "pair_points",
    "pair_values",
    "reciprocity_term",
    "solve",
    "summarise",
    "unplaced_reasons",
    "urgency_term",
]

MAX_WEIGHT = 10
URGENT_WEEKS = 13  # a candidate with at most this many weeks left counts as urgent
TERM_MAX = 100
TIE_STEPS = 1000  # distance tie-break: 100 m steps below one point


@dataclass(frozen=True)
class Weights:
    """The network's weights (0..MAX_WEIGHT each) of the four objective terms."""

    urgency: int = 4
    fit: int = 2
    distance: int = 2
    reciprocity: int = 1

    def __post_init__(self) -> None:
        for name in ("urgency", "fit", "distance", "reciprocity"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
                raise ValueError(f"weight {name} must be an integer 0..{MAX_WEIGHT}")

    def as_dict(self) -> dict[str, int]:
        return {
            "urgency": self.urgency,
            "fit": self.fit,
            "distance": self.distance,
            "reciprocity": self.reciprocity,
        }


DEFAULT_WEIGHTS = Weights()


# --------------------------------------------------------------------------- terms


def urgency_term(weeks_left: np.ndarray) -> np.ndarray:
    """0 with 104 or more weeks left, 100 at (or past) the end week; quadratic."""
    share = 1.0 - np.clip(np.asarray(weeks_left, dtype=np.float64), 0, 104) / 104.0
    return np.rint(TERM_MAX * share * share).astype(np.int64)


def fit_term(signals: np.ndarray, unknowns: np.ndarray, slack: np.ndarray) -> np.ndarray:
    """60 for a clean fit, minus 30 with signals and 8 per unknown item, plus 4 per band
    of slack (at most 10 bands); 0..100."""
    base = 60 - 30 * np.asarray(signals, dtype=np.int64) - 8 * np.asarray(unknowns, np.int64)
    value = np.maximum(base, 0) + 4 * np.clip(np.asarray(slack, dtype=np.int64), 0, 10)
    return np.clip(value, 0, TERM_MAX).astype(np.int64)


def distance_term(distance_km: np.ndarray, max_km: np.ndarray) -> np.ndarray:
    """100 at the candidate's door, 0 at the edge of their range."""
    d = np.asarray(distance_km, dtype=np.float64)
    m = np.maximum(np.asarray(max_km, dtype=np.float64), 1e-9)
    return np.rint(TERM_MAX * np.clip(1.0 - d / m, 0.0, 1.0)).astype(np.int64)


def reciprocity_term(balance: np.ndarray) -> np.ndarray:
    """The host's balance (hosted minus sent) in the network: 50 when even, 10 points
    more per placement it sent more than it hosted (and less the other way); 0..100."""
    return np.clip(50 - 10 * np.asarray(balance, dtype=np.int64), 0, TERM_MAX)


def pair_points(
    weights: Weights, urgency: np.ndarray, fit: np.ndarray, distance: np.ndarray, recip: np.ndarray
) -> np.ndarray:
    """The weighted points of each pair (the part of the objective the page shows)."""
    return (
        weights.urgency * np.asarray(urgency, np.int64)
        + weights.fit * np.asarray(fit, np.int64)
        + weights.distance * np.asarray(distance, np.int64)
        + weights.reciprocity * np.asarray(recip, np.int64)
    )


def _max_points() -> int:
    return 4 * MAX_WEIGHT * TERM_MAX * TIE_STEPS + TIE_STEPS - 1


def pair_values(points: np.ndarray, distance_km: np.ndarray, n_options: int) -> np.ndarray:
    """One integer value per pair: the placement base, the points and the distance
    tie-break. ``n_options``: the most placements the round can make (the base is more
    than that many pairs' points together)."""
    tie = TIE_STEPS - 1 - np.minimum(np.floor(np.asarray(distance_km) * 10), TIE_STEPS - 1)
    base = (max(n_options, 1) + 1) * _max_points()
    return base + np.asarray(points, np.int64) * TIE_STEPS + tie.astype(np.int64)


# --------------------------------------------------------------------------- problem


@dataclass
class Problem:
    """A round on plain arrays. Candidates and places are 0-based indexes; pairs are
    parallel arrays, sorted by candidate then place (the caller's order is kept)."""

    weeks_left: np.ndarray  # per candidate
    limit: np.ndarray  # per candidate: places it may receive (k)
    capacity: np.ndarray  # per place: free slots, within the month's remaining intake
    pair_c: np.ndarray
    pair_p: np.ndarray
    distance: np.ndarray  # per pair, km
    value: np.ndarray  # per pair (pair_values)
    locked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        if self.locked.size != self.pair_c.size:
            self.locked = np.zeros(self.pair_c.size, dtype=bool)

    @property
    def n_candidates(self) -> int:
        return int(self.weeks_left.size)

    @property
    def n_places(self) -> int:
        return int(self.capacity.size)


@dataclass
class Terms:
    """The four 0..100 terms and the weighted points of every pair."""

    urgency: np.ndarray
    fit: np.ndarray
    distance: np.ndarray
    reciprocity: np.ndarray
    points: np.ndarray


def build_problem(
    weights: Weights,
    *,
    weeks_left: np.ndarray,
    max_km: np.ndarray,
    limit: np.ndarray,
    capacity: np.ndarray,
    host_balance: np.ndarray,
    pair_c: np.ndarray,
    pair_p: np.ndarray,
    distance: np.ndarray,
    signals: np.ndarray,
    unknowns: np.ndarray,
    slack: np.ndarray,
    locked: np.ndarray | None = None,
) -> tuple[Problem, Terms]:
    """A round's problem from its pairs (``host_balance`` per place: its host
    employer's balance in the network) with every pair's terms and value."""
    weeks_left = np.asarray(weeks_left, dtype=np.int64)
    pair_c = np.asarray(pair_c, dtype=np.int64)
    pair_p = np.asarray(pair_p, dtype=np.int64)
    u = urgency_term(weeks_left)[pair_c]
    f = fit_term(signals, unknowns, slack)
    d = distance_term(distance, np.asarray(max_km, dtype=np.float64)[pair_c])
    r = reciprocity_term(np.asarray(host_balance, dtype=np.int64))[pair_p]
    points = pair_points(weights, u, f, d, r)
    limit = np.asarray(limit, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    n_options = int(min(limit.sum(), capacity.sum())) if capacity.size else 0
    problem = Problem(
        weeks_left=weeks_left,
        limit=limit,
        capacity=capacity,
        pair_c=pair_c,
        pair_p=pair_p,
        distance=np.asarray(distance, dtype=np.float64),
        value=pair_values(points, distance, n_options),
        locked=np.zeros(pair_c.size, bool) if locked is None else np.asarray(locked, bool),
    )
    return problem, Terms(u, f, d, r, points)


def _locked_room(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Candidate limits and place capacities left after the locked pairs."""
    limit = problem.limit.astype(np.int64).copy()
    cap = problem.capacity.astype(np.int64).copy()
    np.subtract.at(limit, problem.pair_c[problem.locked], 1)
    np.subtract.at(cap, problem.pair_p[problem.locked], 1)
    if (limit < 0).any() or (cap < 0).any():
        raise ValueError("the locked pairs exceed a candidate's limit or a place's capacity")
    return limit, cap


def solve(problem: Problem) -> np.ndarray:
    """The chosen pairs (boolean mask): the largest total value under the limits and
    capacities, locked pairs always chosen. Exact: OR-Tools' min-cost flow."""
    from ortools.graph.python import min_cost_flow

    limit, cap = _locked_room(problem)
    chosen = problem.locked.copy()
    free = np.flatnonzero(~problem.locked)
    if free.size == 0:
        return chosen
    nc, npl = problem.n_candidates, problem.n_places
    source, sink = nc + npl, nc + npl + 1
    top = int(problem.value[free].max())
    supply = int(limit.sum())
    flow = min_cost_flow.SimpleMinCostFlow()
    cands = np.arange(nc, dtype=np.int64)
    places = np.arange(npl, dtype=np.int64)
    tails = np.concatenate(
        (np.full(nc, source), problem.pair_c[free].astype(np.int64), nc + places, [source])
    )
    heads = np.concatenate(
        (cands, nc + problem.pair_p[free].astype(np.int64), np.full(npl, sink), [sink])
    )
    caps = np.concatenate((limit, np.ones(free.size, np.int64), cap, [supply]))
    # non-negative costs: a pair costs ``top - value``, leaving a unit unplaced ``top``
    costs = np.concatenate(
        (np.zeros(nc, np.int64), top - problem.value[free], np.zeros(npl, np.int64), [top])
    )
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - the bypass arc makes it feasible
        raise RuntimeError(f"min-cost flow failed with status {status}")
    arcs = np.arange(nc, nc + free.size)
    chosen[free] = flow.flows(arcs) > 0
    return chosen


def greedy(problem: Problem) -> np.ndarray:
    """ "Most urgent first, nearest place": candidates by weeks left (then index), each
    takes its nearest places with a slot left (up to its limit). Locked pairs first."""
    limit, cap = _locked_room(problem)
    chosen = problem.locked.copy()
    order = np.lexsort(
        (problem.pair_p, problem.distance, problem.pair_c, problem.weeks_left[problem.pair_c])
    )
    pc, pp, locked = problem.pair_c.tolist(), problem.pair_p.tolist(), problem.locked.tolist()
    lim, room = limit.tolist(), cap.tolist()
    for i in order.tolist():
        c, p = pc[i], pp[i]
        if lim[c] > 0 and room[p] > 0 and not locked[i]:
            chosen[i] = True
            lim[c] -= 1
            room[p] -= 1
    return chosen


# --------------------------------------------------------------------------- reading a result


def balance_change(home: np.ndarray, host: np.ndarray, balance: dict[int, int]) -> int:
    """How the network's imbalance (Σ |hosted − sent| over employers) changes when every
    pair (home employer → host employer) becomes a placement; negative is better."""
    after = dict(balance)
    for h, g in zip(np.asarray(home).tolist(), np.asarray(host).tolist(), strict=True):
        after[h] = after.get(h, 0) - 1
        after[g] = after.get(g, 0) + 1
    before = sum(abs(v) for v in balance.values())
    return sum(abs(v) for v in after.values()) - before


@dataclass(frozen=True)
class Summary:
    placed: int  # candidates with at least one place
    urgent_placed: int
    total_km: float
    objective: int  # Σ value of the chosen pairs
    points: int  # Σ weighted points of the chosen pairs


def summarise(problem: Problem, chosen: np.ndarray, points: np.ndarray) -> Summary:
    """Figures of an assignment (the optimum or the greedy one)."""
    cands = np.unique(problem.pair_c[chosen])
    return Summary(
        placed=int(cands.size),
        urgent_placed=int((problem.weeks_left[cands] <= URGENT_WEEKS).sum()),
        total_km=float(problem.distance[chosen].sum()),
        objective=int(problem.value[chosen].sum()),
        points=int(np.asarray(points)[chosen].sum()),
    )


class Outcome(StrEnum):
    NO_MATCH = "no_match"  # no place in the round fits
    MORE_URGENT = "more_urgent"  # its best slot went to a more urgent candidate
    FEWER_OPTIONS = "fewer_options"  # its slots went to candidates without another place
    PLACED = "placed"


@dataclass(frozen=True)
class Unplaced:
    candidate: int
    outcome: Outcome
    place: int | None = None  # the place of its best pair
    weeks_closer: int = 0  # how much closer to the end week the taker is


def unplaced_reasons(problem: Problem, chosen: np.ndarray) -> list[Unplaced]:
    """Why each candidate without a place has none: no pair at all, or its best place
    (highest value) went to someone, named by how much more urgent they are."""
    placed = np.zeros(problem.n_candidates, dtype=bool)
    placed[problem.pair_c[chosen]] = True
    takers: dict[int, list[int]] = {}
    for c, p in zip(problem.pair_c[chosen].tolist(), problem.pair_p[chosen].tolist(), strict=True):
        takers.setdefault(p, []).append(c)
    best: dict[int, tuple[int, int]] = {}
    for i, (c, v) in enumerate(zip(problem.pair_c.tolist(), problem.value.tolist(), strict=True)):
        if not placed[c] and (c not in best or v > best[c][0]):
            best[c] = (v, i)
    weeks = problem.weeks_left.tolist()
    out = []
    for c in np.flatnonzero(~placed).tolist():
        if c not in best:
            out.append(Unplaced(c, Outcome.NO_MATCH))
            continue
        p = int(problem.pair_p[best[c][1]])
        taker = min(takers.get(p, [c]), key=lambda t: (weeks[t], t))
        closer = weeks[c] - weeks[taker]
        kind = Outcome.MORE_URGENT if closer > 0 else Outcome.FEWER_OPTIONS
        out.append(Unplaced(c, kind, p, max(closer, 0)))
    return out
