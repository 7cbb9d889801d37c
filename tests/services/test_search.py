"""The match search service: identical to the brute-force reference, and its use cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from sqlalchemy import select

from bench import reference
from registry.domain import geo, matching
from registry.domain.matching import Outcome
from registry.models import PlaceKind
from registry.search import codec, engine, geometry, snapshot, sql, usecases
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.web.search import forms
from tests.services import test_candidates_support as cs
from tests.services.search_support import (
    KINDS,
    UTRECHT,
    place,
    random_places,
    random_search,
)


@pytest.fixture(autouse=True, params=["snapshot", "sql"])
def search_path(request, monkeypatch):
    """Every test here runs on both prefilters: the in-memory copy of the places and the
    SQL statement (``snapshot.ENABLED`` off)."""
    monkeypatch.setattr(snapshot, "ENABLED", request.param == "snapshot")
    return request.param


def test_geodesic_equals_geopy_within_a_millimetre():
    rng = random.Random(3)
    for _ in range(200):
        home = (rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3))
        points = [(rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3)) for _ in range(10)]
        got = geometry.geodesic_km_many(home, [p[0] for p in points], [p[1] for p in points])
        for point, km in zip(points, got.tolist(), strict=True):
            assert abs(km - geo.distance_km(home, point)) < 1e-6  # < 1 mm
    assert geometry.geodesic_km_many(UTRECHT, [UTRECHT[0]], [UTRECHT[1]]).tolist() == [0.0]


def test_service_equals_reference_on_random_data(session, world):
    rng = random.Random(20261125)
    employers = [world.emp_a, world.emp_b, world.emp_ab]
    random_places(session, rng, employers, [world.net_a, world.net_b], 500)
    session.commit()
    for round_ in range(40):
        facts = random_search(rng)
        nets = rng.choice([{world.net_a.id}, {world.net_b.id}, {world.net_a.id, world.net_b.id}])
        scope = engine.Scope(frozenset(nets), rng.choice((None, None, "Q")))
        limit = rng.choice((5, 20, 50))
        outcomes = rng.choice(
            [(Outcome.MATCH, Outcome.NEAR_MISS), (Outcome.MATCH,), (Outcome.NEAR_MISS,)]
        )
        got = engine.search_places(session, facts, scope, limit=limit, outcomes=outcomes)
        want = reference.reference_search(session, facts, scope, limit=limit, outcomes=outcomes)
        assert [r.place_id for r in got] == [r.place_id for r in want], round_
        for g, w in zip(got, want, strict=True):
            assert g.outcome == w.outcome
            assert g.comparison == w.comparison
            assert abs(g.distance_km - w.distance_km) < 1e-6


def test_search_never_leaves_the_candidate_networks(session, world):
    other = place(session, world.emp_b, [world.net_b], lat=UTRECHT[0], lon=UTRECHT[1])
    own = place(session, world.emp_a, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1] + 0.01)
    session.commit()
    facts = matching.SearchFacts(
        home=UTRECHT, max_km=25, kinds=frozenset(k.value for k in PlaceKind)
    )
    ids = [
        r.place_id
        for r in engine.search_places(session, facts, engine.Scope(frozenset({world.net_a.id})))
    ]
    assert own.id in ids and other.id not in ids


def test_parse_filters_rejects_bad_input():
    from werkzeug.datastructures import MultiDict

    ok = forms.parse_filters(
        MultiDict([("kind", "stage"), ("km", "12"), ("network", "3"), ("sector", "Q")])
    )
    assert ok == usecases.SearchFilters(frozenset({"stage"}), 12.0, frozenset({3}), "Q")
    for bad in (
        ("km", "abc"),
        ("km", "0"),
        ("km", "nan"),
        ("kind", "x"),
        ("network", "-1"),
        ("sector", "ZZ"),
    ):
        with pytest.raises(ValidationFailed):
            forms.parse_filters(MultiDict([bad]))


def _candidate(make_ctx, world, **kw):
    kw.setdefault("postcode", "3511 AB")
    return cs.register(make_ctx, world, **kw)


def test_search_for_candidate_sections_and_new_badges(session, world, make_ctx):
    cand = _candidate(make_ctx, world)
    near = place(  # emp_a is the candidate's home employer: never searched
        session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon + 0.02, title="Dichtbij"
    )
    near.created_at = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    session.commit()
    ctx = make_ctx(world.coach, clock=cs.frozen())
    first = usecases.search_for_candidate(ctx, cand.id)
    assert near.id in [h.place.id for h in first.hits]
    assert not any(h.is_new for h in first.hits) and first.previous_search_at is None
    later = place(session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon, title="Nieuw")
    later.created_at = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    session.commit()
    ctx2 = make_ctx(world.coach, clock=lambda: dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC))
    second = usecases.search_for_candidate(ctx2, cand.id)
    new = {h.place.id for h in second.hits if h.is_new}
    assert later.id in new and near.id not in new
    assert second.previous_search_at is not None


def test_each_search_records_its_time_and_returns_the_one_before(session, world, make_ctx):
    """The visit is one upsert per search: the first search has no previous time, each
    later one gets the time of the search before it; other coaches keep their own."""
    from registry.models.search import SearchVisit

    cand = _candidate(make_ctx, world)
    times = [dt.datetime(2026, 11, d, 9, tzinfo=dt.UTC) for d in (20, 23, 27)]
    seen = []
    for moment in times:
        ctx = make_ctx(world.coach, clock=lambda moment=moment: moment)
        seen.append(usecases.search_for_candidate(ctx, cand.id).previous_search_at)
    assert seen == [None, times[0], times[1]]
    visits = session.scalars(select(SearchVisit).where(SearchVisit.candidate_id == cand.id)).all()
    assert len(visits) == 1
    session.refresh(visits[0])
    stored = (visits[0].searched_at, visits[0].previous_searched_at)
    assert tuple(v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v for v in stored) == (
        times[2],
        times[1],
    )
    unrecorded = usecases.search_for_candidate(
        make_ctx(world.coach, clock=lambda: times[2]), cand.id, record_visit=False
    )
    assert unrecorded.previous_search_at is None


def test_other_organisation_cannot_search(app, session, world, make_ctx):
    cand = _candidate(make_ctx, world)
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        usecases.search_for_candidate(make_ctx(world.coach2), cand.id)
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        usecases.search_for_candidate(make_ctx(world.contact_a), cand.id)


def test_reverse_search_pseudonymous_and_only_for_host_and_coordinator(
    app, session, world, make_ctx
):
    # the host is emp_a: candidates of another home employer (emp_a's own never show)
    shared = _candidate(make_ctx, world, home_employer_id=world.emp_ab.id)
    cs.share(make_ctx, world, shared.id)
    private = _candidate(make_ctx, world, home_employer_id=world.emp_ab.id)  # no consent
    p = place(session, world.emp_a, [world.net_a], lat=shared.lat, lon=shared.lon + 0.01)
    session.commit()
    for user in (world.contact_a, world.coordinator_a):
        result = usecases.reverse_search(make_ctx(user), p.id)
        ids = [h.candidate_id for h in result.hits]
        assert shared.id in ids and private.id not in ids
        assert result.hits[0].pseudonym == shared.pseudonym
    for user in (world.contact_b, world.coordinator_b, world.coach, world.coach2):
        with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
            usecases.reverse_search(make_ctx(user), p.id)


def test_service_equals_reference_on_period_and_explanations(session, world):
    """Dates (a placement running past the end week), places without a match code (the
    search encodes them on the fly) and every field of the results equal the reference."""
    rng = random.Random(7)
    made = random_places(session, rng, [world.emp_a], [world.net_a], 200)
    for i, p in enumerate(made):
        p.ongoing = i % 3 == 0
        p.available_until = None if i % 3 == 1 else dt.date(2027, 1, 1) + dt.timedelta(days=i)
        if i % 10 == 0:  # written outside the places service: derived columns unset
            p.match_code, p.conflict_bits_1, p.conflict_bits_2 = "", 0, 0
    session.commit()
    for round_ in range(10):
        facts = dataclasses.replace(
            random_search(rng), first_sick_day=dt.date(2026, 1, 5) + dt.timedelta(weeks=round_)
        )
        scope = engine.Scope(frozenset({world.net_a.id}))
        stats = engine.SearchStats()
        got = engine.search_places(session, facts, scope, stats=stats)
        want = reference.reference_search(session, facts, scope)
        assert [r.place_id for r in got] == [r.place_id for r in want], round_
        for g, w in zip(got, want, strict=True):
            assert abs(g.distance_km - w.distance_km) < 1e-6
            # distances (and km beyond the range) agree to well under a metre
            assert [(b.kind, b.key) for b in g.blockers] == [(b.kind, b.key) for b in w.blockers]
            for gb, wb in zip(g.blockers, w.blockers, strict=True):
                assert abs(gb.amount - wb.amount) < 1e-6
            assert g == w._replace(distance_km=g.distance_km, blockers=g.blockers)
        assert stats.recoded or not got


def _forget_table_facts(session) -> None:
    """The search reads the table's facts once per connection; make it look again."""
    session.connection().info.pop("search_table_facts", None)


def test_codes_of_another_catalogue_are_searched_without_the_bit_precheck(app, session, world):
    """Places coded for another catalogue (a code of another length, conflict bits that
    mean something else): the search notices, skips the bit precheck and scores them from
    their re-encoded demands, still equal to the reference; ``places recode`` fixes them."""
    from registry.domain.workload import CapacityFacts, all_dimensions

    rng = random.Random(11)
    random_places(session, rng, [world.emp_a], [world.net_a], 100)
    light = {d.key: {"band": 0, "incidental": False, "adjustable": False} for d in all_dimensions()}
    stale = [
        place(session, world.emp_a, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1] + i / 1000,
              demands=light, min_hours_week=4)
        for i in range(5)
    ]  # fmt: skip
    for p in stale:
        p.match_code += "0"
        p.conflict_bits_1 = p.conflict_bits_2 = 2**62 - 1  # "conflicts with everything"
    session.commit()
    limited = CapacityFacts(
        capacity={d.key: 0 for d in all_dimensions()}, hours_per_day=4, hours_per_week=4
    )
    searches = [
        matching.SearchFacts(home=UTRECHT, max_km=25, kinds=frozenset(KINDS), capacity=limited)
    ] + [random_search(rng) for _ in range(6)]
    scope = engine.Scope(frozenset({world.net_a.id}))
    recoded = 0
    for round_, facts in enumerate(searches):
        _forget_table_facts(session)
        stats = engine.SearchStats()
        got = engine.search_places(session, facts, scope, stats=stats)
        want = reference.reference_search(session, facts, scope)
        assert [r.place_id for r in got] == [r.place_id for r in want], round_
        recoded += stats.recoded
    first = reference.reference_search(session, searches[0], scope)
    assert {p.id for p in stale} <= {r.place_id for r in first}  # the rounds can tell
    assert recoded
    result = app.test_cli_runner().invoke(args=["places", "recode"])
    assert result.exit_code == 0, result.output
    assert f"recoded: {len(stale)}" in result.output
    session.expire_all()
    _forget_table_facts(session)
    assert not sql.table_facts(session.connection()).stale_codes
    assert all(len(p.match_code) == codec.match_code_length() for p in stale)
    assert all(
        (p.conflict_bits_1, p.conflict_bits_2) == codec.conflict_bits(p.match_code) for p in stale
    )
    # recoded, the precheck is back and the clean places are found through it
    got = engine.search_places(session, searches[0], scope)
    assert {p.id for p in stale} <= {r.place_id for r in got}


def test_network_bits_that_stand_for_two_networks_are_confirmed(session, world):
    """Network ids 63 apart share a bit: the search then confirms membership in
    place_networks, so a place of the other network never shows."""
    from tests import factories

    ours = factories.network(session, "Regio Ons", id=900_000)
    theirs = factories.network(session, "Regio Zij", id=900_063)  # the same bit
    assert codec.network_bits([ours.id]) == codec.network_bits([theirs.id])
    own = place(session, world.emp_a, [ours], lat=UTRECHT[0], lon=UTRECHT[1])
    other = place(session, world.emp_a, [theirs], lat=UTRECHT[0], lon=UTRECHT[1] + 0.01)
    both = place(session, world.emp_a, [ours, theirs], lat=UTRECHT[0] + 0.01, lon=UTRECHT[1])
    session.commit()
    facts = matching.SearchFacts(home=UTRECHT, max_km=25, kinds=frozenset(KINDS))
    for scope_ids, want in (
        ({ours.id}, {own.id, both.id}),
        ({theirs.id}, {other.id, both.id}),
        ({ours.id, world.net_a.id}, {own.id, both.id}),
    ):
        scope = engine.Scope(frozenset(scope_ids))
        got = {r.place_id for r in engine.search_places(session, facts, scope)}
        assert got == want
        ref = {r.place_id for r in reference.reference_search(session, facts, scope)}
        assert ref == want
