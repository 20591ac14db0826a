"""How the activities' and volunteer teams' API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

TAG = ["activities"]
TEAMS_TAG = ["volunteer teams"]


class ActivityMine(serializers.Serializer):
    signed_up = serializers.BooleanField()
    attended = serializers.BooleanField()


class ActivityRow(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text=_("Send it back with a change: a stale one answers 409."))
    community = serializers.CharField()
    community_name = serializers.CharField()
    team = serializers.IntegerField(allow_null=True)
    team_name = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True, help_text=_("A service kind, or empty."))
    kind_label = serializers.CharField(allow_blank=True)
    place = serializers.CharField()
    lon = serializers.FloatField(help_text=_("WGS84."))
    lat = serializers.FloatField(help_text=_("WGS84."))
    radius_m = serializers.IntegerField(help_text=_("Check-ins count within this many metres of the place."))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    check_in_opens_at = serializers.DateTimeField()
    check_in_closes_at = serializers.DateTimeField()
    check_in = serializers.CharField(help_text=_("Check-in now: early, open, closed or cancelled."))
    capacity = serializers.IntegerField(allow_null=True, help_text=_("Places; none: no limit."))
    hours = serializers.CharField(help_text=_("Hours credited to each member who attends, as a decimal."))
    status = serializers.CharField(help_text=_("published or cancelled."))
    status_label = serializers.CharField()
    signed_up = serializers.IntegerField()
    places_left = serializers.IntegerField(allow_null=True)
    attended = serializers.IntegerField()
    mine = ActivityMine(help_text=_("The caller's own sign-up and attendance."))
    may_change = serializers.BooleanField()


class ActivitySignUpRow(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


class ActivityAttendanceRow(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    at = serializers.DateTimeField()
    metres = serializers.IntegerField(allow_null=True, help_text=_("From the place; none when recorded by hand."))
    by_hand = serializers.BooleanField()
    recorded_by = serializers.CharField(allow_null=True)


class ActivityDetail(ActivityRow):
    sign_ups = ActivitySignUpRow(many=True, required=False, help_text=_("To those who see the community."))
    attendances = ActivityAttendanceRow(many=True, required=False, help_text=_("To those who see the community."))


class ActivitySignUp(serializers.Serializer):
    activity = serializers.IntegerField()
    person = serializers.IntegerField()
    at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


class ActivityAttendance(serializers.Serializer):
    activity = serializers.IntegerField()
    person = serializers.IntegerField()
    at = serializers.DateTimeField()
    metres = serializers.IntegerField(allow_null=True)
    by_hand = serializers.BooleanField()
    hours = serializers.CharField(allow_null=True, help_text=_("The hours credited."))
    points = serializers.CharField(allow_null=True, help_text=_("The points credited."))


class ActivityCode(serializers.Serializer):
    activity = serializers.IntegerField()
    state = serializers.CharField(help_text=_("early, open, closed or cancelled: a code only when open."))
    code = serializers.CharField(allow_null=True, help_text=_("Six digits, while check-in is open."))
    step = serializers.IntegerField(allow_null=True, help_text=_("The time step the code belongs to."))
    seconds_left = serializers.IntegerField(allow_null=True, help_text=_("Until the next code."))
    step_seconds = serializers.IntegerField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class VolunteerTeamMember(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)


class VolunteerTeam(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.CharField()
    community_name = serializers.CharField()
    work_unit = serializers.IntegerField(allow_null=True, help_text=_("A work unit's stationed team (驻点团队)."))
    work_unit_name = serializers.CharField(allow_null=True)
    skills = serializers.ListField(child=serializers.CharField())
    leader = serializers.IntegerField(allow_null=True)
    leader_name = serializers.CharField(allow_null=True)
    members = VolunteerTeamMember(many=True, help_text=_("Members in force today."))
    may_change = serializers.BooleanField()


activity_list = extend_schema(
    operation_id="activity_list",
    tags=TAG,
    summary=_("Volunteer activities: of your areas, and of the districts you serve in"),
    parameters=[
        within_parameter(),
        OpenApiParameter(
            "when", str, enum=["upcoming", "past"], description=_("Upcoming (not yet ended, soonest first) or past.")
        ),
    ],
    responses={200: ActivityRow(many=True), **errors(400, 401, 404)},
)


def activity_create(request):
    return extend_schema(
        operation_id="activity_create",
        tags=TAG,
        summary=_("Publish an activity of a community"),
        description=_(
            "By the community's staff. The hours are more than 0, at most 24 and at most the activity's length "
            "plus one hour; the place is inside the district, given in `crs` (default wgs84)."
        ),
        request=request,
        responses={201: ActivityDetail, **errors(400, 401, 403, 404)},
    )


activity_detail = extend_schema(
    operation_id="activity_detail",
    tags=TAG,
    summary=_("An activity: its place, times, places left; sign-ups and attendance for its staff"),
    responses={200: ActivityDetail, **errors(401, 404)},
)


def activity_edit(request):
    return extend_schema(
        operation_id="activity_edit",
        tags=TAG,
        summary=_("Change an activity"),
        description=_(
            "Send the `version` you read and the fields to change. Once a member attended, the hours and the times "
            "stay (409 `attended`)."
        ),
        request=request,
        responses={200: ActivityDetail, **errors(400, 401, 403, 404, 409)},
    )


def activity_cancel(request):
    return extend_schema(
        operation_id="activity_cancel",
        tags=TAG,
        summary=_("Cancel an activity before it ends and before anyone attended"),
        request=request,
        responses={200: ActivityDetail, **errors(400, 401, 403, 404, 409)},
    )


activity_sign_up = extend_schema(
    operation_id="activity_sign_up",
    tags=TAG,
    summary=_("Sign up for an activity"),
    description=_(
        "For a person who serves in the activity's district. 201 for a new place, 200 when already signed up; "
        "409 `full` when no place is left, `ended` or `cancelled`."
    ),
    request=None,
    responses={200: ActivitySignUp, 201: ActivitySignUp, **errors(401, 403, 404, 409)},
)

activity_withdraw = extend_schema(
    operation_id="activity_withdraw",
    tags=TAG,
    summary=_("Give back one's place"),
    responses={200: ActivitySignUp, **errors(401, 403, 404, 409)},
)


def activity_check_in(request):
    return extend_schema(
        operation_id="activity_check_in",
        tags=TAG,
        summary=_("Check in on site with the organiser's code"),
        description=_(
            "The code shown now (or the one before it), the phone's position and its accuracy, and a `client_id` "
            "made on the phone. Refused: a wrong or expired code (400, field `code`), a position farther than the "
            "activity's radius plus the accuracy (400, field `location`, with `metres` and `allowed_m`), outside "
            "the check-in window (409), full for someone not signed up (409 `full`), too many tries (429). Sent "
            "again it answers 200 with the same attendance; the hours are credited once."
        ),
        request=request,
        responses={200: ActivityAttendance, 201: ActivityAttendance, **errors(400, 401, 403, 404, 409, 429)},
    )


def activity_record(request):
    return extend_schema(
        operation_id="activity_record_attendance",
        tags=TAG,
        summary=_("Record a member's attendance by hand (the organiser)"),
        description=_("For a member with no phone: no code or position. 200 when already recorded."),
        request=request,
        responses={200: ActivityAttendance, 201: ActivityAttendance, **errors(400, 401, 403, 404, 409)},
    )


activity_code = extend_schema(
    operation_id="activity_code",
    tags=TAG,
    summary=_("The organiser's attendance code now, and its seconds left"),
    description=_("For the activity's staff; no code outside the check-in window."),
    responses={200: ActivityCode, **errors(401, 403, 404)},
)

team_list = extend_schema(
    operation_id="volunteer_team_list",
    tags=TEAMS_TAG,
    summary=_("Volunteer teams of the communities in your areas, with their members"),
    parameters=[within_parameter()],
    responses={200: VolunteerTeam(many=True), **errors(400, 401, 404)},
)


def team_create(request):
    return extend_schema(
        operation_id="volunteer_team_create",
        tags=TEAMS_TAG,
        summary=_("Make a volunteer team of a community, or a work unit's stationed team"),
        request=request,
        responses={201: VolunteerTeam, **errors(400, 401, 403, 404, 409)},
    )


team_detail = extend_schema(
    operation_id="volunteer_team_detail",
    tags=TEAMS_TAG,
    summary=_("A volunteer team and its members"),
    responses={200: VolunteerTeam, **errors(401, 404)},
)


def team_add_member(request):
    return extend_schema(
        operation_id="volunteer_team_add_member",
        tags=TEAMS_TAG,
        summary=_("Add a member to a team"),
        description=_("201 for a new membership, 200 when the person is already a member."),
        request=request,
        responses={200: VolunteerTeam, 201: VolunteerTeam, **errors(400, 401, 403, 404, 409)},
    )


team_end_member = extend_schema(
    operation_id="volunteer_team_end_member",
    tags=TEAMS_TAG,
    summary=_("End a member's membership today (kept as history)"),
    responses={200: VolunteerTeam, **errors(401, 403, 404)},
)
