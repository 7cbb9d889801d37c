"""A coach registers a candidate with a capacity profile and sees the Poortwachter clock;
the list and the candidate pages are axe-clean."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login


def test_coach_registers_a_candidate_with_a_profile(page, base_url):
    login(page, base_url, "coach@voorbeeld.nl")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # From the home page, a to-do list (issue 14).
    page.get_by_role("link", name="Your candidates, most urgent first").click()
    expect(page.get_by_role("heading", name="Candidates", exact=True)).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="Register a candidate").click()
    check_a11y(page)
    page.get_by_label("Given name").fill("Marieke")
    page.get_by_label("Family name").fill("Journeyman")
    page.get_by_label("Home postcode").fill("7514 AE")
    page.get_by_label("Home employer").select_option(label="Tubantia Textiel (10000001)")
    page.get_by_label("Werkgeversnetwerk Twente").check()
    first_day = dt.date.today() - dt.timedelta(weeks=70)
    page.get_by_label("First day of sickness").fill(first_day.isoformat())
    page.get_by_label("Maximum travel distance (km)").fill("30")
    page.get_by_label("Notes").fill("Wil graag buiten werken")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name=re.compile("Capacity profile of"))).to_be_visible()
    check_a11y(page)
    page.get_by_label("Lifting").select_option(index=1)
    page.get_by_label("Standing during work, hours a day").select_option(index=1)
    page.get_by_label("Noise").check()
    page.get_by_label("Source").select_option(label="Labour expert")
    page.get_by_label("Review date").fill((dt.date.today() + dt.timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("heading", name=re.compile("Marieke Journeyman"))).to_be_visible()
    expect(page.get_by_role("img", name="Poortwachter timeline")).to_be_visible()
    expect(page.locator("figcaption mark", has_text="Second track late")).to_be_visible()
    expect(page.get_by_text("up to 5 kg")).to_be_visible()
    check_a11y(page)
    page.get_by_text("Timeline as text").click()
    expect(
        page.get_by_role("row", name=re.compile("Latest start of the second track"))
    ).to_be_visible()
    check_a11y(page)

    page.get_by_role("link", name="Access history").click()
    expect(page.get_by_role("cell", name="Registered")).to_be_visible()
    check_a11y(page)
