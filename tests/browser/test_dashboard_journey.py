"""The demo coordinator opens the dashboard of Werkgeversnetwerk Twente: who gives and who
takes (chart and table), the figures per month, and downloads the CSV export; axe-clean."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login


@pytest.fixture
def in_english(page, base_url):
    """Switch the logged-in demo user to English and back to Dutch afterwards: the choice
    is stored on the user, and the other journeys expect the demo users in Dutch."""

    def switch(email: str) -> None:
        login(page, base_url, email)
        page.get_by_role("button", name="English").click()

    yield switch
    page.goto(f"{base_url}/")
    dutch = page.get_by_role("button", name="Nederlands")
    if dutch.count():
        dutch.click()
        page.wait_for_load_state()


def test_coordinator_reads_the_network_dashboard_and_exports(page, base_url, in_english):
    in_english("coordinator@voorbeeld.nl")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_a11y(page)

    page.get_by_role("link", name="Dashboard of Werkgeversnetwerk Twente").click()
    expect(
        page.get_by_role("heading", name="Dashboard of Werkgeversnetwerk Twente")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Who gives and who takes")).to_be_visible()
    chart = page.get_by_role("img", name="Reciprocity balance per member (placements)")
    expect(chart).to_be_visible()
    expect(page.get_by_role("img", name="Starts and completions per month")).to_be_visible()
    table = page.locator("#givers-takers")
    expect(table.get_by_role("columnheader", name="Hosted placements")).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    # Someone hosted: the demo placements moved the balances.
    hosted = [int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count())]
    assert sum(hosted) >= 1
    check_a11y(page)

    # A bad period is refused with a message, not a crash.
    page.goto(page.url.split("?")[0] + "?from=2026-02-30")
    expect(page.get_by_text(re.compile("is not a date"))).to_be_visible()
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("link", name="Figures (CSV)").click()
    download = info.value
    assert re.match(
        r"network-\d+-figures-\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    # In English: commas between the cells, decimal points and ISO dates (issue 15).
    assert ";" not in text.splitlines()[1]
    rows = list(csv.reader(io.StringIO(text), delimiter=","))
    assert ["Network", "Werkgeversnetwerk Twente"] in rows
    assert "Hosted placements" in next(r for r in rows if r and r[0] == "Employer")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", next(r for r in rows if r and r[0] == "From")[1])
    url = download.url

    # In Dutch: semicolons (what a Dutch spreadsheet expects), decimal commas, day-month-year.
    page.goto(f"{base_url}/")
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_load_state()
    response = page.request.get(url)
    assert response.ok
    dutch = response.body().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(dutch), delimiter=";"))
    assert ["Netwerk", "Werkgeversnetwerk Twente"] in rows
    assert re.fullmatch(r"\d\d-\d\d-\d{4}", next(r for r in rows if r and r[0] == "Van")[1])
    # No fraction written with a decimal point (the demo period may have none at all;
    # tests/web/test_exports_locale.py checks "83,3" with its own data).
    assert not [c for r in rows for c in r[1:] if re.fullmatch(r"-?\d+\.\d+", c)]


def test_employer_contact_reads_the_reciprocity_dashboard(page, base_url, in_english):
    in_english("werkgever@voorbeeld.nl")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name=re.compile(r"^Dashboard of ")).first.click()
    expect(page.get_by_role("heading", name="Reciprocity balance")).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile("^Balance in Werkgeversnetwerk Twente"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Places and open proposals")).to_be_visible()
    check_a11y(page)
