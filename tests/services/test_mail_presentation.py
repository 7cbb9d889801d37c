"""Presentation (issue 15): every kind of mail and notification reads as a person writes
it, in the recipient's language: dates as "4 december 2026", counts with their noun in
the right form, no ISO dates and no internal (snake_case) codes."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from registry.domain.permissions import Role
from registry.domain.placement import Status
from registry.models import DeliveryMode, Notification, OutboxMessage
from registry.services import accounts, answer_deadlines, formatting, notifications, places
from registry.services import review_signals as signals
from registry.services.todo import deadline_of
from tests import factories
from tests.services.test_placement_support import (
    candidate,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
LINK = re.compile(r"\S*/\S*")  # links may carry tokens and paths; they are not prose


def _readable_problems(text: str) -> list[str]:
    prose = LINK.sub(" ", text)
    return ISO_DATE.findall(prose) + SNAKE.findall(prose)


def _every_mail(session, world, make_ctx):
    """Trigger each kind of notification and mail once; return the English host."""
    today = dt.date.today()
    host_en = factories.user(
        session, Role.EMPLOYER, email="host.en@example.nl", employers=[world.emp_a], language="en"
    )
    session.commit()
    notifications.set_preference(make_ctx(world.coach), DeliveryMode.DIGEST)
    pl = place(session, world.emp_a, [world.net_a], slots=5)
    first = proposal(
        make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl
    )
    for event in notifications._EVENTS:
        notifications.placement_event(session, first, event)
    notifications.reciprocity_warning(session, world.net_a, world.emp_b.id)
    # Reminders: starting soon, ending soon, evaluation due.
    others = [
        proposal(
            make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl
        )
        for _ in range(3)
    ]
    others[0].status, others[0].planned_start = Status.ACCEPTED, today
    others[1].status, others[1].planned_end = Status.STARTED, today
    others[2].status = Status.COMPLETED
    session.commit()
    notifications.queue_reminders(session, today)
    # A proposal past its answer deadline.
    first.proposed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    session.commit()
    assert answer_deadlines.remind_overdue_proposals(make_ctx()) == [first.id]
    # A place's review and confirmation.
    world.net_a.review_new_places = True
    session.commit()
    signals.submitted(make_ctx(world.contact_a), pl)
    signals.published(make_ctx(world.coordinator_a), pl)
    signals.sent_back(make_ctx(world.coordinator_a), pl, "Graag een kortere titel.")
    signals.confirm_reminder(make_ctx(world.coordinator_a), pl)
    # The places sweep's three mails (period ended, confirm reminder, paused).
    pl.available_until = today - dt.timedelta(days=1)
    for kind, days in (("place_period_ended", 0), ("place_reminder", 1), ("place_paused", 14)):
        places._notify(make_ctx(), pl, kind, days)
    # Accounts: a reset link and an invitation.
    accounts.request_password_reset(make_ctx(), world.contact_a.email)
    accounts.invite_user(
        make_ctx(world.admin),
        accounts.UserInput(
            email="nieuw@example.nl",
            display_name="Nieuwe Collega",
            roles=frozenset({Role.COACH}),
            coach_organisation_id=world.org.id,
        ),
    )
    session.commit()
    assert notifications.send_digests(session) == 1
    return host_en, first


def test_every_mail_and_notification_reads_without_iso_dates_or_codes(session, world, make_ctx):
    host_en, first = _every_mail(session, world, make_ctx)
    mails = session.scalars(select(OutboxMessage)).all()
    notes = session.scalars(select(Notification)).all()
    kinds = {m.kind for m in mails} | {n.kind for n in notes}  # the coach reads a digest
    assert {
        notifications.Kind.PROPOSAL_NEW,
        notifications.Kind.PROPOSAL_ACCEPTED,
        notifications.Kind.PROPOSAL_DECLINED,
        notifications.Kind.PLACEMENT_CHANGED,
        notifications.Kind.RECIPROCITY_WARNING,
        notifications.Kind.STARTING_SOON,
        notifications.Kind.ENDING_SOON,
        notifications.Kind.EVALUATION_DUE,
        notifications.Kind.ANSWER_OVERDUE,
        notifications.Kind.PLACE_SUBMITTED,
        notifications.Kind.PLACE_PUBLISHED,
        notifications.Kind.PLACE_SENT_BACK,
        notifications.Kind.LISTING_CONFIRMATION_DUE,
        notifications.Kind.DIGEST,
        "place_period_ended",
        "place_reminder",
        "place_paused",
        "password_reset",
        "invitation",
    } <= kinds
    texts = [(m.recipient, m.subject + "\n" + m.body) for m in mails]
    texts += [(str(n.user_id), n.subject + "\n" + n.body) for n in notes]
    problems = {who + ": " + text: _readable_problems(text) for who, text in texts}
    assert {k: v for k, v in problems.items() if v} == {}

    def body(recipient: str, kind: str) -> str:
        return next(m.body for m in mails if m.recipient == recipient and m.kind == kind)

    # Dutch: the answer-by date written out, counts with their noun in the right form.
    deadline = deadline_of(first)
    overdue_nl = body(world.contact_a.email, notifications.Kind.ANSWER_OVERDUE)
    assert formatting.date_long(deadline, "nl") in overdue_nl
    assert "over 1 dag gepauzeerd" in body(world.contact_a.email, "place_reminder")
    assert "binnen 14 dagen" in body(world.contact_a.email, "place_paused")
    assert formatting.date_long(first.place.available_until, "nl") in body(
        world.contact_a.email, "place_period_ended"
    )
    digest = next(m for m in mails if m.kind == notifications.Kind.DIGEST)
    assert re.fullmatch(r"Je dagelijkse overzicht: \d+ meldingen", digest.subject)
    # English for the English host, in the same run.
    overdue_en = body(host_en.email, notifications.Kind.ANSWER_OVERDUE)
    assert formatting.date_long(deadline, "en") in overdue_en and "was due on" in overdue_en
    assert "paused in 1 day and" in body(host_en.email, "place_reminder")
    new = next(m for m in mails if m.recipient == host_en.email and m.kind == "proposal_new")
    assert new.subject == "New proposal for one of your places"


def test_a_digest_of_one_notification_says_one(session, world, make_ctx):
    notifications.set_preference(make_ctx(world.contact_a), DeliveryMode.DIGEST)
    pl = place(session, world.emp_a, [world.net_a])
    proposal(make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl)
    assert notifications.send_digests(session) == 1
    digest = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == notifications.Kind.DIGEST)
    ).one()
    assert digest.subject == "Je dagelijkse overzicht: 1 melding"
