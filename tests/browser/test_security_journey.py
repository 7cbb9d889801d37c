"""A coach switches on two-factor sign-in (QR code and key on the page, recovery codes
shown once), signs in with a code from the app and then with a recovery code, and ends
the session of another browser with "log out everywhere else". axe-core checks each page."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, check_a11y, logout

EMAIL = "coach.tweestaps@voorbeeld.nl"


@pytest.fixture
def coach(live_server):
    """A coach of its own (the demo coach stays on password only for the other journeys)."""
    from sqlalchemy import delete, select

    from registry.domain.permissions import Role
    from registry.extensions import db
    from registry.models import CoachOrganisation, User
    from tests import factories

    with live_server.app.app_context():
        db.session.execute(delete(User).where(User.email == EMAIL))
        org = db.session.scalars(select(CoachOrganisation).order_by(CoachOrganisation.id)).first()
        factories.user(db.session, Role.COACH, email=EMAIL, org=org, password=DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
    yield EMAIL
    with live_server.app.app_context():
        db.session.execute(delete(User).where(User.email == EMAIL))
        db.session.commit()
        db.session.remove()


def _password_step(page, base_url: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").last.click()
    expect(page.get_by_role("heading", name="Inloggen in twee stappen")).to_be_visible()


def _code_step(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Inloggen").last.click()
    expect(page.get_by_role("heading", name="Begeleiding: te doen", exact=True)).to_be_visible()


def test_two_factor_sign_in_and_log_out_everywhere(page, browser, base_url, coach):
    # Enrol: password only (no role requires it in development), then the setup page.
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").last.click()
    page.get_by_role("link", name="Actieve sessies").click()
    expect(page.get_by_role("heading", name="Actieve sessies")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Inloggen in twee stappen").click()
    expect(page.get_by_role("heading", name="Inloggen in twee stappen instellen")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    check_a11y(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Inloggen in twee stappen aanzetten").click()
    expect(page.get_by_role("heading", name="Je herstelcodes")).to_be_visible()
    check_a11y(page)
    codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    logout(page)

    # Sign in with a code from the app (the next time step: the enrolment used this one).
    _password_step(page, base_url)
    check_a11y(page)
    _code_step(page, totp.at(time.time() + totp.interval))
    logout(page)

    # Sign in with a recovery code; the same code a second time is refused.
    _password_step(page, base_url)
    _code_step(page, codes[0])
    logout(page)
    _password_step(page, base_url)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Inloggen").last.click()
    expect(page.locator(".field-error")).to_contain_text("Deze code klopt niet")
    check_a11y(page)
    _code_step(page, codes[1])

    # Another browser signs in too; "log out everywhere else" ends its session.
    other_context = browser.new_context()
    try:
        other = other_context.new_page()
        _password_step(other, base_url)
        _code_step(other, codes[2])
        page.get_by_role("link", name="Actieve sessies").click()
        expect(page.get_by_role("button", name="Deze sessie beëindigen")).to_have_count(1)
        check_a11y(page)
        page.get_by_role("button", name="Overal anders uitloggen").click()
        expect(
            page.get_by_text("Je bent overal anders uitgelogd (1 sessie beëindigd).")
        ).to_be_visible()
        expect(page.get_by_role("button", name="Deze sessie beëindigen")).to_have_count(0)
        other.reload()
        expect(other.get_by_role("heading", name="Inloggen", exact=True)).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", name="Actieve sessies")).to_be_visible()
        page.get_by_role("link", name="Inloggen in twee stappen").click()
        expect(page.get_by_text("Je hebt 7 ongebruikte herstelcodes.")).to_be_visible()
        check_a11y(page)
    finally:
        other_context.close()
