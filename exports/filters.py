"""The filters of the exports (exports/plan.py), checked as DRF serializers: one per kind, so the
API, the command and an API schema share them."""

import math
from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from govgrid.lib.moments import BoundedDateField, check_within_bounds
from grids.api import AreaCodeField
from grids.models import Level
from incidents.models import Category, Status

FILTERS = ("area", "status", "category", "level", "since", "until", "bbox", "as_of")


class BBoxField(serializers.Field):
    """minlon,minlat,maxlon,maxlat in WGS84 degrees."""

    def to_internal_value(self, data):
        try:
            numbers = [float(part) for part in str(data).split(",")]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise serializers.ValidationError(_("Give four numbers: minlon,minlat,maxlon,maxlat."))
        minlon, minlat, maxlon, maxlat = numbers
        if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
            raise serializers.ValidationError(_("Longitudes are between -180 and 180, latitudes between -90 and 90."))
        if minlon >= maxlon or minlat >= maxlat:
            raise serializers.ValidationError(_("The minimum longitude and latitude must be below the maximum ones."))
        return {"minlon": minlon, "minlat": minlat, "maxlon": maxlon, "maxlat": maxlat}


class MomentField(serializers.Field):
    """A date (its midnight, local time) or a date and time (ISO 8601; local time without an offset),
    within govgrid's years (govgrid.lib.moments)."""

    default_validators = [check_within_bounds]

    def to_internal_value(self, data):
        text = str(data).strip()
        try:
            value = parse_datetime(text)
            if value is None and (day := parse_date(text)) is not None:
                value = datetime.combine(day, time())
        except ValueError:
            value = None
        if value is None:
            raise serializers.ValidationError(
                _("Give a date such as 2026-01-31 or a date and time such as 2026-01-31T08:00:00+08:00.")
            )
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class CategoryCodeField(serializers.CharField):
    """A category's code; a class's code stands for all its items. Inactive categories count: old
    cases are filed under them."""

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        ids = list(Category.objects.filter(code=code).values_list("id", flat=True))
        if not ids:
            raise serializers.ValidationError(_("No category has the code {value}.").format(value=code))
        return ids + list(Category.objects.filter(parent_id=ids[0]).values_list("id", flat=True))


class ExportQuery(serializers.Serializer):
    area = AreaCodeField(required=False)
    bbox = BBoxField(required=False)
    # Not a filter: CSV only, lon and lat columns (points) or a WKT column.
    geometry = serializers.ChoiceField(
        choices=[("lonlat", gettext_lazy("lon and lat columns")), ("wkt", gettext_lazy("a WKT column"))],
        required=False,
    )


class IncidentExportQuery(ExportQuery):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = CategoryCodeField(max_length=10, required=False)
    level = serializers.ChoiceField(choices=[c for c in Level.choices if c[0] != Level.DISTRICT], required=False)
    since = MomentField(required=False)
    until = MomentField(required=False)

    def validate(self, data):
        if "since" in data and "until" in data and data["until"] <= data["since"]:
            raise serializers.ValidationError({"until": _("The end of the period must come after its start.")})
        return data


class GridExportQuery(ExportQuery):
    level = serializers.ChoiceField(choices=Level.choices, default=Level.GRID)
    # the areas of the generation in force that day (grids.generations); today's by default
    as_of = BoundedDateField(required=False)


class CoverageExportQuery(ExportQuery):
    status = serializers.ChoiceField(
        choices=[("full", gettext_lazy("full")), ("partial", gettext_lazy("partial")), ("none", gettext_lazy("none"))],
        required=False,
    )
    # the grids of that day, and the rules judged on it (people in force that day); today by default
    as_of = BoundedDateField(required=False)


QUERIES = {"incidents": IncidentExportQuery, "grids": GridExportQuery, "coverage": CoverageExportQuery}
