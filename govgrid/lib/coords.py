"""Chinese map datums: GCJ-02 (AMap, Tencent, WeChat) and BD-09 (Baidu), to and from WGS84.

GCJ-02 is WGS84 with a deliberate, smoothly varying offset (a few hundred metres); BD-09 adds a
second offset on top of GCJ-02. Both are defined by their forward formulas only, so the inverse is
found by fixed-point iteration on the forward formula: the offset changes by far less than a metre
across the offset's own size, so each step gains several digits and a handful of steps reach 1e-10
degrees (about 0.01 mm). Functions take floats or NumPy arrays.

Outside China's bounding box GCJ-02 applies no offset, which the functions follow.
"""

import math

import numpy as np

# Metres in a degree of latitude (a sphere of the Earth's mean size), and in a degree of longitude
# at the equator: the scale by which govgrid turns short distances (metres to a few kilometres)
# into degrees and back, where a metre or so does not matter.
METRES_PER_DEGREE = 111_320.0


def metres_per_degree_of_longitude(lat, least_cos=0.0):
    """Metres in a degree of longitude at latitude `lat` (degrees): METRES_PER_DEGREE × cos(lat),
    the cosine no less than `least_cos` (a box of metres stays finite near a pole)."""
    return METRES_PER_DEGREE * max(least_cos, math.cos(math.radians(lat)))


# The Krasovsky 1940 ellipsoid that the GCJ-02 formula is written on.
_A = 6378245.0
_EE = 0.00669342162296594323
_BD_K = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10
_MAX_STEPS = 30

SUPPORTED = ("wgs84", "cgcs2000", "gcj02", "bd09")


def _in_china(lon, lat):
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset(lon, lat):
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS84 position."""
    x = lon - 105.0
    y = lat - 35.0
    wave_x = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat = dlat + wave_x
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon = dlon + wave_x
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    dlon, dlat = _offset(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return _out(lon + dlon, lat + dlat)


def gcj02_to_bd09(lon, lat):
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _BD_K)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_K)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(forward, lon, lat):
    """Find (x, y) with forward(x, y) == (lon, lat), starting from the target itself."""
    target_lon = np.asarray(lon, dtype=float)
    target_lat = np.asarray(lat, dtype=float)
    x, y = target_lon.copy(), target_lat.copy()
    if x.size == 0:
        return _out(x, y)
    for _ in range(_MAX_STEPS):
        fx, fy = forward(x, y)
        ex, ey = target_lon - fx, target_lat - fy
        x, y = x + ex, y + ey
        if np.max(np.abs(ex)) < _TOLERANCE_DEG and np.max(np.abs(ey)) < _TOLERANCE_DEG:
            break
    return _out(x, y)


def gcj02_to_wgs84(lon, lat):
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon, lat):
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon, lat, crs):
    """Convert from one of SUPPORTED to WGS84. CGCS2000 equals WGS84 at the metre level."""
    if crs in ("wgs84", "cgcs2000"):
        return _out(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {crs!r}")


def from_wgs84(lon, lat, crs):
    if crs in ("wgs84", "cgcs2000"):
        return _out(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if crs == "bd09":
        return wgs84_to_bd09(lon, lat)
    raise ValueError(f"unknown coordinate system {crs!r}")


def _out(lon, lat):
    """Plain floats for scalar input, arrays for array input."""
    if np.ndim(lon) == 0:
        return float(lon), float(lat)
    return lon, lat
