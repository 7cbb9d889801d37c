"""Candidate pages: the coach's journey, privacy per route, audit, bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from registry.domain.permissions import Role
from registry.models import AuditEvent, Candidate, CapacityProfile, Consent, TrajectoryOutcome
from registry.services import candidates as svc
from tests import factories
from tests.services.test_candidates_support import (
    FAMILY,
    GIVEN,
    NOTES,
    candidate_input,
    introduce,
    profile_input,
    share,
)

TODAY = dt.date.today()


@pytest.fixture
def host(session, world):
    user = factories.user(session, Role.EMPLOYER, email="host@example.nl", employers=[world.emp_ab])
    session.commit()
    return user


@pytest.fixture
def cand(app, make_ctx, world):
    """A candidate of the coach's organisation, with a profile, without any consent."""
    with app.test_request_context():
        return svc.register_candidate(
            make_ctx(world.coach),
            candidate_input(world, first_sick_day=TODAY - dt.timedelta(weeks=60)),
            profile_input(),
        )


def switch(client, user) -> None:
    """Log in as another user. The test app context outlives requests, so the actor cached
    in ``g`` by ``service_context`` must be dropped as well."""
    from flask import g

    client.logout()
    g.pop("actor", None)
    client.login(user.email)


def secrets_in(html: str, world) -> list[str]:
    return [
        s
        for s in (
            GIVEN,
            FAMILY,
            "7514 AE",
            "7514AE",
            world.emp_a.legal_name,
            NOTES,
            "henrike.zwanenburg",
        )
        if s in html
    ]


def viewed(session, candidate_id) -> int:
    return session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "candidate",
            AuditEvent.object_id == candidate_id,
            AuditEvent.action == "candidate.viewed",
        )
    )


# --- the coach ---------------------------------------------------------------------------


def test_coach_registers_a_candidate_with_a_profile(client, session, world):
    client.login(world.coach.email)
    form = client.get("/candidates/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "notes-warning" in html and world.emp_a.name in html
    response = client.post(
        "/candidates/new",
        {
            "given_name": "Sanne",
            "family_name": "de Vries",
            "postcode": "3511 ab",
            "home_employer_id": str(world.emp_a.id),
            "network_ids": [str(world.net_a.id)],
            "max_km": "30",
            "travel_mode": "bike",
            "accepted_kinds": ["stage", "detachering"],
            "preferred_sectors": ["Q"],
            "hours_per_day": "4",
            "hours_per_week": "16",
            "first_sick_day": (TODAY - dt.timedelta(weeks=50)).isoformat(),
            "end_week": "104",
            "notes": "Wil graag met mensen werken",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    candidate = session.scalar(select(Candidate))
    assert response.location.endswith(f"/candidates/{candidate.id}/profile")
    assert (candidate.postcode, candidate.postcode_area) == ("3511 AB", "3511")

    profile_page = client.get(f"/candidates/{candidate.id}/profile")
    html = profile_page.get_data(as_text=True)
    assert profile_page.status_code == 200
    # grouped by FML section, with the catalogue's band labels, default normal
    assert "<legend>IV." in html and "<legend>I." in html
    assert re.search(r'<option selected value="4">[^<]*15 kg', html)
    data = {f"cap_{k}": v for k, v in {"lifting": "1", "standing": "2", "attention": "-"}.items()}
    data.update(
        avoid_exposures=["noise", "cold"],
        needs_conditions=["predictable"],
        hours_per_day="1",
        hours_per_week="1",
        source="labour_expert",
        assessed_on=(TODAY - dt.timedelta(days=10)).isoformat(),
        review_on=(TODAY + dt.timedelta(days=170)).isoformat(),
        fml_version="2024",
    )
    # every other dimension keeps its default (normal)
    for key in re.findall(r'name="cap_(\w+)"', html):
        data.setdefault(
            f"cap_{key}",
            re.search(
                rf'name="cap_{key}">(?:(?!</select>).)*?<option selected value="(\d)"', html, re.S
            ).group(1),
        )
    saved = client.post(f"/candidates/{candidate.id}/profile", data)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    session.expire_all()
    profile = svc.current_profile(session.get(Candidate, candidate.id))
    assert profile.capacities == {"lifting": 1, "standing": 2, "attention": None}
    assert set(profile.avoid_exposures) == {"noise", "cold"}

    show = client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    assert "Sanne de Vries" in show and candidate.pseudonym in show
    assert 'role="img"' in show and '<title id="clock-title">' in show
    assert "Timeline as text" in show or "Tijdlijn" in show
    assert "week 51" in show


def test_invalid_registration_shows_messages_not_errors(client, session, world):
    client.login(world.coach.email)
    response = client.post(
        "/candidates/new",
        {
            "given_name": "X",
            "family_name": "Y",
            "postcode": "1000 AB",  # unknown area
            "home_employer_id": "abc",
            "network_ids": ["x"],
            "max_km": "99999999999999999999",
            "travel_mode": "rocket",
            "first_sick_day": "31-02-2026",
            "end_week": "-5",
            "notes": "Diagnose: hernia",
        },
    )
    assert response.status_code == 422
    assert session.scalar(select(func.count(Candidate.id))) == 0
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_medical_terms_in_notes_are_refused(client, session, world):
    client.login(world.coach.email)
    response = client.post(
        "/candidates/new",
        {
            "given_name": "A", "family_name": "B", "postcode": "3511 AB",
            "home_employer_id": str(world.emp_a.id), "network_ids": [str(world.net_a.id)],
            "max_km": "20", "travel_mode": "car", "accepted_kinds": ["stage"],
            "first_sick_day": (TODAY - dt.timedelta(weeks=5)).isoformat(), "end_week": "104",
            "notes": "Gebruikt medicatie",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert "medicatie" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Candidate.id))) == 0


def test_list_puts_the_most_urgent_first(client, app, make_ctx, world):
    with app.test_request_context():
        calm, urgent = (
            svc.register_candidate(
                make_ctx(world.coach),
                candidate_input(world, first_sick_day=TODAY - dt.timedelta(weeks=w)),
            )
            for w in (20, 95)
        )
    client.login(world.coach.email)
    html = client.get("/candidates/").get_data(as_text=True)
    assert html.index(urgent.pseudonym) < html.index(calm.pseudonym)
    assert "No capacity profile" in html or "Geen" in html
    assert client.get("/candidates/?flag=late").status_code == 200
    assert client.get("/candidates/?status=bogus").status_code == 422
    assert client.get("/candidates/?page=abc").status_code == 400
    assert client.get("/candidates/?network=99999999999999").status_code == 400


def test_every_view_is_audited_and_shown_in_the_access_history(client, session, world, cand):
    client.login(world.coach.email)
    before = viewed(session, cand.id)
    assert client.get(f"/candidates/{cand.id}").status_code == 200
    assert client.get(f"/candidates/{cand.id}").status_code == 200
    assert viewed(session, cand.id) == before + 2
    history = client.get(f"/candidates/{cand.id}/history")
    assert history.status_code == 200
    html = history.get_data(as_text=True)
    assert world.coach.display_name in html and world.coach.email in html


def test_consent_record_and_withdraw_take_effect_at_once(client, session, world, cand, host):
    client.login(host.email)
    assert client.get(f"/candidates/{cand.id}").status_code == 404
    switch(client, world.coach)
    page = client.get(f"/candidates/{cand.id}/consent")
    assert page.status_code == 200
    response = client.post(
        f"/candidates/{cand.id}/consent",
        {"scope": "share_profile", "given_on": TODAY.isoformat(),
         "network_ids": [str(world.net_a.id)], "host_employer_id": "", "text": ""},
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    switch(client, host)
    shown = client.get(f"/candidates/{cand.id}")
    assert shown.status_code == 200
    assert cand.pseudonym in shown.get_data(as_text=True)
    assert secrets_in(shown.get_data(as_text=True), world) == []
    switch(client, world.coach)
    consent_id = session.scalar(select(func.max(Consent.id)))
    assert client.post(f"/candidates/{cand.id}/consent/{consent_id}/withdraw").status_code == 303
    assert client.post(f"/candidates/{cand.id}/consent/{consent_id}/withdraw").status_code == 303
    switch(client, host)
    assert client.get(f"/candidates/{cand.id}").status_code == 404


def test_close_and_erase_through_the_pages(client, session, world, cand):
    client.login(world.coach.email)
    assert client.get(f"/candidates/{cand.id}/erase").status_code == 303  # close first
    closed = client.post(
        f"/candidates/{cand.id}/close",
        {"outcome": TrajectoryOutcome.WORK_NEW_EMPLOYER.value, "closed_on": TODAY.isoformat()},
    )
    assert closed.status_code == 303
    assert client.post(f"/candidates/{cand.id}/erase", {}).status_code == 422  # not confirmed
    erased = client.post(f"/candidates/{cand.id}/erase", {"confirm": "y"})
    assert erased.status_code == 303
    session.expire_all()
    row = session.get(Candidate, cand.id)
    assert row.given_name is None and row.notes is None and row.postcode is None
    assert session.scalar(select(func.count(CapacityProfile.id))) == 0
    html = client.get(f"/candidates/{cand.id}").get_data(as_text=True)
    assert cand.pseudonym in html and secrets_in(html, world) == []
    assert client.get(f"/candidates/{cand.id}/edit").status_code == 403


# --- privacy per route --------------------------------------------------------------------

GET_ROUTES = ["", "/edit", "/profile", "/consent", "/close", "/erase", "/history"]
POST_ROUTES = ["/edit", "/profile", "/consent", "/close", "/erase", "/consent/1/withdraw"]


@pytest.mark.parametrize("who", ["coach2", "host", "admin", "coordinator_a", "contact_b"])
def test_without_consent_outsiders_cannot_find_the_candidate(client, world, cand, host, who):
    user = host if who == "host" else getattr(world, who)
    client.login(user.email)
    for suffix in GET_ROUTES:
        response = client.get(f"/candidates/{cand.id}{suffix}")
        assert response.status_code == 404, suffix
        assert secrets_in(response.get_data(as_text=True), world) == []
    for suffix in POST_ROUTES:
        response = client.post(f"/candidates/{cand.id}{suffix}", {"given_name": "Hacked"})
        assert response.status_code == 404, suffix
    for url in ["/candidates/", f"/candidates/network/{world.net_a.id}", "/candidates/new"]:
        response = client.get(url)  # own lists and overviews may exist, without this one
        assert response.status_code < 500
        assert cand.pseudonym not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["host", "coordinator_a", "coach2", "contact_b"])
def test_after_sharing_no_name_postcode_employer_or_note_leaks(
    app, client, make_ctx, world, cand, host, who
):
    with app.test_request_context():
        share(make_ctx, world, cand.id)
    user = host if who == "host" else getattr(world, who)
    client.login(user.email)
    pages = [f"/candidates/{cand.id}{s}" for s in GET_ROUTES]
    pages += ["/candidates/", f"/candidates/network/{world.net_a.id}",
              f"/candidates/employer/{world.emp_a.id}", "/"]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500
        assert secrets_in(response.get_data(as_text=True), world) == [], url
    show = client.get(f"/candidates/{cand.id}")
    if who in ("host", "coordinator_a"):
        assert show.status_code == 200 and cand.pseudonym in show.get_data(as_text=True)
        assert "7514" in show.get_data(as_text=True)  # the 4-digit area only
    else:  # other organisations' coaches and non-members still find nothing
        assert show.status_code == 404
    for suffix in POST_ROUTES:
        assert client.post(f"/candidates/{cand.id}{suffix}", {}).status_code in (403, 404)


def test_introduced_host_sees_the_name_but_not_employer_or_notes(
    app, client, make_ctx, world, cand, host
):
    with app.test_request_context():
        introduce(make_ctx, world, cand.id, world.emp_ab.id)
    client.login(host.email)
    html = client.get(f"/candidates/{cand.id}").get_data(as_text=True)
    assert GIVEN in html and FAMILY in html
    assert world.emp_a.legal_name not in html and world.emp_a.name not in html
    assert NOTES not in html


def test_home_employer_sees_status_but_not_identity_or_notes(client, world, cand):
    client.login(world.contact_a.email)
    listing = client.get(f"/candidates/employer/{world.emp_a.id}")
    assert listing.status_code == 200 and cand.pseudonym in listing.get_data(as_text=True)
    html = client.get(f"/candidates/{cand.id}").get_data(as_text=True)
    assert cand.pseudonym in html
    assert GIVEN not in html and NOTES not in html and "7514 AE" not in html
    assert client.get(f"/candidates/employer/{world.emp_b.id}").status_code == 404


def test_coordinator_overview_is_pseudonymous(app, client, make_ctx, world, cand):
    with app.test_request_context():
        share(make_ctx, world, cand.id)
    client.login(world.coordinator_a.email)
    assert client.get("/candidates/network").status_code == 302
    response = client.get(f"/candidates/network/{world.net_a.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and cand.pseudonym in html
    assert secrets_in(html, world) == []
    assert client.get(f"/candidates/network/{world.net_b.id}").status_code == 403
    assert client.get(f"/candidates/{cand.id}/history").status_code == 200


@pytest.mark.parametrize(
    "url", ["/candidates/abc", "/candidates/0", "/candidates/99999999999999999999",
            "/candidates/-1", "/candidates/network/99999999999", "/candidates/employer/abc"],
)  # fmt: skip
def test_malformed_ids_are_4xx(client, world, url):
    client.login(world.coach.email)
    assert 400 <= client.get(url).status_code < 500


def test_bad_profile_and_consent_input_are_422(client, world, cand):
    client.login(world.coach.email)
    assert client.post(f"/candidates/{cand.id}/profile", {"cap_lifting": "9"}).status_code == 422
    assert (
        client.post(f"/candidates/{cand.id}/profile", {"review_on": "not-a-date"}).status_code
        == 422
    )
    bad = client.post(
        f"/candidates/{cand.id}/consent",
        {"scope": "introduce", "given_on": TODAY.isoformat(), "host_employer_id": ""},
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"/candidates/{cand.id}/consent", {"scope": "everything", "given_on": "x"}
        ).status_code
        == 422
    )


def test_anonymous_users_go_to_the_login_page(client, cand):
    response = client.get(f"/candidates/{cand.id}")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_retention_command(app, session, make_ctx, world):
    with app.test_request_context():
        c = svc.register_candidate(
            make_ctx(world.coach), candidate_input(world, first_sick_day=dt.date(2023, 1, 2))
        )
        svc.close_trajectory(
            make_ctx(world.coach), c.id, TrajectoryOutcome.WIA, dt.date(2024, 1, 2)
        )
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["candidates", "erase-expired", "--dry-run", "--today", "2025-12-01"])
    assert dry.exit_code == 0 and "would erase: 0" in dry.output
    result = runner.invoke(args=["candidates", "erase-expired", "--today", "2026-01-03"])
    assert result.exit_code == 0, result.output
    assert "erased: 1" in result.output and c.pseudonym in result.output
    session.expire_all()
    assert session.get(Candidate, c.id).given_name is None
