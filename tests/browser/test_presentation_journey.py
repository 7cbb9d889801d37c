"""Issue 15: a phone that works, a wide screen that shows everything.

Every demo role's pages (the menu's pages and the pages one link further, as a user
walks them) are visited at 390 px and at 1366 px wide: the document never scrolls
sideways, the menu collapses into a toggle that works without JavaScript on the phone,
wide tables scroll inside their own frame, and axe finds nothing serious. At 1366 px
the curation table and the network dashboard show all their columns.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
ROLES = (
    "coach@voorbeeld.nl",
    "coordinator@voorbeeld.nl",
    "werkgever@voorbeeld.nl",
    "admin@voorbeeld.nl",
)
SKIP = re.compile(r"/auth/logout|\.pdf|\.csv|\.xlsx|/static/|/language|/documents/|shortlist")
MAX_PAGES = 24


def _links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base_url) and not SKIP.search(parts.path) and not parts.fragment:
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _journey_pages(page, base_url: str) -> list[str]:
    """The home page, every page it and the menu link to, and one link further."""
    page.goto(f"{base_url}/")
    first = list(dict.fromkeys(["/", *_links(page, base_url)]))
    seen = list(first)
    for path in first:
        if len(seen) >= MAX_PAGES:
            break
        page.goto(base_url + path)
        for link in _links(page, base_url):
            if link not in seen and len(seen) < MAX_PAGES:
                seen.append(link)
    return seen


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"{page.url} scrolls sideways: {overflow}"


@pytest.mark.parametrize(
    ("email", "language"),
    [*((email, "nl") for email in ROLES), (ROLES[0], "en"), (ROLES[1], "en")],
)
def test_every_page_fits_a_phone_and_a_wide_screen(browser, base_url, email, language):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    login(page, base_url, email)
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    pages = _journey_pages(page, base_url)
    assert len(pages) >= 5, pages
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        for path in pages:
            response = page.goto(base_url + path)
            if response is None or response.status != 200:
                continue
            _no_sideways_scroll(page)
            toggle = page.locator("header .nav-menu > summary")
            if viewport is PHONE:
                expect(toggle).to_be_visible()
            else:
                expect(toggle).to_be_hidden()
                expect(page.locator("header .nav-menu a").first).to_be_visible()
            check_a11y(page)
    context.close()


def test_the_phone_menu_opens_without_javascript(browser, base_url):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    login(page, base_url, "coach@voorbeeld.nl")
    page.goto(f"{base_url}/")
    menu_link = page.locator("header .nav-menu a").first
    expect(menu_link).to_be_hidden()
    page.locator("header .nav-menu > summary").click()
    expect(menu_link).to_be_visible()
    _no_sideways_scroll(page)
    context.close()


def _all_columns_visible(page, selector: str) -> None:
    table = page.locator(selector).first
    expect(table).to_be_visible()
    clipped = table.evaluate(
        """t => {
            const frame = t.closest('.table-wrap') || t.parentElement;
            const right = frame.getBoundingClientRect().right + 1;
            return [...t.querySelectorAll('thead th')]
              .filter(th => th.getBoundingClientRect().right > right || th.offsetWidth === 0)
              .map(th => th.textContent.trim());
        }"""
    )
    assert not clipped, f"columns cut off on {page.url}: {clipped}"


def test_wide_screen_shows_every_column_of_curation_and_dashboard(browser, base_url):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    login(page, base_url, "coordinator@voorbeeld.nl")
    page.goto(f"{base_url}/curation/places")
    _all_columns_visible(page, "main table")
    page.goto(f"{base_url}/")
    dashboard = page.locator("a[href*='/dashboard/network/']").first
    page.goto(base_url + urlsplit(dashboard.get_attribute("href")).path)
    for table in range(page.locator("main table").count()):
        _all_columns_visible(page, f"main table >> nth={table}")
    context.close()
