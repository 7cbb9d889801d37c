"""The matcher and its ranking."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain import workload as wl
from registry.domain.matching import (
    BlockerKind,
    MatchResult,
    Outcome,
    PlaceFacts,
    SearchFacts,
    evaluate,
    rank,
    rank_key,
)
from registry.domain.timeline import end_date
from registry.domain.workload import CapacityFacts, Demand, DemandFacts

UTRECHT = (52.0907, 5.1214)
AMERSFOORT = (52.1561, 5.3878)  # about 20 km from Utrecht
ZWOLLE = (52.5168, 6.0830)  # about 80 km
FIRST = date(2024, 1, 1)


def light_demand(**overrides: Demand) -> DemandFacts:
    demands = {d.key: Demand(0) for d in wl.DIMENSIONS}
    demands.update(overrides)
    return DemandFacts(
        demands, exposures=frozenset(), offers_conditions=frozenset(), min_hours_week=8
    )


def search(**kwargs: object) -> SearchFacts:
    base: dict[str, object] = {
        "home": UTRECHT,
        "max_km": 30.0,
        "kinds": frozenset({"internship", "secondment"}),
        "capacity": CapacityFacts({"lifting": 1, "standing": 1}, hours_per_week=1),
        "first_sick_day": FIRST,
    }
    base.update(kwargs)
    return SearchFacts(**base)  # type: ignore[arg-type]


def place(place_id: int = 1, **kwargs: object) -> PlaceFacts:
    base: dict[str, object] = {
        "place_id": place_id,
        "coordinate": AMERSFOORT,
        "kind": "internship",
        "demand": light_demand(),
        "sector": "care",
        "function": "admin",
    }
    base.update(kwargs)
    return PlaceFacts(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- outcomes


def test_clean_match_uses_geodesic_distance() -> None:
    result = evaluate(search(), place())
    assert result.outcome is Outcome.MATCH
    assert result.distance_km == pytest.approx(20.5, abs=1.0)
    assert result.blockers == ()
    assert result.comparison.is_fit
    assert not result.has_signals and result.unknown_count == 0
    assert not result.past_end_week and not result.full and not result.at_cap


def test_given_distance_is_used_as_is() -> None:
    assert evaluate(search(), place(), distance_km=3.25).distance_km == 3.25


@pytest.mark.parametrize(
    ("changes", "blocker"),
    [
        ({"open": False}, BlockerKind.CLOSED),
        ({"kind": "job_shadowing"}, BlockerKind.KIND),
        ({"free_slots": 0}, BlockerKind.FULL),
    ],
)
def test_unavailable_places_are_never_near_misses(changes: dict, blocker: BlockerKind) -> None:
    result = evaluate(search(), place(**changes))
    assert result.outcome is Outcome.NO_MATCH
    assert blocker in {b.kind for b in result.blockers}


def test_signal_is_still_a_match() -> None:
    demand = light_demand(lifting=Demand(2, incidental=True))
    result = evaluate(search(), place(demand=demand))
    assert result.outcome is Outcome.MATCH
    assert result.has_signals
    assert [r.key for r in result.comparison.signals] == ["lifting"]


def test_unknowns_are_counted_not_treated_as_fit() -> None:
    result = evaluate(search(), place(demand=DemandFacts()))
    assert result.outcome is Outcome.MATCH
    assert result.unknown_count == 21 + 1  # every dimension and the hours


def test_one_or_two_conflicts_make_a_near_miss_naming_them() -> None:
    one = evaluate(search(), place(demand=light_demand(lifting=Demand(3))))
    assert one.outcome is Outcome.NEAR_MISS
    assert [(b.kind, b.key, b.amount) for b in one.blockers] == [
        (BlockerKind.DIMENSION, "lifting", 2.0)
    ]
    two_demand = replace(light_demand(lifting=Demand(3)), exposures=frozenset({"noise"}))
    two = evaluate(
        search(capacity=CapacityFacts({"lifting": 1}, avoid_exposures=frozenset({"noise"}))),
        place(demand=two_demand),
    )
    assert two.outcome is Outcome.NEAR_MISS
    assert {(b.kind, b.key) for b in two.blockers} == {
        (BlockerKind.DIMENSION, "lifting"),
        (BlockerKind.EXPOSURE, "noise"),
    }


def test_three_conflicts_are_no_match() -> None:
    demand = replace(
        light_demand(lifting=Demand(3), standing=Demand(3)), min_hours_week=32
    )  # person: about 20 hours a week
    result = evaluate(search(), place(demand=demand))
    assert result.conflict_count == 3
    assert result.outcome is Outcome.NO_MATCH
    hours = next(b for b in result.blockers if b.kind is BlockerKind.HOURS)
    assert hours.key == "hours" and hours.amount == 12


def test_condition_conflict_counts_as_a_dimension() -> None:
    capacity = CapacityFacts(needs_conditions=frozenset({"predictable"}))
    result = evaluate(search(capacity=capacity), place())
    assert result.outcome is Outcome.NEAR_MISS
    assert [(b.kind, b.key) for b in result.blockers] == [(BlockerKind.CONDITION, "predictable")]


def test_a_little_too_far_is_a_near_miss_only_when_everything_fits() -> None:
    s = search(max_km=20.0)
    far = evaluate(s, place(), distance_km=24.0)
    assert far.outcome is Outcome.NEAR_MISS and far.too_far
    assert far.blockers[0].kind is BlockerKind.TOO_FAR
    assert far.blockers[0].amount == pytest.approx(4.0)
    assert evaluate(s, place(), distance_km=25.0).outcome is Outcome.NEAR_MISS
    assert evaluate(s, place(), distance_km=25.01).outcome is Outcome.NO_MATCH
    conflicted = place(demand=light_demand(lifting=Demand(3)))
    assert evaluate(s, conflicted, distance_km=21.0).outcome is Outcome.NO_MATCH
    assert evaluate(s, place(), distance_km=20.0).outcome is Outcome.MATCH


def test_far_away_place() -> None:
    assert evaluate(search(), place(coordinate=ZWOLLE)).outcome is Outcome.NO_MATCH


def test_period_warning_and_intake_cap() -> None:
    last = end_date(FIRST)
    assert evaluate(search(), place(ongoing=True)).past_end_week
    assert not evaluate(search(), place(until=last)).past_end_week
    assert evaluate(search(), place(until=last + timedelta(days=1))).past_end_week
    assert evaluate(search(end_week=60), place(until=last)).past_end_week
    assert not evaluate(search(first_sick_day=None), place(ongoing=True)).past_end_week
    capped = evaluate(search(), place(at_intake_cap=True))
    assert capped.at_cap and capped.outcome is Outcome.MATCH


# --------------------------------------------------------------------------- ranking


def test_rank_order_examples() -> None:
    s = search(preferred_sectors=frozenset({"tech"}))
    signal = light_demand(lifting=Demand(2, adjustable=True))
    unknown = replace(light_demand(), min_hours_week=None)
    results = [
        evaluate(s, place(1, demand=light_demand(lifting=Demand(3))), distance_km=1.0),  # near
        evaluate(s, place(2, demand=signal), distance_km=1.0),  # signal
        evaluate(s, place(3, demand=unknown), distance_km=1.0),  # one unknown
        evaluate(s, place(4), distance_km=5.0),  # clean, farther
        evaluate(s, place(5), distance_km=2.0),  # clean, closer
        evaluate(
            s, place(6, demand=light_demand(lifting=Demand(1))), distance_km=2.0
        ),  # less slack
        evaluate(s, place(7, sector="tech"), distance_km=2.0),  # preferred sector
        evaluate(s, place(8), distance_km=2.0),  # ties with 5: place id decides
    ]
    assert [r.place_id for r in rank(results)] == [7, 5, 8, 6, 4, 3, 2, 1]
    # preferences given to rank() override the search's own
    reranked = rank(results, preferred_sectors={"care"})
    assert [r.place_id for r in reranked][:4] == [5, 8, 7, 6]  # slack before preference


def test_preferred_function_breaks_ties_after_sector() -> None:
    s = search(preferred_functions=frozenset({"driver"}))
    a = evaluate(s, place(1), distance_km=2.0)
    b = evaluate(s, place(2, function="driver"), distance_km=2.0)
    assert [r.place_id for r in rank([a, b])] == [2, 1]
    assert rank_key(b) < rank_key(a)
    assert rank_key(a, preferred_functions={"admin"}) < rank_key(b, preferred_functions={"admin"})


def test_evaluating_every_place_splits_and_ranks() -> None:
    places = [
        place(1, coordinate=ZWOLLE),
        place(2, demand=light_demand(lifting=Demand(4))),
        place(3),
        place(4, coordinate=UTRECHT),
    ]
    results = [evaluate(search(), p) for p in places]
    matches = rank(r for r in results if r.outcome is Outcome.MATCH)
    near = rank(r for r in results if r.outcome is Outcome.NEAR_MISS)
    assert [r.place_id for r in matches] == [4, 3]
    assert [r.place_id for r in near] == [2]


# --------------------------------------------------------------------------- properties

demand_st = st.builds(
    Demand,
    st.none() | st.integers(0, 2),
    st.booleans(),
    st.booleans(),
)


@st.composite
def search_st(draw: st.DrawFn) -> SearchFacts:
    keys = draw(st.lists(st.sampled_from([d.key for d in wl.DIMENSIONS]), max_size=6))
    capacity = {k: draw(st.none() | st.integers(0, 2)) for k in keys}
    avoid = draw(st.frozensets(st.sampled_from([f.key for f in wl.EXPOSURES]), max_size=2))
    return search(
        max_km=draw(st.floats(1, 100)),
        capacity=CapacityFacts(
            capacity, avoid_exposures=avoid, hours_per_week=draw(st.none() | st.integers(0, 4))
        ),
        preferred_sectors=draw(st.frozensets(st.sampled_from(["care", "tech"]), max_size=1)),
    )


@st.composite
def place_st(draw: st.DrawFn, place_id: int = 1) -> PlaceFacts:
    keys = draw(st.lists(st.sampled_from([d.key for d in wl.DIMENSIONS]), max_size=8))
    demands = {k: draw(demand_st) for k in keys}
    exposures = draw(
        st.none() | st.frozensets(st.sampled_from([f.key for f in wl.EXPOSURES]), max_size=2)
    )
    return place(
        place_id,
        demand=DemandFacts(
            demands,
            exposures=exposures,
            offers_conditions=frozenset(),
            min_hours_week=draw(st.none() | st.sampled_from([8, 16, 24, 32])),
            lower_start_allowed=draw(st.booleans()),
        ),
        kind=draw(st.sampled_from(["internship", "secondment", "job_shadowing"])),
        open=draw(st.booleans()),
        sector=draw(st.sampled_from(["care", "tech", None])),
    )


distances = st.floats(0, 200)


@given(search_st(), st.lists(st.tuples(place_st(), distances), min_size=1, max_size=12))
def test_rank_is_total_and_stable_under_shuffling(
    s: SearchFacts, pairs: list[tuple[PlaceFacts, float]]
) -> None:
    results = [evaluate(s, p._replace(place_id=i), d) for i, (p, d) in enumerate(pairs)]
    expected = [r.place_id for r in rank(results)]
    shuffled = results[:]
    random.Random(len(results)).shuffle(shuffled)
    assert [r.place_id for r in rank(shuffled)] == expected
    assert [r.place_id for r in rank(reversed(results))] == expected
    keys = [rank_key(r) for r in results]
    assert len(set(keys)) == len(keys)  # distinct places never tie


@given(search_st(), place_st(), distances, st.data())
def test_adding_a_conflict_never_improves_rank(
    s: SearchFacts, p: PlaceFacts, distance: float, data: st.DataObject
) -> None:
    dim = data.draw(st.sampled_from(wl.DIMENSIONS))
    band = data.draw(st.integers(0, dim.heaviest - 1))
    was = data.draw(st.sampled_from([Demand(None), Demand(band), Demand(band + 1, True)]))
    s = replace(s, capacity=replace(s.capacity, capacity={**s.capacity.capacity, dim.key: band}))
    p = p._replace(demand=replace(p.demand, demands={**p.demand.demands, dim.key: was}))
    before = evaluate(s, p, distance)
    heavier = replace(p.demand, demands={**p.demand.demands, dim.key: Demand(dim.heaviest)})
    after = evaluate(s, p._replace(demand=heavier), distance)
    assert after.conflict_count == before.conflict_count + 1
    assert rank_key(after) > rank_key(before)
    order = {Outcome.MATCH: 0, Outcome.NEAR_MISS: 1, Outcome.NO_MATCH: 2}
    assert order[after.outcome] >= order[before.outcome]


@given(search_st(), place_st(), st.floats(0.001, 500))
def test_beyond_range_is_never_a_match(s: SearchFacts, p: PlaceFacts, beyond: float) -> None:
    result = evaluate(s, p, s.max_km + beyond)
    assert result.outcome is not Outcome.MATCH
    assert result.too_far
    if result.outcome is Outcome.NEAR_MISS:
        assert result.conflict_count == 0
        assert result.distance_km <= s.max_km * 1.25


@given(search_st(), place_st(), distances)
def test_outcome_follows_the_rules(s: SearchFacts, p: PlaceFacts, distance: float) -> None:
    result: MatchResult = evaluate(s, p, distance)
    available = p.open and p.kind in s.kinds and p.free_slots > 0
    conflicts = result.conflict_count
    if result.outcome is Outcome.MATCH:
        assert available and distance <= s.max_km and conflicts == 0
    elif result.outcome is Outcome.NEAR_MISS:
        assert available
        assert (distance <= s.max_km and 1 <= conflicts <= 2) or (
            conflicts == 0 and s.max_km < distance <= s.max_km * 1.25
        )
    else:
        assert not available or conflicts > 2 or distance > s.max_km


# --------------------------------------------------------------------------- issue 12


def test_the_home_employers_place_is_never_a_match_or_near_miss():
    facts = search(home_employer_id=7)
    own = place(employer_id=7, coordinate=UTRECHT)
    other = place(2, employer_id=8)
    result = evaluate(facts, own)
    assert result.outcome is Outcome.NO_MATCH
    assert BlockerKind.HOME_EMPLOYER in {b.kind for b in result.blockers}
    assert evaluate(facts, other).outcome is Outcome.MATCH
    outcomes = [evaluate(facts, p).outcome for p in (own, other)]
    assert outcomes == [Outcome.NO_MATCH, Outcome.MATCH]
    # a near miss of the home employer (a little too far) is left out too
    far = search(home_employer_id=7, max_km=18.0)
    assert evaluate(far, place(employer_id=8)).outcome is Outcome.NEAR_MISS
    assert evaluate(far, place(employer_id=7)).outcome is Outcome.NO_MATCH


def test_a_place_whose_period_ended_is_not_searchable():
    today = date(2026, 12, 4)
    facts = search(today=today)
    ended = evaluate(facts, place(until=today - timedelta(days=1), ongoing=False))
    assert ended.outcome is Outcome.NO_MATCH
    assert BlockerKind.ENDED in {b.kind for b in ended.blockers}
    last_day = evaluate(facts, place(until=today, ongoing=False))
    assert last_day.outcome is Outcome.MATCH
    assert evaluate(facts, place(until=None)).outcome is Outcome.MATCH


def test_without_a_profile_a_place_is_never_a_clean_fit():
    facts = search(capacity=CapacityFacts.without_profile())
    result = evaluate(facts, place())
    assert result.outcome is Outcome.MATCH  # nothing conflicts, but nothing is known
    assert not result.comparison.is_fit and result.unknown_count >= len(wl.DIMENSIONS)
    assert all(r.verdict is wl.Verdict.UNKNOWN for r in result.comparison.dimensions)


def test_hours_available_now_make_a_conflict():
    facts = search(capacity=CapacityFacts(now_hours_per_week=6))
    result = evaluate(facts, place())  # the place asks 8 h a week at least
    assert result.outcome is Outcome.NEAR_MISS
    assert [b.kind for b in result.blockers] == [BlockerKind.HOURS]
    assert result.comparison.hours.limit_source is wl.LimitSource.NOW
