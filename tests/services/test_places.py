"""Place use cases against the real database: posting, review, status moves, freshness."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.domain.permissions import Role
from registry.domain.workload import Demand, DemandFacts, all_dimensions
from registry.models import AuditEvent, OutboxMessage, Place, PlaceKind, PlaceStatus
from registry.search.codec import encode_match_code
from registry.services import places as svc
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.place_templates import get_template
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated lazily; render them as in an English request."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield


def full_demands() -> dict[str, Demand]:
    return {d.key: Demand(min(1, d.heaviest)) for d in all_dimensions()}


def place_input(network_ids, **kw) -> svc.PlaceInput:
    values = dict(
        kind=PlaceKind.STAGE,
        title="Medewerker magazijn",
        network_ids=tuple(network_ids),
        function="Orderpicker",
        sector="H",
        description="Orders verzamelen en inpakken.",
        postcode="3511 AB",
        slots=2,
        min_hours_week=12,
        usual_hours_week=24,
        schedule_days=("mon", "tue"),
        contact_name="Piet",
        demands=full_demands(),
        exposures=frozenset({"noise"}),
        offers_conditions=frozenset(),
    )
    values.update(kw)
    return svc.PlaceInput(**values)


def make_place(make_ctx, user, employer, networks, *, submit=False, clock=None, **kw) -> Place:
    ctx = make_ctx(user, clock=clock) if clock else make_ctx(user)
    return svc.create_place(
        ctx, employer.id, place_input([n.id for n in networks], **kw), submit=submit
    )


def audit_actions(session, place_id) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "place", AuditEvent.object_id == place_id)
            .order_by(AuditEvent.id)
        )
    )


# --- posting -------------------------------------------------------------------------------


def test_create_stores_demands_code_completeness_and_audit(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a])
    session.expire_all()
    place = session.get(Place, place.id)
    assert place.status == PlaceStatus.DRAFT
    assert place.town == "Utrecht"
    assert place.geo_precision == "postcode"
    core = len(all_dimensions())
    assert place.match_code[:core] == encode_match_code(DemandFacts(full_demands()))[:core]
    assert place.completeness == pytest.approx(1.0)
    assert place.demands["lifting"] == {"band": 1, "incidental": False, "adjustable": False}
    assert audit_actions(session, place.id) == ["place.created"]


def test_completeness_names_what_is_missing(world, make_ctx):
    place = make_place(
        make_ctx,
        world.contact_a,
        world.emp_a,
        [world.net_a],
        demands={"lifting": Demand(2)},
        description="",
        exposures=None,
    )
    result = svc.place_completeness(place)
    assert "description" in result.missing_fields
    assert "exposures" in result.missing_fields
    assert "conditions" not in result.missing_fields  # stated as an empty set
    assert "lifting" not in result.missing_dimensions
    assert "standing" in result.missing_dimensions
    core = len(all_dimensions())
    expected = (1 + len(svc.KEY_FIELDS) - 2) / (core + len(svc.KEY_FIELDS))
    assert place.completeness == pytest.approx(expected, abs=1e-3)
    assert place.match_code[:core].count("-") == core - 1  # demands not stated


@pytest.mark.parametrize(
    ("postcode", "message"),
    [("1000 AA", "Dutch postcode area"), ("12AB", "Dutch postcode area"), ("", "required")],
)
def test_bad_or_unknown_postcode_is_a_field_error(world, make_ctx, session, postcode, message):
    with pytest.raises(ValidationFailed) as info:
        make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], postcode=postcode)
    assert message in str(info.value.errors["postcode"][0])
    assert session.scalar(select(Place.id)) is None


def test_only_networks_where_the_employer_is_admitted(world, make_ctx, session):
    with pytest.raises(ValidationFailed) as info:
        make_place(make_ctx, world.contact_a, world.emp_a, [world.net_b])
    assert "network_ids" in info.value.errors
    suspended = factories.network(session, "Geschorst netwerk")
    factories.employer(session, [suspended])
    from registry.models import Membership, MembershipStatus

    session.add(
        Membership(network=suspended, employer=world.emp_a, status=MembershipStatus.SUSPENDED)
    )
    session.commit()
    with pytest.raises(ValidationFailed):
        make_place(make_ctx, world.contact_a, world.emp_a, [suspended])
    with pytest.raises(ValidationFailed) as info:
        make_place(make_ctx, world.contact_a, world.emp_a, [])
    assert "network_ids" in info.value.errors


def test_validation_collects_every_bad_field(world, make_ctx):
    with pytest.raises(ValidationFailed) as info:
        make_place(
            make_ctx,
            world.contact_a,
            world.emp_a,
            [world.net_a],
            title="x" * 161,
            slots=0,
            min_hours_week=30,
            usual_hours_week=20,
            contact_email="not-an-address",
            demands={"lifting": Demand(9)},
            kind="castle",
            schedule_days=("someday",),
            sector="ZZ",
        )
    errors = info.value.errors
    for name in (
        "title",
        "slots",
        "min_hours_week",
        "contact_email",
        "demand_lifting",
        "kind",
        "schedule_days",
        "sector",
    ):
        assert name in errors, name


def test_another_employers_contact_cannot_post_for_it(world, make_ctx):
    with pytest.raises(PermissionDenied):
        make_place(make_ctx, world.contact_b, world.emp_a, [world.net_a])
    with pytest.raises(NotFound):
        svc.create_place(make_ctx(world.contact_a), 987654, place_input([world.net_a.id]))


def test_geocoder_refines_and_failures_fall_back(world, make_ctx, app):
    class Good:
        def locate(self, postcode, house_number):
            return (52.0915, 5.1230)

    class Broken:
        def locate(self, postcode, house_number):
            raise RuntimeError("service down")

    app.config["PLACE_GEOCODER"] = Good()
    try:
        place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], house_number="1")
        assert place.geo_precision == "address"
        assert place.lat == pytest.approx(52.0915)
        app.config["PLACE_GEOCODER"] = Broken()
        other = make_place(
            make_ctx, world.contact_a, world.emp_a, [world.net_a], postcode="7514 AE"
        )
        assert other.geo_precision == "postcode"
        assert other.town
    finally:
        app.config.pop("PLACE_GEOCODER")


# --- review and status ---------------------------------------------------------------------


def test_submit_opens_or_waits_for_review(world, make_ctx, session):
    open_place = make_place(
        make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True, clock=lambda: NOW
    )
    assert open_place.status == PlaceStatus.OPEN
    assert svc._aware(open_place.last_confirmed_at) == NOW

    world.net_b.review_new_places = True
    session.commit()
    contact_ab = factories.user(session, Role.EMPLOYER, employers=[world.emp_ab])
    session.commit()
    place = make_place(make_ctx, contact_ab, world.emp_ab, [world.net_a, world.net_b])
    place = svc.submit_place(make_ctx(contact_ab), place.id)
    assert place.status == PlaceStatus.SUBMITTED
    assert place.last_confirmed_at is None

    # Only a coordinator of the reviewing network publishes.
    with pytest.raises(PermissionDenied):
        svc.publish_place(make_ctx(world.coordinator_a), place.id)
    with pytest.raises(PermissionDenied):
        svc.publish_place(make_ctx(contact_ab), place.id)
    published = svc.publish_place(make_ctx(world.coordinator_b, clock=lambda: NOW), place.id)
    assert published.status == PlaceStatus.OPEN
    assert svc._aware(published.last_confirmed_at) == NOW
    assert audit_actions(session, place.id) == [
        "place.created",
        "place.submitted",
        "place.published",
    ]
    with pytest.raises(Conflict):
        svc.publish_place(make_ctx(world.coordinator_b), place.id)


def test_send_back_needs_a_reason_and_returns_a_draft(world, make_ctx, session):
    world.net_a.review_new_places = True
    session.commit()
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True)
    assert place.status == PlaceStatus.SUBMITTED
    coordinator = make_ctx(world.coordinator_a)
    with pytest.raises(ValidationFailed):
        svc.send_back_place(coordinator, place.id, "   ")
    with pytest.raises(ValidationFailed):
        svc.send_back_place(coordinator, place.id, "x" * 1001)
    with pytest.raises(PermissionDenied):
        svc.send_back_place(make_ctx(world.coordinator_b), place.id, "nee")
    back = svc.send_back_place(coordinator, place.id, "Vul de tillen-belasting in.")
    assert back.status == PlaceStatus.DRAFT
    assert back.review_note == "Vul de tillen-belasting in."
    again = svc.submit_place(make_ctx(world.contact_a), place.id)
    assert again.status == PlaceStatus.SUBMITTED and again.review_note == ""
    events = svc.place_history(make_ctx(world.coordinator_a), place.id)
    sent_back = next(e for e in events if e.action == "place.sent_back")
    assert sent_back.detail["reason"] == "Vul de tillen-belasting in."


def test_pause_resume_full_close(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True)
    employer = make_ctx(world.contact_a)
    assert svc.mark_full(employer, place.id).status == PlaceStatus.FULL
    assert svc.resume_place(employer, place.id).status == PlaceStatus.OPEN
    assert svc.pause_place(make_ctx(world.coordinator_a), place.id).status == PlaceStatus.PAUSED
    with pytest.raises(Conflict):
        svc.pause_place(employer, place.id)
    with pytest.raises(PermissionDenied):  # coordinators pause and close; they do not reopen
        svc.resume_place(make_ctx(world.coordinator_a), place.id)
    with pytest.raises(PermissionDenied):
        svc.close_place(make_ctx(world.coordinator_b), place.id)
    assert svc.close_place(employer, place.id).status == PlaceStatus.CLOSED
    with pytest.raises(Conflict):
        svc.resume_place(employer, place.id)
    with pytest.raises(Conflict):
        svc.update_place(employer, place.id, place_input([world.net_a.id]))
    assert audit_actions(session, place.id)[-4:] == [
        "place.mark_full",
        "place.resume",
        "place.pause",
        "place.close",
    ]


def test_update_records_changed_fields_and_confirms(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True)
    later = NOW + dt.timedelta(days=20)
    demands = {**full_demands(), "lifting": Demand(3, incidental=True)}
    svc.update_place(
        make_ctx(world.contact_a, clock=lambda: later),
        place.id,
        place_input([world.net_a.id], title="Nieuwe titel", demands=demands),
    )
    session.expire_all()
    place = session.get(Place, place.id)
    assert place.title == "Nieuwe titel"
    assert place.demands["lifting"] == {"band": 3, "incidental": True, "adjustable": False}
    core = len(all_dimensions())
    assert place.match_code[:core] == encode_match_code(DemandFacts(demands))[:core]
    assert svc._aware(place.last_confirmed_at) == later
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "place.updated").order_by(AuditEvent.id)
    )
    assert sorted(event.detail["changed"]) == ["demands", "title"]


def test_duplicate_is_a_new_draft_with_the_same_content(world, make_ctx, session):
    place = make_place(
        make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True, external_ref="R1"
    )
    copy = svc.duplicate_place(make_ctx(world.contact_a), place.id)
    assert copy.id != place.id
    assert copy.status == PlaceStatus.DRAFT
    assert copy.external_ref is None
    assert copy.demands == place.demands
    assert [n.id for n in copy.networks] == [world.net_a.id]
    assert "Medewerker magazijn" in copy.title
    with pytest.raises(PermissionDenied):
        svc.duplicate_place(make_ctx(world.coordinator_a), place.id)


def test_external_ref_is_unique_per_employer(world, make_ctx):
    make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], external_ref="R1")
    with pytest.raises(ValidationFailed) as info:
        make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], external_ref="R1")
    assert "external_ref" in info.value.errors
    # Another employer may use the same reference.
    make_place(make_ctx, world.contact_b, world.emp_b, [world.net_b], external_ref="R1")


def test_template_defaults_are_valid_input(world, make_ctx):
    template = get_template("warehouse_worker")
    place = make_place(
        make_ctx,
        world.contact_a,
        world.emp_a,
        [world.net_a],
        demands=template.demand_map(),
        exposures=frozenset(template.exposures),
    )
    assert place.demands["lifting"]["incidental"] is True
    assert svc.place_completeness(place).missing_dimensions == ()


# --- access ---------------------------------------------------------------------------------


def test_object_level_access(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a])
    for user in (world.contact_b, world.coordinator_b, world.coach):
        with pytest.raises(PermissionDenied):
            svc.get_place(make_ctx(user), place.id)  # a draft: coaches do not see it either
    svc.submit_place(make_ctx(world.contact_a), place.id)
    assert svc.get_place(make_ctx(world.coach), place.id).id == place.id
    assert svc.get_place(make_ctx(world.coordinator_a), place.id).id == place.id
    with pytest.raises(PermissionDenied):
        svc.place_history(make_ctx(world.coach), place.id)
    with pytest.raises(PermissionDenied):
        svc.get_place(make_ctx(), place.id)
    for bad in (0, -1, "1", None, 2**40):
        with pytest.raises(NotFound):
            svc.get_place(make_ctx(world.contact_a), bad)


def test_lists_are_scoped_filtered_and_sorted(world, make_ctx, session):
    a1 = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], title="Bakker")
    make_place(
        make_ctx,
        world.contact_a,
        world.emp_a,
        [world.net_a],
        title="Administratief medewerker",
        postcode="7514 AE",
        kind=PlaceKind.DETACHERING,
        demands={},
    )
    b1 = make_place(make_ctx, world.contact_b, world.emp_b, [world.net_b], title="Chauffeur")
    svc.submit_place(make_ctx(world.contact_a), a1.id)

    def titles(ctx, scope, **kw):
        return [p.title for p in svc.search_places(ctx, svc.PlaceFilters(**kw), scope).items]

    contact = make_ctx(world.contact_a)
    assert titles(contact, "own") == ["Administratief medewerker", "Bakker"]
    assert titles(contact, "own", sort="-title") == ["Bakker", "Administratief medewerker"]
    assert titles(contact, "own", kind="detachering") == ["Administratief medewerker"]
    assert titles(contact, "own", status="open") == ["Bakker"]
    assert titles(contact, "own", area="7514") == ["Administratief medewerker"]
    assert titles(contact, "own", area="utrech") == ["Bakker"]
    assert titles(contact, "own", completeness="lt50") == ["Administratief medewerker"]
    assert titles(contact, "own", completeness="complete") == ["Bakker"]
    assert titles(contact, "own", q="bakk") == ["Bakker"]
    assert titles(contact, "own", area="100%") == []
    coordinator = make_ctx(world.coordinator_b)
    assert titles(coordinator, "curation") == ["Chauffeur"]
    assert titles(coordinator, "curation", network_id=world.net_a.id) == []
    assert titles(make_ctx(world.admin), "curation", sort="completeness")[-1] in {
        "Bakker",
        "Chauffeur",
    }
    with pytest.raises(PermissionDenied):
        svc.search_places(make_ctx(world.coach), svc.PlaceFilters(), "curation")
    with pytest.raises(PermissionDenied):
        svc.search_places(make_ctx(world.coordinator_a), svc.PlaceFilters(), "own")
    for bad in ({"sort": "password"}, {"kind": "x"}, {"status": "x"}, {"completeness": "x"}):
        with pytest.raises(ValidationFailed):
            svc.search_places(contact, svc.PlaceFilters(**bad), "own")
    old = NOW - dt.timedelta(days=45)
    session.get(Place, b1.id).last_confirmed_at = old
    session.commit()
    ctx = make_ctx(world.coordinator_b, clock=lambda: NOW)
    assert titles(ctx, "curation", unconfirmed_days=30) == ["Chauffeur"]
    assert titles(ctx, "curation", unconfirmed_days=60) == []


# --- freshness -------------------------------------------------------------------------------


def open_place_confirmed_at(make_ctx, world, networks, when: dt.datetime) -> Place:
    return make_place(
        make_ctx, world.contact_a, world.emp_a, networks, submit=True, clock=lambda: when
    )


def test_sweep_reminds_then_pauses_with_outbox_messages(world, make_ctx, session):
    world.net_a.freshness_days = 30
    session.commit()
    start = NOW
    place = open_place_confirmed_at(make_ctx, world, [world.net_a], start)

    def run(days: float):
        return svc.sweep(make_ctx(None, clock=lambda: start + dt.timedelta(days=days)))

    assert run(22).reminded == []
    result = run(23)
    assert result.reminded == [place.id] and result.paused == []
    assert run(24).reminded == []  # only one reminder per confirmation period
    messages = session.scalars(select(OutboxMessage)).all()
    assert [m.kind for m in messages] == ["place_reminder"]
    assert messages[0].recipient == world.contact_a.email
    assert f"/places/{place.id}" in messages[0].body

    result = run(30)
    assert result.paused == [place.id]
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.PAUSED
    kinds = [m.kind for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["place_reminder", "place_paused"]
    assert run(31).paused == []
    assert "place.paused_stale" in audit_actions(session, place.id)

    # One click: confirming opens a place the sweep paused, and the clock restarts.
    later = start + dt.timedelta(days=32)
    confirmed = svc.confirm_place(make_ctx(world.contact_a, clock=lambda: later), place.id)
    assert confirmed.status == PlaceStatus.OPEN
    assert svc._aware(confirmed.last_confirmed_at) == later
    assert run(33).paused == [] and run(33).reminded == []
    assert run(32 + 23).reminded == [place.id]


def test_sweep_uses_the_strictest_network_and_only_open_places(world, make_ctx, session):
    world.net_a.freshness_days = 60
    world.net_b.freshness_days = 14
    session.commit()
    contact_ab = factories.user(session, Role.EMPLOYER, employers=[world.emp_ab])
    session.commit()
    both = svc.create_place(
        make_ctx(contact_ab, clock=lambda: NOW),
        world.emp_ab.id,
        place_input([world.net_a.id, world.net_b.id]),
        submit=True,
    )
    assert svc.freshness_days(both) == 14
    draft = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], clock=lambda: NOW)
    result = svc.sweep(make_ctx(None, clock=lambda: NOW + dt.timedelta(days=14)))
    assert result.paused == [both.id]
    session.expire_all()
    assert session.get(Place, draft.id).status == PlaceStatus.DRAFT


def test_confirm_does_not_reopen_a_place_a_coordinator_paused(world, make_ctx):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True)
    svc.pause_place(make_ctx(world.coordinator_a), place.id)
    confirmed = svc.confirm_place(make_ctx(world.contact_a), place.id)
    assert confirmed.status == PlaceStatus.PAUSED
    draft = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a])
    with pytest.raises(Conflict):
        svc.confirm_place(make_ctx(world.contact_a), draft.id)
    with pytest.raises(PermissionDenied):
        svc.confirm_place(make_ctx(world.coordinator_a), place.id)


def test_freshness_state(world, make_ctx):
    place = open_place_confirmed_at(make_ctx, world, [world.net_a], NOW)
    assert svc.freshness_state(place, NOW + dt.timedelta(days=10)) == "ok"
    assert svc.freshness_state(place, NOW + dt.timedelta(days=54)) == "due_soon"
    assert svc.freshness_state(place, NOW + dt.timedelta(days=60)) == "overdue"


def test_slots_cannot_drop_below_the_running_placements(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], submit=True)
    session.get(Place, place.id).taken_slots = 2
    session.commit()
    with pytest.raises(ValidationFailed) as info:
        svc.update_place(
            make_ctx(world.contact_a), place.id, place_input([world.net_a.id], slots=1)
        )
    assert "slots" in info.value.errors
    assert (
        svc.update_place(
            make_ctx(world.contact_a), place.id, place_input([world.net_a.id], slots=2)
        ).slots
        == 2
    )
