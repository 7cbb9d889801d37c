"""The demo seed makes a demo worth showing: every active demo candidate who shares a
profile finds at least a few matches or near misses, some find matches with signals, and
the showcase candidate finds a place of the demo employer contact's organisation as a
match with a signal (the placements browser journey proposes it)."""

from __future__ import annotations

from sqlalchemy import select

from registry.domain.permissions import Actor, Role
from registry.models import Candidate, Employer, Place, TrajectoryStatus
from registry.search import usecases as search
from registry.services import candidates as candidate_service
from registry.services.context import Context
from seed.candidates import SHOWCASE_PSEUDONYM
from seed.demo import load_demo

MIN_RESULTS = 3


def _coach_context(session, candidate: Candidate) -> Context:
    actor = Actor(
        user_id=candidate.coach_id or 0,
        roles=frozenset({Role.COACH}),
        coach_organisation_id=candidate.coach_organisation_id,
    )
    return Context(session=session, actor=actor)


def test_every_shared_demo_candidate_finds_matches_or_near_misses(session):
    load_demo(session)
    candidates = session.scalars(
        select(Candidate).where(Candidate.status == TrajectoryStatus.ACTIVE).order_by(Candidate.id)
    ).all()
    shared = [c for c in candidates if candidate_service.candidate_facts(c).shared_network_ids]
    assert len(shared) >= 40

    few, with_signals, with_matches, with_near = [], 0, 0, 0
    for candidate in shared:
        found = search.search_for_candidate(
            _coach_context(session, candidate), candidate.id, record_visit=False
        )
        total = len(found.matches) + len(found.signals) + len(found.near_misses)
        if total < MIN_RESULTS:
            few.append((candidate.pseudonym, total))
        with_signals += bool(found.signals)
        with_matches += bool(found.matches)
        with_near += bool(found.near_misses)
    assert not few, f"demo candidates with fewer than {MIN_RESULTS} results: {few}"
    # Every kind of result shows up in the demo, for more than a handful of candidates.
    assert with_signals >= 5
    assert with_matches >= 5
    assert with_near >= 5


def test_the_showcase_candidate_finds_a_signal_match_at_the_demo_employer(session):
    load_demo(session)
    candidate = session.scalar(select(Candidate).where(Candidate.pseudonym == SHOWCASE_PSEUDONYM))
    assert candidate is not None
    host = session.scalar(select(Employer).where(Employer.kvk_number == "10000002"))
    assert candidate.home_employer_id != host.id  # a transfer: the ledger moves
    found = search.search_for_candidate(
        _coach_context(session, candidate), candidate.id, record_visit=False
    )
    at_host = [
        hit
        for hit in found.signals
        if session.get(Place, hit.place.id).employer_id == host.id
        and not hit.result.at_cap
        and not hit.result.full
    ]
    assert at_host, "the showcase candidate has no signal match at ZNT Zorg"


def test_the_demo_seed_is_deterministic_in_what_the_search_shows(session):
    first = load_demo(session)
    again = load_demo(session)
    assert first["candidates"] >= 80
    assert again["candidates"] == 0 and again["new_places"] == 0 and again["placements"] == 0


def test_the_ledger_command_agrees_with_the_placements_after_the_demo_seed(app, session):
    from registry.models import LedgerEntryRecord, Placement
    from registry.services import ledger

    load_demo(session)
    assert session.scalar(select(Placement.id).limit(1)) is not None
    assert session.scalar(select(LedgerEntryRecord.id).limit(1)) is not None
    assert ledger.check(session) == []
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "Ledger OK" in result.output


def test_no_demo_search_shows_a_place_of_the_home_employer(session):
    """Issue 12: second track means another employer, for every demo candidate."""
    load_demo(session)
    candidates = session.scalars(
        select(Candidate).where(Candidate.status == TrajectoryStatus.ACTIVE).order_by(Candidate.id)
    ).all()
    employer_of = dict(session.execute(select(Place.id, Place.employer_id)).all())
    shown = 0
    for candidate in candidates:
        if candidate.lat is None:
            continue
        found = search.search_for_candidate(
            _coach_context(session, candidate), candidate.id, record_visit=False
        )
        own = [
            h.place.title
            for h in found.hits
            if employer_of[h.place.id] == candidate.home_employer_id
        ]
        assert not own, (candidate.pseudonym, own)
        shown += len(found.hits)
    assert shown  # the demo does show places


def test_the_demo_candidates_without_a_profile_show_unknowns_not_fits(session):
    from registry.domain.workload import NO_PROFILE, Verdict

    load_demo(session)
    candidates = session.scalars(
        select(Candidate).where(Candidate.status == TrajectoryStatus.ACTIVE).order_by(Candidate.id)
    ).all()
    bare = [c for c in candidates if candidate_service.current_profile(c) is None]
    assert bare, "the demo has a candidate without a capacity profile"
    hits = 0
    for candidate in bare:
        found = search.search_for_candidate(
            _coach_context(session, candidate), candidate.id, record_visit=False
        )
        assert found.profile_missing
        for hit in found.hits:
            dims = hit.result.comparison.dimensions
            assert all(d.verdict is Verdict.UNKNOWN and d.reason == NO_PROFILE for d in dims)
            assert not hit.result.comparison.is_fit
            hits += 1
    assert hits  # they do find places, shown with unknowns
