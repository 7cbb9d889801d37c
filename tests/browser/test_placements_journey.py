"""Issue 7 end to end, as the demo users: the coach proposes a match with a signal (with a
reason per signal), the host employer's contact accepts and still sees only the pseudonym
(no home employer, no start), the coach records the introduction consent (issue 12), the
host now sees the name, the coach starts the placement, the host evaluates and completes
it with an outcome; the agreement and the certificate
download as PDFs, both employers' reciprocity balances move as the ledger says, and the
notifications reach the in-app inbox and the outbox. axe-core checks every page, in Dutch,
and the host's placement page in English as well.

Order independent: the journey uses the seed's showcase candidate (seed.candidates), whom
no other journey touches; every check is relative to the state before it (balances) or
tied to the new placement's own link (notifications, e-mails), so it may also run again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, login, logout

COACH = "coach@voorbeeld.nl"
HOST = "werkgever@voorbeeld.nl"
HOST_KVK = "10000002"
RAN_DAYS = 27  # started 27 days before today, completed today
HOME_HIDDEN = "Volgt na de kennismaking"


@dataclass
class Pair:
    candidate_id: int
    pseudonym: str
    place_id: int
    place_title: str
    host_id: int
    home_id: int
    signal_keys: list[str]


def _pick_pair(app) -> Pair:
    """The showcase candidate and a place of the host contact's employer that the coach's
    search shows as a match with signals (found through the services, as the page does)."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Candidate, Employer, Place, User
    from registry.search import usecases as search
    from registry.services.accounts import actor_for
    from registry.services.context import Context
    from seed.candidates import SHOWCASE_PSEUDONYM

    with app.test_request_context():
        session = db.session
        coach = session.scalar(select(User).where(User.email == COACH))
        host = session.scalar(select(Employer).where(Employer.kvk_number == HOST_KVK))
        candidate = session.scalar(
            select(Candidate).where(Candidate.pseudonym == SHOWCASE_PSEUDONYM)
        )
        assert candidate is not None, "the demo seed has no showcase candidate"
        ctx = Context(session=session, actor=actor_for(session, coach), settings=app.config)
        found = search.search_for_candidate(ctx, candidate.id, record_visit=False)
        pair = None
        for hit in found.signals:
            place = session.get(Place, hit.place.id)
            if place.employer_id != host.id or hit.result.at_cap or hit.result.full:
                continue
            pair = Pair(
                candidate_id=candidate.id,
                pseudonym=candidate.pseudonym,
                place_id=place.id,
                place_title=place.title,
                host_id=host.id,
                home_id=candidate.home_employer_id,
                signal_keys=[r.key for r in hit.result.comparison.signals],
            )
            break
        session.rollback()
        db.session.remove()
    assert pair is not None, "no signal match for the showcase candidate at the host's places"
    return pair


def _balances(app) -> dict:
    from registry.extensions import db
    from registry.services import ledger

    with app.app_context():
        result = ledger.balances(db.session)
        db.session.remove()
    return result


def _placement(app, placement_id: int):
    from registry.extensions import db
    from registry.models import Placement
    from registry.services import ledger

    with app.app_context():
        p = db.session.get(Placement, placement_id)
        facts = (p.status.value, p.network_id, p.started_on, p.ended_on, p.outcome)
        problems = ledger.check(db.session)
        db.session.remove()
    return facts, problems


def _mails_about(app, recipient: str, link: str) -> int:
    """Queued e-mails for ``recipient`` that point at ``link`` (the outbox)."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import OutboxMessage

    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
        ).all()
        db.session.remove()
    pattern = re.compile(rf"(?:^|\s|https?://\S*?){re.escape(link)}(?:\s|$)")
    return sum(bool(pattern.search(body)) for body in bodies)


def _backdate_history(app, placement_id: int, days: int) -> None:
    """Test data, not a user step: the proposal and the acceptance happened ``days`` ago,
    so a start recorded ``RAN_DAYS`` ago does not lie before the acceptance (issue 12)."""
    from sqlalchemy import update

    from registry.extensions import db
    from registry.models import Placement, PlacementTransition

    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with app.app_context():
        db.session.execute(
            update(Placement).where(Placement.id == placement_id).values(proposed_at=when)
        )
        db.session.execute(
            update(PlacementTransition)
            .where(PlacementTransition.placement_id == placement_id)
            .values(at=when)
        )
        db.session.commit()
        db.session.remove()


def _record_introduction(page, base_url: str, link: str) -> None:
    """The coach records the candidate's consent to the introduction on the placement page."""
    page.goto(f"{base_url}{link}")
    section = page.locator("section#introduction")
    expect(section).to_contain_text("kennismakingsgesprek")
    expect(page.locator("input[name=target][value=started]")).to_have_count(0)
    check_a11y(page)
    section.get_by_label("Geplande datum van de kennismaking (optioneel)").fill(
        dt.date.today().isoformat()
    )
    section.get_by_role("button", name="Toestemming voor de kennismaking vastleggen").click()
    page.wait_for_load_state()
    expect(page.get_by_text("De toestemming voor de kennismaking is vastgelegd")).to_be_visible()
    expect(page.locator("section#introduction")).to_contain_text("heeft ingestemd")
    check_a11y(page)


def _in_dutch(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "nl")


# Steps that cannot be undone are confirmed on a page of their own (issue 14).
CONFIRMED_STEPS = {"declined", "withdrawn", "cancelled", "completed", "ended_early"}


def _submit_move(page, target: str) -> None:
    page.locator(f"form.move-form:has(input[name=target][value={target}]) button").click()
    page.wait_for_load_state()
    confirm = page.locator("button[data-confirmed-action]")
    if target not in CONFIRMED_STEPS:
        expect(confirm).to_have_count(0)
        return
    expect(confirm).to_have_count(1)  # the page names what happens and who hears it
    check_a11y(page)
    confirm.click()
    page.wait_for_load_state()


def _download_pdf(page, href_part: str) -> bytes:
    link = page.locator(f'a[href*="{href_part}"][href*="lang=nl"]').first
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF"), data[:20]
    return data


def test_coach_and_host_take_a_signal_match_to_a_certificate(page, base_url, live_server):
    app = live_server.app
    pair = _pick_pair(app)
    before = _balances(app)

    # --- the coach: candidate page -> search -> proposal with a reason per signal ------
    login(page, base_url, COACH)
    _in_dutch(page)
    page.goto(f"{base_url}/candidates/{pair.candidate_id}")
    search_link = page.get_by_role("link", name=f"Plekken zoeken voor {pair.pseudonym}")
    expect(search_link).to_be_visible()
    expect(page.get_by_role("heading", name="Plaatsingen")).to_be_visible()
    check_a11y(page)
    search_link.click()
    expect(page).to_have_url(re.compile(rf"/candidates/{pair.candidate_id}/search"))
    # Issue 15: a compact row per place; its explanation (with the Propose button)
    # opens below the row through htmx when the title is clicked.
    hit = page.locator(f"#place-{pair.place_id}")
    expect(hit).to_have_class(re.compile(r"\bhit-signal\b"))
    check_a11y(page)
    hit.get_by_role("link", name=pair.place_title, exact=True).click()
    why = page.locator(f"#why-{pair.place_id} #explanation-{pair.place_id}")
    expect(why).to_be_visible()
    check_a11y(page)
    why.get_by_role("button", name=f"Voordragen voor {pair.place_title}").click()

    expect(page).to_have_url(re.compile(r"/placements/propose\?"))
    _in_dutch(page)
    reasons = page.locator("input[id^=reason_]")
    expect(reasons).to_have_count(len(pair.signal_keys))
    check_a11y(page)
    page.get_by_label("Motivatie voor de ontvangende werkgever").fill(
        "Past bij wat de kandidaat kan; het team begeleidt de opbouw."
    )
    for key in pair.signal_keys:
        page.locator(f"#reason_{key}").fill("Besproken: de taak wordt aangepast en opgebouwd.")
    confirm = page.locator("input[name=confirm_past_end]")
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name="Voordracht versturen").click()
    expect(page).to_have_url(re.compile(r"/placements/\d+$"))
    placement_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".badge.status-proposed")).to_be_visible()
    expect(page.get_by_text("Besproken: de taak wordt aangepast en opgebouwd.")).to_be_visible()
    check_a11y(page)
    link = f"/placements/{placement_id}"
    assert _mails_about(app, HOST, link) == 1, "no e-mail about the proposal for the host"
    logout(page)

    # --- the host: inbox, notification, accept (the placement page also in English) ------
    login(page, base_url, HOST)
    _in_dutch(page)
    page.goto(f"{base_url}/notifications/")
    expect(page.locator(f'.notifications a[href="{link}"]').first).to_be_visible()
    check_a11y(page)
    page.goto(f"{base_url}/")  # the home page lists the proposals to answer (issue 14)
    expect(page.locator('[data-todo="proposals_to_answer"]')).to_be_visible()
    check_a11y(page)
    page.locator('[data-todo="proposals_to_answer"] a').click()
    proposal = page.locator(f'article:has(a[href="{link}"])')
    expect(proposal).to_contain_text(pair.pseudonym)
    check_a11y(page)
    proposal.locator(f'a[href="{link}"]').click()
    expect(page.locator(".badge.status-proposed")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    check_a11y(page)
    _submit_move(page, "accepted")
    expect(page.get_by_text("The placement is now: Accepted.")).to_be_visible()
    # Before the introduction: the pseudonym only, no home employer, no start button.
    expect(page.get_by_text("Sanne Voorbeeld")).to_have_count(0)
    expect(page.get_by_text("Follows after the introduction")).to_be_visible()
    expect(page.locator("input[name=target][value=started]")).to_have_count(0)
    check_a11y(page)
    page.get_by_role("button", name="Nederlands").click()
    _in_dutch(page)
    logout(page)
    _backdate_history(app, placement_id, RAN_DAYS + 1)

    # --- the coach: the introduction (kennismakingsgesprek) ------------------------------
    login(page, base_url, COACH)
    _record_introduction(page, base_url, link)
    logout(page)

    # --- the host: now the name and the home employer show; told by a notification -------
    login(page, base_url, HOST)
    page.goto(f"{base_url}{link}")
    expect(page.get_by_text("Sanne Voorbeeld").first).to_be_visible()
    expect(page.get_by_text(HOME_HIDDEN)).to_have_count(0)
    check_a11y(page)
    logout(page)

    # --- the coach: the acceptance arrived; start the placement; the agreement PDF ------
    login(page, base_url, COACH)
    page.goto(f"{base_url}/notifications/")
    expect(page.locator(f'.notifications a[href="{link}"]').first).to_be_visible()
    check_a11y(page)
    page.goto(f"{base_url}/")  # the coach's home lists accepted placements to start
    accepted = page.locator('[data-todo="accepted"]')
    expect(accepted).to_be_visible()
    check_a11y(page)
    accepted.locator("a").first.click()
    page.locator(f'a[href="{link}"]').first.click()
    expect(page).to_have_url(re.compile(rf"{link}$"))
    expect(page.locator(".badge.status-accepted")).to_be_visible()
    started_on = dt.date.today() - dt.timedelta(days=RAN_DAYS)
    page.locator("#on-started").fill(started_on.isoformat())
    _submit_move(page, "started")
    expect(page.locator(".badge.status-started")).to_be_visible()
    # Running: no certificate yet (issue 12: only for work done).
    expect(page.locator(f'a[href*="{link}/documents/certificate.pdf"]')).to_have_count(0)
    check_a11y(page)
    agreement = _download_pdf(page, f"{link}/documents/agreement.pdf")
    assert len(agreement) > 1000
    (status, network_id, started, _ended, _outcome), _ = _placement(app, placement_id)
    assert status == "started" and started == started_on
    after_start = _balances(app)
    logout(page)

    # --- the host: evaluation, completion with an outcome, the certificate PDF ----------
    login(page, base_url, HOST)
    page.goto(f"{base_url}{link}")
    page.locator(f'a[href="{link}/evaluation"]').click()
    expect(page).to_have_url(re.compile(r"/evaluation$"))
    check_a11y(page)
    page.locator("#tasks_done").fill("Maaltijden rondbrengen en de kantine bijhouden.")
    page.locator("#strengths").fill("Betrouwbaar, vriendelijk naar bewoners en collega's.")
    page.locator("#development").fill("Tempo verder opbouwen.")
    page.locator("#recommendation").fill("Geschikt voor een vaste plek in de facilitaire dienst.")
    for name in ("punctuality", "quality", "cooperation", "learning", "independence"):
        page.locator(f"#{name}").fill("4")
    if page.locator("#overall").count():
        page.locator("#overall").fill("Een betrouwbare collega; we bevelen haar aan.")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(rf"{link}$"))
    page.locator("#outcome-completed").select_option("hired")
    _submit_move(page, "completed")
    expect(page.locator(".badge.status-completed")).to_be_visible()
    check_a11y(page)
    certificate = _download_pdf(page, f"{link}/documents/certificate.pdf")
    assert len(certificate) > 1000
    response = page.request.get(f"{base_url}{link}/documents/evaluation.pdf?lang=nl")
    assert response.ok and response.body().startswith(b"%PDF")

    (status, _net, started, ended, outcome), problems = _placement(app, placement_id)
    assert status == "completed" and outcome.value == "hired"
    assert problems == [], "the stored ledger differs from the recomputed one"
    from registry.domain.placement import weeks_between

    weeks = weeks_between(started, ended)  # the ledger's own rule
    assert weeks >= 3
    # The certificate states the same real weeks (issue 12).
    from pypdf import PdfReader

    cert_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages)
    assert f"({weeks} weken)" in " ".join(cert_text.split())

    # --- the ledger: the host hosted one placement and four weeks, the home sent them ----
    after = _balances(app)
    from registry.domain.ledger import Balance

    def moved(when, employer_id):
        old = before.get((network_id, employer_id), Balance())
        new = when.get((network_id, employer_id), Balance())
        return (
            new.hosted_placements - old.hosted_placements,
            new.sent_placements - old.sent_placements,
            new.hosted_weeks - old.hosted_weeks,
            new.sent_weeks - old.sent_weeks,
        )

    assert moved(after_start, pair.host_id) == (1, 0, 0, 0)
    assert moved(after_start, pair.home_id) == (0, 1, 0, 0)
    assert moved(after, pair.host_id) == (1, 0, weeks, 0)
    assert moved(after, pair.home_id) == (0, 1, 0, weeks)

    # The host's dashboard shows the new balance in that network.
    page.goto(f"{base_url}/dashboard/employer/{pair.host_id}")
    balance = page.locator(f'section[aria-labelledby="net-{network_id}-heading"] table.balance')
    host_now = after[(network_id, pair.host_id)]
    rows = balance.locator("tbody tr")
    expect(rows.nth(0).locator("td").nth(0)).to_have_text(str(host_now.hosted_placements))
    expect(rows.nth(1).locator("td").nth(0)).to_have_text(str(host_now.hosted_weeks))
    expect(balance).to_contain_text(f"{host_now.balance_placements:+d}")
    check_a11y(page)
    logout(page)

    # --- the coach: completion notified in the inbox and by mail; the candidate page ----
    login(page, base_url, COACH)
    page.goto(f"{base_url}/notifications/")
    # Accepted and completed (the coach started it, so no note about that to the coach).
    expect(page.locator(f'.notifications a[href="{link}"]')).to_have_count(2)
    check_a11y(page)
    assert _mails_about(app, COACH, link) == 2
    # The proposal, the introduction and the start by the coach.
    assert _mails_about(app, HOST, link) == 3
    page.goto(f"{base_url}/candidates/{pair.candidate_id}")
    row = page.locator(f'section[aria-labelledby="placements-h"] tr:has(a[href="{link}"])')
    expect(row).to_contain_text(pair.place_title)
    expect(row.locator(".badge.status-completed")).to_be_visible()
    check_a11y(page)
    row.locator(f'a[href="{link}"]').click()
    expect(page).to_have_url(re.compile(rf"{link}$"))
    logout(page)


# --------------------------------------------------------------------------- issue 12


def _running_placement(app, days: int) -> int:
    """A placement at one of the host contact's places that started ``days`` ago, set up
    through the services on true dates (proposed and accepted earlier, introduced, then
    started), for a new candidate that no other journey touches."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Employer, Membership, MembershipStatus, Place, PlaceStatus, User
    from registry.services import placements as svc
    from registry.services.accounts import actor_for
    from registry.services.context import Context
    from tests.services.test_placement_support import candidate

    early = dt.datetime.combine(
        dt.date.today() - dt.timedelta(days=days + 7), dt.time(9), tzinfo=dt.UTC
    )
    with app.test_request_context():
        session = db.session
        coach = session.scalar(select(User).where(User.email == COACH))
        host_user = session.scalar(select(User).where(User.email == HOST))
        host = session.scalar(select(Employer).where(Employer.kvk_number == HOST_KVK))
        places = session.scalars(
            select(Place)
            .where(Place.employer_id == host.id, Place.status == PlaceStatus.OPEN)
            .where(Place.taken_slots < Place.slots, Place.intake_cap_per_month.is_(None))
            .order_by(Place.id)
        ).all()
        place = next(p for p in places if p.networks)
        network = place.networks[0]
        home_id = session.scalar(
            select(Membership.employer_id).where(
                Membership.network_id == network.id,
                Membership.status == MembershipStatus.ADMITTED,
                Membership.employer_id != host.id,
            )
        )
        home = session.get(Employer, home_id)
        cand = candidate(session, coach.coach_organisation, home, [network])
        session.commit()

        def ctx(user, at=None):
            clock = (lambda: at) if at else None
            return Context(session, actor_for(session, user), settings=app.config, clock=clock)

        check = svc.check_proposal(ctx(coach, early), cand.id, place.id, network.id)
        p = svc.propose(
            ctx(coach, early),
            svc.ProposalInput(
                candidate_id=cand.id,
                place_id=place.id,
                network_id=network.id,
                motivation="Past bij wat de kandidaat kan.",
                signal_reasons={k: "Besproken en aangepast." for k in check.signal_keys}
                | {k: "Besproken en aangepast." for k in check.conflict_keys},
                confirm_past_end=True,
            ),
        )
        svc.accept(ctx(host_user, early), p.id)
        svc.introduce(ctx(coach, early + dt.timedelta(days=1)), p.id, svc.IntroductionInput())
        svc.start(ctx(coach), p.id, on=dt.date.today() - dt.timedelta(days=days))
        placement_id = p.id
        db.session.remove()
    return placement_id


def test_certificate_only_after_completion_and_evaluation_lists_every_missing_item(
    page, base_url, live_server
):
    from pypdf import PdfReader

    app = live_server.app
    placement_id = _running_placement(app, days=15)  # 15 // 7 = two real weeks
    link = f"/placements/{placement_id}"
    login(page, base_url, HOST)
    page.goto(f"{base_url}{link}")
    expect(page.locator(".badge.status-started")).to_be_visible()
    # Running: no certificate yet, and the page says when it comes.
    expect(page.locator(f'a[href*="{link}/documents/certificate.pdf"]')).to_have_count(0)
    expect(page.get_by_text("Het ervaringscertificaat komt beschikbaar")).to_be_visible()
    assert page.request.get(f"{base_url}{link}/documents/certificate.pdf").status == 409
    check_a11y(page)

    # The evaluation: an empty form shows every missing item at once.
    page.locator(f'a[href="{link}/evaluation"]').click()
    expect(page).to_have_url(re.compile(r"/evaluation$"))
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".field-error")).to_have_count(6)  # five ratings, the overall remark
    expect(page.locator("[aria-invalid=true]")).to_have_count(6)
    check_a11y(page)
    page.locator("#tasks_done").fill("Orders verzamelen en inpakken.")
    page.locator("#overall").fill("Een betrouwbare collega; goed opgebouwd.")
    for name in ("punctuality", "quality", "cooperation", "learning", "independence"):
        page.locator(f"#{name}").fill("4")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(rf"{link}$"))

    # Completed: the certificate is there, counting the real weeks worked.
    page.locator("#outcome-completed").select_option("hired")
    _submit_move(page, "completed")
    expect(page.locator(".badge.status-completed")).to_be_visible()
    expect(page.locator(f'a[href*="{link}/documents/certificate.pdf"]')).to_have_count(2)
    check_a11y(page)
    certificate = _download_pdf(page, f"{link}/documents/certificate.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages)
    assert "(2 weken)" in " ".join(text.split())
    assert "Orders verzamelen en inpakken." in text
    logout(page)
