"""How the working calendar's API appears in the OpenAPI schema (/api/schema/): the view carries
the decorator from here, handing it its own query serializer. The year's answer is made by
CalendarYear, from the calendar's own days (workcalendar.calendar.CalendarDay)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors

from .models import FIRST_YEAR, LAST_YEAR, Source


class CalendarDay(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(help_text=_("The holiday, e.g. 春节."))
    source = serializers.ChoiceField(
        choices=Source.choices,
        help_text=_("package: the chinese-calendar package; admin: entered by an administrator; rules: computed."),
    )


class CalendarYear(serializers.Serializer):
    year = serializers.IntegerField()
    arrangement_entered = serializers.BooleanField(
        help_text=_("Whether the State Council's arrangement for the year is entered; if not, holidays are computed.")
    )
    days_off = CalendarDay(many=True, help_text=_("Days off besides ordinary weekends, in date order."))
    make_up_working_days = CalendarDay(many=True, help_text=_("Weekend days worked (调休), in date order."))


def calendar(query):
    return extend_schema(
        summary=_("The working calendar of a year"),
        description=_(
            "Days off and make-up working days of a year, each with its date, name and source, which deadlines "
            "in working time count by. Saturdays and Sundays not listed are days off. For a year whose "
            "arrangement is not entered, the statutory holidays are computed by the national rules, with no "
            "make-up working days, and the days an administrator entered are added."
        ),
        parameters=[
            query,
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                required=True,
                description=format_lazy(_("The year, from {first} to {last}."), first=FIRST_YEAR, last=LAST_YEAR),
                examples=[OpenApiExample("2027", 2027)],
            ),
        ],
        responses={200: CalendarYear, **errors(400, 401)},
    )
