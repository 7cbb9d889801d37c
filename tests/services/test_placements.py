"""Placement use cases: proposing, answering, the lifecycle per role, identity reveal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.domain.placement import Party, Status
from registry.models import AuditEvent, Notification, OutboxMessage, Place, PlaceStatus
from registry.services import placements as svc
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests import factories
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()


@pytest.fixture
def setup(session, world):
    """A place of employer A in network A and a candidate of employer AB (coach org one)."""
    pl = place(session, world.emp_a, [world.net_a], slots=1)
    cand = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    return pl, cand


def test_propose_records_snapshot_transition_audit_and_notifies_host(
    session, world, make_ctx, setup
):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, motivation="Past goed bij de wensen")
    assert p.status is Status.PROPOSED
    assert (p.network_id, p.host_employer_id, p.home_employer_id) == (
        world.net_a.id,
        world.emp_a.id,
        world.emp_ab.id,
    )
    assert p.fit["dimensions"]["lifting"] == "fit"
    assert p.distance_km is not None and 0 < p.distance_km < 5
    assert [t.to_status for t in p.transitions] == [Status.PROPOSED]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "placement.proposed"))
    note = session.scalar(select(Notification).where(Notification.user_id == world.contact_a.id))
    assert note is not None and note.kind == "proposal_new"
    assert session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == world.contact_a.email)
    )


def test_propose_needs_a_motivation(world, make_ctx, setup):
    pl, cand = setup
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl, motivation="  ")
    assert "motivation" in err.value.errors


def test_a_signal_needs_a_recorded_reason(session, world, make_ctx):
    pl = place(
        session,
        world.emp_a,
        [world.net_a],
        demands={"lifting": {"band": 3, "adjustable": True}},
    )
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    check = svc.check_proposal(make_ctx(world.coach), cand.id, pl.id)
    assert check.signal_keys == ["lifting"]
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl)
    assert "signal_reasons" in err.value.errors
    p = proposal(
        make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "Tillen wordt aangepast"}
    )
    assert p.signal_reasons == {"lifting": "Tillen wordt aangepast"}


def test_past_end_week_needs_explicit_confirmation(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a], ongoing=True)
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl)
    assert "confirm_past_end" in err.value.errors
    p = proposal(make_ctx, world.coach, cand, pl, confirm_past_end=True)
    assert p.past_end_confirmed is True


def test_intake_cap_per_month_is_enforced(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a], slots=5, intake_cap_per_month=2)
    cands = [candidate(session, world.org, world.emp_b, [world.net_a]) for _ in range(3)]
    session.commit()
    proposal(make_ctx, world.coach, cands[0], pl)
    proposal(make_ctx, world.coach, cands[1], pl)
    with pytest.raises(Conflict) as err:
        proposal(make_ctx, world.coach, cands[2], pl)
    assert err.value.message is not None


def test_no_proposal_for_closed_full_or_foreign_network_places(session, world, make_ctx):
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    paused = place(session, world.emp_a, [world.net_a], status=PlaceStatus.PAUSED)
    full = place(session, world.emp_a, [world.net_a], slots=1, taken_slots=1)
    elsewhere = place(session, world.emp_b, [world.net_b])
    session.commit()
    for pl in (paused, full, elsewhere):
        with pytest.raises(Conflict):
            proposal(make_ctx, world.coach, cand, pl)


def test_duplicate_open_proposal_is_refused(world, make_ctx, setup):
    pl, cand = setup
    proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(Conflict):
        proposal(make_ctx, world.coach, cand, pl)


@pytest.mark.parametrize("who", ["coach2", "contact_a", "coordinator_a", "admin"])
def test_only_the_candidates_coach_organisation_proposes(world, make_ctx, setup, who):
    pl, cand = setup
    with pytest.raises(PermissionDenied):
        proposal(make_ctx, getattr(world, who), cand, pl)


def test_hard_reciprocity_limit_blocks_new_proposals(session, world, make_ctx):
    world.net_a.reciprocity_soft_limit = 1
    world.net_a.reciprocity_hard_limit = True
    pl1 = place(session, world.emp_a, [world.net_a], slots=3)
    cand1 = candidate(session, world.org, world.emp_ab, [world.net_a])
    cand2 = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    p = proposal(make_ctx, world.coach, cand1, pl1)
    svc.accept(make_ctx(world.contact_a), p.id)
    svc.start(make_ctx(world.coach), p.id)
    check = svc.check_proposal(make_ctx(world.coach), cand2.id, pl1.id)
    assert check.policy_block and check.policy_warn
    with pytest.raises(Conflict):
        proposal(make_ctx, world.coach, cand2, pl1)
    # The coordinator and the employer were warned.
    warned = set(
        session.scalars(
            select(Notification.user_id).where(Notification.kind == "reciprocity_warning")
        )
    )
    assert world.coordinator_a.id in warned


def test_full_lifecycle_reserves_and_releases_the_slot(session, world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    svc.accept(make_ctx(world.contact_a), p.id)
    session.expire_all()
    assert session.get(Place, pl.id).taken_slots == 1
    assert session.get(Place, pl.id).status is PlaceStatus.FULL
    svc.start(make_ctx(world.coach), p.id, on=dt.date.today() - dt.timedelta(days=20))
    svc.complete(
        make_ctx(world.contact_a),
        p.id,
        "hired",
        evaluation={"ratings": {"quality": "4"}, "strengths": "Nauwkeurig"},
    )
    session.expire_all()
    done = svc.get_placement(make_ctx(world.coach), p.id)
    assert done.status is Status.COMPLETED
    assert done.outcome.value == "hired"
    assert done.evaluation["ratings"] == {"quality": 4}
    assert [t.to_status for t in done.transitions] == [
        Status.PROPOSED,
        Status.ACCEPTED,
        Status.STARTED,
        Status.COMPLETED,
    ]
    assert [t.party for t in done.transitions[1:]] == [Party.HOST, Party.COACH, Party.HOST]
    assert session.get(Place, pl.id).taken_slots == 0
    assert session.get(Place, pl.id).status is PlaceStatus.OPEN


def test_decline_needs_a_reason_from_the_list(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    host = make_ctx(world.contact_a)
    with pytest.raises(ValidationFailed):
        svc.decline(host, p.id, None)
    with pytest.raises(ValidationFailed):
        svc.decline(host, p.id, "bogus")
    done = svc.decline(host, p.id, "timing", "Pas na de zomer")
    assert done.status is Status.DECLINED
    assert done.decline_reason.value == "timing" and done.reason_text == "Pas na de zomer"


def test_completion_needs_an_outcome_and_end_early_a_reason(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    svc.accept(make_ctx(world.contact_a), p.id)
    svc.start(make_ctx(world.contact_a), p.id)
    with pytest.raises(ValidationFailed):
        svc.complete(make_ctx(world.coach), p.id, None)
    with pytest.raises(ValidationFailed):
        svc.end_early(make_ctx(world.coach), p.id, None)
    assert svc.end_early(make_ctx(world.coach), p.id, "workload_too_high").status is (
        Status.ENDED_EARLY
    )


# Every edge by every role: who may take it (the rest get 403 / PermissionDenied).
ROLE_USERS = [
    "coach",
    "coach2",
    "contact_a",
    "contact_b",
    "coordinator_a",
    "coordinator_b",
    "admin",
]
EDGES = {
    # target: (status to reach first, args, roles allowed)
    Status.ACCEPTED: (Status.PROPOSED, {}, {"contact_a"}),
    Status.DECLINED: (Status.PROPOSED, {"reason": "other"}, {"contact_a"}),
    Status.WITHDRAWN: (Status.PROPOSED, {}, {"coach", "coordinator_a", "contact_b"}),
    Status.STARTED: (Status.ACCEPTED, {}, {"coach", "contact_a"}),
    Status.CANCELLED: (Status.ACCEPTED, {}, {"coach", "contact_a", "coordinator_a", "contact_b"}),
    Status.COMPLETED: (Status.STARTED, {"outcome": "no_follow_up"}, {"coach", "contact_a"}),
    Status.ENDED_EARLY: (
        Status.STARTED,
        {"reason": "other"},
        {"coach", "contact_a", "contact_b"},
    ),
}


def _reach(make_ctx, world, p, status):
    if status in (Status.ACCEPTED, Status.STARTED):
        svc.accept(make_ctx(world.contact_a), p.id)
    if status is Status.STARTED:
        svc.start(make_ctx(world.coach), p.id)


@pytest.mark.parametrize("target", list(EDGES))
def test_every_transition_per_role(session, world, make_ctx, target):
    source, args, allowed = EDGES[target]
    pl = place(session, world.emp_a, [world.net_a], slots=len(ROLE_USERS))
    session.commit()
    for who in ROLE_USERS:
        cand = candidate(session, world.org, world.emp_b, [world.net_a])
        session.commit()
        p = proposal(make_ctx, world.coach, cand, pl)
        _reach(make_ctx, world, p, source)
        ctx = make_ctx(getattr(world, who))
        call = getattr(svc, svc.MOVES[target])
        kwargs = dict(args)
        if who in allowed:
            assert call(ctx, p.id, **kwargs).status is target, who
        else:
            with pytest.raises(PermissionDenied):
                call(ctx, p.id, **kwargs)


def test_forbidden_edges_are_conflicts(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(Conflict):
        svc.start(make_ctx(world.coach), p.id)  # proposed -> started
    svc.decline(make_ctx(world.contact_a), p.id, "no_capacity")
    with pytest.raises(Conflict):
        svc.accept(make_ctx(world.contact_a), p.id)  # out of a terminal state


def test_view_is_limited_to_parties(world, make_ctx, setup, session):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    for who in ("coach", "contact_a", "coordinator_a", "admin"):
        assert svc.get_placement(make_ctx(getattr(world, who)), p.id).id == p.id
    for who in ("coach2", "contact_b", "coordinator_b"):
        with pytest.raises(PermissionDenied):
            svc.get_placement(make_ctx(getattr(world, who)), p.id)
    with pytest.raises(NotFound):
        svc.get_placement(make_ctx(world.coach), p.id + 999)
    assert [x.id for x in svc.list_placements(make_ctx(world.contact_a))] == [p.id]
    assert svc.list_placements(make_ctx(world.contact_b)) == []
    assert [x.id for x in svc.host_inbox(make_ctx(world.contact_a))] == [p.id]


def test_identity_reveal_only_after_acceptance_with_consent_and_audited(
    session, world, make_ctx, setup
):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    host = make_ctx(world.contact_a)
    assert svc.identity(host, p).revealed is False
    assert svc.identity(host, p).reason == "before_acceptance"
    svc.accept(host, p.id)
    assert svc.identity(host, p).reason == "no_consent"
    consent_introduce(session, cand, world.emp_b)  # consent for another host: not enough
    session.commit()
    assert svc.identity(host, p).revealed is False
    consent_introduce(session, cand, world.emp_a)
    session.commit()
    shown = svc.identity(host, p)
    assert shown.revealed and shown.name.startswith("Anna") and shown.email
    reveals = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "candidate.identity_revealed")
    ).all()
    assert len(reveals) == 1 and reveals[0].actor_id == world.contact_a.id
    # The coordinator never sees the name; the coach always does.
    assert svc.identity(make_ctx(world.coordinator_a), p).revealed is False
    assert svc.identity(make_ctx(world.coach), p).revealed is True


def test_host_employer_contact_of_both_sides_sees_pseudonym_for_own_employee(session, world):
    # A contact of the home employer is not the host: no reveal path via "home".
    contact_ab = factories.user(session, factories.Role.EMPLOYER, employers=[world.emp_ab])
    assert contact_ab.employers == [world.emp_ab]
