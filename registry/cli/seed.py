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
