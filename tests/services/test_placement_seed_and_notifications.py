"""Demo placements seed, and the notifications command (digest, retry)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from registry.domain.placement import Status
from registry.models import DeliveryMode, Notification, OutboxMessage, Placement
from registry.services import ledger as ledger_service
from registry.services import notifications
from seed.placements import load_placements
from tests.services.test_placement_support import (
    candidate,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()


def test_seed_is_a_no_op_without_places_and_candidates(session, world):
    assert load_placements(session) == 0
    assert session.scalar(select(func.count(Placement.id))) == 0


def test_seed_creates_placements_in_many_states_and_a_sound_ledger(session, world):
    for _ in range(4):
        place(session, world.emp_a, [world.net_a], slots=3)
        place(session, world.emp_ab, [world.net_a], slots=3)
    homes = [world.emp_ab, world.emp_a, world.emp_ab]
    for i in range(12):
        candidate(session, world.org, homes[i % 3], [world.net_a])
    session.commit()
    created = load_placements(session)
    assert created == 12
    statuses = set(session.scalars(select(Placement.status)))
    assert {Status.COMPLETED, Status.STARTED, Status.PROPOSED, Status.DECLINED} <= statuses
    assert ledger_service.check(session) == []
    assert ledger_service.balances(session)  # givers and takers exist
    # Every demo placement that started was introduced first, on true dates (issue 12).
    from registry.services import placements as svc

    for p in session.scalars(select(Placement).where(Placement.started_on.is_not(None))):
        assert svc.introduced(p) and p.introduction_recorded_at is not None, p.id
        accepted = next(t.at.date() for t in p.transitions if t.to_status is Status.ACCEPTED)
        assert accepted <= p.introduction_recorded_at.date() <= p.started_on
        assert p.ended_on is None or p.started_on <= p.ended_on <= dt.date.today()
    assert load_placements(session) == 0  # idempotent


class FailingTransport:
    def send(self, message):
        raise OSError("smtp down")


class RecordingTransport:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def test_digest_users_get_one_mail_and_failures_are_retried(session, world, make_ctx):
    notifications.set_preference(make_ctx(world.contact_a), DeliveryMode.DIGEST)
    pl = place(session, world.emp_a, [world.net_a], slots=3)
    for _ in range(2):
        proposal(
            make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl
        )
    assert (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient == world.contact_a.email
            )
        )
        == 0
    )
    assert notifications.unread_count(session, world.contact_a.id) == 2
    summary = notifications.run(session, FailingTransport())
    assert summary.digests == 1 and summary.failed >= 1 and summary.sent == 0
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    assert pending and all(m.attempts == 1 and m.last_error for m in pending)
    transport = RecordingTransport()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    again = notifications.run(session, transport, now=later)
    assert again.digests == 0  # at most one digest a day
    digest = [m for m in transport.sent if m.recipient == world.contact_a.email]
    assert len(digest) == 1 and digest[0].body.count("\n") == 1  # two lines, one mail
    assert (
        session.scalar(select(func.count(Notification.id)).where(Notification.emailed_at.is_(None)))
        == 0
    )


def test_notifications_send_command(app, session, world):
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "reminders=0 digests=0 sent=0 failed=0" in result.output
