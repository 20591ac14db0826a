import math

import numpy as np
import pytest

from govgrid.lib import coords


def metres(lon1, lat1, lon2, lat2):
    """Equirectangular distance; exact enough below a few kilometres."""
    kx = 111_320 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * 110_574)


# Reference pairs published with the widely used coordtransform conversions (MIT licence), the
# de-facto reference for GCJ-02/BD-09 implementations.
def test_wgs84_to_gcj02_matches_the_reference_point():
    assert coords.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)


def test_gcj02_to_bd09_matches_the_reference_point():
    assert coords.gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-12)


def test_the_inverse_lands_on_the_wgs84_point_the_reference_came_from():
    lon, lat = coords.gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
    assert metres(lon, lat, 116.404, 39.915) < 0.001


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trips_across_china_are_within_a_millimetre(crs):
    rng = np.random.default_rng(7)
    lon = rng.uniform(73.5, 135.0, 2000)
    lat = rng.uniform(18.0, 53.5, 2000)
    shifted = coords.from_wgs84(lon, lat, crs)
    back_lon, back_lat = coords.to_wgs84(*shifted, crs)
    worst = max(metres(a, b, c, d) for a, b, c, d in zip(lon, lat, back_lon, back_lat, strict=True))
    assert worst < 0.001


def test_the_shift_in_dengzhou_is_about_six_hundred_metres():
    lon, lat = coords.wgs84_to_gcj02(112.085, 32.688)
    assert 450 < metres(112.085, 32.688, lon, lat) < 750


def test_bd09_is_shifted_further_than_gcj02():
    gcj = coords.wgs84_to_gcj02(112.085, 32.688)
    bd = coords.wgs84_to_bd09(112.085, 32.688)
    assert metres(112.085, 32.688, *bd) > metres(112.085, 32.688, *gcj) + 500


def test_outside_china_gcj02_applies_no_shift():
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert coords.gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_cgcs2000_and_wgs84_pass_through_unchanged():
    assert coords.to_wgs84(112.1, 32.7, "cgcs2000") == (112.1, 32.7)
    assert coords.to_wgs84(112.1, 32.7, "wgs84") == (112.1, 32.7)


def test_an_unknown_crs_is_refused():
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.to_wgs84(112.1, 32.7, "mars")
