"""Notifications: reminders, daily digests and outbox delivery (schedule e.g. every 10 min)."""

from __future__ import annotations

import click
from flask import current_app

from registry.extensions import db
from registry.services import mail as mail_service
from registry.services import notifications as service

group = click.Group("notifications", help="In-app notifications and their e-mail.")


@group.command("send")
def send() -> None:
    """Queue due reminders and digests, then deliver the outbox (failures are retried)."""
    summary = service.run(db.session, mail_service.transport_for(current_app.config))
    click.echo(
        f"reminders={summary.reminders} digests={summary.digests} "
        f"sent={summary.sent} failed={summary.failed}"
    )
    if summary.failed:
        raise SystemExit(1)
