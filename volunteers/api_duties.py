"""The API of the grid Party groups' duties (三个一): visits, visits due, Party meetings, and what they
find made cases. Small JSON for a phone on a weak network: every record carries the `client_id` the
phone made, and a retry answers 200 with the record first made (201)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.api_input import checked
from govgrid.lib.errors import GovgridError
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField
from grids.models import PartyMeeting
from grids.scopes import Scope

from . import duties
from . import schema_duties as docs

LIST_LIMIT = 500


class ScopedView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def scope(self):
        return Scope.for_user(self.request.user)


class DayField(serializers.DateField):
    """A calendar day (YYYY-MM-DD) of the years 1900–2999."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not 1900 <= day.year <= 2999:
            raise serializers.ValidationError(gettext_lazy("A day of the years 1900 to 2999."))
        return day


# --- visits ------------------------------------------------------------------------------------------


class HouseholdVisitRequest(serializers.Serializer):
    client_id = serializers.UUIDField()
    link = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    visited_on = DayField()
    households_reached = serializers.IntegerField(min_value=1, max_value=100_000)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, default="wgs84")


class HouseholdVisitQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    mine = serializers.BooleanField(required=False, default=False)
    link = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    since = DayField(required=False)
    until = DayField(required=False)


def visit_json(visit, scope):
    """A visit; its notes (which may name residents) only to its member and where personal data is shown."""
    shown = visit.person_id == scope.person_id or scope.shows_personal_data_in(visit.grid.code)
    return {
        "id": visit.pk,
        "client_id": str(visit.client_id),
        "link": visit.link_id,
        "grid": visit.grid.code,
        "grid_name": visit.grid.name,
        "member": visit.person.name,
        "visited_on": visit.visited_on,
        "households_reached": visit.households_reached,
        "notes": visit.notes if shown else None,
        "lon": visit.location and round(visit.location.x, 7),
        "lat": visit.location and round(visit.location.y, 7),
        "recorded_at": visit.recorded_at,
        "cases": [finding.incident.code for finding in visit.findings.all() if finding.incident_id],
    }


@personal_data  # visits' notes
class VisitListView(ScopedView):
    """GET, POST /api/v1/visits/"""

    @docs.visit_list(HouseholdVisitQuery)
    def get(self, request):
        query = checked(HouseholdVisitQuery, request.query_params)
        scope = self.scope
        visits = duties.visits_seen(scope, duties.Visit.objects.select_related("grid", "person"))
        if query.get("within"):
            within = query["within"]
            if not (scope.sees(within) or query["mine"] or within in duties.led_grids(scope)):
                scope.area_seen(within, field="within")  # 404 naming the field
            visits = visits.filter(grid__code__startswith=within)
        if query["mine"]:
            visits = visits.filter(person_id=scope.person_id)
        if "link" in query:
            visits = visits.filter(link_id=query["link"])
        if "since" in query:
            visits = visits.filter(visited_on__gte=query["since"])
        if "until" in query:
            visits = visits.filter(visited_on__lte=query["until"])
        visits = visits.prefetch_related("findings__incident").order_by("-visited_on", "-id")[:LIST_LIMIT]
        return Response([visit_json(visit, scope) for visit in visits])

    @docs.visit_create(HouseholdVisitRequest)
    def post(self, request):
        given = checked(HouseholdVisitRequest, request.data)
        visit, created = duties.record_visit(request.user, duties.VisitRecord(**given))
        return Response(visit_json(visit, self.scope), status=201 if created else 200)


class VisitsDueQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    mine = serializers.BooleanField(required=False, default=False)
    weeks = serializers.IntegerField(min_value=1, max_value=duties.MAX_WEEKS, required=False, default=4)


class VisitsDueView(ScopedView):
    """GET /api/v1/visits/due/?mine=1 | ?within=<code>"""

    @docs.visits_due(VisitsDueQuery)
    def get(self, request):
        query = checked(VisitsDueQuery, request.query_params)
        today = timezone.localdate()
        if query["mine"]:
            return Response(duties.my_visits_due(request.user, query["weeks"], today))
        return Response(duties.area_visits_due(self.scope, query.get("within"), query["weeks"], today))


# --- meetings ---------------------------------------------------------------------------------------


class PartyMeetingRequest(serializers.Serializer):
    client_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=PartyMeeting.Kind.choices)
    area = AreaCodeField(help_text=gettext_lazy("The code of the grid (its Party group) or of the community."))
    held_on = DayField()
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, default=list, max_length=500
    )
    others_attending = serializers.IntegerField(min_value=0, max_value=10_000, required=False, default=0)
    issues = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    decisions = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class PartyMeetingQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    kind = serializers.ChoiceField(choices=PartyMeeting.Kind.choices, required=False)
    since = DayField(required=False)
    until = DayField(required=False)


def meeting_json(meeting):
    return {
        "id": meeting.pk,
        "client_id": str(meeting.client_id),
        "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(),
        "area": meeting.area.code,
        "area_name": meeting.area.name,
        "held_on": meeting.held_on,
        "topic": meeting.topic,
        "attendees": [{"id": person.pk, "name": person.name} for person in meeting.attendees.all()],
        "others_attending": meeting.others_attending,
        "issues": meeting.issues,
        "decisions": meeting.decisions,
        "recorded_at": meeting.recorded_at,
        "cases": [finding.incident.code for finding in meeting.findings.all() if finding.incident_id],
        "requests": [finding.request.tracking_code for finding in meeting.findings.all() if finding.request_id],
    }


class MeetingListView(ScopedView):
    """GET, POST /api/v1/party-meetings/"""

    @docs.meeting_list(PartyMeetingQuery)
    def get(self, request):
        query = checked(PartyMeetingQuery, request.query_params)
        scope = self.scope
        meetings = duties.meetings_seen(scope, PartyMeeting.objects.select_related("area"))
        if query.get("within"):
            within = query["within"]
            if not scope.sees(within) and within not in duties.led_grids(scope):
                scope.area_seen(within, field="within")
            meetings = meetings.filter(area__code__startswith=within)
        if "kind" in query:
            meetings = meetings.filter(kind=query["kind"])
        if "since" in query:
            meetings = meetings.filter(held_on__gte=query["since"])
        if "until" in query:
            meetings = meetings.filter(held_on__lte=query["until"])
        meetings = meetings.prefetch_related("attendees", "findings__incident", "findings__request")
        meetings = meetings.order_by("-held_on", "-id")
        return Response([meeting_json(meeting) for meeting in meetings[:LIST_LIMIT]])

    @docs.meeting_create(PartyMeetingRequest)
    def post(self, request):
        given = checked(PartyMeetingRequest, request.data)
        meeting, created = duties.record_meeting(request.user, duties.MeetingRecord(**given))
        return Response(meeting_json(meeting), status=201 if created else 200)


# --- findings ---------------------------------------------------------------------------------------


class DutyFindingRequest(serializers.Serializer):
    client_id = serializers.UUIDField()
    category = serializers.CharField(max_length=10, help_text=gettext_lazy("An active category item's code."))
    description = serializers.CharField(max_length=2000)
    grid = AreaCodeField(
        required=False,
        help_text=gettext_lazy("A community's meeting: the grid of the community the case is in."),
    )


def finding_json(finding):
    case = finding.incident
    return {
        "id": finding.pk,
        "client_id": str(finding.client_id),
        "visit": finding.visit_id,
        "meeting": finding.meeting_id,
        "case": {
            "code": case.code,
            "status": case.status,
            "status_label": case.get_status_display(),
            "grid": case.grid.code,
            "channel": case.channel,
        },
    }


class VisitFindingView(ScopedView):
    """POST /api/v1/visits/<id>/findings/"""

    @docs.visit_finding(DutyFindingRequest)
    def post(self, request, pk):
        given = checked(DutyFindingRequest, request.data)
        if given.get("grid"):
            raise GovgridError(gettext_lazy("A visit's finding is a case in the visit's grid."), field="grid")
        finding, created = duties.visit_finding(request.user, pk, duties.FindingRecord(**given))
        return Response(finding_json(finding), status=201 if created else 200)


class MeetingFindingView(ScopedView):
    """POST /api/v1/party-meetings/<id>/findings/"""

    @docs.meeting_finding(DutyFindingRequest)
    def post(self, request, pk):
        given = checked(DutyFindingRequest, request.data)
        finding, created = duties.meeting_finding(request.user, pk, duties.FindingRecord(**given))
        return Response(finding_json(finding), status=201 if created else 200)


class MeetingRequestBody(serializers.Serializer):
    client_id = serializers.UUIDField()
    kind = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=2000)
    for_whom = serializers.CharField(max_length=20)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    grid = AreaCodeField(
        required=False, help_text=gettext_lazy("A community's meeting: the grid of the community the request is in.")
    )


class MeetingServiceRequestView(ScopedView):
    """POST /api/v1/party-meetings/<id>/requests/"""

    @docs.meeting_request(MeetingRequestBody)
    def post(self, request, pk):
        given = checked(MeetingRequestBody, request.data)
        client_id, grid = given.pop("client_id"), given.pop("grid", "")
        finding, created = duties.meeting_request(request.user, pk, client_id, given, grid)
        return Response(
            {"meeting": finding.meeting_id, "request": finding.request.tracking_code, "status": finding.request.status},
            status=201 if created else 200,
        )
