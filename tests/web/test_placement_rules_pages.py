"""Issue 12 through the pages: the propose page only for published places and own
candidates (404 otherwise), the evaluation lists every missing item, the certificate only
for work done, and shared free text without names or medical terms."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import object_session

from registry.models import Placement, PlaceStatus
from registry.services import placements as svc
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()
TODAY = dt.date.today()
EARLY = dt.datetime.combine(TODAY - dt.timedelta(days=60), dt.time(9), tzinfo=dt.UTC)


def early(make_ctx):
    return lambda user=None, **kw: make_ctx(user, clock=lambda: EARLY, **kw)


@pytest.fixture
def cand(session, world):
    obj = candidate(
        session, world.org, world.emp_b, [world.net_a], given_name="Sanne", family_name="de Boer"
    )
    session.commit()
    return obj


def _propose_url(candidate_id: int, place_id: int) -> str:
    return f"/placements/propose?candidate={candidate_id}&place={place_id}"


def _body(response) -> str:
    """The page without the requested ids (the language links repeat the URL) and without
    the CSRF tokens (signed with the time, so they differ between two requests)."""
    html = re.sub(r"candidate=\d+&amp;place=\d+", "", response.get_data(as_text=True))
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html)


# --------------------------------------------------------------------------- propose page


@pytest.mark.parametrize(
    "status", [PlaceStatus.DRAFT, PlaceStatus.SUBMITTED, PlaceStatus.PAUSED, PlaceStatus.CLOSED]
)
def test_unpublished_place_is_404_like_a_missing_one(client, session, world, cand, status):
    pl = place(session, world.emp_a, [world.net_a], status=status)
    session.commit()
    client.login(world.coach.email)
    hidden = client.get(_propose_url(cand.id, pl.id))
    missing = client.get(_propose_url(cand.id, 987654))
    assert hidden.status_code == missing.status_code == 404
    assert _body(hidden) == _body(missing)
    posted = client.post(_propose_url(cand.id, pl.id), {"motivation": "Past goed"})
    assert posted.status_code == 404
    assert session.query(Placement).count() == 0


@pytest.mark.parametrize("status", [PlaceStatus.OPEN, PlaceStatus.FULL])
def test_published_place_opens(client, session, world, cand, status):
    pl = place(session, world.emp_a, [world.net_a], status=status)
    session.commit()
    client.login(world.coach.email)
    assert client.get(_propose_url(cand.id, pl.id)).status_code == 200


def test_forbidden_and_missing_candidates_answer_alike(client, session, world, cand):
    pl = place(session, world.emp_a, [world.net_a])
    other = candidate(session, world.org2, world.emp_b, [world.net_a])
    session.commit()
    client.login(world.coach.email)
    assert client.get(_propose_url(cand.id, pl.id)).status_code == 200
    forbidden = client.get(_propose_url(other.id, pl.id))
    missing = client.get(_propose_url(987654, pl.id))
    assert forbidden.status_code == missing.status_code == 404
    assert _body(forbidden) == _body(missing)
    assert client.post(_propose_url(other.id, pl.id), {"motivation": "x"}).status_code == 404


def test_a_name_in_the_motivation_is_refused_on_the_page(client, session, world, cand):
    pl = place(session, world.emp_a, [world.net_a])
    session.commit()
    client.login(world.coach.email)
    page = client.post(
        _propose_url(cand.id, pl.id),
        {"motivation": "Sanne heeft een b u r n o u t gehad", "network_id": world.net_a.id},
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Sanne" in html and "burn-out" in html
    assert session.query(Placement).count() == 0


# --------------------------------------------------------------------------- evaluation


def _started(session, make_ctx, world, cand, days: int) -> Placement:
    pl = place(session, world.emp_a, [world.net_a])
    session.commit()
    p = proposal(early(make_ctx), world.coach, cand, pl)
    svc.accept(early(make_ctx)(world.contact_a), p.id)
    consent_introduce(object_session(p), cand, world.emp_a)
    session.commit()
    return svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=days))


def test_empty_evaluation_shows_every_missing_item_at_once(client, session, world, make_ctx, cand):
    p = _started(session, make_ctx, world, cand, 14)
    client.login(world.contact_a.email)
    page = client.post(f"/placements/{p.id}/evaluation", {"tasks_done": "Orderpicken"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    invalid = set(re.findall(r'id="([a-z_]+)"[^>]*aria-invalid="true"', html)) | set(
        re.findall(r'aria-invalid="true"[^>]*id="([a-z_]+)"', html)
    )
    assert invalid == {*svc.EVALUATION_RATINGS, "overall"}
    session.expire_all()
    assert session.get(Placement, p.id).evaluation is None
    ok = client.post(
        f"/placements/{p.id}/evaluation",
        {"overall": "Fijne collega", **{k: "5" for k in svc.EVALUATION_RATINGS}},
    )
    assert ok.status_code == 302
    session.expire_all()
    saved = session.get(Placement, p.id).evaluation
    assert saved["overall"] == "Fijne collega" and saved["ratings"]["quality"] == 5


def test_evaluation_out_of_range_rating_is_refused(client, session, world, make_ctx, cand):
    p = _started(session, make_ctx, world, cand, 14)
    client.login(world.contact_a.email)
    data = {"overall": "Goed", **{k: "4" for k in svc.EVALUATION_RATINGS}, "quality": "9"}
    page = client.post(f"/placements/{p.id}/evaluation", data)
    assert page.status_code == 422
    session.expire_all()
    assert session.get(Placement, p.id).evaluation is None


# --------------------------------------------------------------------------- certificate


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


CERT = "documents/certificate.pdf"


def test_no_certificate_while_running(client, session, world, make_ctx, cand):
    p = _started(session, make_ctx, world, cand, 20)
    client.login(world.coach.email)
    assert CERT not in client.get(f"/placements/{p.id}").get_data(as_text=True)
    assert client.get(f"/placements/{p.id}/{CERT}").status_code == 409


@pytest.mark.parametrize(
    ("days", "step", "nl", "en"),
    [
        (7, "complete", "(1 week)", "(1 week)"),
        (20, "complete", "(2 weken)", "(2 weeks)"),
        (15, "end_early", "(2 weken)", "(2 weeks)"),
    ],
)
def test_certificate_after_the_end_counts_real_weeks(
    client, session, world, make_ctx, cand, days, step, nl, en
):
    p = _started(session, make_ctx, world, cand, days)
    host = make_ctx(world.contact_a)
    if step == "complete":
        svc.complete(host, p.id, "hired", on=TODAY)
    else:
        svc.end_early(host, p.id, "other", on=TODAY)
    client.login(world.coach.email)
    assert CERT in client.get(f"/placements/{p.id}").get_data(as_text=True)
    dutch = _pdf_text(client.get(f"/placements/{p.id}/{CERT}?lang=nl").data)
    english = _pdf_text(client.get(f"/placements/{p.id}/{CERT}?lang=en").data)
    assert nl in dutch.replace("\n", " ") and en in english.replace("\n", " ")
    from registry.services.formatting import date_long

    # dates as a reader writes them (issue 15): "4 december 2026", "4 December 2026"
    assert date_long(TODAY, "nl") in dutch.replace("\n", " ")
    assert date_long(TODAY, "en") in english.replace("\n", " ")


def test_no_certificate_for_a_placement_ended_on_its_first_day(
    client, session, world, make_ctx, cand
):
    p = _started(session, make_ctx, world, cand, 0)
    svc.end_early(make_ctx(world.contact_a), p.id, "other", on=TODAY)
    client.login(world.coach.email)
    assert CERT not in client.get(f"/placements/{p.id}").get_data(as_text=True)
    assert client.get(f"/placements/{p.id}/{CERT}").status_code == 409
