"""Demo data."""

from __future__ import annotations

import click

group = click.Group("seed", help="Load demo data from seed/.")


@group.command("demo")
def demo() -> None:
    """Load the demo networks, employers, organisations and accounts (idempotent)."""
    from seed.demo import load_demo

    summary = load_demo()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@group.command("scale")
@click.option("--networks", default=20, show_default=True)
@click.option("--employers", default=2000, show_default=True)
@click.option("--places", default=100_000, show_default=True)
@click.option("--coach-organisations", default=200, show_default=True)
@click.option("--candidates", default=20_000, show_default=True)
@click.option("--placements", default=50_000, show_default=True)
@click.option("--audit-events", default=200_000, show_default=True)
@click.option("--notifications", default=60_000, show_default=True)
def scale(**sizes: int) -> None:
    """Fill an EMPTY database with a national-scale registry (for measuring pages).

    Demo logins as in the demo seed (password demo1234), each with a realistic share.
    """
    from registry.extensions import db
    from seed.scale import Sizes, load_scale

    try:
        counts = load_scale(db.session, Sizes(**sizes), echo=click.echo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for table, count in sorted(counts.items()):
        click.echo(f"{table}: {count}")
