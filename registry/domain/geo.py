"""Distances and search boxes on the WGS-84 ellipsoid, and Dutch postcode syntax.

Pure functions: no Flask, no database. Distances use geopy's geodesic (Karney),
so every distance the product shows is the same number.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from geopy.distance import geodesic

Coordinate = tuple[float, float]  # (latitude, longitude) in degrees

_POSTCODE_RE = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})?\s*$")
# Letter pairs never issued by PostNL.
_FORBIDDEN_LETTERS = {"SA", "SD", "SS"}

KM_PER_DEGREE_LAT = 110.574  # lower bound at the equator; poles are ~111.69


def distance_km(a: Coordinate, b: Coordinate) -> float:
    """Geodesic (WGS-84) distance in kilometres."""
    return _distance_km(float(a[0]), float(a[1]), float(b[0]), float(b[1]))


@functools.lru_cache(maxsize=65536)
def _distance_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    # Karney's method takes about 0.3 ms; the same pairs come back (a candidate's places
    # on every page view, the demo seed widening a search), so results are kept.
    return geodesic((lat_a, lon_a), (lat_b, lon_b)).km


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude band and a longitude band that together contain a circle."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, point: Coordinate) -> bool:
        lat, lon = point
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def bounding_box(centre: Coordinate, radius_km: float) -> Box:
    """A box guaranteed to contain every point within ``radius_km`` of ``centre``.

    The latitude half-height uses the shortest degree of latitude; the longitude
    half-width is widened by 1/cos(latitude) at the box edge nearest a pole, so no
    point inside the circle falls outside (a plain R/111 box misses points at Dutch
    latitudes). A 1 % margin absorbs ellipsoid effects.
    """
    lat, lon = centre
    dlat = radius_km / KM_PER_DEGREE_LAT * 1.01
    far_lat = min(89.9, abs(lat) + dlat)
    km_per_degree_lon = 111.320 * math.cos(math.radians(far_lat))
    dlon = radius_km / km_per_degree_lon * 1.01
    return Box(lat - dlat, lat + dlat, lon - dlon, lon + dlon)


@dataclass(frozen=True, slots=True)
class Postcode:
    digits: str  # the 4-digit area, e.g. "3511"
    letters: str | None  # e.g. "AB", or None for an area-only postcode

    def __str__(self) -> str:
        return f"{self.digits} {self.letters}" if self.letters else self.digits


def parse_postcode(text: str, *, require_letters: bool = False) -> Postcode | None:
    """Parse '1234 AB', '1234ab' or (unless letters are required) '1234'. None if invalid."""
    if text is None:
        return None
    m = _POSTCODE_RE.match(text)
    if not m:
        return None
    digits, letters = m.group(1), m.group(2)
    if letters:
        letters = letters.upper()
        if letters in _FORBIDDEN_LETTERS:
            return None
    elif require_letters:
        return None
    return Postcode(digits, letters)
