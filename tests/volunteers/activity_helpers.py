"""What the activities' tests share: an activity of the cast's community published by 孙丽 (sun),
positions at a distance from its place, and a controlled clock for volunteers.activities."""

import math
import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.utils import timezone as django_timezone

from volunteers import activities, attendance_codes

EARTH_M_PER_DEGREE = 111_320  # metres in a degree of latitude (and of longitude at the equator)


def place_of(cast):
    """The middle of the cast's grid: where its activities take place."""
    return cast.grid.geom.point_on_surface


def north_of(point, metres):
    return Point(point.x, point.y + metres / EARTH_M_PER_DEGREE, srid=4326)


def east_of(point, metres):
    return Point(point.x + metres / (EARTH_M_PER_DEGREE * math.cos(math.radians(point.y))), point.y, srid=4326)


def publish(cast, starts_in=timedelta(hours=1), length=timedelta(hours=2), **fields):
    """An activity of the cast's community, published by sun, starting `starts_in` from now."""
    place = fields.pop("at", None) or place_of(cast)
    starts_at = django_timezone.now() + starts_in
    given = {
        "title": "清理楼道小广告",
        "place": "1号楼门前",
        "lon": place.x,
        "lat": place.y,
        "starts_at": starts_at,
        "ends_at": starts_at + length,
        "hours": Decimal("2"),
        "radius_m": 100,
    } | fields
    return activities.publish(cast["sun"], cast.community.code, **given)


class Clock:
    """Stands in for django.utils.timezone in volunteers.activities (as tests/incidents' Clock does for
    intake): `now()` is what the test set; the rest, such as which assignments are in force today,
    is Django's."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at

    def __getattr__(self, name):
        return getattr(django_timezone, name)


def clock(monkeypatch):
    frozen = Clock(django_timezone.now())
    monkeypatch.setattr("volunteers.activities.timezone", frozen)
    return frozen


def code_at(activity, moment):
    return attendance_codes.code_for(activity.secret, attendance_codes.step_at(moment))


def check_in(cast, name, activity, moment, at=None, client_id=None, code=None, **fields):
    """`name` checks in with the code of `moment`, at the activity's place unless told."""
    at = at or activity.location
    return activities.check_in(
        cast[name],
        activity.pk,
        code=code or code_at(activity, moment),
        lon=at.x,
        lat=at.y,
        client_id=client_id or uuid.uuid4(),
        **fields,
    )
