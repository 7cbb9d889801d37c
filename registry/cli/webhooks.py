"""Webhook delivery (issue 18): schedule ``flask --app registry webhooks deliver`` like
``mail send`` (e.g. every minute)."""

from __future__ import annotations

import click
from flask import current_app

from registry.extensions import db
from registry.search.place_matches import fitting_candidates
from registry.services import jobs
from registry.services import webhooks as service
from registry.services.context import Context

group = click.Group("webhooks", help="Webhook endpoints and their outbox.")


@group.command("deliver")
def deliver() -> None:
    """Match new places for ``candidate.match_new``, then send due messages; failures
    are retried with back-off for a day."""
    with jobs.recorded(db.session, "webhooks") as run:
        today = Context(session=db.session, actor=None, settings=current_app.config).today()
        expanded = service.expand_matches(db.session, fitting_candidates, today)
        summary = service.deliver_pending(
            db.session, settings=service.DeliverySettings.from_config(current_app.config)
        )
        # An unreachable partner is the partner's problem, not a failed run: the log and
        # the failing mark on the endpoint tell its owner.
        run.detail = (
            f"matches={expanded} sent={summary.sent} failed={summary.failed} "
            f"gave_up={summary.gave_up}"
        )
    click.echo(
        f"matches={expanded} sent={summary.sent} failed={summary.failed} gave_up={summary.gave_up}"
    )
