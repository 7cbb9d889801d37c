"""Jinja filters and globals for numbers, dates and labels in the reader's locale.

The formatting itself lives in :mod:`registry.services.formatting` (shared with PDFs,
mails and exports) and the labels in :mod:`registry.services.labels`; this module only
exposes them to the templates:

``{{ 4.6|km }}`` -> "4,6 km", ``{{ 12.5|number }}`` -> "12,5", ``{{ day|date }}`` ->
"4 december 2026", ``{{ day|date_short }}`` -> "04-12-2026", ``{{ moment|datetime }}``
-> "04-12-2026 14:05", ``{{ moment|time }}`` -> "14:05", ``{{ 0.83|percent }}`` -> "83%",
``{{ labels.PLACE_KIND|label(p.kind) }}`` or ``{{ label(labels.PLACE_STATUS, s) }}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from registry.services import formatting as fmt
from registry.services import labels


def _number(value: Any, digits: int = 1) -> str:
    return fmt.number(value, digits)


def sector_name(code: str | None) -> str:
    """The SBI section's name without its letter ("Zorg en welzijn"), or "" for none."""
    from registry.web.forms import SBI_SECTIONS

    for value, text in SBI_SECTIONS:
        if value == code and code:
            return str(text).split(" - ", 1)[-1]
    return code or ""


def import_column_help(column: str) -> str:
    """What an import column means (the import report names it next to an error)."""
    from registry.services.place_import import column_help

    return column_help(column)


def register(app: Flask) -> None:
    """Add the filters and the ``labels`` global to the app's Jinja environment, and
    translate the workload catalogue through the message catalogues."""
    labels.install_workload_translator()
    app.jinja_env.filters.update(
        number=_number,
        km=lambda v: fmt.distance(v),
        percent=lambda v: fmt.percent(v),
        date=lambda v: fmt.date_long(v),
        date_short=lambda v: fmt.date_short(v),
        month=lambda v: fmt.month_year(v),
        datetime=lambda v, short=True: fmt.date_time(v, short=short),
        time=lambda v: fmt.time_24h(v),
        label=lambda table, value: labels.label(table, value),
    )
    app.jinja_env.globals.update(
        labels=labels,
        label=labels.label,
        fit_summary=labels.fit_summary,
        sector_name=sector_name,
        import_column_help=import_column_help,
        verdict_count=labels.verdict_count,
    )
