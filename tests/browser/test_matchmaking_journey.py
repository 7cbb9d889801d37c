"""Matchmaking rounds (issue 19) in a real browser: the demo coordinator runs a round on
the demo network, excludes a pair, solves again and approves; a demo coach turns a
suggestion into a proposal. axe-core clean on every page visited."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout


def _showcase() -> str:
    from seed.candidates import SHOWCASE_PSEUDONYM

    return SHOWCASE_PSEUDONYM


def test_coordinator_runs_a_round_and_a_coach_proposes_a_suggestion(page, base_url):
    login(page, base_url, "coordinator@voorbeeld.nl")
    page.goto(f"{base_url}/matchmaking/")
    expect(page.locator("h1")).to_have_text("Matchingsrondes")
    check_a11y(page)
    page.get_by_role("button", name="De ronde doorrekenen").click()
    expect(page).to_have_url(re.compile(r"/matchmaking/\d+$"))
    expect(page.locator("#pairs")).to_be_visible()
    check_a11y(page)
    pairs_before = page.locator("#pairs + .table-wrap tbody tr").count()
    assert pairs_before > 0
    page.get_by_role("button", name=re.compile("^Uitsluiten")).first.click()
    expect(page.locator(".flash, [role=status], .messages").first).to_be_visible()
    page.get_by_role("button", name="Opnieuw doorrekenen").click()
    expect(page).to_have_url(re.compile(r"/matchmaking/\d+$"))
    page.get_by_role("button", name=re.compile("^Goedkeuren")).click()
    expect(page.get_by_text("Goedgekeurd").first).to_be_visible()
    check_a11y(page)
    logout(page)

    login(page, base_url, "coach@voorbeeld.nl")
    page.goto(f"{base_url}/suggestions/")
    check_a11y(page)
    cards = page.locator("section.card")
    assert cards.count() > 0
    chosen = None
    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.locator("h2").inner_text()
        if _showcase() not in title:
            chosen = card
            break
    assert chosen is not None
    for box in chosen.locator("input[type=text][id*='-reason-']").all():
        box.fill("Aanpassing van de werkplek is besproken.")
    confirm = chosen.locator("input[type=checkbox]")
    if confirm.count():
        confirm.first.check()
    chosen.get_by_role("button", name="Voordragen bij de gastwerkgever").click()
    expect(page).to_have_url(re.compile(r"/placements/\d+$"))
    check_a11y(page)
    logout(page)
