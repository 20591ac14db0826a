"""The staff's form to publish an activity on /volunteers/activities/: what it offers (the
communities the user may change, their teams and service stations, the map), and a refusal said in
the words of the form's field.

The input is the API's: the form posts the fields of api_activities.ActivityCreateRequest, checked
by that serializer and published by activities.publish, so the page and the API accept and refuse
the same things. Who sees the form is who the service lets publish: whoever may change a community
(Scope.changes, as activities.community_changed_by asks)."""

import inspect
import json

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from govgrid.lib.api_input import checked
from govgrid.lib.errors import GovgridError
from govgrid.lib.refusals import refusal_text
from grids.models import ServiceStation

from . import activities
from .api_activities import ActivityCreateRequest
from .kinds import KINDS
from .models import Activity, Team

OUTLINE_TOLERANCE = 0.00005  # degrees (about 5 m): the outline only frames the map

_verbose = Activity._meta.get_field

# The form's fields in the order shown, each with its words (the model's own where they fit). A
# refusal names its field in these words; the place's point is refused as `location` (the service)
# or as `lon`/`lat` (the input's check), and all three are the point on the map.
LABELS = {
    "community": gettext_lazy("community"),
    "title": gettext_lazy("name of the activity"),
    "kind": _verbose("kind").verbose_name,
    "team": _verbose("team").verbose_name,
    "place": _verbose("place").verbose_name,
    "location": gettext_lazy("point on the map"),
    "radius_m": _verbose("radius_m").verbose_name,
    "starts_at": _verbose("starts_at").verbose_name,
    "ends_at": _verbose("ends_at").verbose_name,
    "capacity": _verbose("capacity").verbose_name,
    "hours": _verbose("hours").verbose_name,
    "description": _verbose("description").verbose_name,
}
FIELD_OF = {"lon": "location", "lat": "location", "crs": "location"}
POSTED = ("community", "title", "kind", "team", "place", "lon", "lat", "radius_m", "starts_at", "ends_at", "capacity",
          "hours", "description")  # fmt: skip


def publishable(scope, communities):
    """The communities (of those the page lists) where the user may publish: the service's right."""
    return [community for community in communities if scope.changes(community.code)]


def publish_from(user, posted):
    """The activity published from the form's fields (a QueryDict: an empty field is no value, as
    DRF reads forms), through the API's input check and service."""
    given = checked(ActivityCreateRequest, posted)
    return activities.publish(user, given.pop("community"), **given)


def refused_field(refused):
    """(the form's field, the words to show) of a refusal of the input check or of the service."""
    if isinstance(refused, ValidationError) and isinstance(refused.detail, dict):
        name, problems = next(iter(refused.detail.items()))
        text = str(problems[0] if isinstance(problems, list) else problems)
    else:
        name, text = (refused.field if isinstance(refused, GovgridError) else None), refusal_text(refused)
    field = FIELD_OF.get(name, name)
    if field not in LABELS:
        return None, text
    return field, _("%(field)s: %(reason)s") % {"field": LABELS[field], "reason": text}


def form_context(communities, posted=None):
    """What the template draws: the fields' words, the values sent back, the communities with their
    teams and stations, and the map's settings (read by volunteers/static/volunteers/publish.js)."""
    codes = [community.code for community in communities]
    teams = Team.objects.filter(community__code__in=codes).select_related("community")
    teams = teams.order_by("community__code", "name")
    stations = (
        ServiceStation.objects.filter(Q(area__code__in=codes) | Q(area__parent__code__in=codes))
        .select_related("area__parent")
        .order_by("area__code", "name")
    )
    station_rows = []
    for station in stations[:300]:
        community = station.area.code if station.area.code in codes else station.area.parent.code
        station_rows.append({"id": station.pk, "name": station.name, "community": community,
                             "lon": round(station.location.x, 7), "lat": round(station.location.y, 7)})  # fmt: skip
    values = {name: (posted or {}).get(name, "") for name in POSTED}
    values["radius_m"] = values["radius_m"] or inspect.signature(activities.publish).parameters["radius_m"].default
    return {
        "labels": LABELS,
        "values": values,
        "communities": communities,
        "teams": [{"id": team.pk, "name": team.name, "community": team.community.code} for team in teams[:300]],
        "stations": station_rows,
        "kinds": [(key, str(label)) for key, label in KINDS.items()],
        "radius": activities.RADIUS_M,
        "map": {
            "tiles": [{"url": url, "options": options} for _name, url, options in settings.LEAFLET_CONFIG["TILES"]],
            "outlines": {community.code: _outline(community) for community in communities},
            "stations": station_rows,
            "words": {
                "tapped": _("Placed where you tapped: move it with another tap."),
                "station": _("Placed at %(name)s."),
                "typed": _("Placed at the longitude and latitude typed."),
            },
        },
    }


def _outline(community):
    return json.loads(community.geom.simplify(OUTLINE_TOLERANCE, preserve_topology=True).geojson)
