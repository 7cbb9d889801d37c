"""registry.domain.geo: geodesic distances, search boxes and postcode syntax."""

from __future__ import annotations

import math

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.geo import Postcode, bounding_box, distance_km, parse_postcode
from registry.geodata import default_directory

# --- independent reference formulas -------------------------------------------------------


def vincenty_km(a, b) -> float:
    """Vincenty's inverse formula on WGS-84 (independent of geopy's Karney algorithm)."""
    f = 1 / 298.257223563
    a_axis = 6378137.0
    b_axis = a_axis * (1 - f)
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    u1 = math.atan((1 - f) * math.tan(lat1))
    u2 = math.atan((1 - f) * math.tan(lat2))
    big_l = lon2 - lon1
    lam = big_l
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        lam_prev = lam
        lam = big_l + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - lam_prev) < 1e-12:
            break
    u_sq = cos2_alpha * (a_axis**2 - b_axis**2) / b_axis**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b_axis * big_a * (sigma - delta_sigma) / 1000


def haversine_km(a, b, radius_km: float = 6371.0088) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * radius_km * math.asin(math.sqrt(h))


# --- known distances between postcode-area centres ------------------------------------------


@pytest.mark.parametrize(
    ("pc_a", "pc_b", "expected_km"),
    [
        ("1012", "3511", 35.0),  # Amsterdam - Utrecht
        ("9711", "6211", 270.0),  # Groningen - Maastricht
        ("3011", "2511", 21.0),  # Rotterdam - Den Haag
    ],
)
def test_known_distances_between_area_centres(pc_a, pc_b, expected_km):
    directory = default_directory()
    a = directory.lookup(pc_a).coordinate
    b = directory.lookup(pc_b).coordinate
    km = distance_km(a, b)
    reference = vincenty_km(a, b)
    rough = haversine_km(a, b)
    print(f"{pc_a}-{pc_b}: geodesic {km:.3f} km, Vincenty {reference:.3f}, haversine {rough:.3f}")
    assert abs(km - expected_km) <= 1.0
    assert km == pytest.approx(reference, abs=1e-5)  # two ellipsoid algorithms: < 1 cm
    assert km == pytest.approx(rough, rel=0.005)  # sphere vs ellipsoid: < 0.5 %


def test_distance_basics():
    utrecht, amsterdam = (52.0886, 5.1174), (52.3735, 4.8951)
    assert distance_km(utrecht, utrecht) == 0
    assert distance_km(utrecht, amsterdam) == pytest.approx(distance_km(amsterdam, utrecht))
    assert vincenty_km(utrecht, utrecht) == 0


# --- bounding boxes ---------------------------------------------------------------------

dutch_lat = st.floats(min_value=50.75, max_value=53.55, allow_nan=False)
dutch_lon = st.floats(min_value=3.35, max_value=7.25, allow_nan=False)
radius = st.floats(min_value=0.1, max_value=300.0, allow_nan=False)
bearing = st.floats(min_value=0.0, max_value=360.0, allow_nan=False)
fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=500, deadline=None)
@given(lat=dutch_lat, lon=dutch_lon, radius_km=radius, bearing_deg=bearing, share=fraction)
def test_every_point_within_radius_is_inside_the_box(lat, lon, radius_km, bearing_deg, share):
    centre = (lat, lon)
    dest = geodesic(kilometers=radius_km * share).destination(centre, bearing_deg)
    point = (dest.latitude, dest.longitude)
    assert distance_km(centre, point) <= radius_km * (1 + 1e-9) + 1e-9
    assert bounding_box(centre, radius_km).contains(point)


@settings(max_examples=100, deadline=None)
@given(lat=dutch_lat, lon=dutch_lon, radius_km=radius)
def test_points_on_the_circle_are_inside_the_box(lat, lon, radius_km):
    centre = (lat, lon)
    box = bounding_box(centre, radius_km)
    for bearing_deg in range(0, 360, 5):
        dest = geodesic(kilometers=radius_km).destination(centre, bearing_deg)
        assert box.contains((dest.latitude, dest.longitude)), bearing_deg


def test_box_is_not_wildly_larger_than_the_circle():
    centre = (52.0886, 5.1174)
    box = bounding_box(centre, 10)
    assert box.contains(centre)
    height_km = distance_km((box.min_lat, centre[1]), (box.max_lat, centre[1]))
    width_km = distance_km((centre[0], box.min_lon), (centre[0], box.max_lon))
    assert 20 <= height_km <= 21 and 20 <= width_km <= 21


# --- postcode syntax --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3511 AB", Postcode("3511", "AB")),
        ("3511ab", Postcode("3511", "AB")),
        (" 3511 Ab ", Postcode("3511", "AB")),
        ("3511", Postcode("3511", None)),
    ],
)
def test_parse_valid_postcodes(text, expected):
    assert parse_postcode(text) == expected


@pytest.mark.parametrize(
    "text", ["", "0123 AB", "351 AB", "35111", "3511 A", "3511  AB", "3511 SA", "3511 ss", None]
)
def test_parse_invalid_postcodes(text):
    assert parse_postcode(text) is None


def test_parse_require_letters():
    assert parse_postcode("3511", require_letters=True) is None
    assert parse_postcode("3511AB", require_letters=True) == Postcode("3511", "AB")
    assert str(Postcode("3511", "AB")) == "3511 AB" and str(Postcode("3511", None)) == "3511"
