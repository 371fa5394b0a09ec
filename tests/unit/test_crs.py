"""GCJ-02 / BD-09 conversions against published reference values, to well under 1 m."""

import math

import pytest

from geo.crs import (
    Crs,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)


def metres(a, b):
    """Distance between two lon/lat pairs, equirectangular (fine at these scales)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(a[0] - b[0]) * math.cos(lat) * 6371000
    dy = math.radians(a[1] - b[1]) * 6371000
    return math.hypot(dx, dy)


# Published values of the reference implementation (wandergis/coordtransform and ports).
def test_wgs84_to_gcj02_reference():
    assert metres(wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164)) < 1e-6


def test_gcj02_bd09_reference():
    assert metres(gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021)) < 1e-6
    # The published inverse is itself approximate; ours inverts exactly, within 0.2 m of it.
    assert metres(bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631)) < 0.2
    assert metres(gcj02_to_bd09(*bd09_to_gcj02(116.404, 39.915)), (116.404, 39.915)) < 0.001


def test_jiaxing_chain_reference():
    wgs, gcj, bd = ((121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705),
                    (121.10271732371203, 30.61484572185035))
    assert metres(from_wgs84(*wgs, Crs.gcj02), gcj) < 0.01
    assert metres(from_wgs84(*wgs, Crs.bd09), bd) < 0.01
    assert metres(to_wgs84(*gcj, Crs.gcj02), wgs) < 0.01
    assert metres(to_wgs84(*bd, Crs.bd09), wgs) < 0.2


@pytest.mark.parametrize("point", [(120.1551, 30.2741), (116.404, 39.915), (113.2644, 23.1291),
                                   (87.6168, 43.8256), (126.6425, 45.7567)])
def test_inverse_is_exact_to_a_millimetre(point):
    assert metres(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point) < 0.001
    assert metres(to_wgs84(*from_wgs84(*point, "bd09"), "bd09"), point) < 0.001


def test_no_offset_outside_china():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert to_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)


def test_offset_in_hangzhou_is_hundreds_of_metres():
    assert 300 < metres(wgs84_to_gcj02(120.1551, 30.2741), (120.1551, 30.2741)) < 800
