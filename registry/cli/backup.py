"""Backups: ``flask --app registry backup create PATH`` and ``backup restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click

from registry.extensions import db
from registry.services import backups

group = click.Group("backup", help="Back up the database, and restore a backup.")


@group.command("create")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False))
def create(path: Path) -> None:
    """Write a consistent backup and its manifest into the new folder PATH."""
    try:
        manifest = backups.create_backup(db.engine, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backup written to {path}: {manifest.dialect}, schema {manifest.schema_revision}, "
        f"{len(manifest.tables)} tables, {manifest.rows} rows, sha256 {manifest.sha256[:16]}..."
    )
    for note in manifest.notes:
        click.echo(f"Note: {note}", err=True)


@group.command("restore")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
def restore(path: Path) -> None:
    """Restore the backup in PATH into the configured, EMPTY database."""
    try:
        manifest = backups.restore_backup(db.engine, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored {manifest.rows} rows in {len(manifest.tables)} tables from {path} "
        f"(made {manifest.created_at}, schema {manifest.schema_revision}); row counts checked."
    )
    click.echo("Next: flask --app registry db upgrade (if this code is newer), ledger check.")
