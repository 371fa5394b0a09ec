"""Low-zoom vector tiles (z6–z8) over the demo city's generated cells (上城区 and 西湖区,
about 10,000 hexagons): rendered each time by PostGIS (the raw baseline, the same SQL by
psycopg) against ours, rendered once into the tile cache and then read from it. Also the
first render after an import invalidated the cache, and each tile's size.
"""

from __future__ import annotations

import os
import statistics
import time

import psycopg
from sqlalchemy import text

from bench.geography import _plain_url, _tile_xy
from bench.harness import private_services
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.demo import city
from grid_api.geography import tiles

CENTRE = (120.13, 30.25)  # 西湖区
ZOOMS = (6, 7, 8)


def _p50_ms(call, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _raw_sql() -> str:
    sql = str(tiles.TILE_SQL.text)
    for name in ("z", "x", "y", "layer", "level"):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


def bench(app, url: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    raw, sql = psycopg.connect(_plain_url(url), autocommit=True), _raw_sql()
    database = app.extensions["grid_db"]
    with app.app_context():
        for z in ZOOMS:
            x, y = _tile_xy(*CENTRE, z)
            params = {"z": z, "x": x, "y": y, "layer": "grids", "level": "grid"}
            raw_ms = _p50_ms(lambda p=params: raw.execute(sql, p).fetchone(), 5)
            size = len(raw.execute(sql, params).fetchone()[0] or b"")

            def cold(z=z, x=x, y=y) -> None:
                with database.new_session() as session, session.begin():
                    session.execute(text("DELETE FROM area_tiles"))
                    tiles.render_tile(session, "grids", z, x, y)

            def warm(z=z, x=x, y=y) -> None:
                with database.new_session() as session, session.begin():
                    tiles.render_tile(session, "grids", z, x, y)

            cold_ms = _p50_ms(cold, 5)
            warm(z, x, y)
            warm_ms = _p50_ms(warm, 50)
            figures |= {f"z{z}_raw_p50_ms": raw_ms, f"z{z}_first_p50_ms": cold_ms,
                        f"z{z}_cached_p50_ms": warm_ms, f"z{z}_kib": size / 1024,
                        f"z{z}_ratio": raw_ms / warm_ms}
    raw.close()
    return figures


def run() -> dict[str, float]:
    with private_services() as env:
        app = create_app(settings=Settings.from_env({**os.environ, **env}))
        started = time.perf_counter()
        with app.app_context(), app.extensions["grid_db"].new_session() as session, \
                session.begin():
            report = city.load_demo_city(session)
        print(f"low_zoom_tiles: demo city with {report.generated:,} generated areas in "
              f"{time.perf_counter() - started:.0f}s; ratio = raw render / cached", flush=True)
        figures = bench(app, env["DATABASE_URL"])
        for name, value in figures.items():
            print(f"  tile_{name:28} {value:12.3f}", flush=True)
    return figures


if __name__ == "__main__":
    run()
