"""Generated patrols with a known truth: a grid worker walks between random waypoints
(pausing to look), a phone samples the position every 10 s with GPS noise, drops the
signal in a stairwell, now and then reports a wild fix, and the worker rides a bus."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import from_wgs84

M_PER_DEG_LAT = 110_574.0


def _m_per_deg_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


@dataclass(frozen=True)
class TruePoint:
    t: datetime
    lon: float
    lat: float
    mode: str  # "walk" or "bus"


@dataclass
class Walk:
    start: datetime
    truth: list[TruePoint] = field(default_factory=list)  # one point a second
    fixes: list[dict] = field(default_factory=list)  # what the phone sends
    bus: tuple[datetime, datetime] | None = None
    glitches: int = 0
    inaccurate: int = 0
    early: int = 0  # fixes from before the patrol started

    @property
    def end(self) -> datetime:
        return self.truth[-1].t

    def walked_metres(self) -> float:
        total = 0.0
        for a, b in zip(self.truth, self.truth[1:], strict=False):
            if a.mode == "walk" and b.mode == "walk":
                total += math.hypot((b.lon - a.lon) * _m_per_deg_lon(a.lat),
                                    (b.lat - a.lat) * M_PER_DEG_LAT)
        return total

    def seconds_in(self, cells: dict[int, BaseGeometry], mode: str = "walk") -> dict[int, int]:
        """Seconds of ``mode`` spent in each cell, by the true position."""
        points = [p for p in self.truth if p.mode == mode]
        xs = [p.lon for p in points]
        ys = [p.lat for p in points]
        seconds = {}
        for cell_id, shape in cells.items():
            inside = int(shapely.contains_xy(shape, xs, ys).sum())
            if inside:
                seconds[cell_id] = inside
        return seconds


class WalkBuilder:
    """Builds a walk leg by leg, one true position a second."""

    def __init__(self, *, start: datetime, lon: float, lat: float, seed: int = 1) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible walk, no secret
        self.walk = Walk(start=start)
        self.t, self.lon, self.lat = start, lon, lat
        self._stairwell: list[tuple[datetime, datetime]] = []
        self._record("walk")

    def _record(self, mode: str) -> None:
        self.walk.truth.append(TruePoint(self.t, self.lon, self.lat, mode))

    def _step_towards(self, lon: float, lat: float, speed: float, mode: str) -> bool:
        dx = (lon - self.lon) * _m_per_deg_lon(self.lat)
        dy = (lat - self.lat) * M_PER_DEG_LAT
        distance = math.hypot(dx, dy)
        self.t += timedelta(seconds=1)
        if distance <= speed:
            self.lon, self.lat = lon, lat
            self._record(mode)
            return True
        self.lon += dx / distance * speed / _m_per_deg_lon(self.lat)
        self.lat += dy / distance * speed / M_PER_DEG_LAT
        self._record(mode)
        return False

    def walk_to(self, lon: float, lat: float, *, speed: float = 1.3) -> WalkBuilder:
        while not self._step_towards(lon, lat, speed, "walk"):
            pass
        return self

    def pause(self, seconds: int, *, stairwell: bool = False) -> WalkBuilder:
        """Stand still (inspecting something); in a stairwell the phone has no signal."""
        began = self.t
        for _ in range(seconds):
            self.t += timedelta(seconds=1)
            self._record("walk")
        if stairwell:
            self._stairwell.append((began, self.t))
        return self

    def wander(self, bounds: tuple[float, float, float, float], *, waypoints: int,
               max_pause: int = 90) -> WalkBuilder:
        """Walk between random waypoints inside ``bounds``, pausing at each."""
        west, south, east, north = bounds
        for _ in range(waypoints):
            self.walk_to(self.rng.uniform(west, east), self.rng.uniform(south, north),
                         speed=self.rng.uniform(1.1, 1.5))
            self.pause(self.rng.randint(0, max_pause))
        return self

    def ride_bus(self, stops: list[tuple[float, float]], *, speed: float = 8.0,
                 dwell: int = 30) -> WalkBuilder:
        """Board at the current spot and ride through ``stops``, standing at each."""
        boarded = self.t
        for lon, lat in stops:
            while not self._step_towards(lon, lat, speed, "bus"):
                pass
            if (lon, lat) != stops[-1]:
                for _ in range(dwell):
                    self.t += timedelta(seconds=1)
                    self._record("bus")
        self.walk.bus = (boarded, self.t)
        return self

    def sample(self, *, every: int = 10, sigma_m: float = 5.0, glitch_rate: float = 0.01,
               inaccurate_rate: float = 0.02, early_fixes: int = 3, crs: str = "gcj02",
               report_speed: bool = True) -> Walk:
        """The phone's fixes: noisy, some wild, none in a stairwell, a few from before
        the patrol started; sent in ``crs``."""
        walk = self.walk
        for index in range(early_fixes, 0, -1):
            self._fix(walk.start - timedelta(seconds=30 * index), walk.truth[0], sigma_m, 8.0,
                      crs=crs, speed=None)
            walk.early += 1
        for index, point in enumerate(walk.truth):
            if index % every or any(a < point.t < b for a, b in self._stairwell):
                continue
            roll = self.rng.random()
            if roll < glitch_rate and 0 < index < len(walk.truth) - every:
                self._fix(point.t, point, 250.0, self.rng.uniform(5, 15), crs=crs, speed=None,
                          glitch=True)
                walk.glitches += 1
            elif roll < glitch_rate + inaccurate_rate:
                self._fix(point.t, point, 60.0, self.rng.uniform(80, 300), crs=crs, speed=None)
                walk.inaccurate += 1
            else:
                speed = None
                if report_speed and index + 1 < len(walk.truth):
                    nxt = walk.truth[index + 1]
                    speed = math.hypot((nxt.lon - point.lon) * _m_per_deg_lon(point.lat),
                                       (nxt.lat - point.lat) * M_PER_DEG_LAT)
                self._fix(point.t, point, sigma_m, self.rng.uniform(4, 15), crs=crs, speed=speed)
        return walk

    def _fix(self, t: datetime, point: TruePoint, sigma_m: float, accuracy: float, *,
             crs: str, speed: float | None, glitch: bool = False) -> None:
        if glitch:
            angle = self.rng.uniform(0, 2 * math.pi)
            dx, dy = sigma_m * math.cos(angle), sigma_m * math.sin(angle)
        else:
            dx, dy = self.rng.gauss(0, sigma_m), self.rng.gauss(0, sigma_m)
        lon = point.lon + dx / _m_per_deg_lon(point.lat)
        lat = point.lat + dy / M_PER_DEG_LAT
        lon, lat = from_wgs84(lon, lat, crs)
        fix = {"t": t.isoformat(), "lon": round(lon, 7), "lat": round(lat, 7), "crs": crs,
               "accuracy_m": round(accuracy, 1)}
        if speed is not None:
            fix["speed_mps"] = round(speed, 2)
        self.walk.fixes.append(fix)
