"""The demo city: Hangzhou's real districts, loaded idempotently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely import MultiPolygon, union_all
from shapely.geometry import shape
from sqlalchemy.orm import Session

from geo.repair import repair_polygonal
from grid_api.services.areas import upsert_area
from models.area import AreaLevel

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CITY_CODE = "330100"
CITY_NAME = "杭州市"


@dataclass
class DemoReport:
    districts: int = 0
    repaired: int = 0


def load_demo_city(session: Session) -> DemoReport:
    """Load Hangzhou and its 13 districts (repairing their boundaries). Safe to re-run."""
    features = json.loads((DATA_DIR / "hangzhou-districts.geojson").read_text("utf-8"))["features"]
    report = DemoReport()
    repaired = []
    for feature in features:
        outcome = repair_polygonal(shape(feature["geometry"]))
        if outcome.geometry is None:
            continue
        report.repaired += outcome.repaired
        repaired.append((feature["properties"], outcome.geometry))
    city_shape = union_all([geometry for _, geometry in repaired])
    city_geometry = repair_polygonal(city_shape).geometry or MultiPolygon()
    city, _ = upsert_area(session, code=CITY_CODE, name=CITY_NAME, level=AreaLevel.city,
                          geometry=city_geometry, parent=None)
    for properties, geometry in repaired:
        upsert_area(session, code=properties["adcode"], name=properties["name"],
                    level=AreaLevel.district, geometry=geometry, parent=city)
        report.districts += 1
    return report
