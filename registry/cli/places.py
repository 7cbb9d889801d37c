"""Places: the daily freshness sweep, and refreshing the search's derived columns."""

from __future__ import annotations

import click
from flask import current_app

group = click.Group("places", help="Places: freshness sweep, search columns.")


@group.command("sweep")
def sweep() -> None:
    """Close places whose period ended; remind employers at N-7 days and pause open
    places unconfirmed for N days."""
    from registry.extensions import db
    from registry.services import jobs
    from registry.services.context import Context
    from registry.services.places import sweep as run_sweep

    ctx = Context(session=db.session, actor=None, settings=current_app.config)
    with jobs.recorded(db.session, "places_sweep") as run:
        result = run_sweep(ctx)
        run.detail = f"reminded={len(result.reminded)} paused={len(result.paused)}"
    click.echo(f"reminded: {len(result.reminded)}")
    click.echo(f"paused: {len(result.paused)}")
    click.echo(f"closed (period ended): {len(result.closed)}")


@group.command("recode")
def recode() -> None:
    """Recompute every place's match code and conflict bits (after a catalogue change)."""
    from registry.extensions import db
    from registry.services.places import recode_all

    click.echo(f"recoded: {recode_all(db.session)}")
