"""The demo shows match alerts (issue 20): coach@voorbeeld.nl follows a search, and when
werkgever@voorbeeld.nl offers the fitting draft, the alert reaches the coach's inbox and
the mail outbox."""

from __future__ import annotations

from sqlalchemy import select

from registry.models import Notification, OutboxMessage, Place, PlaceStatus
from registry.models.alerts import SearchFollow
from registry.search import alerts
from registry.services import places as place_svc
from registry.services.accounts import actor_for, find_user_by_email
from registry.services.context import Context
from seed.alerts import ALERT_DRAFT_REF
from seed.demo import load_demo


def test_offering_the_demo_draft_reaches_the_following_coach(app, session):
    load_demo(session)
    coach = find_user_by_email(session, "coach@voorbeeld.nl")
    employer = find_user_by_email(session, "werkgever@voorbeeld.nl")
    follow = session.scalar(select(SearchFollow).where(SearchFollow.user_id == coach.id))
    assert follow is not None and follow.active
    draft = session.scalar(select(Place).where(Place.external_ref == ALERT_DRAFT_REF))
    assert draft.status == PlaceStatus.DRAFT
    with app.test_request_context():
        ctx = Context(session=session, actor=actor_for(session, employer), settings=app.config)
        place = place_svc.submit_place(ctx, draft.id)
    assert place.status == PlaceStatus.OPEN
    note = session.scalar(
        select(Notification).where(
            Notification.user_id == coach.id, Notification.kind == alerts.KIND_MATCH
        )
    )
    assert note is not None and draft.title in note.subject
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == coach.email))
    assert mail is not None and draft.title in mail.subject
    # Loading the demo again adds nothing.
    assert load_demo(session)["followed_searches"] == 0
