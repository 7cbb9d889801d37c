"""Import and export of places: template, dry run, all-or-nothing, idempotence."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.domain import workload as wl
from registry.models import AuditEvent, Place, PlaceStatus
from registry.search.codec import encode_match_code
from registry.services import place_import as importer
from registry.services import places as svc
from registry.services.errors import PermissionDenied, ValidationFailed
from tests.services.test_places import make_place


@pytest.fixture(autouse=True)
def _request(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield


def count(session) -> int:
    return session.scalar(select(func.count(Place.id)))


def read_csv(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def write_csv(rows: list[dict[str, object]]) -> bytes:
    header = importer.columns()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return out.getvalue().encode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_imports_once_and_twice_changes_nothing(world, make_ctx, session, fmt):
    ctx = make_ctx(world.contact_a)
    content = importer.template_file(fmt, [world.net_a.name])
    report = importer.import_places(ctx, world.emp_a.id, f"template.{fmt}", content)
    assert report.summary() == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert not report.written and count(session) == 0  # a dry run writes nothing

    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, f"template.{fmt}", content, dry_run=False
    )
    assert report.written and count(session) == 2
    places = session.scalars(select(Place).order_by(Place.external_ref)).all()
    assert [p.external_ref for p in places] == ["VB-001", "VB-002"]
    assert all(p.status == PlaceStatus.DRAFT for p in places)
    assert places[1].demands["lifting"] == {"band": 3, "incidental": True, "adjustable": False}
    assert places[1].match_code == encode_match_code(svc.demand_facts(places[1]))
    assert places[0].completeness > 0.9

    again = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, f"template.{fmt}", content, dry_run=False
    )
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert count(session) == 2


def test_bad_rows_write_nothing_and_name_every_bad_cell(world, make_ctx, session):
    rows = read_csv(importer.template_file("csv", [world.net_a.name]))
    good, bad = rows
    bad.update(
        postcode="1000 AA",
        slots="many",
        demand_lifting="9",
        demand_standing_flags="sometimes",
        kind="castle",
        networks="Netwerk B",
        available_from="31 maart",
        exposures="heat,lava",
    )
    third = dict(good, external_ref="VB-001")  # same reference twice in one file
    content = write_csv([good, bad, third])
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "places.csv", content, dry_run=False
    )
    assert not report.written
    assert count(session) == 0
    assert [r.outcome for r in report.rows] == ["created", "rejected", "rejected"]
    bad_cells = {column for column, _ in report.rows[1].errors}
    assert {
        "slots",
        "demand_lifting",
        "demand_standing_flags",
        "kind",
        "networks",
        "available_from",
        "exposures",
    } <= bad_cells
    assert report.rows[1].row == 3
    assert report.rows[2].errors == [("external_ref", "Same reference as row 2.")]

    # The postcode is checked once the cells parse.
    bad2 = dict(good, external_ref="X", postcode="1000 AA")
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "p.csv", write_csv([bad2])
    )
    assert report.rows[0].errors[0][0] == "postcode"
    assert "four digits are a Dutch postcode area" in report.rows[0].errors[0][1]


def test_update_is_detected_and_export_round_trips(world, make_ctx, session):
    content = importer.template_file("csv", [world.net_a.name])
    importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "t.csv", content, dry_run=False
    )
    rows = read_csv(content)
    rows[0]["title"] = "Andere titel"
    rows[0]["demand_sitting"] = "1"
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "t.csv", write_csv(rows), dry_run=False
    )
    assert [r.outcome for r in report.rows] == ["updated", "unchanged"]
    assert sorted(report.rows[0].changed) == ["demands", "title"]
    assert session.scalar(select(Place.title).where(Place.external_ref == "VB-001")) == (
        "Andere titel"
    )
    updates = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "place.imported")
    )
    assert updates == 3

    # What the export writes, the import reads back as unchanged.
    places = svc.export_places(make_ctx(world.contact_a), svc.PlaceFilters(), "own")
    for fmt in ("csv", "xlsx"):
        exported = importer.export_file(fmt, places)
        report = importer.import_places(
            make_ctx(world.contact_a), world.emp_a.id, f"export.{fmt}", exported
        )
        assert [r.outcome for r in report.rows] == ["unchanged", "unchanged"], report.rows


def test_export_guards_against_formulas(world, make_ctx):
    place = make_place(make_ctx, world.contact_a, world.emp_a, [world.net_a], title="=HYPERLINK(1)")
    places = svc.export_places(make_ctx(world.contact_a), svc.PlaceFilters(), "own")
    assert places == [place]
    rows = read_csv(importer.export_file("csv", places))
    assert rows[0]["title"] == "'=HYPERLINK(1)"
    sheet = load_workbook(io.BytesIO(importer.export_file("xlsx", places))).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("title") + 1).value == "'=HYPERLINK(1)"
    assert header[: len(importer.EXPORT_EXTRA)] == list(importer.EXPORT_EXTRA)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("places.pdf", b"%PDF-1.4", "Only CSV and XLSX"),
        ("places", b"a,b", "Only CSV and XLSX"),
        ("places.xlsx", b"not a zip file", "not a readable XLSX"),
        ("places.csv", b"", "empty"),
        ("places.csv", b"title;kind\nx;stage\n", "Columns missing"),
        ("places.csv", b"\x00\x01\x02binary", "not a readable CSV"),
    ],
)
def test_unreadable_files_are_refused(world, make_ctx, session, filename, content, message):
    with pytest.raises(ValidationFailed) as info:
        importer.import_places(
            make_ctx(world.contact_a), world.emp_a.id, filename, content, dry_run=False
        )
    assert message in str(info.value.errors["file"][0])
    assert count(session) == 0


def test_only_allowed_importers(world, make_ctx):
    content = importer.template_file("csv", [world.net_a.name])
    with pytest.raises(PermissionDenied):
        importer.import_places(make_ctx(world.contact_b), world.emp_a.id, "t.csv", content)
    with pytest.raises(PermissionDenied):
        importer.import_places(make_ctx(world.coordinator_b), world.emp_a.id, "t.csv", content)
    # A coordinator may import for a member employer, offering only to their own networks.
    report = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_a.id, "t.csv", content, dry_run=False
    )
    assert report.written
    content_b = importer.template_file("csv", [world.net_a.name, world.net_b.name])
    report = importer.import_places(
        make_ctx(world.coordinator_a), world.emp_ab.id, "t.csv", content_b
    )
    assert {c for r in report.rows for c, _ in r.errors} == {"networks"}


def test_xlsx_with_native_cell_types(world, make_ctx, session):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    header = importer.columns()
    sheet.append(header)
    row = {c: None for c in header}
    row.update(
        external_ref=17,
        kind="stage",
        title="Magazijn",
        postcode="3511AB",
        networks=world.net_a.name,
        slots=2.0,
        ongoing=False,
        available_from=dt.datetime(2026, 4, 1),
        available_until=dt.date(2026, 6, 30),
        demand_lifting=2,
    )
    sheet.append([row[c] for c in header])
    out = io.BytesIO()
    workbook.save(out)
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "p.xlsx", out.getvalue(), dry_run=False
    )
    assert report.written, report.rows
    place = session.scalar(select(Place))
    assert place.external_ref == "17"
    assert place.slots == 2
    assert place.available_from == dt.date(2026, 4, 1)
    assert place.available_until == dt.date(2026, 6, 30)
    assert place.postcode == "3511 AB"
    assert place.exposures is None


def test_a_new_dimension_gets_template_columns(world, make_ctx, session):
    extra = wl.Dimension(
        "gripping",
        "IV",
        "Grijpen",
        "Gripping",
        (wl.Band("licht", "light"), wl.Band("zwaar", "heavy")),
    )
    with wl.register_dimension(extra):
        assert "demand_gripping" in importer.columns()
        rows = read_csv(importer.template_file("csv", [world.net_a.name]))
        rows[0]["demand_gripping"] = "1"
        report = importer.import_places(
            make_ctx(world.contact_a), world.emp_a.id, "t.csv", write_csv(rows), dry_run=False
        )
        assert report.written
        place = session.scalar(select(Place).where(Place.external_ref == "VB-001"))
        assert place.demands["gripping"]["band"] == 1
        assert place.match_code[len(wl.all_dimensions()) - 1] == chr(48 + 4 * 1)  # band 1


def test_an_import_cannot_lower_slots_below_the_placements_held(world, make_ctx, session):
    """Issue 12: the row is rejected with the count; a lower count that still fits is
    written atomically and fills the place."""
    content = importer.template_file("csv", [world.net_a.name])
    importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "t.csv", content, dry_run=False
    )
    place = session.scalar(select(Place).where(Place.external_ref == "VB-001"))
    place.slots, place.taken_slots, place.status = 3, 2, PlaceStatus.OPEN
    session.commit()
    rows = read_csv(content)
    rows[0]["slots"] = "1"
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "t.csv", write_csv(rows), dry_run=False
    )
    assert report.rows[0].outcome == "rejected" and not report.written
    assert any(
        "already has 2 accepted or running placements" in m for _c, m in report.rows[0].errors
    )
    rows[0]["slots"] = "2"
    report = importer.import_places(
        make_ctx(world.contact_a), world.emp_a.id, "t.csv", write_csv(rows), dry_run=False
    )
    assert report.written
    session.expire_all()
    place = session.get(Place, place.id)
    assert (place.slots, place.taken_slots, place.status) == (2, 2, PlaceStatus.FULL)
