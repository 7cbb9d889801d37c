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
    # The travel radius and the candidate's area are drawn as vectors, the results as
    # markers carrying the legend's symbols (issue 15), without a script error.
    expect(page.locator("#search-map path.leaflet-interactive").first).to_be_attached()
    assert page.locator("#search-map path.leaflet-interactive").count() >= 2
    assert not page_errors, page_errors
    rows = page.locator("tr.hit")
    if rows.count():
        assert page.locator("#search-map .map-marker").count() == rows.count()
        # matches are drawn above near misses
        z = page.eval_on_selector_all(
            "#search-map .leaflet-marker-icon:has(.map-marker)",
            "els => els.map(e => [e.querySelector('.map-marker').className, +e.style.zIndex])",
        )
        match_z = [v for c, v in z if "map-marker-match" in c]
        near_z = [v for c, v in z if "map-marker-near_miss" in c]
        if match_z and near_z:
            assert min(match_z) > max(near_z)
        # opening a row loads its explanation in place (htmx), conflicts first
        first = rows.first
        place_id = first.get_attribute("id").removeprefix("place-")
        first.locator("th a").click()
        expect(page.locator(f"#why-{place_id} .explanation-panel")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/search($|\?)"))  # stayed on the list
        # a marker opens its row
        page.locator("#search-map .map-marker").last.click(force=True)
        expect(page.locator("tr.hit.is-current")).to_have_count(1)
        # the printable shortlist of the ticked places
        ids = [rows.nth(i).get_attribute("id").removeprefix("place-") for i in range(2)]
        query = "&".join(f"place={i}" for i in ids if i)
        page.goto(f"{base_url}/candidates/{candidate_id}/search/shortlist?{query}")
        assert page.locator("tbody tr").count() == len([i for i in ids if i])
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
        check_a11y(page)
        page.goto(f"{base_url}/candidates/{candidate_id}/search")
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
