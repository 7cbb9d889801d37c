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
    introduce,
    place,
    proposal,
    ready_to_start,
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


def test_the_search_marks_a_place_whose_intake_cap_is_reached(session, world, make_ctx):
    """This month's proposals are counted for a place with an intake cap (at the cap:
    marked on the search page); a place without a cap is never at it."""
    from registry.domain.matching import SearchFacts
    from registry.models import PlaceKind, Placement
    from registry.search import usecases
    from registry.search.engine import Scope

    capped = place(session, world.emp_a, [world.net_a], slots=5, intake_cap_per_month=2)
    uncapped = place(session, world.emp_a, [world.net_a], slots=5)
    cands = [candidate(session, world.org, world.emp_b, [world.net_a]) for _ in range(2)]
    session.commit()
    for cand in cands:
        proposal(make_ctx, world.coach, cand, capped)
        proposal(make_ctx, world.coach, cand, uncapped)
    proposed = session.scalar(select(Placement.proposed_at).limit(1))
    facts = SearchFacts(
        home=(capped.lat, capped.lon), max_km=25, kinds=frozenset(k.value for k in PlaceKind)
    )
    page = usecases.page_hits(session, facts, Scope(frozenset({world.net_a.id})), proposed.date())
    assert page.intake == {capped.id: 2, uncapped.id: 0}
    hits = {r.place_id: usecases._hit(page, r, None) for r in page.found}
    assert hits[capped.id].result.at_cap and not hits[uncapped.id].result.at_cap


def test_no_proposal_for_closed_full_or_foreign_network_places(session, world, make_ctx):
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    paused = place(session, world.emp_a, [world.net_a], status=PlaceStatus.PAUSED)
    full = place(session, world.emp_a, [world.net_a], slots=1, taken_slots=1)
    elsewhere = place(session, world.emp_b, [world.net_b])
    session.commit()
    for pl in (full, elsewhere):
        with pytest.raises(Conflict):
            proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(NotFound):  # an unpublished place is not there for a coach
        proposal(make_ctx, world.coach, cand, paused)


def test_duplicate_open_proposal_is_refused(world, make_ctx, setup):
    pl, cand = setup
    proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(Conflict):
        proposal(make_ctx, world.coach, cand, pl)


@pytest.mark.parametrize("who", ["coach2", "contact_a", "coordinator_a", "admin"])
def test_only_the_candidates_coach_organisation_proposes(world, make_ctx, setup, who):
    pl, cand = setup
    with pytest.raises(NotFound):  # answered like a missing candidate: ids cannot be probed
        proposal(make_ctx, getattr(world, who), cand, pl)


def test_hard_reciprocity_limit_blocks_new_proposals(session, world, make_ctx):
    world.net_a.reciprocity_soft_limit = 1
    world.net_a.reciprocity_hard_limit = True
    pl1 = place(session, world.emp_a, [world.net_a], slots=3)
    cand1 = candidate(session, world.org, world.emp_ab, [world.net_a])
    cand2 = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    p = proposal(make_ctx, world.coach, cand1, pl1)
    ready_to_start(make_ctx, world.contact_a, world.coach, p)
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
    ready_to_start(
        make_ctx, world.contact_a, world.coach, p, dt.date.today() - dt.timedelta(days=21)
    )
    session.expire_all()
    assert session.get(Place, pl.id).taken_slots == 1
    assert session.get(Place, pl.id).status is PlaceStatus.FULL
    svc.start(make_ctx(world.coach), p.id, on=dt.date.today() - dt.timedelta(days=20))
    svc.complete(
        make_ctx(world.contact_a),
        p.id,
        "hired",
        evaluation={
            "ratings": dict.fromkeys(svc.EVALUATION_RATINGS, "4"),
            "strengths": "Nauwkeurig",
            "overall": "Goed gewerkt",
        },
    )
    session.expire_all()
    done = svc.get_placement(make_ctx(world.coach), p.id)
    assert done.status is Status.COMPLETED
    assert done.outcome.value == "hired"
    assert done.evaluation["ratings"]["quality"] == 4
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
    ready_to_start(make_ctx, world.contact_a, world.coach, p)
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
        introduce(make_ctx, world.coach, p)
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


# --------------------------------------------------------------------------- issue 12: dates

TODAY = dt.date.today()
HOME_NAME = "Thuisbedrijf Geheim B.V."


def test_intended_start_cannot_lie_in_the_past(world, make_ctx, setup):
    pl, cand = setup
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl, planned_start=TODAY - dt.timedelta(days=1))
    assert "planned_start" in err.value.errors
    assert proposal(make_ctx, world.coach, cand, pl, planned_start=TODAY).planned_start == TODAY


def test_start_date_is_neither_future_nor_before_the_acceptance(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    ready_to_start(make_ctx, world.contact_a, world.coach, p, TODAY - dt.timedelta(days=10))
    coach = make_ctx(world.coach)
    for day in (TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=11)):
        with pytest.raises(ValidationFailed) as err:
            svc.start(coach, p.id, on=day)
        assert list(err.value.errors) == ["on"]
    assert svc.start(coach, p.id, on=TODAY - dt.timedelta(days=10)).status is Status.STARTED


@pytest.mark.parametrize("move", ["complete", "end_early"])
def test_end_and_outcome_dates_are_neither_future_nor_before_the_start(
    world, make_ctx, setup, move
):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    ready_to_start(make_ctx, world.contact_a, world.coach, p, TODAY - dt.timedelta(days=30))
    svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=20))
    detail = "hired" if move == "complete" else "other"
    call = getattr(svc, move)
    for day in (TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=21)):
        with pytest.raises(ValidationFailed) as err:
            call(make_ctx(world.contact_a), p.id, detail, on=day)
        assert list(err.value.errors) == ["on"]
    done = call(make_ctx(world.contact_a), p.id, detail, on=TODAY - dt.timedelta(days=20))
    assert done.ended_on == TODAY - dt.timedelta(days=20)


def test_correcting_dates_follows_the_same_rules(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    ready_to_start(make_ctx, world.contact_a, world.coach, p, TODAY - dt.timedelta(days=30))
    svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=20))
    svc.complete(make_ctx(world.contact_a), p.id, "hired", on=TODAY - dt.timedelta(days=5))
    coach = make_ctx(world.coach)
    cases = [
        (TODAY - dt.timedelta(days=31), TODAY, "started_on"),  # before the acceptance
        (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2), "started_on"),  # future
        (TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=1), "ended_on"),  # future
        (TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=21), "ended_on"),  # before
    ]
    for started_on, ended_on, field_name in cases:
        with pytest.raises(ValidationFailed) as err:
            svc.correct_dates(coach, p.id, started_on, ended_on)
        assert list(err.value.errors) == [field_name], (started_on, ended_on)
    fixed = svc.correct_dates(coach, p.id, TODAY - dt.timedelta(days=30), TODAY)
    assert (fixed.started_on, fixed.ended_on) == (TODAY - dt.timedelta(days=30), TODAY)


# --------------------------------------------------------------------------- issue 12: introduction


def test_starting_is_refused_until_the_introduction_consent_exists(session, world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    svc.accept(make_ctx(world.contact_a), p.id)
    assert Status.STARTED not in svc.allowed_moves(make_ctx(world.coach), p)
    for who in (world.coach, world.contact_a):
        with pytest.raises(Conflict) as err:
            svc.start(make_ctx(who), p.id)
        assert err.value.message is svc.INTRODUCTION_FIRST
    introduce(make_ctx, world.coach, p, planned_on=TODAY + dt.timedelta(days=3))
    assert Status.STARTED in svc.allowed_moves(make_ctx(world.coach), p)
    assert svc.start(make_ctx(world.contact_a), p.id).status is Status.STARTED


def test_only_the_coach_records_the_introduction_and_only_after_acceptance(
    session, world, make_ctx, setup
):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(Conflict):
        introduce(make_ctx, world.coach, p)  # still a proposal
    svc.accept(make_ctx(world.contact_a), p.id)
    for who in ("contact_a", "coordinator_a"):
        with pytest.raises(PermissionDenied):
            introduce(make_ctx, getattr(world, who), p)
    for who in ("coach2", "contact_b"):
        with pytest.raises(PermissionDenied):
            introduce(make_ctx, getattr(world, who), p)
    with pytest.raises(ValidationFailed) as err:
        introduce(make_ctx, world.coach, p, planned_on=TODAY - dt.timedelta(days=1))
    assert list(err.value.errors) == ["planned_on"]
    with pytest.raises(ValidationFailed) as err:
        introduce(make_ctx, world.coach, p, given_on=TODAY + dt.timedelta(days=1))
    assert list(err.value.errors) == ["given_on"]
    assert not svc.introduced(svc.get_placement(make_ctx(world.coach), p.id))  # nothing written


def test_the_introduction_records_one_consent_audits_and_notifies_the_host(
    session, world, make_ctx, setup
):
    from registry.models import Consent, ConsentScope

    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    svc.accept(make_ctx(world.contact_a), p.id)
    host = make_ctx(world.contact_a)
    assert svc.identity(host, p).reason == "no_consent"
    done = introduce(make_ctx, world.coach, p, planned_on=TODAY + dt.timedelta(days=2))
    assert done.introduction_planned_on == TODAY + dt.timedelta(days=2)
    assert done.introduction_recorded_at is not None
    introduce(make_ctx, world.coach, p)  # again (e.g. a new date): no second consent
    consents = session.scalars(
        select(Consent).where(
            Consent.candidate_id == cand.id, Consent.scope == ConsentScope.INTRODUCE
        )
    ).all()
    assert [c.host_employer_id for c in consents] == [world.emp_a.id]
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"placement.introduced", "candidate.consent_recorded"} <= actions
    note = session.scalar(
        select(Notification).where(
            Notification.user_id == world.contact_a.id, Notification.kind == "placement_changed"
        )
    )
    assert note is not None and cand.family_name not in (note.subject + note.body)
    shown = svc.identity(host, svc.get_placement(host, p.id))
    assert shown.revealed and shown.name.endswith(cand.family_name)


def test_an_earlier_introduce_consent_for_this_host_counts(session, world, make_ctx, setup):
    pl, cand = setup
    consent_introduce(session, cand, world.emp_a)  # recorded on the candidate page
    session.commit()
    p = proposal(make_ctx, world.coach, cand, pl)
    assert not svc.introduced(p)  # never before the host accepted
    svc.accept(make_ctx(world.contact_a), p.id)
    assert svc.start(make_ctx(world.coach), p.id).status is Status.STARTED


# ----------------------------------------------------------------- issue 12: home employer


@pytest.fixture
def secret_home(session, world, setup):
    world.emp_ab.legal_name = HOME_NAME
    world.emp_ab.trade_name = ""
    session.commit()
    return setup


def _agreement_text(ctx, placement_id, language="nl") -> str:
    import io

    from pypdf import PdfReader

    from registry.services import documents

    data, _name = documents.render(ctx, placement_id, "agreement", language)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_host_learns_the_home_employer_only_after_the_introduction(
    session, world, make_ctx, secret_home
):
    from registry.services import dashboards

    pl, cand = secret_home
    p = proposal(make_ctx, world.coach, cand, pl)
    host, coordinator = make_ctx(world.contact_a), make_ctx(world.coordinator_a)
    svc.accept(host, p.id)
    p = svc.get_placement(host, p.id)
    assert not svc.shows_home_employer(host, p)
    assert not svc.shows_home_employer(coordinator, p)
    assert svc.shows_home_employer(make_ctx(world.coach), p)
    # The PDF (host's copy): pseudonym, the names follow; no home employer, no name.
    text = _agreement_text(host, p.id)
    assert HOME_NAME not in text and cand.family_name not in text
    assert cand.pseudonym in text and "volgt na het kennismakingsgesprek" in text
    assert "Concept" in text
    # Notifications the host received and the employer dashboard: never the home employer.
    notes = session.scalars(
        select(Notification).where(Notification.user_id == world.contact_a.id)
    ).all()
    assert notes and all(HOME_NAME not in n.subject + n.body for n in notes)
    dash = dashboards.employer_dashboard(host, world.emp_a.id)
    assert HOME_NAME not in repr(dash.places)
    research = dashboards.export_research(coordinator, world.net_a.id)
    assert HOME_NAME.encode() not in research.content

    introduce(make_ctx, world.coach, p)
    p = svc.get_placement(host, p.id)
    assert svc.shows_home_employer(host, p) and svc.shows_home_employer(coordinator, p)
    text = _agreement_text(host, p.id)
    assert HOME_NAME in text and cand.family_name in text and "Concept" not in text


def test_the_agreement_lists_signals_adjustments_hours_period_and_parties(
    session, world, make_ctx, secret_home
):
    pl, cand = secret_home
    p = proposal(make_ctx, world.coach, cand, pl)
    p.signal_reasons = {"lifting": "Tillen met een hulpmiddel"}
    p.fit = {**p.fit, "conditions": {"flexible_hours": "fit"}}
    session.commit()
    ready_to_start(make_ctx, world.contact_a, world.coach, p)
    svc.update_agreement(
        make_ctx(world.coach),
        p.id,
        svc.AgreementInput(
            planned_start=TODAY + dt.timedelta(days=7),
            planned_end=TODAY + dt.timedelta(days=97),
            hours_per_week=12.5,
            target_hours_per_week=24,
            build_up="Elke twee weken vier uur erbij",
        ),
    )
    coach = make_ctx(world.coach)
    nl = _agreement_text(coach, p.id, "nl")
    from registry.services.formatting import date_long

    for expected in (
        "Tillen met een hulpmiddel",
        "12,5 uur",
        "24 uur",
        "Elke twee weken vier uur erbij",
        date_long(TODAY + dt.timedelta(days=7), "nl"),  # "11 december 2026" (issue 15)
        date_long(TODAY + dt.timedelta(days=97), "nl"),
        HOME_NAME,
        world.emp_a.legal_name,
        cand.family_name,
    ):
        assert expected in nl, expected
    en = _agreement_text(coach, p.id, "en")
    assert "12.5 hours" in en and "24 hours" in en and "Target hours per week" in en


def test_target_hours_cannot_be_below_the_start(world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    with pytest.raises(ValidationFailed) as err:
        svc.update_agreement(
            make_ctx(world.coach),
            p.id,
            svc.AgreementInput(None, None, hours_per_week=20, target_hours_per_week=10),
        )
    assert list(err.value.errors) == ["target_hours_per_week"]
