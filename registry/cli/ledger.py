"""The reciprocity ledger: prove the stored entries equal a recompute from the placements."""

from __future__ import annotations

import datetime as dt

import click

from registry.extensions import db
from registry.services import ledger as ledger_service

group = click.Group("ledger", help="Reciprocity ledger.")


@group.command("check")
@click.option(
    "--repair",
    is_flag=True,
    help="Append reversing and fresh postings so the stored ledger matches (never edits).",
)
def check(repair: bool) -> None:
    """Recompute the ledger from the placements; exit 1 on any difference."""
    problems = ledger_service.check(db.session)
    if not problems:
        entries = len(ledger_service.stored_rows(db.session))
        click.echo(f"Ledger OK: {entries} entries agree with the placements.")
        return
    click.echo(f"LEDGER MISMATCH: {len(problems)} difference(s)", err=True)
    for d in problems:
        click.echo(
            f"  network={d.network_id} placement={d.placement_id} employer={d.employer_id} "
            f"unit={d.unit} expected={d.expected} stored={d.stored}",
            err=True,
        )
    if repair:
        rows = ledger_service.repair(db.session, dt.date.today())
        click.echo(f"Appended {len(rows)} correcting entries.", err=True)
    raise SystemExit(1)
