"""Matchmaking rounds (issue 19), property-tested on small random rounds: the exact
solver against an independent formulation (SciPy's Hungarian method on the
slot-expanded matrix, and brute force on tiny rounds), every constraint, locks and
determinism; the pair generator against the matcher's own ``evaluate``."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import synthetic
from bench.matchmaking_reference import exhaustive_optimum, independent_optimum
from registry.domain import matchmaking as mm
from registry.domain.matching import Outcome, PlaceFacts, evaluate
from registry.search.codec import demand_facts_of
from registry.search.geometry import geodesic_km_many
from registry.search.pairs import PlaceArrays, geodesic_km_pairs, match_pairs


@st.composite
def rounds(draw, max_limit: int = 1, max_pairs: int = 40):
    nc = draw(st.integers(1, 7))
    npl = draw(st.integers(1, 6))
    all_pairs = [(c, p) for c in range(nc) for p in range(npl)]
    chosen = draw(st.lists(st.sampled_from(all_pairs), unique=True, max_size=max_pairs))
    chosen.sort()
    n = len(chosen)
    weeks = np.array(draw(st.lists(st.integers(0, 104), min_size=nc, max_size=nc)))
    limit = np.array(draw(st.lists(st.integers(1, max_limit), min_size=nc, max_size=nc)))
    capacity = np.array(draw(st.lists(st.integers(1, 3), min_size=npl, max_size=npl)))
    balance = np.array(draw(st.lists(st.integers(-6, 6), min_size=npl, max_size=npl)))
    distance = np.array(draw(st.lists(st.floats(0, 30), min_size=n, max_size=n)))
    signals = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    unknowns = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=int)
    slack = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=int)
    weights = mm.Weights(*draw(st.lists(st.integers(0, 10), min_size=4, max_size=4)))
    problem, terms = mm.build_problem(
        weights,
        weeks_left=weeks,
        max_km=np.full(nc, 30.0),
        limit=limit,
        capacity=capacity,
        host_balance=balance,
        pair_c=np.array([c for c, _ in chosen], dtype=np.int64),
        pair_p=np.array([p for _, p in chosen], dtype=np.int64),
        distance=distance,
        signals=signals,
        unknowns=unknowns,
        slack=slack,
    )
    return problem, terms


def _feasible(problem: mm.Problem, chosen: np.ndarray) -> None:
    per_c = np.bincount(problem.pair_c[chosen], minlength=problem.n_candidates)
    per_p = np.bincount(problem.pair_p[chosen], minlength=problem.n_places)
    assert (per_c <= problem.limit).all()
    assert (per_p <= problem.capacity).all()
    assert not (problem.locked & ~chosen).any()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_the_optimum_is_feasible_and_equals_the_independent_optimum(case):
    problem, terms = case
    chosen = mm.solve(problem)
    _feasible(problem, chosen)
    assert int(problem.value[chosen].sum()) == independent_optimum(problem)
    # re-solving the same round gives the same result
    assert (mm.solve(problem) == chosen).all()
    greedy = mm.greedy(problem)
    _feasible(problem, greedy)
    best, other = (
        mm.summarise(problem, chosen, terms.points),
        mm.summarise(problem, greedy, terms.points),
    )
    assert best.placed >= other.placed
    assert best.objective >= other.objective


@settings(max_examples=100, deadline=None)
@given(rounds(max_limit=2, max_pairs=12), st.data())
def test_k_options_and_locks_against_brute_force(case, data):
    problem, _terms = case
    if problem.pair_c.size:
        # lock a feasible random set of pairs
        wanted = data.draw(
            st.lists(st.integers(0, problem.pair_c.size - 1), unique=True, max_size=3)
        )
        locked = np.zeros(problem.pair_c.size, dtype=bool)
        for i in wanted:
            trial = locked.copy()
            trial[i] = True
            per_c = np.bincount(problem.pair_c[trial], minlength=problem.n_candidates)
            per_p = np.bincount(problem.pair_p[trial], minlength=problem.n_places)
            if (per_c <= problem.limit).all() and (per_p <= problem.capacity).all():
                locked = trial
        problem = dataclasses.replace(problem, locked=locked)
    chosen = mm.solve(problem)
    _feasible(problem, chosen)  # every locked pair is kept
    assert int(problem.value[chosen].sum()) == exhaustive_optimum(problem)


@settings(max_examples=60, deadline=None)
@given(rounds(), st.data())
def test_excluded_pairs_are_never_chosen_and_unplaced_are_explained(case, data):
    problem, _terms = case
    keep = np.array(
        data.draw(
            st.lists(st.booleans(), min_size=problem.pair_c.size, max_size=problem.pair_c.size)
        ),
        dtype=bool,
    )
    sub = dataclasses.replace(
        problem,
        pair_c=problem.pair_c[keep],
        pair_p=problem.pair_p[keep],
        distance=problem.distance[keep],
        value=problem.value[keep],
        locked=problem.locked[keep],
    )
    chosen = mm.solve(sub)
    pairs = set(zip(sub.pair_c[chosen].tolist(), sub.pair_p[chosen].tolist(), strict=True))
    gone = set(zip(problem.pair_c[~keep].tolist(), problem.pair_p[~keep].tolist(), strict=True))
    assert not pairs & gone
    reasons = mm.unplaced_reasons(sub, chosen)
    placed = set(sub.pair_c[chosen].tolist())
    assert {u.candidate for u in reasons} == set(range(sub.n_candidates)) - placed
    for u in reasons:
        has_pairs = bool((sub.pair_c == u.candidate).any())
        assert (u.outcome is mm.Outcome.NO_MATCH) == (not has_pairs)
        if u.outcome is mm.Outcome.MORE_URGENT:
            assert u.weeks_closer > 0


def test_objective_terms():
    assert mm.urgency_term(np.array([104, 52, 0, -3])).tolist() == [0, 25, 100, 100]
    assert mm.distance_term(np.array([0.0, 15.0, 30.0]), np.array([30.0] * 3)).tolist() == [
        100,
        50,
        0,
    ]
    assert mm.reciprocity_term(np.array([-5, 0, 5])).tolist() == [100, 50, 0]
    assert mm.fit_term(np.array([0, 1]), np.array([0, 0]), np.array([0, 0])).tolist() == [60, 30]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_every_generated_pair_is_a_match_and_every_match_is_a_pair(seed):
    """``match_pairs`` equals ``evaluate``: MATCH (signals allowed), never a near miss,
    never the home employer's place, never a place whose period ended."""
    rng = np.random.default_rng(seed)
    places = [p for p in synthetic.places(120, seed=seed) if p.status == "open"]
    today = dt.date(2026, 12, 4)
    employers = rng.integers(1, 6, size=len(places)).tolist()
    until = [
        None if rng.random() < 0.8 else today + dt.timedelta(days=int(rng.integers(-20, 20)))
        for _ in places
    ]
    arrays = PlaceArrays.build(
        [p.lat for p in places], [p.lon for p in places], [p.kind for p in places], employers,
        [u.toordinal() if u else None for u in until],
        [p.min_hours_week for p in places], [p.usual_hours_week for p in places],
        [p.lower_start_allowed for p in places], [p.match_code for p in places],
    )  # fmt: skip
    searches = [
        dataclasses.replace(
            s.facts,
            home_employer_id=int(rng.integers(1, 6)),
            today=today,
            max_km=s.facts.max_km * 4,
        )
        for s in synthetic.searches(6, seed=seed)
    ]
    pairs = match_pairs(arrays, searches)
    got = {
        (c, p): (bool(sig), int(unk), int(sl))
        for c, p, sig, unk, sl in zip(
            pairs.cand.tolist(), pairs.place.tolist(), pairs.signals, pairs.unknowns, pairs.slack,
            strict=True,
        )
    }  # fmt: skip
    want = {}
    for ci, search in enumerate(searches):
        for pi, p in enumerate(places):
            facts = PlaceFacts(
                pi, (p.lat, p.lon), p.kind, demand_facts_of(_Row(p)), until=until[pi],
                employer_id=employers[pi],
            )  # fmt: skip
            res = evaluate(search, facts)
            if res.outcome is Outcome.MATCH:
                want[(ci, pi)] = (res.has_signals, res.unknown_count, res.slack)
    assert got == want


@dataclasses.dataclass
class _Row:
    """A synthetic place as the codec reads a place row."""

    demands: dict
    exposures: list | None
    offers_conditions: list | None
    min_hours_week: int | None
    usual_hours_week: int | None
    lower_start_allowed: bool

    def __init__(self, p) -> None:
        self.demands, self.exposures = p.demands, p.exposures
        self.offers_conditions = p.offers_conditions
        self.min_hours_week, self.usual_hours_week = p.min_hours_week, p.usual_hours_week
        self.lower_start_allowed = p.lower_start_allowed


@settings(max_examples=30, deadline=None)
@given(
    st.floats(50.7, 53.6), st.floats(3.3, 7.2),
    st.lists(st.tuples(st.floats(-1.2, 1.2), st.floats(-1.8, 1.8)), min_size=1, max_size=20),
)  # fmt: skip
def test_pair_geodesic_equals_the_search_geodesic(lat, lon, offsets):
    plat = np.array([lat + a for a, _ in offsets])
    plon = np.array([lon + b for _, b in offsets])
    one = geodesic_km_many((lat, lon), plat, plon)
    many = geodesic_km_pairs(np.full(plat.size, lat), np.full(plat.size, lon), plat, plon)
    assert np.allclose(one, many, rtol=0, atol=1e-9)
