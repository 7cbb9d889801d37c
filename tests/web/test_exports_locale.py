"""Issue 15: an export opens in the reader's spreadsheet with the numbers as numbers.

Dutch CSV: semicolons and decimal commas (Dutch Excel reads "83,3" as a number and
"83.3" as 833); English CSV: commas and decimal points. XLSX cells are typed: numbers
are numbers and dates are dates, never text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from tests.services.test_dashboards import scenario


def _rows(text: str, delimiter: str) -> dict[str, str]:
    return {r[0]: r[1] for r in csv.reader(io.StringIO(text), delimiter=delimiter) if len(r) == 2}


def test_dutch_csv_uses_semicolons_and_decimal_commas(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    text = (
        client.get(f"/dashboard/network/{world.net_a.id}/export.csv").get_data().decode("utf-8-sig")
    )
    assert text.splitlines()[1].count(";") == 1 and "," not in text.splitlines()[1]
    figures = _rows(text, ";")
    assert figures["Acceptatiegraad (%)"] == "83,3"
    assert figures["Voordrachten"] == "8"
    assert figures["Van"].count("-") == 2 and figures["Van"][2] == "-"  # 01-01-2026


def test_english_csv_uses_commas_and_decimal_points(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    client.post("/language", {"language": "en", "next": "/"})
    text = (
        client.get(f"/dashboard/network/{world.net_a.id}/export.csv").get_data().decode("utf-8-sig")
    )
    figures = _rows(text, ",")
    assert figures["Acceptance rate (%)"] == "83.3"
    assert dt.date.fromisoformat(figures["From"])


def test_xlsx_cells_are_typed(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    book = load_workbook(
        io.BytesIO(client.get(f"/dashboard/network/{world.net_a.id}/export.xlsx").get_data())
    )
    figures = {r[0]: r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert figures["Acceptatiegraad (%)"] == 83.3
    assert isinstance(figures["Voordrachten"], int)
    assert isinstance(figures["Van"], dt.datetime)  # a date cell, shown as dd-mm-yyyy
    cell = next(c for c in book.worksheets[0]["B"] if isinstance(c.value, dt.datetime))
    assert cell.number_format == "dd-mm-yyyy"
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for value in row[1:]:
                if isinstance(value, str):
                    assert not value.replace(",", "").replace(".", "").isdigit(), value
