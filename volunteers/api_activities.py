"""The API of volunteer activities (publish, change, cancel; sign up, withdraw; check in on site;
the organiser's record by hand and code) and of volunteer teams. The rules are in
volunteers.activities and volunteers.teams; these views check the shape of what is sent and answer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib import coords
from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.moments import BoundedDateField, BoundedDateTimeField
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField
from grids.scopes import Forbidden, Scope

from . import activities, activity_reading, teams
from . import schema_activities as docs
from .kinds import KINDS


class SignedInView(APIView):
    permission_classes = [IsAuthenticated]


# --- requests -------------------------------------------------------------------------------------


class ActivityListQuery(serializers.Serializer):
    within = AreaCodeField(required=False)
    when = serializers.ChoiceField(choices=["upcoming", "past"], required=False)


class ActivityFields(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    kind = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text=gettext_lazy("A service kind, or empty.")
    )
    team = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    place = serializers.CharField(max_length=200)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, required=False, default="wgs84")
    radius_m = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Check-ins count within this many metres (20 to 2000).")
    )
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField()
    capacity = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("Places; none: no limit.")
    )
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, help_text=gettext_lazy("Hours credited."))


class ActivityCreateRequest(ActivityFields):
    community = AreaCodeField()


class ActivityEditRequest(ActivityFields):
    version = serializers.IntegerField(min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False
        self.fields["crs"].default = serializers.empty


class CheckInRequest(serializers.Serializer):
    client_id = serializers.UUIDField(help_text=gettext_lazy("Made on the phone: sent again, the same check-in."))
    code = serializers.CharField(max_length=12, help_text=gettext_lazy("The six digits the organiser shows."))
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(min_value=0, max_value=100000, required=False, allow_null=True)
    crs = serializers.ChoiceField(choices=coords.SUPPORTED, required=False, default="wgs84")


class RecordRequest(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text=gettext_lazy("The member present."))


class TeamListQuery(serializers.Serializer):
    within = AreaCodeField(required=False)


class TeamCreateRequest(serializers.Serializer):
    community = AreaCodeField()
    name = serializers.CharField(max_length=100)
    work_unit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list, max_length=len(KINDS),
        help_text=gettext_lazy("Service kinds the team takes."),
    )  # fmt: skip
    leader = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class TeamMemberRequest(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    starts_on = BoundedDateField(required=False, allow_null=True)


# --- activities -----------------------------------------------------------------------------------


@personal_data  # the names of those who signed up and attended
class ActivityListView(SignedInView):
    """GET, POST /api/v1/activities/"""

    @docs.activity_list
    def get(self, request):
        query = checked(ActivityListQuery, request.query_params)
        reader = activity_reading.Reader(request.user)
        listed = reader.listed(query.get("within", ""), query.get("when", ""))[:500]
        return Response(reader.rows(listed))

    @docs.activity_create(ActivityCreateRequest)
    def post(self, request):
        given = checked(ActivityCreateRequest, request.data)
        activity = activities.publish(request.user, given.pop("community"), **given)
        return Response(activity_reading.Reader(request.user).detail(activity.pk), status=201)


@personal_data
class ActivityView(SignedInView):
    """GET, PATCH /api/v1/activities/<id>/"""

    @docs.activity_detail
    def get(self, request, pk):
        return Response(activity_reading.Reader(request.user).detail(pk))

    @docs.activity_edit(ActivityEditRequest)
    def patch(self, request, pk):
        given = checked(ActivityEditRequest, request.data)
        activities.edit(request.user, pk, given.pop("version"), **given)
        return Response(activity_reading.Reader(request.user).detail(pk))


@personal_data
class ActivityCancelView(SignedInView):
    """POST /api/v1/activities/<id>/cancel/"""

    @docs.activity_cancel(Versioned)
    def post(self, request, pk):
        activities.cancel(request.user, pk, checked(Versioned, request.data)["version"])
        return Response(activity_reading.Reader(request.user).detail(pk))


class ActivitySignUpView(SignedInView):
    """POST, DELETE /api/v1/activities/<id>/sign-up/"""

    @docs.activity_sign_up
    def post(self, request, pk):
        sign_up, created = activities.sign_up(request.user, pk)
        return Response(activity_reading.sign_up_row(sign_up), status=201 if created else 200)

    @docs.activity_withdraw
    def delete(self, request, pk):
        return Response(activity_reading.sign_up_row(activities.withdraw(request.user, pk)))


class ActivityCheckInView(SignedInView):
    """POST /api/v1/activities/<id>/check-in/"""

    @docs.activity_check_in(CheckInRequest)
    def post(self, request, pk):
        given = checked(CheckInRequest, request.data)
        attendance, created = activities.check_in(request.user, pk, **given)
        return Response(activity_reading.attendance_row(attendance), status=201 if created else 200)


class ActivityAttendanceView(SignedInView):
    """POST /api/v1/activities/<id>/attendance/"""

    @docs.activity_record(RecordRequest)
    def post(self, request, pk):
        given = checked(RecordRequest, request.data)
        attendance, created = activities.record_attendance(request.user, pk, given["person"])
        return Response(activity_reading.attendance_row(attendance), status=201 if created else 200)


def organised_activity(user, pk):
    """An activity whose code the user may show: its community's staff (403 to others who see it)."""
    scope = Scope.for_user(user)
    activity = activities.activity_seen(user, pk, scope)
    if not scope.changes(activity.community.code):
        raise Forbidden(_("Only the activity's organisers show its code."), field="activity")
    return activity


class ActivityCodeView(SignedInView):
    """GET /api/v1/activities/<id>/code/"""

    @docs.activity_code
    def get(self, request, pk):
        response = Response(activity_reading.code_now(organised_activity(request.user, pk)))
        response["Cache-Control"] = "no-store"  # a code is good for a minute: never kept anywhere
        return response


# --- volunteer teams ------------------------------------------------------------------------------


@personal_data  # the members' names
class TeamListView(SignedInView):
    """GET, POST /api/v1/volunteer-teams/"""

    @docs.team_list
    def get(self, request):
        query = checked(TeamListQuery, request.query_params)
        scope = Scope.for_user(request.user)
        prefixes = scope.read_prefixes(query.get("within"), field="within")
        return Response([teams.team_row(team, scope) for team in teams.teams_in(scope, prefixes)[:500]])

    @docs.team_create(TeamCreateRequest)
    def post(self, request):
        given = checked(TeamCreateRequest, request.data)
        team = teams.create_team(request.user, given.pop("community"), **given)
        scope = Scope.for_user(request.user)
        return Response(teams.team_row(teams.team_seen(scope, team.pk), scope), status=201)


@personal_data  # the members' names
class TeamView(SignedInView):
    """GET /api/v1/volunteer-teams/<id>/"""

    @docs.team_detail
    def get(self, request, pk):
        scope = Scope.for_user(request.user)
        return Response(teams.team_row(teams.team_seen(scope, pk), scope))


@personal_data  # the members' names
class TeamMembersView(SignedInView):
    """POST /api/v1/volunteer-teams/<id>/members/"""

    @docs.team_add_member(TeamMemberRequest)
    def post(self, request, pk):
        given = checked(TeamMemberRequest, request.data)
        _membership, created = teams.add_member(request.user, pk, given["person"], given.get("starts_on"))
        scope = Scope.for_user(request.user)
        return Response(teams.team_row(teams.team_seen(scope, pk), scope), status=201 if created else 200)


@personal_data  # the members' names
class TeamMemberView(SignedInView):
    """DELETE /api/v1/volunteer-teams/<id>/members/<person>/"""

    @docs.team_end_member
    def delete(self, request, pk, person):
        teams.end_membership(request.user, pk, person)
        scope = Scope.for_user(request.user)
        return Response(teams.team_row(teams.team_seen(scope, pk), scope))
