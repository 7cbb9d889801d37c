"""The search's in-memory copy of the places: always current, never holding what was not
committed, and equal to the brute force (both databases)."""

from __future__ import annotations

import dataclasses
import random

import pytest
from sqlalchemy import bindparam, create_engine, delete, insert, text, update
from sqlalchemy.orm import Session

from bench import reference
from registry.domain import matching
from registry.models import Base, Network, Place, PlaceStatus, place_networks
from registry.models.search_generation import SEARCH_COLUMNS
from registry.search import engine, snapshot, sql
from tests.services.search_support import KINDS, UTRECHT, place, random_places, random_search


def _facts(**kw) -> matching.SearchFacts:
    return matching.SearchFacts(home=UTRECHT, max_km=25.0, kinds=frozenset(KINDS), **kw)


def _ids(session, scope, facts=None) -> list[int]:
    return [r.place_id for r in engine.search_places(session, facts or _facts(), scope, limit=500)]


@pytest.fixture
def prefilter_reads(monkeypatch) -> list[int]:
    """Count the SQL prefilter's reads (the in-memory copy makes none)."""
    reads: list[int] = []
    real = sql.prefilter

    def spy(*args, **kw):
        reads.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(sql, "prefilter", spy)
    return reads


def _generation(session) -> tuple[str, int]:
    return tuple(session.execute(text("SELECT epoch, value FROM search_generation")).one())


def test_a_committed_search_reads_the_copy_and_equals_the_brute_force(
    session, world, prefilter_reads
):
    rng = random.Random(7)
    random_places(session, rng, [world.emp_a, world.emp_b], [world.net_a, world.net_b], 300)
    session.commit()
    for _ in range(15):
        facts = random_search(rng)
        scope = engine.Scope(frozenset({world.net_a.id, world.net_b.id}))
        found, near, *_ = engine.search_page(session, facts, scope, limit=20, near_limit=10)
        want_found, want_near = reference.reference_page(
            session, facts, scope, limit=20, near_limit=10
        )
        assert [r.place_id for r in found] == [r.place_id for r in want_found]
        assert [r.place_id for r in near] == [r.place_id for r in want_near]
        session.commit()
    assert not prefilter_reads


def test_changes_committed_later_are_found_through_the_changed_places_only(
    session, world, prefilter_reads, monkeypatch
):
    scope = engine.Scope(frozenset({world.net_a.id}))
    first = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    assert _ids(session, scope) == [first.id]
    session.commit()
    loads = []
    real_load = snapshot.load
    monkeypatch.setattr(snapshot, "load", lambda *a: loads.append(1) or real_load(*a))
    # a new place, a place taken off the network, a full place, a closed one
    second = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0] + 0.01, lon=UTRECHT[1])
    session.commit()
    assert sorted(_ids(session, scope)) == sorted([first.id, second.id])
    session.commit()
    second.networks = [world.net_b]
    session.commit()
    assert _ids(session, scope) == [first.id]
    assert _ids(session, engine.Scope(frozenset({world.net_b.id}))) == [second.id]
    session.commit()
    first.taken_slots = first.slots
    session.commit()
    assert _ids(session, scope) == []
    session.commit()
    first.taken_slots = 0
    session.commit()
    assert _ids(session, scope) == [first.id]
    session.commit()
    first.status = PlaceStatus.CLOSED
    session.commit()
    assert _ids(session, scope) == []
    session.commit()
    assert not loads  # every change came in through the changed places
    assert not prefilter_reads


def test_a_transaction_that_wrote_reads_through_sql_and_leaves_the_copy_alone(
    session, world, prefilter_reads
):
    scope = engine.Scope(frozenset({world.net_a.id}))
    kept = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    assert _ids(session, scope) == [kept.id]
    session.commit()
    assert not prefilter_reads
    pending = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1] + 0.01)
    assert sorted(_ids(session, scope)) == sorted([kept.id, pending.id])  # its own write
    assert prefilter_reads  # through SQL
    session.rollback()
    prefilter_reads.clear()
    assert _ids(session, scope) == [kept.id]  # the rolled-back place never entered the copy
    assert not prefilter_reads


def test_another_connections_commit_is_seen(app, session, world, prefilter_reads):
    scope = engine.Scope(frozenset({world.net_a.id}))
    place(session, world.emp_a, [world.net_b], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    assert _ids(session, scope) == []
    session.commit()
    with Session(session.get_bind()) as other:
        network = other.get(Network, world.net_a.id)
        new = place(other, world.emp_b, [network], lat=UTRECHT[0], lon=UTRECHT[1])
        other.commit()
        new_id = new.id
    assert _ids(session, scope) == [new_id]
    assert not prefilter_reads


def test_only_search_columns_and_networks_raise_the_generation(session, world):
    obj = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    epoch, value = _generation(session)
    stamp = session.execute(text("SELECT search_gen FROM places WHERE id = :i"), {"i": obj.id})
    assert stamp.scalar_one() == value  # stamped with the value it was written at
    obj.description = "Nieuwe omschrijving"  # not shown in the search's results
    obj.contact_name = "J. de Vries"
    obj.typical_weeks = 12
    session.commit()
    assert _generation(session) == (epoch, value)
    for column in SEARCH_COLUMNS:  # every one of them raises it
        before = _generation(session)[1]
        session.execute(
            update(Place).where(Place.id == obj.id).values({column: getattr(Place, column)})
        )
        session.commit()
        assert _generation(session)[1] > before, column
    before = _generation(session)[1]
    session.execute(insert(place_networks).values(place_id=obj.id, network_id=world.net_b.id))
    session.commit()
    now = _generation(session)[1]
    assert now > before
    stamp = session.execute(text("SELECT search_gen FROM places WHERE id = :i"), {"i": obj.id})
    assert stamp.scalar_one() == now
    session.execute(delete(Place).where(Place.id == obj.id))
    session.commit()
    assert _generation(session)[0] != epoch  # a deletion starts a new epoch: a full load


def test_an_employers_new_name_stamps_its_places(session, world):
    """The page shows the employer's name from the copy: a new name raises the
    generation and stamps every place of the employer (and only those)."""
    mine = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    other = place(session, world.emp_a, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    _, before = _generation(session)
    world.emp_b.kvk_number = world.emp_b.kvk_number  # not a name: nothing changes
    world.emp_b.size_class = "large"
    session.commit()
    assert _generation(session)[1] == before
    world.emp_b.trade_name = "Nieuwe Naam"
    session.commit()
    _, now = _generation(session)
    assert now > before

    def stamp(obj) -> int:
        query = text("SELECT search_gen FROM places WHERE id = :i")
        return session.execute(query, {"i": obj.id}).scalar_one()

    assert stamp(mine) == now
    assert stamp(other) < now


def test_the_page_reads_what_it_shows_from_the_copy_as_sql_reads_it(
    session, world, make_ctx, monkeypatch
):
    """Summaries and intake counts from the copy equal the shortlist read through SQL,
    also after a new employer name, a confirmation and a proposal (counted only for a
    place with an intake cap)."""
    import datetime as dt

    from registry.search import usecases
    from registry.services.places import refresh_derived
    from tests.services import test_placement_support as ps

    rng = random.Random(11)
    made = random_places(session, rng, [world.emp_a, world.emp_b], [world.net_a], 60)
    for i, obj in enumerate(made):
        obj.intake_cap_per_month = 1 if i % 3 == 0 else None
        obj.function = ["Kok", " monteur ", ""][i % 3]
        obj.last_confirmed_at = dt.datetime(2026, 11, 1 + i % 20, 9, 30, tzinfo=dt.UTC)
    capped = ps.place(session, world.emp_a, [world.net_a], slots=5, intake_cap_per_month=3)
    refresh_derived(capped)  # as the places service does (the SQL path reads its bands)
    cand = ps.candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    scope = engine.Scope(frozenset({world.net_a.id}))
    today = dt.date.today()

    def pages() -> tuple[usecases.PageHits, usecases.PageHits]:
        with monkeypatch.context() as m:
            m.setattr(snapshot, "ENABLED", False)
            through_sql = usecases.page_hits(session, _facts(), scope, today)
        session.commit()
        from_copy = usecases.page_hits(session, _facts(), scope, today)
        session.commit()
        return through_sql, from_copy

    through_sql, from_copy = pages()
    assert capped.id in from_copy.summaries
    assert from_copy.summaries == through_sql.summaries
    assert from_copy.intake == through_sql.intake
    assert from_copy.intake[capped.id] == 0
    shown = next(o for o in made if o.id in from_copy.summaries and o.employer_id == world.emp_b.id)
    world.emp_b.trade_name = "Hernoemd B.V."
    confirmed = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    shown.last_confirmed_at = confirmed
    session.commit()
    ps.proposal(make_ctx, world.coach, cand, capped)
    through_sql, from_copy = pages()
    assert from_copy.summaries == through_sql.summaries
    assert from_copy.intake == through_sql.intake
    assert from_copy.intake[capped.id] == 1
    assert from_copy.summaries[shown.id].employer == "Hernoemd B.V."
    assert from_copy.summaries[shown.id].last_confirmed_at == confirmed


def test_a_transaction_raises_the_generation_once_on_postgresql(session, world):
    """However many statements a transaction writes places with (a bulk load runs one
    per row), it raises the counter once: the row is not rewritten per statement."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite raises it per row, in place")
    place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    _, before = _generation(session)
    made = [
        place(session, world.emp_b, [world.net_a], lat=UTRECHT[0] + i / 100, lon=UTRECHT[1])
        for i in range(3)
    ]
    session.commit()
    _, after = _generation(session)
    assert after == before + 1
    stamps = session.execute(
        text("SELECT DISTINCT search_gen FROM places WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": [p.id for p in made]},
    )
    assert stamps.scalars().all() == [after]


def test_a_deleted_place_leaves_the_copy(session, world, prefilter_reads):
    scope = engine.Scope(frozenset({world.net_a.id}))
    gone = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    assert _ids(session, scope) == [gone.id]
    session.commit()
    session.execute(delete(Place).where(Place.id == gone.id))
    session.commit()
    assert _ids(session, scope) == []
    assert not prefilter_reads


def test_a_full_tail_is_folded_into_a_fresh_load(session, world, monkeypatch):
    monkeypatch.setattr(snapshot, "TAIL_MAX", 3)
    scope = engine.Scope(frozenset({world.net_a.id}))
    made = [place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])]
    session.commit()
    _ids(session, scope)
    session.commit()
    for i in range(5):
        made.append(
            place(session, world.emp_b, [world.net_a], lat=UTRECHT[0] + i / 100, lon=UTRECHT[1])
        )
        session.commit()
        assert sorted(_ids(session, scope)) == sorted(p.id for p in made)
        session.commit()
        held = snapshot._SNAPSHOTS[snapshot._key(session.connection())]
        assert len(held.tail) <= 3


def test_a_counter_that_went_back_loads_everything_anew(session, world, monkeypatch):
    """A restored backup: the same epoch, a lower value, older places. The copy holds
    newer data than that value says, so it is loaded anew, not patched."""
    scope = engine.Scope(frozenset({world.net_a.id}))
    kept = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    epoch, before = _generation(session)
    later = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1] + 0.01)
    session.commit()
    assert sorted(_ids(session, scope)) == sorted([kept.id, later.id])
    session.commit()
    # the "restore": the later place gone without a trace, the counter back where it was
    session.execute(text("DELETE FROM place_networks WHERE place_id = :i"), {"i": later.id})
    session.execute(text("DELETE FROM places WHERE id = :i"), {"i": later.id})
    session.execute(
        text("UPDATE search_generation SET epoch = :e, value = :v"), {"e": epoch, "v": before}
    )
    session.commit()
    loads = []
    real_load = snapshot.load
    monkeypatch.setattr(snapshot, "load", lambda *a: loads.append(1) or real_load(*a))
    assert _ids(session, scope) == [kept.id]
    assert loads


def test_without_the_generation_row_the_search_reads_through_sql(session, world, prefilter_reads):
    scope = engine.Scope(frozenset({world.net_a.id}))
    obj = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.execute(text("DELETE FROM search_generation"))
    session.commit()
    assert _ids(session, scope) == [obj.id]
    assert prefilter_reads


def test_the_tables_and_the_migrations_create_the_same_triggers(app, tmp_path):
    """``metadata.create_all`` (the benchmark's databases) and the migrations (the
    application's) make the same triggers (SQLite; PostgreSQL is checked by the
    searches above, which run on a migrated database)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("compares SQLite's schema text")
    created = create_engine(f"sqlite:///{tmp_path / 'created.db'}")
    Base.metadata.create_all(created)

    def triggers(eng) -> dict[str, str]:
        with eng.connect() as conn:
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
            return dict(rows.all())

    migrated = triggers(create_engine(url))
    assert migrated and triggers(created) == migrated
    with created.connect() as conn:  # and create_all writes the row the triggers raise
        assert conn.execute(text("SELECT value FROM search_generation")).scalar_one() == 0


def test_the_coach_search_reads_the_copy_and_audits_with_the_visit(
    session, world, make_ctx, prefilter_reads
):
    """The coach's search in a request: nothing written before it, so it reads the copy;
    its audit event and the visit are committed together afterwards."""
    from registry.models import AuditEvent, SearchVisit
    from registry.search import usecases
    from tests.services import test_candidates_support as cs

    cand = cs.register(make_ctx, world, postcode="3511 AB")
    near = place(session, world.emp_ab, [world.net_a], lat=cand.lat, lon=cand.lon + 0.02)
    session.commit()
    ctx = make_ctx(world.coach, clock=cs.frozen())
    result = usecases.search_for_candidate(ctx, cand.id)
    assert near.id in [h.place.id for h in result.hits]
    assert not prefilter_reads
    assert not session.new and not session.dirty  # committed
    audit = session.query(AuditEvent).filter_by(action="candidate.search").one()
    assert audit.object_id == cand.id
    assert session.query(SearchVisit).filter_by(candidate_id=cand.id).count() == 1


def test_a_search_with_nothing_to_search_is_audited_all_the_same(app, session, world, make_ctx):
    from registry.models import AuditEvent
    from registry.search import usecases
    from registry.services.errors import ValidationFailed
    from tests.services import test_candidates_support as cs

    cand = cs.register(make_ctx, world, postcode="3511 AB")
    cand.lat = cand.lon = None  # no known home area
    session.commit()
    with app.test_request_context(), pytest.raises(ValidationFailed):  # a message in Dutch
        usecases.search_for_candidate(make_ctx(world.coach, clock=cs.frozen()), cand.id)
    session.rollback()  # what the request's end does: the audit was committed before
    events = session.query(AuditEvent).filter_by(action="candidate.search").all()
    assert [e.object_id for e in events] == [cand.id]


def test_a_page_from_the_copy_reads_no_place_through_sql(session, world, make_ctx, monkeypatch):
    """From the copy the page reads the search generation, and this month's proposals
    only when it shows a place with an intake cap (and then only for those)."""
    import datetime as dt

    from registry.search import dialect, usecases
    from tests.statements import count_statements

    sent: list[str] = []

    def spy(conn, text_, params):
        sent.append(" ".join(text_.split()))
        return dialect.fetch_rows(conn, text_, params)

    monkeypatch.setattr(snapshot, "fetch_rows", spy)
    monkeypatch.setattr(sql, "fetch_rows", spy)
    plain = place(session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1])
    session.commit()
    scope = engine.Scope(frozenset({world.net_a.id}))
    usecases.page_hits(session, _facts(), scope, dt.date.today())  # loads the copy
    session.commit()
    sent.clear()
    with count_statements(session.get_bind()) as orm:
        page = usecases.page_hits(session, _facts(), scope, dt.date.today())
    assert list(page.summaries) == [plain.id]
    assert sent == ["SELECT epoch, value FROM search_generation WHERE id = 1"]
    assert not orm
    session.commit()
    capped = place(
        session, world.emp_b, [world.net_a], lat=UTRECHT[0], lon=UTRECHT[1], intake_cap_per_month=2
    )
    session.commit()
    sent.clear()
    page = usecases.page_hits(session, _facts(), scope, dt.date.today())
    assert sorted(page.summaries) == sorted([plain.id, capped.id])
    assert page.intake == {plain.id: 0, capped.id: 0}
    assert [s.split(" FROM ")[-1].split()[0] for s in sent] == [
        "search_generation",  # moved: the new place is loaded
        "places",
        "place_networks",
        "placements",  # the capped place's proposals this month
    ]


def test_rows_with_conflicts_are_not_scored_once_the_near_misses_are_full(session, world):
    """A wide search's near misses often fill with conflict-free places just beyond the
    range; places with a conflict within it then cannot be on the page and are not
    scored. With room left among the near misses they are, and rank after those."""
    from geopy.distance import geodesic

    from registry.domain.workload import CapacityFacts

    def destination(km: float, bearing: float) -> tuple[float, float]:
        point = geodesic(kilometers=km).destination(UTRECHT, bearing)
        return point.latitude, point.longitude

    facts = dataclasses.replace(
        _facts(), max_km=10.0, capacity=CapacityFacts(capacity={"lifting": 0})
    )
    heavy = {"lifting": {"band": 3}}
    beyond = [
        place(session, world.emp_b, [world.net_a], **_at(destination(10.5 + 0.06 * i, 7.0 * i)))
        for i in range(25)
    ]
    conflicting = [
        place(
            session,
            world.emp_b,
            [world.net_a],
            demands=heavy,
            **_at(destination(4.0 + 0.3 * i, 11.0 * i)),
        )
        for i in range(10)
    ]
    session.commit()
    scope = engine.Scope(frozenset({world.net_a.id}))
    for near_limit, read in ((20, len(beyond)), (30, len(beyond) + len(conflicting))):
        stats = engine.SearchStats()
        found, near, *_ = engine.search_page(
            session, facts, scope, limit=50, near_limit=near_limit, stats=stats
        )
        want_found, want_near = reference.reference_page(
            session, facts, scope, limit=50, near_limit=near_limit
        )
        assert [r.place_id for r in near] == [r.place_id for r in want_near]
        assert not found and not want_found
        assert stats.rows_read == read
        session.commit()
    assert [r.conflict_count for r in near] == [0] * 25 + [1] * 5
    assert {r.place_id for r in near[25:]} <= {p.id for p in conflicting}


def _at(point: tuple[float, float]) -> dict[str, float]:
    return {"lat": point[0], "lon": point[1]}
