"""Second-track matching rules in the search (issue 12): never the home employer, no
profile is not a fit, hours available now count, only live places; the fast search
equals the brute-force reference with all of them in play, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from bench import reference
from registry.domain.matching import Outcome
from registry.domain.workload import NO_PROFILE, Verdict
from registry.search import engine, snapshot, snapshot_select, sql, usecases
from tests.services import test_candidates_support as cs
from tests.services.search_support import place, random_places, random_rule_search

TODAY = cs.TODAY


def _random_world(session, world, rng, n):
    employers = [world.emp_a, world.emp_b, world.emp_ab]
    made = random_places(session, rng, employers, [world.net_a, world.net_b], n)
    for p in made:  # a third ended before TODAY, a third later, a third open-ended
        p.available_until = rng.choice(
            (None, TODAY - dt.timedelta(days=rng.randint(1, 400)), TODAY, TODAY + dt.timedelta(30))
        )
        p.ongoing = p.available_until is None
    session.commit()
    return [e.id for e in employers]


def _assert_equal(session, facts, scope, limit, outcomes, round_):
    got = engine.search_places(session, facts, scope, limit=limit, outcomes=outcomes)
    want = reference.reference_search(session, facts, scope, limit=limit, outcomes=outcomes)
    assert [r.place_id for r in got] == [r.place_id for r in want], round_
    for g, w in zip(got, want, strict=True):
        assert g.outcome == w.outcome and g.comparison == w.comparison
        assert abs(g.distance_km - w.distance_km) < 1e-6
    return got


# the SQL prefilter, with its expanding disks, the in-memory copy, with its disks
PATHS = ["sql", "rings", "snapshot", "snapshot-rings"]


def _path(monkeypatch, path: str) -> None:
    monkeypatch.setattr(snapshot, "ENABLED", path.startswith("snapshot"))
    if path.endswith("rings"):  # the disks run from a table size on; this table is small
        monkeypatch.setattr(sql, "RING_MIN_PLACES", 0)


@pytest.mark.parametrize("path", PATHS)
def test_fast_search_equals_reference_with_the_second_track_rules(
    session, world, monkeypatch, path
):
    _path(monkeypatch, path)
    rings = path.endswith("rings")
    rng = random.Random(20261204 + rings)
    employer_ids = _random_world(session, world, rng, 600)
    from registry.models import Place

    employer_of = {p.id: p.employer_id for p in session.query(Place)}
    until_of = {p.id: p.available_until for p in session.query(Place)}
    seen_home = seen_ended = seen_no_profile = 0
    for round_ in range(40):
        facts = random_rule_search(rng, employer_ids, TODAY)
        scope = engine.Scope(frozenset({world.net_a.id, world.net_b.id}))
        limit = rng.choice((5, 20, 50))
        outcomes = rng.choice([(Outcome.MATCH, Outcome.NEAR_MISS), (Outcome.MATCH,)])
        got = _assert_equal(session, facts, scope, limit, outcomes, round_)
        for r in got:
            assert employer_of[r.place_id] != facts.home_employer_id
            if facts.today is not None:
                assert until_of[r.place_id] is None or until_of[r.place_id] >= facts.today
            if not facts.capacity.profile:
                dims = r.comparison.dimensions
                assert all(d.verdict is Verdict.UNKNOWN and d.reason == NO_PROFILE for d in dims)
        # the rules did exclude something in the rounds that have them
        unruled = reference.reference_search(
            session,
            facts.__class__(**{**facts.__dict__, "home_employer_id": None, "today": None}),
            scope,
            limit=10_000,
        )
        seen_home += any(employer_of[r.place_id] == facts.home_employer_id for r in unruled)
        seen_ended += facts.today is not None and any(
            until_of[r.place_id] is not None and until_of[r.place_id] < TODAY for r in unruled
        )
        seen_no_profile += not facts.capacity.profile and bool(got)
    assert seen_home and seen_ended and seen_no_profile


@pytest.mark.parametrize("path", PATHS)
def test_the_page_in_one_pass_equals_the_reference_matches_and_near_misses(
    session, world, monkeypatch, path
):
    """What the coach's page shows: the matches and the near misses, each with its own
    limit and in order, equal the brute force's, also on the large-table path (the
    expanding disks), on the in-memory copy, and when the matches do not fill their
    limit."""
    _path(monkeypatch, path)
    rings = path.endswith("rings")
    beyond_reads, sql_reads = [], []
    real, real_disk = sql.prefilter, snapshot_select.disk

    def prefilter(*args, **kw):
        sql_reads.append(1)
        beyond_reads.append(len(args) > 7 and args[7] is not None)
        return real(*args, **kw)

    def disk(*args, **kw):
        beyond_reads.append(len(args) > 8 and args[8] is not None)
        return real_disk(*args, **kw)

    monkeypatch.setattr(sql, "prefilter", prefilter)
    monkeypatch.setattr(snapshot_select, "disk", disk)
    rng = random.Random(20261205 + rings)
    employer_ids = _random_world(session, world, rng, 600)
    short = near_seen = 0
    for round_ in range(40):
        facts = random_rule_search(rng, employer_ids, TODAY)
        scope = engine.Scope(frozenset({world.net_a.id, world.net_b.id}))
        limit, near_limit = rng.choice(((5, 3), (20, 20), (50, 20), (200, 10)))
        found, near, *_ = engine.search_page(
            session, facts, scope, limit=limit, near_limit=near_limit
        )
        want_found, want_near = reference.reference_page(
            session, facts, scope, limit=limit, near_limit=near_limit
        )
        assert [r.place_id for r in found] == [r.place_id for r in want_found], round_
        assert [r.place_id for r in near] == [r.place_id for r in want_near], round_
        assert [r.comparison for r in (*found, *near)] == [
            r.comparison for r in (*want_found, *want_near)
        ]
        short += len(want_found) < limit
        near_seen += bool(want_near)
    assert short and near_seen  # the near misses were compared where the matches were few
    # with rings, some near misses were read beyond the range only (the matches complete);
    # the in-memory copy reads no SQL prefilter at all
    assert any(beyond_reads) == rings
    assert bool(sql_reads) == (not path.startswith("snapshot"))


def test_the_candidates_search_never_shows_the_home_employer(session, world, make_ctx):
    cand = cs.register(make_ctx, world, postcode="3511 AB")  # home employer: emp_a
    own = place(session, world.emp_a, [world.net_a], lat=cand.lat, lon=cand.lon, title="Eigen")
    far_own = place(  # a little beyond the range: would be a near miss elsewhere
        session, world.emp_a, [world.net_a], lat=cand.lat + 0.25, lon=cand.lon, title="Ver"
    )
    other = place(session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon + 0.01)
    session.commit()
    found = usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    ids = {h.place.id for h in found.hits}
    assert other.id in ids and own.id not in ids and far_own.id not in ids
    facts = usecases.candidate_search_facts(cand, None)
    assert facts.home_employer_id == world.emp_a.id
    ref = reference.reference_search(session, facts, engine.Scope(frozenset({world.net_a.id})))
    assert {r.place_id for r in ref} == {other.id}


def test_a_place_whose_period_ended_is_not_found(session, world, make_ctx):
    cand = cs.register(make_ctx, world, postcode="3511 AB")
    ended = place(
        session,
        world.emp_ab,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon,
        available_until=TODAY - dt.timedelta(days=1),
        ongoing=False,
    )
    live = place(
        session,
        world.emp_ab,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon,
        available_until=TODAY,
        ongoing=False,
    )
    session.commit()
    found = usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    ids = {h.place.id for h in found.hits}
    assert live.id in ids and ended.id not in ids


def test_without_a_profile_the_search_shows_unknowns_not_fits(session, world, make_ctx):
    cand = cs.register(make_ctx, world, postcode="3511 AB", profile=False)
    p = place(session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon, demands={})
    session.commit()
    found = usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    assert found.profile_missing
    hit = next(h for h in found.hits if h.place.id == p.id)
    comparison = hit.result.comparison
    assert not comparison.is_fit
    items = (*comparison.dimensions, *comparison.exposures, *comparison.conditions)
    assert all(r.verdict is Verdict.UNKNOWN and r.reason == NO_PROFILE for r in items)


def test_hours_available_now_limit_the_search(session, world, make_ctx):
    # the profile allows about 4 h a day and 20 h a week; the candidate can work 2 h a
    # day now (10 h a week): a place asking 16 h a week is a conflict, not a match
    cand = cs.register(make_ctx, world, postcode="3511 AB", hours_per_day=2.0)
    p = place(session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon, min_hours_week=16)
    session.commit()
    found = usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    assert p.id not in {h.place.id for h in found.matches + found.signals}
    hit = next(h for h in found.near_misses if h.place.id == p.id)
    hours = hit.result.comparison.hours
    assert hours.verdict is Verdict.CONFLICT and hours.person_week_hours == 10
    assert hours.limit_source == "now"


def test_reverse_search_leaves_out_the_home_employers_candidates_and_flags_no_profile(
    session, world, make_ctx
):
    own = cs.register(make_ctx, world, postcode="3511 AB")  # home employer emp_a
    other = cs.register(make_ctx, world, postcode="3511 AB", home_employer_id=world.emp_ab.id)
    bare = cs.register(
        make_ctx, world, postcode="3511 AB", home_employer_id=world.emp_ab.id, profile=False
    )
    for c in (own, other, bare):
        cs.share(make_ctx, world, c.id)
    p = place(session, world.emp_a, [world.net_a], lat=own.lat, lon=own.lon + 0.01)
    session.commit()
    result = usecases.reverse_search(make_ctx(world.contact_a, clock=cs.frozen()), p.id)
    hits = {h.candidate_id: h for h in result.hits}
    assert own.id not in hits
    assert not hits[other.id].profile_missing
    assert hits[bare.id].profile_missing


def test_the_coordinator_sees_fit_not_capacity(session, world, make_ctx):
    cand = cs.register(make_ctx, world, postcode="3511 AB")
    cs.share(make_ctx, world, cand.id)
    session.commit()
    coach = usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    coordinator = usecases.search_for_candidate(
        make_ctx(world.coordinator_a, clock=cs.frozen()), cand.id
    )
    assert coach.show_capacity
    assert not coordinator.show_capacity


def test_the_rules_are_read_from_the_covering_index(session, world, monkeypatch):
    """The home-employer and end-date tests need no table row: on SQLite the prefilter
    still reads ``ix_places_match`` as a covering index."""
    if session.connection().dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    from registry.search import sql as search_tuning

    monkeypatch.setattr(snapshot, "ENABLED", False)  # the SQL prefilter's plan

    rng = random.Random(3)
    employer_ids = _random_world(session, world, rng, 50)
    plans: list[str] = []
    real = search_tuning.fetch_rows

    def spy(conn, sql, params):
        if "ix_places_match" in sql:
            rows = real(conn, "EXPLAIN QUERY PLAN " + sql, params)
            plans.append(" | ".join(str(r[-1]) for r in rows))
        return real(conn, sql, params)

    monkeypatch.setattr(search_tuning, "fetch_rows", spy)
    facts = random_rule_search(rng, employer_ids, TODAY)
    facts = facts.__class__(
        **{**facts.__dict__, "home_employer_id": employer_ids[0], "today": TODAY}
    )
    engine.search_places(session, facts, engine.Scope(frozenset({world.net_a.id})))
    assert plans
    assert all("COVERING INDEX ix_places_match" in plan for plan in plans), plans


# --------------------------------------------------------------------------- proposals


@pytest.fixture
def _english(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.usefixtures("_english")
def test_a_proposal_to_the_home_employer_is_refused(session, world, make_ctx):
    from registry.models import Placement
    from registry.services import placements
    from registry.services.errors import Conflict
    from tests.services import test_placement_support as ps

    own = ps.place(session, world.emp_a, [world.net_a])
    other = ps.place(session, world.emp_ab, [world.net_a])
    cand = ps.candidate(session, world.org, world.emp_a, [world.net_a])
    session.commit()
    with pytest.raises(Conflict) as err:
        ps.proposal(make_ctx, world.coach, cand, own)
    assert "own employer" in str(err.value)
    assert session.query(Placement).count() == 0
    assert ps.proposal(make_ctx, world.coach, cand, other).place_id == other.id
    with pytest.raises(Conflict):
        placements.check_proposal(make_ctx(world.coach), cand.id, own.id)


@pytest.mark.usefixtures("_english")
def test_a_proposal_needs_a_current_profile(session, world, make_ctx):
    from registry.models import Placement
    from registry.services.errors import Conflict
    from tests.services import test_placement_support as ps

    pl = ps.place(session, world.emp_a, [world.net_a])
    bare = ps.candidate(session, world.org, world.emp_ab, [world.net_a])
    bare.profiles = []
    with_profile = ps.candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    with pytest.raises(Conflict) as err:
        ps.proposal(make_ctx, world.coach, bare, pl)
    assert "capacity profile" in str(err.value)
    assert session.query(Placement).count() == 0
    assert ps.proposal(make_ctx, world.coach, with_profile, pl).status.value == "proposed"


@pytest.mark.usefixtures("_english")
def test_a_proposal_for_a_place_whose_period_ended_is_refused(session, world, make_ctx):
    """The proposal check evaluates with today's date, as the search does: a place whose
    period ended (not yet closed by the sweep) is refused, the day before it is not."""
    from registry.models import Placement
    from registry.services import placements
    from registry.services.errors import Conflict
    from tests.services import test_placement_support as ps

    today = make_ctx(world.coach).today()
    ended = ps.place(session, world.emp_ab, [world.net_a])
    ended.available_until, ended.ongoing = today - dt.timedelta(days=1), False
    last_day = ps.place(session, world.emp_ab, [world.net_a])
    last_day.available_until, last_day.ongoing = today, False
    cand = ps.candidate(session, world.org, world.emp_a, [world.net_a])
    session.commit()
    check = placements.check_proposal(make_ctx(world.coach), cand.id, ended.id)
    assert check.match.outcome is Outcome.NO_MATCH
    with pytest.raises(Conflict) as err:
        ps.proposal(make_ctx, world.coach, cand, ended)
    assert "period has ended" in str(err.value)
    assert session.query(Placement).count() == 0
    assert ps.proposal(make_ctx, world.coach, cand, last_day).place_id == last_day.id
