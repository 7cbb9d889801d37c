"""Issue 13: the place import applies the single-place permission checks to every row, and
a hostile XLSX (a huge declared size, a zip bomb) is refused without costing memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from registry.models import Place
from registry.services import place_import as importer
from registry.services import places as svc
from registry.services.errors import ValidationFailed
from tests.services.test_places import make_place
from tests.services.test_places_import import read_csv, write_csv


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context(), force_locale("en"):
        yield


def _row(ref: str, network: str, **kw) -> dict[str, object]:
    row = read_csv(importer.template_file("csv", [network]))[0]
    row.update(external_ref=ref, networks=network, **kw)
    return row


# --- permissions per row -----------------------------------------------------------------


@pytest.fixture
def foreign_place(world, make_ctx, session) -> Place:
    """A place of an employer in two networks that coordinator A may not edit."""
    place = make_place(
        make_ctx,
        world.admin,
        world.emp_ab,
        [world.net_a, world.net_b],
        external_ref="AB-1",
        title="Original title",
    )
    session.commit()
    return place


def test_a_coordinator_cannot_rewrite_a_place_through_the_import(
    world, make_ctx, session, foreign_place
):
    content = write_csv([_row("AB-1", world.net_a.name, title="Rewritten", contact_name="Evil")])
    with pytest.raises(Exception) as single:  # the single-place edit refuses the same user
        svc.update_place(
            make_ctx(world.coordinator_a),
            foreign_place.id,
            svc.input_from_place(foreign_place, title="Rewritten"),
        )
    assert type(single.value).__name__ == "PermissionDenied"

    report = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_ab.id, "rows.csv", content
    )
    assert report.summary()["rejected"] == 1
    (row,) = report.rows
    assert row.errors == [
        ("external_ref", "You may not change this place; only its employer's contacts can.")
    ]

    real = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_ab.id, "rows.csv", content, dry_run=False
    )
    assert not real.written
    session.expire_all()
    place = session.get(Place, foreign_place.id)
    assert place.title == "Original title"
    assert {n.id for n in place.networks} == {world.net_a.id, world.net_b.id}


def test_the_refusal_reads_in_dutch(world, make_ctx, foreign_place):
    content = write_csv([_row("AB-1", world.net_a.name)])
    with force_locale("nl"):
        report = importer.import_places(
            make_ctx(world.coordinator_a), world.emp_ab.id, "rows.csv", content
        )
        assert report.rows[0].errors == [
            (
                "external_ref",
                "Je mag deze plek niet wijzigen; "
                "dat kunnen alleen de contactpersonen van de werkgever.",
            )
        ]


def test_a_coordinator_still_creates_places_in_their_network(
    world, make_ctx, session, foreign_place
):
    content = write_csv([_row("AB-2", world.net_a.name, title="New place")])
    report = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_ab.id, "rows.csv", content, dry_run=False
    )
    assert report.written and report.summary()["created"] == 1
    assert session.scalar(select(Place).where(Place.external_ref == "AB-2")).title == "New place"


def test_a_coordinator_cannot_offer_to_a_network_they_do_not_coordinate(world, make_ctx, session):
    content = write_csv([_row("AB-3", world.net_b.name)])
    report = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_ab.id, "rows.csv", content, dry_run=False
    )
    assert not report.written
    assert [c for c, _ in report.rows[0].errors] == ["networks"]


def test_the_host_contact_updates_and_moves_its_place(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], external_ref="A-1")
    session.commit()
    content = write_csv([_row("A-1", world.net_a.name, title="Updated by the host")])
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "rows.csv", content, dry_run=False
    )
    assert report.written and report.summary()["updated"] == 1
    session.expire_all()
    assert session.get(Place, place.id).title == "Updated by the host"


def test_a_closed_place_is_a_row_error(world, make_ctx, session):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], external_ref="A-9")
    place.status = svc.PlaceStatus.CLOSED
    session.commit()
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "r.csv", write_csv([_row("A-9", "Netwerk A")])
    )
    assert report.rows[0].errors == [
        ("external_ref", "A closed place cannot be changed. Duplicate it instead.")
    ]


# --- hostile spreadsheets ------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="places" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx(sheet_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _sheet(dimension: str, rows: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = "".join(
    _inline(f"{col}1", name)
    for col, name in zip(
        "ABCDE", ("external_ref", "kind", "title", "postcode", "networks"), strict=True
    )
)


def _peak_above_baseline(call) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def _import(world, make_ctx, content: bytes):
    return importer.import_places(make_ctx(world.contact_a), world.emp_a.id, "p.xlsx", content)


def test_a_sheet_claiming_a_huge_size_is_refused_cheaply(world, make_ctx, session):
    far_cell = _inline("XFD5002", "x")
    content = _xlsx(
        _sheet("A1:XFD5002", f'<row r="1">{HEADER}</row><row r="5002">{far_cell}</row>')
    )
    assert len(content) < 2048

    def attempt():
        with pytest.raises(ValidationFailed) as info:
            _import(world, make_ctx, content)
        assert "more than 200 columns" in str(info.value.errors["file"][0])

    assert _peak_above_baseline(attempt) < 50 * 2**20
    assert session.scalar(select(func.count(Place.id))) == 0


def test_a_declared_dimension_alone_costs_nothing(world, make_ctx):
    """Only the declared size is huge: it is ignored, the rows are read as they are."""
    row = "".join(
        _inline(f"{c}2", v)
        for c, v in zip("ABCDE", ("R-1", "stage", "T", "3511 AB", "Netwerk A"), strict=True)
    )
    content = _xlsx(_sheet("A1:XFD5002", f'<row r="1">{HEADER}</row><row r="2">{row}</row>'))

    def attempt():
        report = _import(world, make_ctx, content)
        assert len(report.rows) == 1

    assert _peak_above_baseline(attempt) < 50 * 2**20


def test_too_many_rows_are_refused_while_reading(world, make_ctx):
    rows = f'<row r="1">{HEADER}</row>' + "".join(
        f'<row r="{n}">{_inline(f"A{n}", "x")}</row>' for n in range(2, importer.MAX_SHEET_ROWS + 3)
    )
    with pytest.raises(ValidationFailed) as info:
        _import(world, make_ctx, _xlsx(_sheet("A1:A2", rows)))
    assert "At most 5000 rows" in str(info.value.errors["file"][0])


def test_a_zip_bomb_is_refused_before_parsing(world, make_ctx, monkeypatch):
    bomb = _xlsx(_sheet("A1", f'<row r="1">{HEADER}</row>' + " " * (60 * 2**20)))
    assert len(bomb) < 200 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the archive was parsed")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    monkeypatch.setattr(importer, "_scan_sheet", never)
    with pytest.raises(ValidationFailed) as info:
        _import(world, make_ctx, bomb)
    assert "unpacks to more than 50 MB" in str(info.value.errors["file"][0])


def test_a_highly_compressed_member_is_refused(world, make_ctx, monkeypatch):
    bomb = _xlsx(_sheet("A1", f'<row r="1">{HEADER}</row>' + " " * (5 * 2**20)))
    monkeypatch.setattr(importer, "_scan_sheet", lambda stream: pytest.fail("parsed"))
    with pytest.raises(ValidationFailed) as info:
        _import(world, make_ctx, bomb)
    assert "unpacks to more than" in str(info.value.errors["file"][0])


# --- through the import page ---------------------------------------------------------------


def test_the_page_shows_a_refused_row_and_a_refused_file_in_dutch(world, client, foreign_place):
    from flask import session as http_session

    http_session.pop("lang", None)
    client.login("coord.a@example.nl")
    rows = write_csv([_row("AB-1", world.net_a.name, title="Rewritten")])
    response = client.post(
        "/places/import",
        {"employer_id": str(world.emp_ab.id), "file": (io.BytesIO(rows), "rows.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Je mag deze plek niet wijzigen" in response.get_data(as_text=True)

    far_cell = _inline("XFD5002", "x")
    crafted = _xlsx(
        _sheet("A1:XFD5002", f'<row r="1">{HEADER}</row><row r="5002">{far_cell}</row>')
    )
    response = client.post(
        "/places/import",
        {"employer_id": str(world.emp_ab.id), "file": (io.BytesIO(crafted), "p.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "meer dan 200 kolommen" in response.get_data(as_text=True)
    assert foreign_place.title == "Original title"
