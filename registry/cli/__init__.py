"""Command-line interface: ``flask --app registry <group> <command>``."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from registry.cli import geo, mail, seed, translate

    for group in (seed.group, geo.group, translate.group, mail.group):
        app.cli.add_command(group)

    from registry.cli import ledger, notifications

    for group in (ledger.group, notifications.group):
        app.cli.add_command(group)

    from registry.cli import candidates

    app.cli.add_command(candidates.group)

    from registry.cli import places

    app.cli.add_command(places.group)

    from registry.cli import backup

    app.cli.add_command(backup.group)

    from registry.cli import webhooks

    app.cli.add_command(webhooks.group)
