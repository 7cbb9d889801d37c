"""The match search's expanding disks: it stops early only when the rows read provably
hold the whole result, and the result is always the brute force's."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bench import reference
from registry.domain import matching
from registry.domain.matching import Outcome
from registry.domain.workload import CapacityFacts, all_dimensions
from registry.models import PlaceKind
from registry.search import engine, rings, scoring, snapshot, sql
from tests.services.search_support import UTRECHT, place, random_places, random_search

_REAL_PREFILTER = sql.prefilter
KM_LAT = 1 / 111.2  # degrees of latitude per km (about)


@pytest.fixture(autouse=True)
def _rings_on_small_tables(monkeypatch):
    """The rings run from a table size on; these tables are small."""
    monkeypatch.setattr(sql, "RING_MIN_PLACES", 0)
    monkeypatch.setattr(snapshot, "ENABLED", False)  # these are the SQL prefilter's rings


def _clean_demands() -> dict:
    """Every dimension stated at its lightest band: clean and without unknowns for a
    candidate of full (unstated) capacity."""
    return {d.key: {"band": 0, "incidental": False, "adjustable": False} for d in all_dimensions()}


def _facts() -> matching.SearchFacts:
    return matching.SearchFacts(
        home=UTRECHT,
        max_km=25.0,
        kinds=frozenset(k.value for k in PlaceKind),
        capacity=CapacityFacts(capacity={}, hours_per_day=4, hours_per_week=4),
    )


def _spy(monkeypatch) -> list[float]:
    """Record the radius of every prefilter read."""
    radii: list[float] = []
    real = sql.prefilter

    def prefilter(conn, facts, scope, radius_km, *args, **kw):
        radii.append(radius_km)
        return real(conn, facts, scope, radius_km, *args, **kw)

    monkeypatch.setattr(sql, "prefilter", prefilter)
    return radii


def _unspy(monkeypatch) -> None:
    monkeypatch.setattr(sql, "prefilter", _REAL_PREFILTER)


def test_ring_stops_early_when_the_near_places_are_all_clean(session, world, monkeypatch):
    rng = random.Random(5)
    near, far = [], []
    for _ in range(60):  # clean places within 2 km of the home
        km = rng.uniform(0.1, 2.0)
        near.append(
            place(
                session,
                world.emp_a,
                [world.net_a],
                lat=UTRECHT[0] + km * KM_LAT,
                lon=UTRECHT[1],
                demands=_clean_demands(),
            )
        )
    for i in range(40):  # farther places: clean ones, and ones with unknowns or signals
        km = rng.uniform(10.0, 24.0)
        demands = _clean_demands() if i % 2 else {}
        far.append(
            place(
                session,
                world.emp_a,
                [world.net_a],
                lat=UTRECHT[0] - km * KM_LAT,
                lon=UTRECHT[1],
                demands=demands,
            )
        )
    session.commit()
    facts, scope = _facts(), engine.Scope(frozenset({world.net_a.id}))
    for limit in (1, 20, 50):
        radii = _spy(monkeypatch)
        got = engine.search_places(session, facts, scope, limit=limit)
        _unspy(monkeypatch)
        want = reference.reference_search(session, facts, scope, limit=limit)
        assert [r.place_id for r in got] == [r.place_id for r in want]
        assert {r.place_id for r in got} <= {p.id for p in near}
        # one small disk sufficed: nothing farther was read
        assert radii == [facts.max_km * rings.RING_FIRST]
        assert all(r.outcome is Outcome.MATCH and not r.has_signals for r in got)


def test_ring_reads_on_when_the_near_places_do_not_settle_it(session, world, monkeypatch):
    # near places with unknowns (nothing stated), far ones clean: the far ones rank first
    for i in range(60):
        place(
            session,
            world.emp_a,
            [world.net_a],
            lat=UTRECHT[0] + 0.01 * (i % 10) * KM_LAT,
            lon=UTRECHT[1],
        )
    far = [
        place(
            session,
            world.emp_a,
            [world.net_a],
            lat=UTRECHT[0] - (15 + i / 10) * KM_LAT,
            lon=UTRECHT[1],
            demands=_clean_demands(),
        )
        for i in range(10)
    ]
    session.commit()
    facts, scope = _facts(), engine.Scope(frozenset({world.net_a.id}))
    radii = _spy(monkeypatch)
    got = engine.search_places(session, facts, scope)
    _unspy(monkeypatch)
    want = reference.reference_search(session, facts, scope)
    assert [r.place_id for r in got] == [r.place_id for r in want]
    assert [r.place_id for r in got[:10]] == [p.id for p in far]
    assert max(radii) >= facts.max_km


def test_ring_complete_needs_the_best_tier_inside_the_disk():
    n = 5

    def scored(unknowns, distance):
        return scoring.Scored(
            ids=np.arange(n),
            order=np.zeros(n, dtype=np.int64),
            conflicts=np.zeros(n, dtype=np.int64),
            signals=np.zeros(n, dtype=bool),
            unknowns=np.array(unknowns),
            distance=np.array(distance, dtype=np.float64),
            neg_slack=np.zeros(n, dtype=np.int64),
            codes=np.zeros((n, 1), dtype=np.uint8),
            lat=np.zeros(n),
            lon=np.zeros(n),
            min_h=np.zeros(n),
            usual_h=np.zeros(n),
            lower=np.zeros(n, dtype=bool),
        )

    inside = [1.0, 2.0, 3.0, 4.0, 4.5]
    assert rings.ring_complete(scored([0] * n, inside), 5.0, 5, 0)
    assert not rings.ring_complete(scored([0] * n, inside), 5.0, 6, 0)  # too few rows
    assert not rings.ring_complete(scored([0, 0, 0, 0, 1], inside), 5.0, 5, 0)  # a worse tier
    assert rings.ring_complete(scored([0, 0, 0, 0, 1], inside), 5.0, 4, 0)
    # the 5th best lies at the disk's edge: an unread place could be as near
    assert not rings.ring_complete(scored([0] * n, [1.0, 2.0, 3.0, 4.0, 5.0]), 5.0, 5, 0)


def test_rings_equal_reference_on_dense_random_data(session, world):
    rng = random.Random(77)
    employers = [world.emp_a, world.emp_b, world.emp_ab]
    random_places(session, rng, employers, [world.net_a, world.net_b], 900)
    session.commit()
    for round_ in range(30):
        facts = random_search(rng)
        scope = engine.Scope(frozenset({world.net_a.id, world.net_b.id}))
        limit = rng.choice((1, 5, 20, 50))
        outcomes = rng.choice([(Outcome.MATCH, Outcome.NEAR_MISS), (Outcome.MATCH,)])
        got = engine.search_places(session, facts, scope, limit=limit, outcomes=outcomes)
        want = reference.reference_search(session, facts, scope, limit=limit, outcomes=outcomes)
        assert [r.place_id for r in got] == [r.place_id for r in want], round_
