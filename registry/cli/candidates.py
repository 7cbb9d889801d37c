"""Candidate data retention: ``flask --app registry candidates erase-expired`` (daily)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app

group = click.Group("candidates", help="Candidates: retention of personal data.")


@group.command("erase-expired")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pretend it is this date (YYYY-MM-DD); default: today.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be erased.")
def erase_expired(today: dt.datetime | None, dry_run: bool) -> None:
    """Erase the personal data of closed trajectories past their network's retention
    period (24 months after closing by default). Run it daily, e.g. from cron."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Candidate, TrajectoryStatus
    from registry.services import candidates as svc
    from registry.services.context import Context

    clock = None
    if today is not None:
        moment = dt.datetime.combine(today.date(), dt.time(12), tzinfo=dt.UTC)
        clock = lambda: moment  # noqa: E731
    ctx = Context(session=db.session, actor=None, settings=current_app.config, clock=clock)
    if dry_run:
        due = [
            c.pseudonym
            for c in db.session.scalars(
                select(Candidate).where(Candidate.status == TrajectoryStatus.CLOSED)
            )
            if (when := svc.erasure_due_on(c)) is not None and when <= ctx.today()
        ]
        db.session.rollback()
        click.echo(f"would erase: {len(due)}")
        for pseudonym in due:
            click.echo(f"  {pseudonym}")
        return
    erased = svc.erase_expired(ctx)
    click.echo(f"erased: {len(erased)}")
    for pseudonym in erased:
        click.echo(f"  {pseudonym}")
