"""China's obfuscated coordinate systems: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) ↔ WGS-84.

The forward transforms are the published formulas; the inverses have no exact closed
form, so they iterate the forward transform until it reproduces the input to 1e-10°.
"""

from __future__ import annotations

import enum
import math

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE = 1e-10
_INVERSE_MAX_STEPS = 30


class Crs(enum.StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


# The bounding box in which GCJ-02 applies its offset (outside it GCJ-02 = WGS-84).
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)


def outside_china(lon: float, lat: float) -> bool:
    return not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1])


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if outside_china(lon, lat):
        return lon, lat
    d_lat = _delta_lat(lon - 105.0, lat - 35.0)
    d_lon = _delta_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def _invert(forward, x: float, y: float, guess: tuple[float, float]) -> tuple[float, float]:
    """The input that ``forward`` maps to (x, y), by fixed-point iteration from ``guess``."""
    gx, gy = guess
    for _ in range(_INVERSE_MAX_STEPS):
        fx, fy = forward(gx, gy)
        err_x, err_y = fx - x, fy - y
        if abs(err_x) < _INVERSE_TOLERANCE and abs(err_y) < _INVERSE_TOLERANCE:
            break
        gx, gy = gx - err_x, gy - err_y
    return gx, gy


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert :func:`wgs84_to_gcj02` (converges in a few steps)."""
    if outside_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, lon, lat, (lon, lat))


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published closed form (off by up to ~0.1 m), refined until it inverts
    :func:`gcj02_to_bd09` exactly."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lon, lat, (z * math.cos(theta), z * math.sin(theta)))


def to_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """A point reported in ``crs``, as WGS-84 (what we store)."""
    crs = Crs(crs)
    if crs is Crs.gcj02:
        return gcj02_to_wgs84(lon, lat)
    if crs is Crs.bd09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    return lon, lat


def from_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    crs = Crs(crs)
    if crs is Crs.gcj02:
        return wgs84_to_gcj02(lon, lat)
    if crs is Crs.bd09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    return lon, lat
