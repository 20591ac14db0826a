"""GET /api/v1/calendar/?year=YYYY — the working calendar of a year, read-only."""

from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema as docs
from .calendar import working_calendar
from .models import FIRST_YEAR, LAST_YEAR, Kind


class CalendarQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)


def calendar_json(year):
    snapshot = working_calendar.current(fresh=True)
    days = snapshot.days_of(year).values()
    calendar = {
        "year": year,
        "arrangement_entered": year in snapshot.entered,
        "days_off": [day for day in days if day.kind == Kind.OFF],
        "make_up_working_days": [day for day in days if day.kind == Kind.WORK],
    }
    return docs.CalendarYear(calendar).data


class CalendarView(APIView):
    """Days off and make-up working days of a year, each with its date, name and source, and whether
    the State Council's arrangement for it is entered. Like the rest of /api/v1 it needs a login
    (token or session): the calendar holds nothing personal, but one rule for the whole API is
    simpler to state and to check than exceptions."""

    permission_classes = [IsAuthenticated]

    @docs.calendar(CalendarQuery)
    def get(self, request):
        query = CalendarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(calendar_json(query.validated_data["year"]))
