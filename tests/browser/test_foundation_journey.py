"""Each demo role logs in, sees its home page in Dutch, switches to English, logs out;
a wrong password shows a Dutch message; an administrator invites a user who sets a
password through the mailed link. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout

ROLES = [
    ("admin@voorbeeld.nl", "Beheer: te doen"),
    ("coordinator@voorbeeld.nl", "Netwerkcoördinatie: te doen"),
    ("coach@voorbeeld.nl", "Begeleiding: te doen"),
    ("werkgever@voorbeeld.nl", "Werkgever: te doen"),
]


@pytest.mark.parametrize(("email", "dutch_heading"), ROLES)
def test_each_role_logs_in_switches_language_and_logs_out(page, base_url, email, dutch_heading):
    page.goto(f"{base_url}/auth/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    check_a11y(page)

    login(page, base_url, email)
    expect(page.get_by_role("heading", name=dutch_heading, exact=True)).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    logout(page)
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_wrong_password_shows_a_dutch_message(page, base_url):
    login(page, base_url, "coach@voorbeeld.nl", "verkeerd-wachtwoord")
    expect(page.get_by_role("alert")).to_contain_text("Onbekend e-mailadres of onjuist wachtwoord")
    check_a11y(page)


def test_admin_invites_a_user_who_sets_a_password(page, base_url, live_server):
    login(page, base_url, "admin@voorbeeld.nl")
    page.goto(f"{base_url}/admin/users/invite")
    check_a11y(page)
    page.get_by_label("E-mailadres").fill("nieuwe.coach@voorbeeld.nl")
    page.get_by_label("Naam", exact=True).fill("Nieuwe Coach")
    page.get_by_label("Re-integratiecoach").check()
    page.get_by_label("Coachorganisatie").select_option(label="Re-integratiebureau Springplank")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_text("Uitnodiging verstuurd naar nieuwe.coach@voorbeeld.nl")).to_be_visible()
    check_a11y(page)
    logout(page)

    links = live_server.outbox_links("nieuwe.coach@voorbeeld.nl")
    assert links, "the invitation e-mail is in the outbox"
    page.goto(links[-1])
    check_a11y(page)
    page.get_by_label("Nieuw wachtwoord").fill("een-goed-wachtwoord")
    page.get_by_label("Herhaal het wachtwoord").fill("een-goed-wachtwoord")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_text("Je wachtwoord is ingesteld")).to_be_visible()

    login(page, base_url, "nieuwe.coach@voorbeeld.nl", "een-goed-wachtwoord")
    expect(page.get_by_role("heading", name="Begeleiding: te doen", exact=True)).to_be_visible()
