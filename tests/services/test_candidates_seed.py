"""The demo candidates: enough, varied, deterministic and idempotent."""

from __future__ import annotations

from sqlalchemy import select

from registry.models import Candidate, TrajectoryStatus
from registry.services import candidates as svc
from seed.candidates import COUNT, load_candidates
from tests.services.test_candidates_support import TODAY


def test_demo_candidates_are_varied_and_loaded_once(session, world):
    assert load_candidates(session, TODAY) == COUNT >= 80
    assert load_candidates(session, TODAY) == 0
    candidates = list(session.scalars(select(Candidate)))
    assert len(candidates) == COUNT
    assert {c.coach_organisation_id for c in candidates} == {world.org.id, world.org2.id}
    clocks = [svc.clock_of(c, TODAY) for c in candidates]
    profiles = [svc.current_profile(c) for c in candidates]
    facts = [svc.candidate_facts(c) for c in candidates]
    assert sum(k.second_track_late for k in clocks) >= 5  # past week 58 without a start
    assert sum(k.weeks_left <= 12 for k in clocks) >= 5  # near week 104
    assert any(k.end_week > 104 for k in clocks)
    assert sum(svc.is_stale(p, TODAY) for p in profiles) >= 5
    assert sum(p is None for p in profiles) >= 3
    assert sum(not f.shared_network_ids for f in facts) >= 5  # without consent
    assert any(f.introduced_employer_ids for f in facts)
    assert any(c.status == TrajectoryStatus.CLOSED for c in candidates)
    assert len({c.pseudonym for c in candidates}) == COUNT
    # every home employer is an admitted member of each network the candidate searches
    for c in candidates:
        assert c.networks
