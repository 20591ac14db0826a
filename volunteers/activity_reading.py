"""What the API and the pages show of activities, to a given user. Everyone who may read an activity
sees its place, times, places left and counts; the names of those who signed up and attended are
shown to those whose scope sees its community (its staff, leaders), and a member sees only their
own sign-up and attendance. No phone is shown here."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from grids.models import Person
from grids.scopes import Scope

from . import activities, attendance_codes
from .kinds import KINDS
from .models import Attendance, LedgerEntry, SignUp


def counted(queryset):
    return queryset.annotate(
        signed=Count("sign_ups", filter=Q(sign_ups__cancelled_at__isnull=True), distinct=True),
        attended=Count("attendances", distinct=True),
    )


class Reader:
    """One user's view of activities: their scope and person, read once."""

    def __init__(self, user):
        self.user = user
        self.scope = Scope.for_user(user)
        self.person = Person.objects.filter(user=user).first() if user.is_authenticated else None
        self.now = timezone.now()

    def listed(self, within="", when="", field="within"):
        queryset = activities.visible_to(self.user, self.scope)
        if within:
            serving = activities.serving_districts(self.person) if self.person else set()
            if not within.startswith(tuple(serving)) or not serving:
                self.scope.area_seen(within, field)  # 404 naming the field, unless the scope sees it
            queryset = queryset.filter(community__code__startswith=within)
        return counted(activities.upcoming_or_past(queryset, when, self.now))

    def rows(self, queryset):
        queryset = list(queryset)
        ids = [activity.pk for activity in queryset]
        mine = {"signed": set(), "attended": set()}
        if self.person is not None and ids:
            mine["signed"] = set(
                SignUp.objects.filter(person=self.person, activity_id__in=ids, cancelled_at__isnull=True).values_list(
                    "activity_id", flat=True
                )
            )
            mine["attended"] = set(
                Attendance.objects.filter(person=self.person, activity_id__in=ids).values_list("activity_id", flat=True)
            )
        return [self.row(activity, mine) for activity in queryset]

    def row(self, activity, mine):
        places_left = None if activity.capacity is None else max(0, activity.capacity - activity.signed)
        opens_at, closes_at = attendance_codes.window(activity)
        return {
            "id": activity.pk,
            "version": activity.version,
            "community": activity.community.code,
            "community_name": activity.community.name,
            "team": activity.team_id,
            "team_name": activity.team.name if activity.team else None,
            "title": activity.title,
            "description": activity.description,
            "kind": activity.kind,
            "kind_label": str(KINDS[activity.kind]) if activity.kind in KINDS else "",
            "place": activity.place,
            "lon": activity.location.x,
            "lat": activity.location.y,
            "radius_m": activity.radius_m,
            "starts_at": activity.starts_at,
            "ends_at": activity.ends_at,
            "check_in_opens_at": opens_at,
            "check_in_closes_at": closes_at,
            "check_in": attendance_codes.state_at(activity, self.now),
            "capacity": activity.capacity,
            "hours": str(activity.hours),
            "status": activity.status,
            "status_label": str(activity.get_status_display()),
            "signed_up": activity.signed,
            "places_left": places_left,
            "attended": activity.attended,
            "mine": {"signed_up": activity.pk in mine["signed"], "attended": activity.pk in mine["attended"]},
            "may_change": self.scope.changes(activity.community.code),
        }

    def detail(self, activity_id):
        activity = counted(activities.visible_to(self.user, self.scope).filter(pk=activity_id))
        activity = activity.prefetch_related(
            Prefetch("sign_ups", SignUp.objects.select_related("person").order_by("at", "id")),
            Prefetch("attendances", Attendance.objects.select_related("person", "recorded_by").order_by("at", "id")),
        ).first()
        if activity is None:
            raise activities._not_found(activity_id)
        return self.detailed(activity)

    def detailed(self, activity):
        [row] = self.rows([activity])
        if self.scope.sees(activity.community.code):
            row["sign_ups"] = [
                {"person": s.person_id, "name": s.person.name, "at": s.at, "cancelled_at": s.cancelled_at}
                for s in activity.sign_ups.all()
            ]
            row["attendances"] = [
                {
                    "person": a.person_id,
                    "name": a.person.name,
                    "at": a.at,
                    "metres": None if a.metres is None else round(a.metres),
                    "by_hand": a.recorded_by_id is not None,
                    "recorded_by": (a.recorded_by.first_name or a.recorded_by.username) if a.recorded_by else None,
                }
                for a in activity.attendances.all()
            ]
        return row


def attendance_row(attendance):
    """An attendance with what it credited (the ledger's row)."""
    credit = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.ACTIVITY_HOURS, activity_id=attendance.activity_id, person_id=attendance.person_id
    ).first()
    return {
        "activity": attendance.activity_id,
        "person": attendance.person_id,
        "at": attendance.at,
        "metres": None if attendance.metres is None else round(attendance.metres),
        "by_hand": attendance.recorded_by_id is not None,
        "hours": str(credit.hours) if credit else None,
        "points": str(credit.points) if credit else None,
    }


def sign_up_row(sign_up):
    return {
        "activity": sign_up.activity_id,
        "person": sign_up.person_id,
        "at": sign_up.at,
        "cancelled_at": sign_up.cancelled_at,
    }


def code_now(activity, now=None):
    """The organiser's code as the code page and API show it: the code of this moment with its
    seconds left, or none outside the check-in window."""
    now = now or timezone.now()
    state = attendance_codes.state_at(activity, now)
    opens_at, closes_at = attendance_codes.window(activity)
    answer = {
        "activity": activity.pk,
        "state": state,
        "code": None,
        "step": None,
        "seconds_left": None,
        "step_seconds": attendance_codes.step_seconds(),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    if state == "open":
        code, step, seconds_left = attendance_codes.current(activity, now)
        answer |= {"code": code, "step": step, "seconds_left": seconds_left}
    return answer
