"""The demo coach searches places for a demo candidate: matches, signals, near misses,
explanations, the map and a filter; axe-core clean in Dutch and English."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout


def _demo_candidate_id(app) -> int:
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Candidate, TrajectoryStatus, User

    with app.app_context():
        coach = db.session.scalar(select(User).where(User.email == "coach@voorbeeld.nl"))
        candidate = db.session.scalar(
            select(Candidate)
            .where(
                Candidate.coach_organisation_id == coach.coach_organisation_id,
                Candidate.status == TrajectoryStatus.ACTIVE,
                Candidate.lat.is_not(None),
            )
            .order_by(Candidate.id)
        )
        db.session.remove()
        return candidate.id


def test_coach_searches_places_for_a_candidate(page, base_url, live_server):
    candidate_id = _demo_candidate_id(live_server.app)
    login(page, base_url, "coach@voorbeeld.nl")
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{base_url}/candidates/{candidate_id}/search")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    for section in ("#h-matches", "#h-signals", "#h-near"):
        expect(page.locator(section)).to_be_visible()
    expect(page.locator("#search-map.leaflet-container")).to_be_visible()
    # The travel radius, the candidate's area and the result markers are drawn as
    # vectors, and no script error occurred while drawing them.
    expect(page.locator("#search-map path.leaflet-interactive").first).to_be_attached()
    assert page.locator("#search-map path.leaflet-interactive").count() >= 3
    assert not page_errors, page_errors
    hits = page.locator(".search-hit")
    if hits.count():
        first = hits.first.locator("details")
        first.locator("summary").click()
        expect(first.locator("table.explanation")).to_be_visible()
        expect(first.locator(".marker").first).to_be_visible()
    check_a11y(page)

    page.fill("#km", "5")
    page.get_by_role("button", name=re.compile("filter", re.I)).click()
    expect(page).to_have_url(re.compile(r"km=5"))
    expect(page.locator("#km")).to_have_value("5")
    check_a11y(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#h-near")).to_contain_text("Near misses")
    check_a11y(page)
    page.get_by_role("button", name="Nederlands").click()
    logout(page)
