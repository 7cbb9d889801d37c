"""Issue 20 in a real browser, as the demo users: on an accepted placement the coach writes
to the host, the host finds the notification and answers, the coach records the
introduction with a time and a place, both sides get the calendar invitation, and the
coach downloads it. axe-core checks every page.

Order independent: the placement is test data of its own (a demo candidate of the coach
at a place of the host's employer, accepted), made before the journey starts.
"""

from __future__ import annotations

import datetime as dt
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout

COACH = "coach@voorbeeld.nl"
HOST = "werkgever@voorbeeld.nl"


def _accepted_placement(app) -> int:
    """Test data, not a user step: an accepted placement of one of the coach's candidates
    at an open place of the host contact's employer."""
    from sqlalchemy import select

    from registry.domain.placement import Status
    from registry.extensions import db
    from registry.models import Candidate, Place, Placement, PlaceStatus, User
    from registry.models import TrajectoryStatus as TS

    with app.app_context():
        session = db.session
        coach = session.scalar(select(User).where(User.email == COACH))
        host = session.scalar(select(User).where(User.email == HOST))
        employer_ids = [e.id for e in host.employers]
        place = session.scalar(
            select(Place)
            .where(Place.employer_id.in_(employer_ids), Place.status == PlaceStatus.OPEN)
            .order_by(Place.id)
        )
        candidate = session.scalar(
            select(Candidate)
            .where(
                Candidate.coach_organisation_id == coach.coach_organisation_id,
                Candidate.status == TS.ACTIVE,
                Candidate.home_employer_id.not_in(employer_ids),
            )
            .order_by(Candidate.id.desc())
        )
        network = place.networks[0]
        placement = Placement(
            place_id=place.id,
            candidate_id=candidate.id,
            network_id=network.id,
            host_employer_id=place.employer_id,
            home_employer_id=candidate.home_employer_id,
            coach_organisation_id=coach.coach_organisation_id,
            proposed_by_id=coach.id,
            status=Status.ACCEPTED,
            motivation=f"Kennismaking {uuid.uuid4().hex[:6]}",
        )
        session.add(placement)
        session.commit()
        placement_id = placement.id
        db.session.remove()
    return placement_id


def test_coach_and_host_talk_and_plan_the_introduction(page, base_url, live_server):
    placement_id = _accepted_placement(live_server.app)
    link = f"/placements/{placement_id}"
    question = f"Schikt dinsdagochtend voor de kennismaking? ({uuid.uuid4().hex[:6]})"

    login(page, base_url, COACH)
    page.goto(f"{base_url}{link}")
    conversation = page.locator("section#conversation")
    expect(conversation).to_contain_text("Nog geen berichten")
    check_a11y(page)
    conversation.get_by_label("Bericht").fill(question)
    conversation.get_by_role("button", name="Verstuur het bericht").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Uw bericht is verstuurd.")).to_be_visible()
    expect(page.locator("section#conversation")).to_contain_text(question)
    check_a11y(page)
    logout(page)

    login(page, base_url, HOST)
    page.goto(f"{base_url}/notifications/")
    expect(page.locator("main")).to_contain_text("Nieuw bericht over")
    check_a11y(page)
    page.goto(f"{base_url}{link}")
    expect(page.locator("section#conversation")).to_contain_text(question)
    page.locator("section#conversation").get_by_label("Bericht").fill("Ja, om 10 uur graag.")
    page.get_by_role("button", name="Verstuur het bericht").click()
    page.wait_for_load_state()
    expect(page.locator("section#conversation")).to_contain_text("Ja, om 10 uur graag.")
    check_a11y(page)
    logout(page)

    login(page, base_url, COACH)
    page.goto(f"{base_url}{link}")
    section = page.locator("section#introduction")
    day = dt.date.today() + dt.timedelta(days=6)
    section.get_by_label("Geplande datum van de kennismaking (optioneel)").fill(day.isoformat())
    section.get_by_label("Tijd van de kennismaking (optioneel)").fill("10:00")
    section.get_by_label("Plaats (adres of ruimte)").fill("Receptie, hoofdingang")
    section.get_by_role("button", name="Toestemming voor de kennismaking vastleggen").click()
    page.wait_for_load_state()
    calendar = page.locator("section#calendar")
    expect(calendar).to_contain_text("Kennismakingsgesprek")
    expect(calendar).to_contain_text("Receptie, hoofdingang")
    check_a11y(page)
    with page.expect_download() as info:
        calendar.get_by_role("link", name="Zet in uw agenda (.ics)").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), "rb") as fh:
        ics = fh.read()
    assert b"METHOD:REQUEST" in ics and b"SEQUENCE:0" in ics
    # Both sides got the invitation by e-mail, with a link to the placement.
    assert any(link in url for url in live_server.outbox_links(HOST))
