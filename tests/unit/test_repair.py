"""Boundary repair keeps polygonal parts, drops slivers and rejects what has no area."""

from shapely import LineString, MultiPolygon, Point, Polygon

from geo.repair import repair_polygonal

BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # self-intersecting ring


def test_valid_polygon_is_kept_as_is():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    outcome = repair_polygonal(square)
    assert not outcome.repaired
    assert outcome.geometry.equals(MultiPolygon([square]))


def test_bowtie_becomes_two_valid_triangles():
    outcome = repair_polygonal(BOWTIE)
    assert outcome.repaired
    assert outcome.geometry.is_valid
    assert len(outcome.geometry.geoms) == 2
    assert abs(outcome.geometry.area - 0.5) < 1e-9


def test_slivers_are_dropped():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    sliver = Polygon([(2, 0), (2 + 1e-6, 0), (2 + 1e-6, 1e-6), (2, 1e-6)])
    outcome = repair_polygonal(MultiPolygon([square, sliver]))
    assert outcome.repaired
    assert len(outcome.geometry.geoms) == 1


def test_non_polygons_and_flat_rings_are_rejected():
    assert repair_polygonal(Point(0, 0)).reason == "not_polygonal"
    assert repair_polygonal(LineString([(0, 0), (1, 1)])).reason == "not_polygonal"
    flat = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])
    assert repair_polygonal(flat).geometry is None
