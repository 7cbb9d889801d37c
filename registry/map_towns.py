"""The offline map's place names: the larger towns, derived from the postcode table.

A town's size is the number of postcode areas (PC4) it names in ``registry/data/
postcodes.csv`` (GeoNames, CC BY 4.0); its position is the mean of those areas'
centres. ``python -m registry.map_towns`` writes ``registry/static/data/nl-towns.geojson``,
which the search map shows when no tile server is configured.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "postcodes.csv"
OUTPUT = Path(__file__).resolve().parent / "static" / "data" / "nl-towns.geojson"
MIN_AREAS = 12  # a town with at least this many postcode areas is named on the map
SOURCE = (
    "Town centres from the postcode table (GeoNames postal codes, CC BY 4.0): "
    "the mean of each town's postcode-area centres; towns with at least "
    f"{MIN_AREAS} postcode areas"
)


def larger_towns(rows: list[dict[str, str]], min_areas: int = MIN_AREAS) -> list[dict]:
    """Towns naming at least ``min_areas`` postcode areas, largest first."""
    areas: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        areas[row["town"]].append((float(row["lat"]), float(row["lon"])))
    towns = [
        {
            "name": name,
            "areas": len(points),
            "lat": round(sum(p[0] for p in points) / len(points), 3),
            "lon": round(sum(p[1] for p in points) / len(points), 3),
        }
        for name, points in areas.items()
        if len(points) >= min_areas
    ]
    return sorted(towns, key=lambda t: (-t["areas"], t["name"]))


def towns_geojson(path: Path = DATA) -> str:
    """The larger towns as a GeoJSON FeatureCollection of points (stable text)."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    features = [
        {
            "type": "Feature",
            "properties": {"name": t["name"], "areas": t["areas"]},
            "geometry": {"type": "Point", "coordinates": [t["lon"], t["lat"]]},
        }
        for t in larger_towns(rows)
    ]
    data = {"type": "FeatureCollection", "source": SOURCE, "features": features}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(towns_geojson(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
