"""The `heat` vector-tile layer: cases binned by zoom, within the caller's scope."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import mapbox_vector_tile
import pytest

from tests.api.test_stats_hotspots import _point_in, crowded  # noqa: F401 - a fixture

_TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
PERIOD = f"from={_TODAY - timedelta(days=60)}&to={_TODAY + timedelta(days=1)}"


def _tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _lonlat(tile, px, py, extent=4096):
    z, x, y = tile
    """A tile-local point (origin bottom-left, as the decoder gives it) back to lon/lat."""
    n = 2 ** z
    lon = (x + px / extent) / n * 360 - 180
    merc_y = (y + 1 - py / extent) / n
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * merc_y))))
    return lon, lat


def _heat(client, who, tile, query=PERIOD):
    z, x, y = tile
    response = client.get(f"/api/v1/tiles/heat/{z}/{x}/{y}.mvt?{query}", headers=who.headers)
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)["heat"]["features"]


@pytest.fixture
def where(db, crowded):  # noqa: F811 - the fixture above
    first, _last = crowded
    return _point_in(db, first)["coordinates"]


def test_a_low_zoom_tile_sums_every_case_into_few_points(client, world, where):
    x, y = _tile_of(*where, 10)
    features = _heat(client, world["supervisor"], (10, x, y))
    assert sum(f["properties"]["count"] for f in features) == 7
    assert max(f["properties"]["count"] for f in features) >= 6
    assert len(features) <= 2


def test_a_bin_sits_where_its_cases_are(client, world, where):
    z = 16
    x, y = _tile_of(*where, z)
    features = _heat(client, world["supervisor"], (z, x, y))
    six = next(f for f in features if f["properties"]["count"] == 6)
    lon, lat = _lonlat((z, x, y), *six["geometry"]["coordinates"])
    bin_degrees = 360 / 2 ** z / 64
    assert abs(lon - where[0]) <= bin_degrees
    assert abs(lat - where[1]) <= bin_degrees


def _total(features):
    return sum(f["properties"]["count"] for f in features)


def test_period_category_and_scope_narrow_the_layer(client, world, where):
    tile = (10, *_tile_of(*where, 10))
    supervisor = world["supervisor"]
    assert _heat(client, supervisor, tile, "from=2021-01-01&to=2021-12-31") == []
    assert _heat(client, supervisor, tile, f"{PERIOD}&category=A01") == []
    assert _total(_heat(client, supervisor, tile, f"{PERIOD}&category=E01")) == 7
    assert _heat(client, world["far_supervisor"], tile) == []
    assert _total(_heat(client, world["admin"], tile)) == 7
    # Without a period: the last 30 days, which hold today's reports.
    assert _total(_heat(client, supervisor, tile, "")) == 7


def test_bad_tiles_periods_and_areas_are_refused(client, world):
    headers = world["supervisor"].headers
    assert client.get(f"/api/v1/tiles/heat/3/9/0.mvt?{PERIOD}",
                      headers=headers).status_code == 400
    assert client.get("/api/v1/tiles/heat/10/0/0.mvt?from=2026-02-01&to=2026-01-01",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/tiles/heat/10/0/0.mvt?from=2020-01-01&to=2026-01-01",
                      headers=headers).status_code == 422
    far = client.get(f"/api/v1/tiles/heat/10/0/0.mvt?{PERIOD}&area={world['other_district'].id}",
                     headers=headers)
    assert far.status_code == 403
    assert far.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/tiles/heat/10/0/0.mvt?{PERIOD}",
                      headers=world["resident"].headers).status_code == 403


def test_counted_per_cell_up_to_z12_and_per_case_closer_in_the_totals_agree(client, world,
                                                                            where):
    supervisor = world["supervisor"]
    x, y = _tile_of(*where, 12)
    by_cell = _heat(client, supervisor, (12, x, y))
    assert _total(by_cell) == 7
    # Per cell: the six cases of the first cell are one point, wherever in it they lie.
    assert 6 in {f["properties"]["count"] for f in by_cell}
    children = [(13, 2 * x + dx, 2 * y + dy) for dx in (0, 1) for dy in (0, 1)]
    assert sum(_total(_heat(client, supervisor, tile)) for tile in children) == 7
    assert sum(_total(_heat(client, supervisor, tile, f"{PERIOD}&category=E01"))
               for tile in children) == 7
    assert all(_heat(client, supervisor, tile, f"{PERIOD}&category=A01") == []
               for tile in children)
