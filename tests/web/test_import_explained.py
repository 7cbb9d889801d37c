"""Issue 15: the import template explains every column in the reader's language, and an
import error names the column with its explanation."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from registry.services import place_import as importer


def test_the_template_has_a_sheet_explaining_every_column_in_dutch(world, client):
    client.login(world.contact_a.email)
    response = client.get(f"/places/import/template.xlsx?employer_id={world.emp_a.id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 2 and book.sheetnames[1] == "Toelichting"
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[0] == ("Kolom", "Betekenis", "Waarden")
    explained = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert set(explained) == set(importer.columns())
    assert all(meaning for meaning, _values in explained.values())
    assert explained["demand_lifting"][0] == "Belasting: Tillen"
    assert "0 = tot 2 kg" in explained["demand_lifting"][1]
    assert "werkervaringsplaats = Werkervaringsplaats" in explained["kind"][1]
    assert explained["min_hours_week"][0] == "Minimaal aantal uren per week"


def test_an_import_error_names_the_column_and_its_meaning(world, client):
    client.login(world.contact_a.email)
    header = importer.columns()
    row = {c: "" for c in header}
    row.update(
        external_ref="R1",
        kind="stage",
        title="Plek",
        postcode="3511 AB",
        networks=world.net_a.name,
        demand_lifting="9",
    )
    content = importer.to_csv(header, [row])
    upload = {"employer_id": str(world.emp_a.id), "file": (io.BytesIO(content), "places.csv")}
    html = client.post("/places/import", upload, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "<strong>demand_lifting</strong> (Belasting: Tillen):" in html


def test_the_place_form_follows_the_fml_sections_in_order(world, client):
    client.login(world.contact_a.email)
    html = client.get(f"/places/new?employer_id={world.emp_a.id}").get_data(as_text=True)
    positions = [html.index(f'id="section-{code}"') for code in ("I", "II", "III", "IV", "V", "VI")]
    assert positions == sorted(positions)
    assert "III. Fysieke omgevingseisen" in html
    # driving is in section II (domain/workload.md), so it is shown there
    section_ii = html[html.index('id="section-II"') : html.index('id="section-III"')]
    assert 'id="dimension-driving"' in section_ii and "Een voertuig besturen" in section_ii
