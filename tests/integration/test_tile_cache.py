"""Low-zoom tiles come from a cache that any write to the area tree invalidates."""

import math

from sqlalchemy import func, select, text

from geo.levels import AreaLevel
from grid_api.geography.area_import import import_areas
from grid_api.geography.tiles import CACHE_MAX_ZOOM, render_tile
from models.area import AreaGeneration, AreaTile
from tests.factories import COMMUNITY_BOUNDS, make_area, make_grid_tree


def _tile(lon, lat, z):
    n = 2 ** z
    return (z, int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


Z7 = _tile(120.11, 30.205, 7)


def _generation(db):
    return db.execute(select(AreaGeneration.n)).scalar_one()


def test_a_low_zoom_tile_is_rendered_once_then_served_from_the_cache(db):
    make_grid_tree(db)
    first = render_tile(db, "grids", *Z7)
    assert first
    stored = db.execute(select(AreaTile)).scalars().all()
    assert [(t.layer, t.z, t.generation, t.data) for t in stored] == [
        ("grids", 7, _generation(db), first)]
    db.execute(text("UPDATE area_tiles SET data = 'cached'"))  # no trigger on the cache
    assert render_tile(db, "grids", *Z7) == b"cached"


def test_any_write_to_the_tree_drops_the_cache_and_the_next_tile_shows_it(db):
    tree = make_grid_tree(db)
    before = render_tile(db, "grids", *Z7)
    generation = _generation(db)
    x0, y0, _, _ = COMMUNITY_BOUNDS
    import_areas(db, area_id=tree["community"].id, collection={
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "330106001001099", "name": "新网格"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [x0, y0], [x0 + 0.001, y0], [x0 + 0.001, y0 + 0.001], [x0, y0 + 0.001],
                [x0, y0]]]}}]})
    assert _generation(db) > generation
    assert db.execute(select(func.count()).select_from(AreaTile)).scalar() == 0
    after = render_tile(db, "grids", *Z7)
    assert after != before
    assert "新网格".encode() in after


def test_a_tile_rendered_before_a_change_is_never_served_after_it(db):
    make_grid_tree(db)
    render_tile(db, "grids", *Z7)
    # A render that read the tree before an import committed stores its tile late, under
    # the generation it read: it must not be served.
    db.execute(text("UPDATE area_tiles SET data = 'stale', generation = generation - 1"))
    assert render_tile(db, "grids", *Z7) != b"stale"


def test_tiles_above_the_cached_zooms_are_rendered_each_time(db):
    make_grid_tree(db)
    assert render_tile(db, "grids", *_tile(120.11, 30.205, CACHE_MAX_ZOOM + 2))
    assert db.execute(select(func.count()).select_from(AreaTile)).scalar() == 0


def test_other_layers_have_their_own_entries(db):
    tree = make_grid_tree(db)
    make_area(db, parent=tree["district"], level=AreaLevel.street, code="330106002",
              bounds=(120.13, 30.2, 120.14, 30.21))
    render_tile(db, "grids", *Z7)
    render_tile(db, "streets", *Z7)
    layers = db.execute(select(AreaTile.layer).order_by(AreaTile.layer)).scalars().all()
    assert layers == ["grids", "streets"]
