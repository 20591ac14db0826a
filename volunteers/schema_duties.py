"""How the API of the Party groups' duties (三个一) is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

TAG = ["duties"]


class DutyVisit(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    link = serializers.IntegerField(help_text=_("The household link visited."))
    grid = serializers.CharField()
    grid_name = serializers.CharField()
    member = serializers.CharField()
    visited_on = serializers.DateField()
    households_reached = serializers.IntegerField()
    notes = serializers.CharField(
        allow_null=True, help_text=_("Left out (null) where personal data is not shown, but to the member.")
    )
    lon = serializers.FloatField(allow_null=True, help_text=_("WGS84."))
    lat = serializers.FloatField(allow_null=True, help_text=_("WGS84."))
    recorded_at = serializers.DateTimeField()
    cases = serializers.ListField(child=serializers.CharField(), help_text=_("The cases its findings became."))


class DutyWeek(serializers.Serializer):
    week = serializers.CharField(help_text=_("The ISO week, e.g. 2026-W49."))
    monday = serializers.DateField()
    due = serializers.BooleanField(help_text=_("The link is in force the whole week."))
    done = serializers.BooleanField(help_text=_("Due, and a visit was recorded that week."))


class DutyLinkWeeks(serializers.Serializer):
    link = serializers.IntegerField()
    grid = serializers.CharField()
    grid_name = serializers.CharField()
    households = serializers.IntegerField()
    weeks = DutyWeek(many=True)


class DutyWeekCount(serializers.Serializer):
    week = serializers.CharField()
    monday = serializers.DateField()
    due = serializers.IntegerField(help_text=_("Link-weeks due: links in force the whole week."))
    done = serializers.IntegerField(help_text=_("Link-weeks due with a visit that week."))


class DutyVisitsDue(serializers.Serializer):
    weeks = serializers.ListField(
        child=serializers.JSONField(), help_text=_("`mine`: the ISO weeks' names; else each week's counts.")
    )
    links = DutyLinkWeeks(many=True, required=False, help_text=_("`mine` only: each household link in force."))
    within = serializers.CharField(required=False, allow_null=True)


class DutyPerson(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DutyMeeting(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["analysis", "training"])
    kind_label = serializers.CharField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    held_on = serializers.DateField()
    topic = serializers.CharField(allow_blank=True)
    attendees = DutyPerson(many=True)
    others_attending = serializers.IntegerField()
    issues = serializers.CharField(allow_blank=True)
    decisions = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField()
    cases = serializers.ListField(child=serializers.CharField())
    requests = serializers.ListField(
        child=serializers.CharField(), help_text=_("The service requests its decisions became (tracking codes).")
    )


class DutyCase(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    grid = serializers.CharField()
    channel = serializers.ChoiceField(choices=["visit", "meeting"])


class DutyFinding(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    visit = serializers.IntegerField(allow_null=True)
    meeting = serializers.IntegerField(allow_null=True)
    case = DutyCase()


def visit_list(query):
    return extend_schema(
        operation_id="visit_list",
        tags=TAG,
        summary=_("Household visits: your own and those of the grids in your areas, newest first"),
        parameters=[query, within_parameter()],
        responses={200: DutyVisit(many=True), **errors(400, 401, 404)},
    )


def visit_create(request):
    return extend_schema(
        operation_id="visit_create",
        tags=TAG,
        summary=_("Record a weekly household visit"),
        description=_(
            "By the member of the household link (a visit of the last 30 days) or by the community's or "
            "street's staff for them (any earlier day). The link must be in force on the day. A retry with "
            "the same client_id answers 200 with the visit first recorded; other content under it, 409."
        ),
        request=request,
        responses={201: DutyVisit, 200: DutyVisit, **errors(400, 401, 403, 404, 409)},
    )


def visits_due(query):
    return extend_schema(
        operation_id="visit_due",
        tags=TAG,
        summary=_("Visits due and done per ISO week"),
        description=_(
            "`mine=1`: your household links in force and, per week, whether a visit is due and was made. "
            "Else the link-weeks due and done per week in the area `within` (or your whole scope)."
        ),
        parameters=[query, within_parameter()],
        responses={200: DutyVisitsDue, **errors(400, 401, 404)},
    )


def visit_finding(request):
    return extend_schema(
        operation_id="visit_finding",
        tags=TAG,
        summary=_("Make a problem found on a visit a case in its grid"),
        description=_(
            "The case is reported on channel `visit` in the visit's grid, at the visit's location (or the "
            "grid's point). A retry with the same client_id answers 200 with the same case."
        ),
        request=request,
        responses={201: DutyFinding, 200: DutyFinding, **errors(400, 401, 403, 404, 409)},
    )


def meeting_list(query):
    return extend_schema(
        operation_id="party_meeting_list",
        tags=TAG,
        summary=_("Party meetings (situation analyses and trainings) in your areas, newest first"),
        parameters=[query, within_parameter()],
        responses={200: DutyMeeting(many=True), **errors(400, 401, 404)},
    )


def meeting_create(request):
    return extend_schema(
        operation_id="party_meeting_create",
        tags=TAG,
        summary=_("Record a Party meeting: a situation analysis or a training"),
        description=_(
            "By the grid's Party group leader for their grid (a meeting of the last 30 days), or by those "
            "who may change the area. Attendees serve in the area on the day."
        ),
        request=request,
        responses={201: DutyMeeting, 200: DutyMeeting, **errors(400, 401, 403, 404, 409)},
    )


def meeting_finding(request):
    return extend_schema(
        operation_id="party_meeting_finding",
        tags=TAG,
        summary=_("Make a meeting's decision a case in its grid"),
        request=request,
        responses={201: DutyFinding, 200: DutyFinding, **errors(400, 401, 403, 404, 409)},
    )


class MeetingServiceRequest(serializers.Serializer):
    meeting = serializers.IntegerField()
    request = serializers.CharField(help_text=_("The service request's tracking code."))
    status = serializers.CharField()


def meeting_request(request):
    return extend_schema(
        operation_id="party_meeting_request",
        tags=TAG,
        summary=_("Make a meeting's decision to help someone a service request in its grid"),
        description=_(
            "Reviewed and offered as any service request. A retry with the same client_id answers 200 with "
            "the same request."
        ),
        request=request,
        responses={201: MeetingServiceRequest, 200: MeetingServiceRequest, **errors(400, 401, 403, 404, 409)},
    )
