"""Only live places match (issue 12): a place whose period has ended cannot be offered,
published or opened again, and the daily sweep closes it with the reason "period ended",
tells its employer, who can extend it and open it again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, OutboxMessage, Place, PlaceStatus
from registry.services import places as svc
from registry.services.errors import Conflict, ValidationFailed
from tests.services.test_places import make_place

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _request(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield


def _clock(day: dt.date = TODAY):
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    return lambda: moment


def _draft(make_ctx, world, until, **kw):
    return make_place(
        make_ctx,
        world.contact_a,
        world.emp_a,
        [world.net_a],
        clock=_clock(TODAY - dt.timedelta(days=1)),
        available_from=dt.date(2020, 1, 1),
        available_until=until,
        **kw,
    )


def test_a_place_whose_period_ended_cannot_be_offered(world, make_ctx, session):
    place = _draft(make_ctx, world, dt.date(2020, 2, 1))
    with pytest.raises(ValidationFailed) as err:
        svc.submit_place(make_ctx(world.contact_a, clock=_clock()), place.id)
    assert "available_until" in err.value.errors
    message = str(err.value.errors["available_until"][0])
    assert re.search(r"1 [Ff]ebruar[iy] 2020", message), message  # readable (issue 15)
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.DRAFT
    live = _draft(make_ctx, world, TODAY)  # the last day still counts
    assert svc.submit_place(make_ctx(world.contact_a, clock=_clock()), live.id).status in (
        PlaceStatus.OPEN,
        PlaceStatus.SUBMITTED,
    )


def test_a_place_whose_period_ended_cannot_be_published(world, make_ctx, session):
    world.net_a.review_new_places = True
    session.commit()
    place = _draft(make_ctx, world, TODAY + dt.timedelta(days=3))
    svc.submit_place(make_ctx(world.contact_a, clock=_clock()), place.id)
    assert place.status == PlaceStatus.SUBMITTED
    later = TODAY + dt.timedelta(days=4)  # the coordinator reviews after the end date
    with pytest.raises(ValidationFailed):
        svc.publish_place(make_ctx(world.coordinator_a, clock=_clock(later)), place.id)
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.SUBMITTED
    published = svc.publish_place(make_ctx(world.coordinator_a, clock=_clock()), place.id)
    assert published.status == PlaceStatus.OPEN


def test_the_sweep_closes_ended_places_tells_the_employer_and_they_can_extend(
    world, make_ctx, session
):
    place = _draft(make_ctx, world, TODAY + dt.timedelta(days=10), submit=True)
    keeps = _draft(make_ctx, world, None, submit=True)
    assert place.status == PlaceStatus.OPEN
    after = TODAY + dt.timedelta(days=11)
    result = svc.sweep(make_ctx(None, clock=_clock(after)))
    assert result.closed == [place.id]
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.CLOSED
    assert session.get(Place, keeps.id).status == PlaceStatus.OPEN
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_id == place.id, AuditEvent.action == "place.period_ended"
        )
    )
    assert event is not None and event.detail["reason"] == "period ended"
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "place_period_ended"))
    assert mail is not None and mail.recipient == world.contact_a.email
    assert f"/places/{place.id}" in mail.body
    assert svc.sweep(make_ctx(None, clock=_clock(after))).closed == []  # once

    contact = make_ctx(world.contact_a, clock=_clock(after))
    # opening again needs a new end date first
    with pytest.raises(ValidationFailed):
        svc.resume_place(contact, place.id)
    data = svc.input_from_place(place, available_until=after + dt.timedelta(days=60))
    svc.update_place(contact, place.id, data)
    reopened = svc.resume_place(contact, place.id)
    assert reopened.status == PlaceStatus.OPEN


def test_a_place_closed_by_hand_stays_closed(world, make_ctx, session):
    place = _draft(make_ctx, world, TODAY + dt.timedelta(days=10), submit=True)
    svc.close_place(make_ctx(world.contact_a, clock=_clock()), place.id)
    assert not svc.closed_for_period_end(session, place)
    with pytest.raises(Conflict):
        svc.resume_place(make_ctx(world.contact_a, clock=_clock()), place.id)


def test_a_paused_place_whose_period_ended_is_not_opened_again(world, make_ctx, session):
    place = _draft(make_ctx, world, TODAY + dt.timedelta(days=10), submit=True)
    svc.pause_place(make_ctx(world.contact_a, clock=_clock()), place.id)
    with pytest.raises(ValidationFailed):
        svc.resume_place(
            make_ctx(world.contact_a, clock=_clock(TODAY + dt.timedelta(days=11))), place.id
        )


# --------------------------------------------------------------------------- web and CLI


def test_offering_an_ended_place_on_the_web_is_a_4xx_with_the_reason(
    world, client, make_ctx, session
):
    place = _draft(make_ctx, world, dt.date(2020, 2, 1))
    session.commit()
    client.login(world.contact_a.email)
    resp = client.post(f"/places/{place.id}/submit")
    assert resp.status_code == 422
    assert "1 februari 2020" in resp.get_data(as_text=True)  # a Dutch date (issue 15)
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.DRAFT


def test_the_sweep_command_closes_ended_places(world, app, make_ctx, session):
    place = _draft(make_ctx, world, dt.date.today() + dt.timedelta(days=5), submit=True)
    place.available_until = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    result = app.test_cli_runner().invoke(args=["places", "sweep"])
    assert result.exit_code == 0, result.output
    assert "closed (period ended): 1" in result.output
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.CLOSED


def test_a_place_closed_for_its_period_can_be_edited_and_opened_on_the_web(
    world, client, make_ctx, session
):
    place = _draft(make_ctx, world, dt.date.today() + dt.timedelta(days=3), submit=True)
    place.available_until = dt.date.today() - dt.timedelta(days=1)  # the web's own clock
    session.commit()
    assert svc.sweep(make_ctx(None)).closed == [place.id]
    session.commit()
    client.login(world.contact_a.email)
    html = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert f"/places/{place.id}/edit" in html and f"/places/{place.id}/resume" in html
    resp = client.post(f"/places/{place.id}/resume")  # not extended yet
    assert resp.status_code == 422
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.CLOSED
