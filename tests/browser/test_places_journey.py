"""An employer creates a place from a function template, states demands and offers it to
two networks; the coordinator of the reviewing network publishes it. axe-core checks
every page on the way."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout

TITLE = "Zorgplek uit de browsertest"


def to_english(page) -> None:
    button = page.get_by_role("button", name="English")
    if button.count():
        button.click()
        page.wait_for_load_state()


def test_employer_posts_a_place_and_the_reviewing_coordinator_publishes_it(page, base_url):
    login(page, base_url, "werkgever@voorbeeld.nl")
    to_english(page)
    # The journey starts from the home page, a to-do list (issue 14).
    expect(page.get_by_role("heading", name="Employer: to do")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Post a new place").first.click()
    check_a11y(page)
    page.get_by_role("link", name="Care assistant").click()
    expect(page.get_by_text("Never enter personal or medical data.")).to_be_visible()
    expect(page.locator("#title")).to_have_value("Care assistant")
    page.locator("#title").fill(TITLE)
    # The template filled the demands in; the employer adjusts what differs.
    page.locator("#demand_lifting").select_option("1")
    page.locator("#demand_lifting_adjustable").check()
    page.locator("#demand_night_work").select_option("0")
    page.get_by_label("Werkgeversnetwerk Twente").check()
    page.get_by_label("Zorgnetwerk Utrecht").check()
    check_a11y(page)
    page.get_by_role("button", name="Save and offer to the networks").click()
    expect(page.get_by_text("Place saved and sent for review.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("Waiting for review").first).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Preview as coaches see it").click()
    expect(page.get_by_role("heading", name="How coaches see this place")).to_be_visible()
    check_a11y(page)
    page.goto(f"{base_url}/places/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check_a11y(page)
    logout(page)

    login(page, base_url, "coordinator@voorbeeld.nl")
    to_english(page)
    check_a11y(page)  # the home page says places wait for review
    page.get_by_role("link", name=re.compile("Places waiting for review")).click()
    expect(page.get_by_role("link", name="To review")).to_have_count(0)  # the current view
    check_a11y(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("This place waits for your review.")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("The place is published.")).to_be_visible()
    expect(page.locator(".status").first).to_have_text(re.compile("Open"))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("Published after review")).to_be_visible()
    check_a11y(page)
