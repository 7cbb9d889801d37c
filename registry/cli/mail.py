"""Deliver queued e-mail (schedule this, e.g. every minute)."""

from __future__ import annotations

import click
from flask import current_app

from registry.extensions import db
from registry.services import jobs
from registry.services import mail as mail_service

group = click.Group("mail", help="E-mail outbox.")


@group.command("send")
def send() -> None:
    """Send due messages from the outbox; failures are retried on a later run."""
    with jobs.recorded(db.session, "mail") as run:
        sent, failed = mail_service.deliver_pending(
            db.session, mail_service.transport_for(current_app.config)
        )
        run.ok = not failed
        run.detail = f"sent={sent} failed={failed}"
    click.echo(f"sent={sent} failed={failed}")
    if failed:
        raise SystemExit(1)
