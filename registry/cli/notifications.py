"""Notifications: reminders, daily digests and outbox delivery (schedule e.g. every 10 min)."""

from __future__ import annotations

import click
from flask import current_app

from registry.extensions import db
from registry.models.base import utcnow
from registry.services import answer_deadlines, jobs
from registry.services import mail as mail_service
from registry.services import notifications as service
from registry.services.context import Context

group = click.Group("notifications", help="In-app notifications and their e-mail.")


@group.command("send")
def send() -> None:
    """Queue due reminders and digests, then deliver the outbox (failures are retried)."""
    with jobs.recorded(db.session, "notifications") as run:
        # Proposals past their answer deadline remind the host once (issue 14).
        overdue = answer_deadlines.remind_overdue_proposals(
            Context(session=db.session, actor=None, settings=current_app.config)
        )
        summary = service.run(db.session, mail_service.transport_for(current_app.config))
        run.ok = not summary.failed
        run.detail = (
            f"overdue={len(overdue)} reminders={summary.reminders} "
            f"sent={summary.sent} failed={summary.failed}"
        )
    # The run delivered the outbox too: that counts as a run of the mail job.
    jobs.record(db.session, "mail", utcnow(), not summary.failed, f"sent={summary.sent}")
    click.echo(
        f"overdue={len(overdue)} reminders={summary.reminders} digests={summary.digests} "
        f"sent={summary.sent} failed={summary.failed}"
    )
    if summary.failed:
        raise SystemExit(1)
