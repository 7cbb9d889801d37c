"""Import and export of places as CSV or XLSX.

One column layout serves the downloadable template, the import and the export (so an
exported list can be edited and imported again): the fields of a place, then two columns
per catalogue dimension (``demand_<key>`` = band number, ``demand_<key>_flags`` =
incidental and/or adjustable). Columns are generated from the catalogue, so a new
dimension gets its columns without a code change.

An import is always analysed first (a dry run with a row-by-row report: created,
updated, unchanged, or rejected with the reason per cell). The real import writes all
rows in one transaction, or nothing when any row is rejected. Rows are matched on
``external_ref`` per employer, so importing the same file again changes nothing.

Size (over 500 lines): the column layout, CSV and XLSX parsing, the per-cell report
and the export are one round trip; split, one file format would span several modules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.domain.permissions import Action
from registry.domain.workload import CONDITIONS, EXPOSURES, Demand, all_dimensions
from registry.models import Place, PlaceKind, PlaceStatus
from registry.services import labels
from registry.services import places as svc
from registry.services.context import Context
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed

MAX_ROWS = 5000
# XLSX limits (issue 13): checked on the archive and while streaming, before any parsing.
MAX_SHEET_ROWS = MAX_ROWS + 1 + 100  # header, the places, a few empty formatted rows
MAX_COLUMNS = 200
MAX_XLSX_MEMBERS = 200
MAX_XLSX_UNPACKED = 50 * 2**20
MAX_XLSX_RATIO = 100
XLSX_RATIO_FROM = 2**20  # small members may compress better than that
ALLOWED_EXTENSIONS = ("csv", "xlsx")

BASE_COLUMNS = (
    "external_ref",
    "kind",
    "title",
    "function",
    "sector",
    "description",
    "postcode",
    "house_number",
    "networks",
    "slots",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "schedule_days",
    "evening_work",
    "weekend_work",
    "available_from",
    "available_until",
    "ongoing",
    "typical_weeks",
    "intake_cap_per_month",
    "offers",
    "contact_name",
    "contact_email",
    "contact_phone",
    "exposures",
    "conditions",
)
REQUIRED_COLUMNS = ("external_ref", "kind", "title", "postcode", "networks")
INT_COLUMNS = ("slots", "min_hours_week", "usual_hours_week", "typical_weeks")
INT_COLUMNS += ("intake_cap_per_month",)
BOOL_COLUMNS = ("lower_start_allowed", "evening_work", "weekend_work", "ongoing")
DATE_COLUMNS = ("available_from", "available_until")
EXPORT_EXTRA = ("id", "status", "employer", "town", "completeness", "last_confirmed_at")
# Service field name -> import column.
FIELD_TO_COLUMN = {"network_ids": "networks", "offers_conditions": "conditions"}

TRUE = {"1", "yes", "y", "ja", "j", "true", "waar", "x"}
FALSE = {"0", "no", "n", "nee", "false", "onwaar", ""}
NONE_WORDS = {"none", "geen", "-"}
LIST_SPLIT = re.compile(r"[,;|]")
NETWORK_SPLIT = re.compile(r"[;|]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def demand_columns() -> list[str]:
    out = []
    for dim in all_dimensions():
        out += [f"demand_{dim.key}", f"demand_{dim.key}_flags"]
    return out


def columns() -> list[str]:
    """The import/template columns, in order."""
    return [*BASE_COLUMNS, *demand_columns()]


# --- reading files -------------------------------------------------------------------------


def _extension(filename: str) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for every non-empty data row of a CSV or XLSX file."""
    ext = _extension(filename)
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationFailed.field("file", _l("Only CSV and XLSX files can be imported."))
    if not content:
        raise ValidationFailed.field("file", _l("The file is empty."))
    rows = _read_csv(content) if ext == "csv" else _read_xlsx(content)
    if not rows:
        raise ValidationFailed.field("file", _l("The file is empty."))
    header = [str(h or "").strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed.field(
            "file",
            _l("Columns missing: %(columns)s. Use the template.", columns=", ".join(missing)),
        )
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in raw):
            continue
        out.append((number, {h: (raw[i] if i < len(raw) else None) for i, h in enumerate(header)}))
        if len(out) > MAX_ROWS:
            raise ValidationFailed.field(
                "file", _l("At most %(n)s rows can be imported at once.", n=MAX_ROWS)
            )
    return out


def _read_csv(content: bytes) -> list[list[Any]]:
    if b"\x00" in content[:4096]:
        raise ValidationFailed.field("file", _l("This is not a readable CSV file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ValidationFailed.field("file", _l("This is not a readable CSV file.")) from exc


def _xlsx_refused(message: object) -> ValidationFailed:
    return ValidationFailed.field("file", message)


def check_xlsx_archive(content: bytes) -> zipfile.ZipFile:
    """Open the XLSX zip archive after bounding it (issue 13): no more than
    MAX_XLSX_MEMBERS members, MAX_XLSX_UNPACKED bytes unpacked in all, and no member
    unpacking to more than MAX_XLSX_RATIO times its packed size (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _xlsx_refused(_l("This is not a readable XLSX file.")) from exc
    too_big = _l(
        "This XLSX file unpacks to more than %(mb)s MB. Save it again with only the places, "
        "or split it.",
        mb=MAX_XLSX_UNPACKED // 2**20,
    )
    if len(members) > MAX_XLSX_MEMBERS or sum(m.file_size for m in members) > MAX_XLSX_UNPACKED:
        raise _xlsx_refused(too_big)
    for member in members:
        if member.file_size > XLSX_RATIO_FROM and member.file_size > MAX_XLSX_RATIO * max(
            member.compress_size, 1
        ):
            raise _xlsx_refused(too_big)
    return archive


def _column_number(ref: str) -> int:
    """1 for A, 27 for AA, ... (0 when the reference has no letters)."""
    number = 0
    for char in ref:
        if not "A" <= char <= "Z":
            break
        number = number * 26 + ord(char) - 64
    return number


def _scan_sheet(stream) -> None:
    """Walk one sheet's XML as a stream and stop at the caps: at most MAX_SHEET_ROWS
    rows and MAX_COLUMNS columns actually present, whatever the declared dimension says."""
    too_many_rows = _l("At most %(n)s rows can be imported at once.", n=MAX_ROWS)
    too_many_columns = _l("The sheet has more than %(n)s columns. Use the template.", n=MAX_COLUMNS)
    rows = 0
    root = None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if root is None:
            root = element
        if event == "start":
            if tag == "row":
                rows += 1
                number = element.get("r", "")
                if rows > MAX_SHEET_ROWS or (number.isdigit() and int(number) > MAX_SHEET_ROWS):
                    raise _xlsx_refused(too_many_rows)
                cells = 0
            continue
        if tag == "c":
            cells += 1
            if cells > MAX_COLUMNS or _column_number(element.get("r", "")) > MAX_COLUMNS:
                raise _xlsx_refused(too_many_columns)
        elif tag == "row":
            root.clear()  # keep nothing of the rows already checked


def _read_xlsx(content: bytes) -> list[list[Any]]:
    """The first sheet's rows: the archive and every sheet are bounded before openpyxl
    parses anything, and openpyxl then reads in streaming mode within the caps."""
    from openpyxl import load_workbook

    archive = check_xlsx_archive(content)
    try:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as stream:
                    _scan_sheet(stream)
    except ValidationFailed:
        raise
    except Exception as exc:  # ParseError, BadZipFile, KeyError, ...
        raise _xlsx_refused(_l("This is not a readable XLSX file.")) from exc
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise _xlsx_refused(_l("This is not a readable XLSX file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # never trust the declared size
        rows = []
        for values in sheet.iter_rows(
            max_row=MAX_SHEET_ROWS, max_col=MAX_COLUMNS, values_only=True
        ):
            rows.append(list(values))
        return rows
    except Exception as exc:
        raise _xlsx_refused(_l("This is not a readable XLSX file.")) from exc
    finally:
        workbook.close()


# --- parsing cells -------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_START:
        text = text[1:]  # our own export guard against spreadsheet formulas
    return text


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_l("Enter a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?[0-9]{1,6}", text):
        return int(text)
    raise CellError(_l("Enter a whole number."))


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = _s(value).lower()
    if text == "":
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError(_l("Enter yes or no."))


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _s(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_l("Enter a date like 2026-03-31."))


def _keys(value: Any) -> tuple[str, ...]:
    return tuple(k.strip().lower() for k in LIST_SPLIT.split(_s(value)) if k.strip())


def _flags(value: Any, known: Iterable[str]) -> frozenset[str] | None:
    text = _s(value).lower()
    if not text:
        return None
    if text in NONE_WORDS:
        return frozenset()
    keys = _keys(text)
    unknown = [k for k in keys if k not in set(known)]
    if unknown:
        raise CellError(_l("Unknown value: %(values)s.", values=", ".join(unknown)))
    return frozenset(keys)


def _demand_flags(value: Any) -> tuple[bool, bool]:
    incidental = adjustable = False
    for word in _keys(value):
        if word in {"i", "incidental", "incidenteel"}:
            incidental = True
        elif word in {"a", "adjustable", "aanpasbaar"}:
            adjustable = True
        else:
            raise CellError(_l("Use incidental and/or adjustable."))
    return incidental, adjustable


@dataclass
class RowReport:
    row: int
    external_ref: str
    title: str
    outcome: str = ""  # created, updated, unchanged, rejected
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    changed: list[str] = field(default_factory=list)
    place_id: int | None = None


@dataclass
class ImportReport:
    filename: str
    rows: list[RowReport]
    written: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def summary(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("created", "updated", "unchanged", "rejected")}


def _row_input(
    raw: Mapping[str, Any], networks_by_name: Mapping[str, int], errors: list[tuple[str, str]]
) -> svc.PlaceInput | None:
    values: dict[str, Any] = {}

    def cell(column: str, parse, *args) -> Any:
        try:
            return parse(raw.get(column), *args)
        except CellError as exc:
            errors.append((column, str(exc.message)))
            return None

    for column in ("external_ref", "title", "function", "sector", "description", "postcode"):
        values[column] = _s(raw.get(column))
    for column in ("house_number", "contact_name", "contact_email", "contact_phone"):
        values[column] = _s(raw.get(column))
    kind = _s(raw.get("kind")).lower()
    if kind not in {k.value for k in PlaceKind}:
        errors.append(("kind", str(_l("Use one of: %(values)s.", values=", ".join(PlaceKind)))))
    values["kind"] = kind
    if not values["external_ref"]:
        errors.append(("external_ref", str(_l("Every row needs a reference."))))
    for column in INT_COLUMNS:
        values[column] = cell(column, _int)
    if values["slots"] is None:
        values["slots"] = 1
    for column in BOOL_COLUMNS:
        values[column] = cell(column, _bool, column == "ongoing")
        if values[column] is None:
            values[column] = column == "ongoing"
    for column in DATE_COLUMNS:
        values[column] = cell(column, _date)
    values["schedule_days"] = _keys(raw.get("schedule_days"))
    bad_days = [d for d in values["schedule_days"] if d not in svc.DAYS]
    if bad_days:
        errors.append(("schedule_days", str(_l("Use day codes: %(v)s.", v=", ".join(svc.DAYS)))))
    values["offers"] = _keys(raw.get("offers"))
    bad_offers = [o for o in values["offers"] if o not in svc.OFFERS]
    if bad_offers:
        errors.append(("offers", str(_l("Use: %(v)s.", v=", ".join(svc.OFFERS)))))
    values["exposures"] = cell("exposures", _flags, [f.key for f in EXPOSURES])
    values["offers_conditions"] = cell("conditions", _flags, [f.key for f in CONDITIONS])

    ids = []
    for name in NETWORK_SPLIT.split(_s(raw.get("networks"))):
        name = name.strip()
        if not name:
            continue
        nid = networks_by_name.get(name.lower())
        if nid is None:
            errors.append(
                ("networks", str(_l("The employer is not admitted to network %(n)s.", n=name)))
            )
        else:
            ids.append(nid)
    values["network_ids"] = tuple(ids)

    demands = {}
    for dim in all_dimensions():
        column = f"demand_{dim.key}"
        band = cell(column, _int)
        flags = cell(f"{column}_flags", _demand_flags) or (False, False)
        if band is None:
            continue
        if not 0 <= band <= dim.heaviest:
            errors.append((column, str(_l("Use a level from 0 to %(n)s.", n=dim.heaviest))))
            continue
        demands[dim.key] = Demand(band, flags[0], flags[1])
    values["demands"] = demands
    if errors:
        return None
    return svc.PlaceInput(**values)


def _write_denial(
    ctx: Context, employer_id: int, data: svc.PlaceInput, place: Place | None
) -> list[tuple[str, str]]:
    """The row errors of the single-place create/edit permission checks (none: allowed)."""
    try:
        svc.require_write(ctx, employer_id, data.network_ids, place)
    except PermissionDenied as denied:
        if denied.action == Action.PLACE_EDIT:
            message = _l("You may not change this place; only its employer's contacts can.")
            return [("external_ref", str(message))]
        return [("networks", str(_l("You may not offer places to these networks.")))]
    except Conflict as conflict:
        return [("external_ref", str(conflict.message))]
    return []


def analyse(
    ctx: Context, employer_id: int, table: list[tuple[int, dict[str, Any]]], filename: str = ""
) -> tuple[ImportReport, list[tuple[RowReport, svc.PlaceInput, dict[str, Any], Place | None]]]:
    """Check every row without writing: the report, and what a real import would apply."""
    networks_by_name = {
        n.name.lower(): n.id for n in svc.admitted_networks(ctx.session, employer_id)
    }
    existing = {
        p.external_ref: p
        for p in ctx.session.scalars(
            select(Place).where(Place.employer_id == employer_id, Place.external_ref.is_not(None))
        )
    }
    seen: dict[str, int] = {}
    reports, plan = [], []
    for number, raw in table:
        errors: list[tuple[str, str]] = []
        report = RowReport(number, _s(raw.get("external_ref")), _s(raw.get("title")))
        reports.append(report)
        data = _row_input(raw, networks_by_name, errors)
        ref = report.external_ref
        if ref and ref in seen:
            errors.append(
                ("external_ref", str(_l("Same reference as row %(row)s.", row=seen[ref])))
            )
        elif ref:
            seen[ref] = number
        place = existing.get(ref) if ref else None
        values: dict[str, Any] = {}
        if data is not None and not errors:
            errors += _write_denial(ctx, employer_id, data, place)
            values, field_errors = svc.check_input(
                ctx, employer_id, data, existing=place, geocode=False
            )
            for name, messages in field_errors.items():
                column = FIELD_TO_COLUMN.get(name, name)
                errors.extend((column, str(m)) for m in messages)
            taken = place.taken_slots if place is not None else 0
            if values.get("slots") is not None and values["slots"] < taken:
                errors.append(
                    (FIELD_TO_COLUMN.get("slots", "slots"), str(svc._slots_below_taken(taken)))
                )
        if errors:
            report.outcome = "rejected"
            report.errors = errors
            continue
        if place is None:
            report.outcome = "created"
        else:
            report.place_id = place.id
            report.changed = svc.changed_fields(place, values)
            report.outcome = "updated" if report.changed else "unchanged"
        plan.append((report, data, values, place))
    return ImportReport(filename, reports), plan


def import_places(
    ctx: Context,
    employer_id: int,
    filename: str,
    content: bytes,
    *,
    dry_run: bool = True,
    submit_new: bool = False,
) -> ImportReport:
    """Analyse a file and, unless ``dry_run``, write it all in one transaction.

    With any rejected row nothing is written (``report.written`` stays False).
    """
    employer = svc.get_employer_for_places(ctx, employer_id)
    if ctx.actor is None or employer.id not in {e.id for e in svc.creatable_employers(ctx)}:
        raise PermissionDenied(Action.PLACE_CREATE)
    table = read_table(filename, content)
    report, plan = analyse(ctx, employer.id, table, filename)
    if dry_run or not report.ok:
        ctx.session.rollback()
        return report
    with ctx.transaction():
        for row, _data, values, place in plan:
            if row.outcome == "unchanged":
                continue
            if place is None:
                place = Place(employer_id=employer.id, status=PlaceStatus.DRAFT)
                svc._apply(place, values)
                ctx.session.add(place)
                ctx.session.flush()
                row.place_id = place.id
                ctx.audit("place.imported", "place", place.id, outcome="created", row=row.row)
                if submit_new:
                    svc._submit(ctx, place)
            else:
                values = dict(values)
                slots = values.pop("slots", None)
                if slots is not None and slots != place.slots:
                    svc._set_slots(ctx, place, slots)  # atomic with accepts (issue 12)
                svc._apply(place, values)
                if place.status in (PlaceStatus.OPEN, PlaceStatus.FULL):
                    place.last_confirmed_at = ctx.now()
                    place.reminder_sent_at = None
                ctx.audit(
                    "place.imported", "place", place.id, outcome="updated", changed=row.changed
                )
        ctx.audit(
            "place.import", "employer", employer.id, filename=filename[:200], **report.summary()
        )
    report.written = True
    return report


# --- writing files -------------------------------------------------------------------------


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def place_row(place: Place) -> dict[str, Any]:
    """A place in the import/export layout (plus read-only export columns)."""
    row: dict[str, Any] = {
        "external_ref": place.external_ref or "",
        "kind": place.kind.value,
        "title": place.title,
        "function": place.function,
        "sector": place.sector,
        "description": place.description,
        "postcode": place.postcode,
        "house_number": place.house_number,
        "networks": "; ".join(n.name for n in sorted(place.networks, key=lambda n: n.name)),
        "slots": place.slots,
        "min_hours_week": place.min_hours_week,
        "usual_hours_week": place.usual_hours_week,
        "lower_start_allowed": _yn(place.lower_start_allowed),
        "schedule_days": ",".join(place.schedule_days or ()),
        "evening_work": _yn(place.evening_work),
        "weekend_work": _yn(place.weekend_work),
        "available_from": place.available_from.isoformat() if place.available_from else "",
        "available_until": place.available_until.isoformat() if place.available_until else "",
        "ongoing": _yn(place.ongoing),
        "typical_weeks": place.typical_weeks,
        "intake_cap_per_month": place.intake_cap_per_month,
        "offers": ",".join(place.offers or ()),
        "contact_name": place.contact_name,
        "contact_email": place.contact_email,
        "contact_phone": place.contact_phone,
        "exposures": _flag_cell(place.exposures),
        "conditions": _flag_cell(place.offers_conditions),
    }
    demands = svc.place_demands(place)
    for dim in all_dimensions():
        d = demands.get(dim.key)
        row[f"demand_{dim.key}"] = "" if d is None else d.band
        flags = (
            []
            if d is None
            else [n for n, on in (("incidental", d.incidental), ("adjustable", d.adjustable)) if on]
        )
        row[f"demand_{dim.key}_flags"] = ",".join(flags)
    confirmed = place.last_confirmed_at
    row.update(
        id=place.id,
        status=place.status.value,
        employer=place.employer.name,
        town=place.town,
        completeness=round(place.completeness * 100),
        last_confirmed_at=confirmed.strftime("%Y-%m-%d %H:%M") if confirmed else "",
    )
    return row


def _flag_cell(values: list[str] | None) -> str:
    if values is None:
        return ""
    return ",".join(values) if values else "none"


def example_rows(network_names: list[str]) -> list[dict[str, Any]]:
    """Two example places for the template (importable as they are)."""
    from registry.services.place_templates import get_template

    networks = "; ".join(network_names)
    rows = []
    for ref, key, postcode in (
        ("VB-001", "admin_assistant", "3511 AB"),
        ("VB-002", "warehouse_worker", "7514 AE"),
    ):
        t = get_template(key)
        assert t is not None
        row: dict[str, Any] = {c: "" for c in columns()}
        row.update(
            external_ref=ref,
            kind=t.kind.value,
            title=str(t.title),
            function=str(t.function),
            sector=t.sector,
            description=str(t.summary),
            postcode=postcode,
            networks=networks,
            slots=1,
            min_hours_week=t.min_hours_week,
            usual_hours_week=t.usual_hours_week,
            lower_start_allowed="yes",
            schedule_days=",".join(t.schedule_days),
            evening_work="no",
            weekend_work="no",
            ongoing="yes",
            typical_weeks=t.typical_weeks,
            offers=",".join(t.offers),
            contact_name="",
            exposures=",".join(t.exposures) or "none",
            conditions=",".join(t.conditions) or "none",
        )
        for dim_key, (band, incidental, adjustable) in t.demands.items():
            row[f"demand_{dim_key}"] = band
            row[f"demand_{dim_key}_flags"] = ",".join(
                n for n, on in (("incidental", incidental), ("adjustable", adjustable)) if on
            )
        rows.append(row)
    return rows


def _safe(value: Any) -> Any:
    """Keep spreadsheet programs from running cell text as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: list[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _safe(row.get(c)) for c in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: Iterable[Mapping[str, Any]], legend: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "places"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(row.get(c)) if row.get(c) is not None else None for c in header])
    sheet.freeze_panes = "A2"
    if legend:
        _legend(workbook.create_sheet(str(_l("Explanation"))[:31]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The import columns are the place fields (one label table, in the labels module), with
# the columns only a file has.
COLUMN_HELP = {
    "external_ref": _l("Your own reference for the place; a row with a known reference updates it"),
    **{k: v for k, v in labels.PLACE_FIELD.items() if k not in ("demands", "offers_conditions")},
    "conditions": labels.PLACE_FIELD["offers_conditions"],
}
YES_NO_COLUMNS = BOOL_COLUMNS


def column_help(column: str) -> str:
    """What an import column means, in the reader's language (the template's second
    sheet and the import errors name it)."""
    if column in COLUMN_HELP:
        return str(COLUMN_HELP[column])
    if column.startswith("demand_"):
        key = column.removeprefix("demand_").removesuffix("_flags")
        dims = {d.key: d for d in all_dimensions()}
        if key in dims:
            if column.endswith("_flags"):
                return str(
                    _l(
                        "Workload %(item)s: 'incidental' (only an incidental peak) and/or "
                        "'adjustable' (the work can be adjusted)",
                        item=dims[key].label(),
                    )
                )
            return str(_l("Workload: %(item)s", item=dims[key].label()))
    return ""


def _values(column: str) -> str:
    """The values a column takes, with their meaning in the reader's language."""
    if column == "kind":
        return ", ".join(f"{k.value} = {labels.label(labels.PLACE_KIND, k)}" for k in PlaceKind)
    if column == "networks":
        return str(_l("network names, separated by ;"))
    if column == "schedule_days":
        return ",".join(svc.DAYS)
    if column == "offers":
        return ",".join(svc.OFFERS)
    if column in ("exposures", "conditions"):
        flags = EXPOSURES if column == "exposures" else CONDITIONS
        listed = ", ".join(f"{f.key} = {f.label()}" for f in flags)
        return f"{listed} | none | {_l('empty = not stated')}"
    if column in YES_NO_COLUMNS:
        return "yes, no"
    if column in DATE_COLUMNS:
        return "YYYY-MM-DD"
    if column in INT_COLUMNS:
        return str(_l("a whole number"))
    if column.startswith("demand_"):
        if column.endswith("_flags"):
            return "incidental, adjustable"
        key = column.removeprefix("demand_")
        dim = next(d for d in all_dimensions() if d.key == key)
        return "; ".join(f"{i} = {b.label()}" for i, b in enumerate(dim.bands))
    return ""


def legend_rows() -> list[tuple[str, str, str]]:
    """(column, what it means, values) for every column of the template."""
    return [(column, column_help(column), _values(column)) for column in columns()]


def _legend(sheet) -> None:
    from openpyxl.styles import Font

    sheet.append([str(_l("Column")), str(_l("What it means")), str(_l("Values"))])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in legend_rows():
        sheet.append([_safe(v) for v in row])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 80


def template_file(fmt: str, network_names: list[str]) -> bytes:
    header = columns()
    rows = example_rows(network_names)
    return to_xlsx(header, rows, legend=True) if fmt == "xlsx" else to_csv(header, rows)


def export_file(fmt: str, places: list[Place]) -> bytes:
    header = [*EXPORT_EXTRA, *columns()]
    rows = [place_row(p) for p in places]
    return to_xlsx(header, rows) if fmt == "xlsx" else to_csv(header, rows)
