"""Candidate use cases: registration, profiles, consent, visibility, audit, erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import String, Text, func, select

from registry.domain.permissions import ALL_FIELD_GROUPS, FieldGroup, Role
from registry.models import (
    AuditEvent,
    Base,
    Candidate,
    CapacityProfile,
    Consent,
    ConsentScope,
    MembershipStatus,
    TrajectoryOutcome,
    TrajectoryStatus,
)
from registry.services import candidates as svc
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.pseudonyms import is_pseudonym
from tests import factories
from tests.services.test_candidates_support import (
    EMAIL,
    FAMILY,
    GIVEN,
    NOTES,
    PHONE,
    TODAY,
    candidate_input,
    frozen,
    introduce,
    profile_input,
    register,
    share,
)


def events(session, candidate_id, action=None):
    query = select(AuditEvent).where(
        AuditEvent.object_type == "candidate", AuditEvent.object_id == candidate_id
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query.order_by(AuditEvent.id)))


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated lazily, for the locale of a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def host(session, world):
    """A contact of an employer in both networks (a potential host)."""
    user = factories.user(session, Role.EMPLOYER, email="host@example.nl", employers=[world.emp_ab])
    session.commit()
    return user


# --- registration ------------------------------------------------------------------------


def test_register_stores_candidate_profile_area_and_audit(session, make_ctx, world):
    candidate = register(make_ctx, world)
    assert is_pseudonym(candidate.pseudonym)
    assert candidate.coach_organisation_id == world.org.id
    assert candidate.coach_id == world.coach.id
    assert candidate.postcode == "7514 AE"
    assert candidate.postcode_area == "7514"
    assert candidate.lat == pytest.approx(52.2257) and candidate.lon == pytest.approx(6.8953)
    assert [n.id for n in candidate.networks] == [world.net_a.id]
    profile = svc.current_profile(candidate)
    assert profile is not None and profile.capacities == {
        "lifting": 1,
        "time_pressure": 1,
        "attention": None,
    }
    assert [e.action for e in events(session, candidate.id)] == [
        "candidate.registered",
        "candidate.profile_saved",
    ]
    # audit details never hold personal values
    for event in events(session, candidate.id):
        assert GIVEN not in str(event.detail) and "7514" not in str(event.detail)


def test_normal_capacity_is_stored_by_leaving_the_key_out(make_ctx, world):
    candidate = register(make_ctx, world, profile=False)
    ctx = make_ctx(world.coach, clock=frozen())
    profile = svc.save_profile(
        ctx, candidate.id, profile_input(capacities={"lifting": 4, "standing": 0})
    )
    assert profile.capacities == {"standing": 0}  # lifting 4 is the heaviest band: normal
    facts = svc.capacity_facts(profile)
    assert facts.capacity == {"standing": 0}
    assert facts.avoid_exposures == frozenset({"noise"})
    assert facts.hours_per_day == 1


def test_pseudonyms_are_unique_and_readable(make_ctx, world):
    names = {register(make_ctx, world, profile=False).pseudonym for _ in range(25)}
    assert len(names) == 25
    assert all(is_pseudonym(n) for n in names)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"postcode": "12345"}, "postcode"),
        ({"postcode": "1000 AB"}, "postcode"),  # valid shape, unknown area
        ({"given_name": "  "}, "given_name"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"max_km": 0}, "max_km"),
        ({"max_km": 10_000}, "max_km"),
        ({"accepted_kinds": ()}, "accepted_kinds"),
        ({"accepted_kinds": ("circus",)}, "accepted_kinds"),
        ({"preferred_sectors": ("Z",)}, "preferred_sectors"),
        ({"hours_per_day": 30.0}, "hours_per_day"),
        ({"hours_per_day": float("nan")}, "hours_per_day"),
        ({"first_sick_day": TODAY + dt.timedelta(days=1)}, "first_sick_day"),
        ({"first_sick_day": dt.date(2000, 1, 1)}, "first_sick_day"),
        ({"end_week": 120}, "end_week_reason"),  # an extension needs a reason
        ({"end_week": 400, "end_week_reason": "x"}, "end_week"),
        ({"second_track_start": dt.date(2020, 1, 1)}, "second_track_start"),
        ({"notes": "Diagnose: burn-out, gebruikt medicatie"}, "notes"),
        ({"home_employer_id": 999_999}, "home_employer_id"),
        ({"home_employer_id": 2**40}, "home_employer_id"),
        ({"network_ids": ()}, "network_ids"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(session, make_ctx, world, changes, field):
    ctx = make_ctx(world.coach, clock=frozen())
    with pytest.raises(ValidationFailed) as info:
        svc.register_candidate(ctx, candidate_input(world, **changes))
    assert field in info.value.errors
    assert session.scalar(select(func.count(Candidate.id))) == 0


def test_home_employer_must_be_admitted_and_networks_its_own(session, make_ctx, world):
    applied = factories.employer(session, [world.net_a], status=MembershipStatus.APPLIED)
    session.commit()
    ctx = make_ctx(world.coach, clock=frozen())
    with pytest.raises(ValidationFailed) as info:
        svc.register_candidate(ctx, candidate_input(world, home_employer_id=applied.id))
    assert "home_employer_id" in info.value.errors
    with pytest.raises(ValidationFailed) as info:  # emp_a is not a member of net_b
        svc.register_candidate(ctx, candidate_input(world, network_ids=(world.net_b.id,)))
    assert "network_ids" in info.value.errors


@pytest.mark.parametrize("who", ["admin", "coordinator_a", "contact_a"])
def test_only_coaches_register(make_ctx, world, who):
    with pytest.raises(PermissionDenied):
        svc.register_candidate(make_ctx(getattr(world, who)), candidate_input(world))


def test_update_records_changed_field_names_only(session, make_ctx, world):
    candidate = register(make_ctx, world)
    ctx = make_ctx(world.coach, clock=frozen())
    svc.update_candidate(ctx, candidate.id, candidate_input(world, family_name="Jansen", max_km=40))
    (event,) = events(session, candidate.id, "candidate.updated")
    assert event.detail == {"fields": ["family_name", "max_km"]}
    assert session.get(Candidate, candidate.id).family_name == "Jansen"


# --- profile history and staleness --------------------------------------------------------


def test_new_profile_keeps_the_old_one_as_history(session, make_ctx, world):
    candidate = register(make_ctx, world)
    first = svc.current_profile(candidate)
    ctx = make_ctx(world.coach, clock=frozen())
    second = svc.save_profile(ctx, candidate.id, profile_input(capacities={"lifting": 0}))
    session.expire_all()
    rows = session.scalars(
        select(CapacityProfile).where(CapacityProfile.candidate_id == candidate.id)
    ).all()
    assert {(p.id, p.is_current) for p in rows} == {(first.id, False), (second.id, True)}
    assert svc.current_profile(session.get(Candidate, candidate.id)).id == second.id


def test_profile_past_review_date_is_stale(make_ctx, world):
    candidate = register(make_ctx, world, profile=False)
    ctx = make_ctx(world.coach, clock=frozen())
    profile = svc.save_profile(
        ctx,
        candidate.id,
        profile_input(
            assessed_on=TODAY - dt.timedelta(days=400), review_on=TODAY - dt.timedelta(days=1)
        ),
    )
    assert svc.is_stale(profile, TODAY)
    assert not svc.is_stale(profile, TODAY - dt.timedelta(days=1))
    assert not svc.is_stale(None, TODAY)
    page = svc.list_candidates(ctx, svc.ListFilters(flag="stale"))
    assert [r.candidate.id for r in page.rows] == [candidate.id]
    assert page.rows[0].stale


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacities": {"lifting": 9}}, "cap_lifting"),
        ({"capacities": {"lifting": True}}, "cap_lifting"),
        ({"capacities": {"diagnosis": 1}}, "capacities"),
        ({"avoid_exposures": ("radiation",)}, "avoid_exposures"),
        ({"needs_conditions": ("quiet",)}, "needs_conditions"),
        ({"hours_per_day": 7}, "hours_per_day"),
        ({"source": "oracle"}, "source"),
        ({"assessed_on": TODAY + dt.timedelta(days=3)}, "assessed_on"),
        ({"review_on": TODAY - dt.timedelta(days=60)}, "review_on"),
        ({"fml_version": "x" * 41}, "fml_version"),
    ],
)
def test_invalid_profile_is_refused(session, make_ctx, world, changes, field):
    candidate = register(make_ctx, world, profile=False)
    ctx = make_ctx(world.coach, clock=frozen())
    with pytest.raises(ValidationFailed) as info:
        svc.save_profile(ctx, candidate.id, profile_input(**changes))
    assert field in info.value.errors
    assert session.scalar(select(func.count(CapacityProfile.id))) == 0


# --- visibility ---------------------------------------------------------------------------


def test_own_coach_sees_everything_and_the_view_is_audited(session, make_ctx, world):
    candidate = register(make_ctx, world)
    view = svc.get_candidate(make_ctx(world.coach, clock=frozen()), candidate.id)
    assert view.groups == ALL_FIELD_GROUPS
    assert (view.given_name, view.family_name, view.postcode) == (GIVEN, FAMILY, "7514 AE")
    assert (view.email, view.phone, view.notes) == (EMAIL, PHONE, NOTES)
    assert view.home_employer.id == world.emp_a.id
    assert view.profile is not None and view.consents == []
    assert view.clock.current_week == 61
    (event,) = events(session, candidate.id, "candidate.viewed")
    assert event.actor_id == world.coach.id
    assert event.detail["groups"] == sorted(g.value for g in ALL_FIELD_GROUPS)


@pytest.mark.parametrize("who", ["coach2", "admin", "coordinator_a", "contact_b"])
def test_without_consent_others_cannot_find_the_candidate(session, make_ctx, world, who):
    candidate = register(make_ctx, world)
    ctx = make_ctx(getattr(world, who), clock=frozen())
    with pytest.raises(NotFound):
        svc.get_candidate(ctx, candidate.id)
    with pytest.raises(NotFound):
        svc.access_history(ctx, candidate.id)
    assert svc.shared_candidate_ids(ctx, [world.net_a.id, world.net_b.id]) == set()


def test_host_sees_only_the_fit_summary_after_sharing_and_nothing_after_withdrawal(
    session, make_ctx, world, host
):
    candidate = register(make_ctx, world)
    host_ctx = make_ctx(host, clock=frozen())
    with pytest.raises(NotFound):
        svc.get_candidate(host_ctx, candidate.id)
    consent = share(make_ctx, world, candidate.id)
    view = svc.get_candidate(make_ctx(host, clock=frozen()), candidate.id)
    assert view.groups == {FieldGroup.FIT_SUMMARY}
    assert view.pseudonym == candidate.pseudonym and view.postcode_area == "7514"
    assert view.given_name is view.family_name is view.postcode is view.email is None
    assert view.home_employer is None and view.notes is None and view.profile is None
    assert view.consents is None and view.networks is None
    assert svc.shared_candidate_ids(host_ctx, [world.net_a.id]) == {candidate.id}
    assert svc.shared_candidate_ids(host_ctx, [world.net_b.id]) == set()
    svc.withdraw_consent(make_ctx(world.coach, clock=frozen()), candidate.id, consent.id)
    with pytest.raises(NotFound):
        svc.get_candidate(make_ctx(host, clock=frozen()), candidate.id)
    assert svc.shared_candidate_ids(host_ctx, [world.net_a.id]) == set()


def test_named_introduction_shows_identity_to_that_host_only(session, make_ctx, world, host):
    candidate = register(make_ctx, world)
    introduce(make_ctx, world, candidate.id, world.emp_ab.id)
    view = svc.get_candidate(make_ctx(host, clock=frozen()), candidate.id)
    assert view.groups == {FieldGroup.FIT_SUMMARY, FieldGroup.IDENTITY}
    assert view.given_name == GIVEN and view.postcode == "7514 AE"
    assert view.home_employer is None and view.notes is None and view.profile is None
    with pytest.raises(NotFound):  # another employer's contact still sees nothing
        svc.get_candidate(make_ctx(world.contact_b, clock=frozen()), candidate.id)


def test_introduction_needs_a_host_in_the_candidates_networks(make_ctx, world):
    candidate = register(make_ctx, world)
    with pytest.raises(ValidationFailed) as info:
        introduce(make_ctx, world, candidate.id, world.emp_b.id)  # emp_b is only in net_b
    assert "host_employer_id" in info.value.errors
    with pytest.raises(ValidationFailed):
        introduce(make_ctx, world, candidate.id, world.emp_a.id)  # the home employer


def test_home_employer_sees_status_and_profile_only_when_shared(session, make_ctx, world):
    candidate = register(make_ctx, world)
    view = svc.get_candidate(make_ctx(world.contact_a, clock=frozen()), candidate.id)
    assert view.groups == {FieldGroup.TRAJECTORY_STATUS, FieldGroup.HOME_EMPLOYER}
    assert view.given_name is None and view.notes is None and view.profile is None
    assert view.show_dates and view.clock.current_week == 61
    svc.record_consent(
        make_ctx(world.coach, clock=frozen()),
        candidate.id,
        svc.ConsentInput(ConsentScope.SHARE_HOME_EMPLOYER, TODAY),
    )
    view = svc.get_candidate(make_ctx(world.contact_a, clock=frozen()), candidate.id)
    assert FieldGroup.CAPACITY_DETAILS in view.groups and view.profile is not None
    assert view.given_name is None and view.notes is None
    employer, rows = svc.employer_candidates(make_ctx(world.contact_a), world.emp_a.id)
    assert [r.pseudonym for r in rows] == [candidate.pseudonym]
    with pytest.raises(NotFound):
        svc.employer_candidates(make_ctx(world.contact_b), world.emp_a.id)


def test_coordinator_overview_shows_shared_candidates_and_counts_the_rest(session, make_ctx, world):
    shared = register(make_ctx, world)
    hidden = register(make_ctx, world)
    share(make_ctx, world, shared.id)
    overview = svc.network_overview(make_ctx(world.coordinator_a, clock=frozen()), world.net_a.id)
    assert [r.id for r in overview.rows] == [shared.id]
    assert overview.not_shared == 1
    assert events(session, shared.id, "candidate.listed")
    assert not events(session, hidden.id, "candidate.listed")
    view = svc.get_candidate(make_ctx(world.coordinator_a, clock=frozen()), shared.id)
    assert view.groups == {FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS}
    assert view.given_name is None and view.home_employer is None and view.notes is None
    with pytest.raises(PermissionDenied):
        svc.network_overview(make_ctx(world.coordinator_b), world.net_a.id)
    with pytest.raises(NotFound):
        svc.network_overview(make_ctx(world.coordinator_a), 2**40)


def test_share_consent_is_limited_to_the_candidates_networks(make_ctx, world):
    candidate = register(make_ctx, world)
    with pytest.raises(ValidationFailed) as info:
        share(make_ctx, world, candidate.id, [world.net_b.id])
    assert "network_ids" in info.value.errors


@pytest.mark.parametrize("bad_id", [0, -1, 2**31, 2**63, "abc", None, 12.5])
def test_bad_ids_are_not_found(make_ctx, world, bad_id):
    with pytest.raises(NotFound):
        svc.get_candidate(make_ctx(world.coach), bad_id)


# --- lists ------------------------------------------------------------------------------


def test_list_is_ordered_by_urgency_and_audits_each_row(session, make_ctx, world):
    late = register(make_ctx, world, first_sick_day=TODAY - dt.timedelta(weeks=100))
    early = register(make_ctx, world, first_sick_day=TODAY - dt.timedelta(weeks=10))
    middle = register(make_ctx, world, first_sick_day=TODAY - dt.timedelta(weeks=50))
    extended = register(
        make_ctx,
        world,
        first_sick_day=TODAY - dt.timedelta(weeks=100),
        end_week=130,
        end_week_reason="Loonsanctie UWV",
    )
    register(
        make_ctx,
        world,
        user=world.coach2,
        home_employer_id=world.emp_b.id,
        network_ids=(world.net_b.id,),
    )
    ctx = make_ctx(world.coach, clock=frozen())
    page = svc.list_candidates(ctx)
    assert [r.candidate.id for r in page.rows] == [late.id, extended.id, middle.id, early.id]
    for row in page.rows:
        assert len(events(session, row.candidate.id, "candidate.listed")) == 1
    decide = svc.list_candidates(ctx, svc.ListFilters(flag="decide"))
    assert {r.candidate.id for r in decide.rows} == {late.id, middle.id, extended.id}
    late_flag = svc.list_candidates(ctx, svc.ListFilters(flag="late"))
    assert {r.candidate.id for r in late_flag.rows} == {late.id, extended.id}
    found = svc.list_candidates(ctx, svc.ListFilters(q=late.pseudonym.lower()))
    assert [r.candidate.id for r in found.rows] == [late.id]
    with pytest.raises(ValidationFailed):
        svc.list_candidates(ctx, svc.ListFilters(status="bogus"))
    with pytest.raises(PermissionDenied):
        svc.list_candidates(make_ctx(world.admin))


# --- access history ---------------------------------------------------------------------


def test_access_history_shows_who_saw_what(session, make_ctx, world, host):
    candidate = register(make_ctx, world)
    share(make_ctx, world, candidate.id)
    svc.get_candidate(make_ctx(host, clock=frozen()), candidate.id)
    svc.get_candidate(make_ctx(world.coordinator_a, clock=frozen()), candidate.id)
    entries = svc.access_history(make_ctx(world.coach, clock=frozen()), candidate.id)
    viewed = [(e.actor_email, e.groups) for e in entries if e.action == "candidate.viewed"]
    assert ("host@example.nl", ["fit_summary"]) in viewed
    assert ("coord.a@example.nl", ["fit_summary", "trajectory_status"]) in viewed
    assert {e.action for e in entries} >= {
        "candidate.registered",
        "candidate.profile_saved",
        "candidate.consent_recorded",
    }
    # the coordinator of a network the profile is shared with may show it too
    assert svc.access_history(make_ctx(world.coordinator_a, clock=frozen()), candidate.id)
    assert events(session, candidate.id, "candidate.history_viewed")
    with pytest.raises(PermissionDenied):  # the host sees the candidate, not the history
        svc.access_history(make_ctx(host), candidate.id)


# --- search handle for the matcher --------------------------------------------------------


def test_get_candidate_for_search_checks_and_audits(session, make_ctx, world, host):
    candidate = register(make_ctx, world)
    found = svc.get_candidate_for_search(make_ctx(world.coach), candidate.id)
    assert found.id == candidate.id and svc.current_profile(found) is not None
    assert events(session, candidate.id, "candidate.search")
    with pytest.raises(NotFound):
        svc.get_candidate_for_search(make_ctx(world.coordinator_a), candidate.id)
    share(make_ctx, world, candidate.id)
    assert svc.get_candidate_for_search(make_ctx(world.coordinator_a), candidate.id)
    with pytest.raises(PermissionDenied):
        svc.get_candidate_for_search(make_ctx(host), candidate.id)
    # The audit names what each saw: the coach the capacity bands, the coordinator the fit.
    coach_event, coordinator_event = events(session, candidate.id, "candidate.search")
    assert coach_event.detail["groups"] == ["capacity_details", "fit_summary"]
    assert coordinator_event.detail["groups"] == ["fit_summary"]


# --- closing and erasure ------------------------------------------------------------------


def _counts(session) -> dict[str, int]:
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
    }


def _figures(session) -> list[tuple]:
    return sorted(
        session.execute(
            select(
                Candidate.pseudonym,
                Candidate.coach_organisation_id,
                Candidate.home_employer_id,
                Candidate.first_sick_day,
                Candidate.end_week,
                Candidate.second_track_start,
                Candidate.closed_on,
                Candidate.outcome,
            )
        ).all()
    )


def _personal_values_anywhere(session) -> list[str]:
    """Every string column of every table, searched for the candidate's personal values."""
    needles = [
        GIVEN,
        FAMILY,
        "7514 AE",
        EMAIL,
        PHONE,
        NOTES,
        "Akkoord met delen",
        "7514",
        "administratie",
    ]
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        json_columns = [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
        for row in (
            session.execute(select(*columns, *json_columns)) if columns or json_columns else []
        ):
            for value in row:
                text = str(value) if value is not None else ""
                found += [f"{table.name}:{n}" for n in needles if n in text]
    return found


def test_erasure_removes_personal_data_and_keeps_the_figures(session, make_ctx, world):
    candidate = register(make_ctx, world)
    share(make_ctx, world, candidate.id)
    other = register(
        make_ctx,
        world,
        given_name="Bram",
        family_name="Oost",
        postcode="3511 AB",
        email="",
        phone="",
        notes="",
        preferred_functions="",
    )
    ctx = make_ctx(world.coach, clock=frozen())
    svc.save_profile(ctx, candidate.id, profile_input(capacities={"standing": 1}))
    svc.close_trajectory(ctx, candidate.id, TrajectoryOutcome.WORK_NEW_EMPLOYER, TODAY)
    assert _personal_values_anywhere(session)
    before_counts, before_figures = _counts(session), _figures(session)

    svc.erase_candidate(make_ctx(world.coach, clock=frozen()), candidate.id)

    session.expire_all()
    assert _personal_values_anywhere(session) == []
    after_counts = _counts(session)
    assert after_counts["capacity_profiles"] == before_counts["capacity_profiles"] - 2
    assert after_counts["audit_events"] == before_counts["audit_events"] + 1
    unchanged = {
        k: v for k, v in before_counts.items() if k not in ("capacity_profiles", "audit_events")
    }
    assert {k: after_counts[k] for k in unchanged} == unchanged
    assert _figures(session) == before_figures
    erased = session.get(Candidate, candidate.id)
    assert erased.status == TrajectoryStatus.ERASED and erased.erased_at is not None
    assert erased.pseudonym == candidate.pseudonym
    assert all(c.text is None for c in session.scalars(select(Consent)))
    # the other candidate is untouched
    assert session.get(Candidate, other.id).given_name == "Bram"
    # only the coach organisation still sees the (pseudonymous) record
    view = svc.get_candidate(make_ctx(world.coach, clock=frozen()), candidate.id)
    assert view.groups == {FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS}
    assert view.given_name is None and not view.can_edit and not view.can_erase
    with pytest.raises(NotFound):
        svc.get_candidate(make_ctx(world.coordinator_a, clock=frozen()), candidate.id)


def test_an_active_trajectory_cannot_be_erased(make_ctx, world):
    candidate = register(make_ctx, world)
    with pytest.raises(ValidationFailed):
        svc.erase_candidate(make_ctx(world.coach, clock=frozen()), candidate.id)
    with pytest.raises(NotFound):
        svc.erase_candidate(make_ctx(world.coach2, clock=frozen()), candidate.id)


def test_close_validates_and_happens_once(make_ctx, world):
    candidate = register(make_ctx, world)
    ctx = make_ctx(world.coach, clock=frozen())
    with pytest.raises(ValidationFailed):
        svc.close_trajectory(ctx, candidate.id, "bogus", TODAY)
    with pytest.raises(ValidationFailed):
        svc.close_trajectory(ctx, candidate.id, TrajectoryOutcome.WIA, TODAY + dt.timedelta(1))
    svc.close_trajectory(ctx, candidate.id, TrajectoryOutcome.WIA, TODAY)
    with pytest.raises(ValidationFailed):
        svc.close_trajectory(ctx, candidate.id, TrajectoryOutcome.WIA, TODAY)


def test_retention_erases_closed_trajectories_after_the_network_period(session, make_ctx, world):
    due = register(make_ctx, world, first_sick_day=dt.date(2023, 1, 2))
    not_yet = register(make_ctx, world, first_sick_day=dt.date(2023, 1, 2))
    short = register(
        make_ctx, world, home_employer_id=world.emp_ab.id, network_ids=(world.net_b.id,)
    )
    active = register(make_ctx, world, first_sick_day=dt.date(2023, 1, 2))
    world.net_b.retention_months = 6
    session.commit()
    ctx = make_ctx(world.coach, clock=frozen())
    svc.close_trajectory(ctx, due.id, TrajectoryOutcome.RECOVERED, dt.date(2024, 11, 24))
    svc.close_trajectory(ctx, not_yet.id, TrajectoryOutcome.RECOVERED, dt.date(2024, 11, 26))
    svc.close_trajectory(ctx, short.id, TrajectoryOutcome.WIA, dt.date(2026, 5, 25))
    erased = svc.erase_expired(make_ctx(None, clock=frozen()))
    assert sorted(erased) == sorted([due.pseudonym, short.pseudonym])
    session.expire_all()
    status = {c.id: c.status for c in session.scalars(select(Candidate))}
    assert status == {
        due.id: TrajectoryStatus.ERASED,
        not_yet.id: TrajectoryStatus.CLOSED,
        short.id: TrajectoryStatus.ERASED,
        active.id: TrajectoryStatus.ACTIVE,
    }
    (event,) = events(session, due.id, "candidate.erased")
    assert event.actor_id is None and event.detail == {"reason": "retention"}
    assert svc.erase_expired(make_ctx(None, clock=frozen())) == []  # idempotent


def test_add_months_clamps_to_the_month_end():
    assert svc.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert svc.add_months(dt.date(2024, 11, 30), 24) == dt.date(2026, 11, 30)
    assert svc.add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
