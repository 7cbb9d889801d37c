"""Issue 15: the offline map's town names come from the shipped postcode table."""

from __future__ import annotations

import json

from registry import map_towns


def test_the_shipped_town_file_is_what_the_generator_makes():
    assert map_towns.OUTPUT.read_text(encoding="utf-8") == map_towns.towns_geojson()


def test_the_larger_towns_are_named_at_their_areas_mean():
    rows = [
        {"town": "Grootstad", "lat": "52.0", "lon": "5.0"},
        {"town": "Grootstad", "lat": "52.2", "lon": "5.2"},
        {"town": "Dorp", "lat": "51.0", "lon": "4.0"},
    ]
    towns = map_towns.larger_towns(rows, min_areas=2)
    assert towns == [{"name": "Grootstad", "areas": 2, "lat": 52.1, "lon": 5.1}]


def test_the_big_cities_are_on_the_map():
    names = {f["properties"]["name"] for f in json.loads(map_towns.towns_geojson())["features"]}
    assert {"Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Eindhoven"} <= names
