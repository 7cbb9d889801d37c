"""Match alerts in a real browser (issue 20): the demo coach follows a candidate's search,
the demo employer offers a fitting draft, and the coach finds the alert in Meldingen and
opens the explanation; axe-core clean."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout


def _demo_follow(app) -> tuple[int, int, str]:
    """The followed candidate's id, the fitting draft's id and title (seed/alerts.py)."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Place
    from registry.models.alerts import SearchFollow
    from seed.alerts import ALERT_DRAFT_REF

    with app.app_context():
        follow = db.session.scalar(select(SearchFollow).order_by(SearchFollow.id))
        draft = db.session.scalar(select(Place).where(Place.external_ref == ALERT_DRAFT_REF))
        out = (follow.candidate_id, draft.id, draft.title)
        db.session.remove()
        return out


def test_coach_follows_employer_offers_coach_finds_the_alert(page, base_url, live_server):
    candidate_id, draft_id, title = _demo_follow(live_server.app)
    login(page, base_url, "coach@voorbeeld.nl")
    # The demo coach already follows this search: stop, then follow it again.
    page.goto(f"{base_url}/candidates/{candidate_id}/search")
    page.get_by_role("button", name="Deze zoekopdracht niet meer volgen").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/candidates/{candidate_id}/search")
    page.get_by_role("button", name="Volg deze zoekopdracht").click()
    page.wait_for_load_state()
    expect(page.locator("#follow-search")).to_contain_text("U volgt deze zoekopdracht")
    check_a11y(page)
    page.get_by_role("link", name="Volgend").click()
    expect(page.locator("h1")).to_have_text("Volgend")
    expect(page.locator("main table").first).to_be_visible()
    check_a11y(page)
    logout(page)

    login(page, base_url, "werkgever@voorbeeld.nl")
    page.goto(f"{base_url}/places/{draft_id}")
    page.get_by_role("button", name="Aanbieden in de netwerken").click()
    page.wait_for_load_state()
    logout(page)

    login(page, base_url, "coach@voorbeeld.nl")
    page.get_by_role("link", name=re.compile("^Meldingen")).first.click()
    alert = page.get_by_role("link", name=re.compile(f"Een nieuwe plek past bij .*{title}"))
    expect(alert.first).to_be_visible()
    check_a11y(page)
    alert.first.click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(rf"/candidates/{candidate_id}/search/places/{draft_id}"))
    expect(page.locator("main")).to_contain_text(title)
    check_a11y(page)
    assert any(
        f"/search/places/{draft_id}" in link
        for link in live_server.outbox_links("coach@voorbeeld.nl")
    )
