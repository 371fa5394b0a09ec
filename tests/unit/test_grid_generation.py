"""Grid generation: size, clipping, slivers, order."""

import math

import pytest
from pyproj import Geod
from shapely import MultiPolygon, Point, box, union_all

from geo.grid import CellShape, generate_cells

GEOD = Geod(ellps="WGS84")
# About 2.9 km × 3.3 km near West Lake, with a notch to make clipping interesting.
BOUNDARY = box(120.10, 30.24, 120.13, 30.27).difference(box(120.125, 30.24, 120.13, 30.245))


def area_m2(geometry):
    return abs(GEOD.geometry_area_perimeter(geometry)[0])


@pytest.mark.parametrize("shape", list(CellShape))
def test_cells_tile_the_boundary_exactly(shape):
    cells = generate_cells(BOUNDARY, shape, 500)
    covered = union_all([cell.geometry for cell in cells])
    assert covered.symmetric_difference(BOUNDARY).area < BOUNDARY.area * 1e-6
    overlap = sum(cell.geometry.area for cell in cells) - covered.area
    assert overlap < BOUNDARY.area * 1e-6
    assert all(isinstance(cell.geometry, MultiPolygon) and cell.geometry.is_valid
               for cell in cells)


@pytest.mark.parametrize("shape", list(CellShape))
def test_inner_cells_have_the_target_size(shape):
    cells = generate_cells(BOUNDARY, shape, 500)
    areas = sorted(area_m2(cell.geometry) for cell in cells)
    median = areas[len(areas) // 2]
    assert median == pytest.approx(250_000, rel=0.01)


def test_slivers_are_merged_into_a_neighbour():
    cells = generate_cells(BOUNDARY, CellShape.square, 500)
    smallest = min(area_m2(cell.geometry) for cell in cells)
    assert smallest >= 0.3 * 250_000 * 0.99


def test_order_is_north_to_south_then_west_to_east():
    cells = generate_cells(BOUNDARY, CellShape.square, 1000)
    first, second = cells[0].geometry.centroid, cells[1].geometry.centroid
    assert first.x < second.x
    assert math.isclose(first.y, second.y, abs_tol=0.005)
    assert cells[0].geometry.centroid.y > cells[-1].geometry.centroid.y
    assert [(c.row, c.column) for c in cells] == sorted((c.row, c.column) for c in cells)


def test_a_boundary_smaller_than_one_cell_is_one_cell():
    tiny = Point(120.1, 30.25).buffer(0.0005)
    cells = generate_cells(tiny, CellShape.hexagon, 1000)
    assert len(cells) == 1
