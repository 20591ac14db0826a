"""Every change of a volunteer activity, each in one place and atomic: publishing, editing and
cancelling it (community staff), signing up and withdrawing (members), checking in on site with
the organiser's code and the phone's position, and the organiser recording someone by hand.

Who may act:

| action                         | who                                                               |
|--------------------------------|-------------------------------------------------------------------|
| publish, edit, cancel, record  | whoever may change the activity's community (`Scope.changes`)     |
| sign up, withdraw, check in    | a person with a login who serves in the activity's district: an   |
|                                | assignment or household link in force there, a team membership in |
|                                | force in one of its communities, or their home community there     |

Races: every change locks the activity's row first (`_locked`), so two members taking the last
place at once are served one after the other and the second finds it full (409 `full`); a
member's check-in sent twice finds the first attendance and credits nothing more; and the ledger's
unique constraint (one activity credit a person) is the last guard behind both.

Rules chosen here, and why:
- hours credited: more than 0, at most 24 (the database's check), and at most the activity's
  length plus HOURS_MARGIN: setting up and clearing away are part of the service, but an activity
  of two hours credits no more than three.
- an activity is published before it ends and lasts at most MAX_LENGTH; its place is inside its
  district (a point elsewhere is a slip of the map or swapped coordinates).
- once someone attended, the hours and the times no longer change (their credits were written
  with them) and the activity is not cancelled.
- the organiser records an attendance by hand (a member with no phone, a paper list) from the
  check-in window's opening until HAND_RECORD_DAYS after the end, over the capacity if need be:
  they saw the person there.
"""

import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Area, Assignment, HouseholdLink, Level, Person
from grids.models.people import in_force
from grids.scopes import Forbidden, Scope

from . import attendance_codes
from .kinds import KINDS
from .ledger import credit_activity
from .models import Activity, Attendance, SignUp, Team, TeamMember

HOURS_MARGIN = Decimal(1)  # hours beyond the activity's length that may be credited
MAX_LENGTH = timedelta(days=7)
MAX_HOURS = Decimal(24)
RADIUS_M = (20, 2000)  # less is below a phone's precision; more proves nothing of being there
MAX_CAPACITY = 10000
HAND_RECORD_DAYS = 7
# Namespace of the client ids of attendances recorded by hand: one per activity and person, so the
# organiser's second tap is the same attendance.
BY_HAND = uuid.UUID("5d0e7c52-8f0a-4c43-9a51-7a0c6f1d2b38")
# Check-ins a person may try on one activity in CODE_TRIES_MINUTES: six digits are a million codes,
# and this keeps guessing them out of reach while a member who mistypes twice is not held up.
CODE_TRIES = 10
CODE_TRIES_MINUTES = 10

EDITABLE = ("title", "description", "kind", "team", "place", "location", "radius_m", "starts_at", "ends_at",
            "capacity", "hours")  # fmt: skip


# --- who -------------------------------------------------------------------------------------------


def person_of(user):
    """The person of a login; 403 for a login that is nobody's (an account for scripts)."""
    person = Person.objects.filter(user=user).first() if user is not None and user.is_authenticated else None
    if person is None:
        raise Forbidden(_("Your login is not linked to a person: ask your community to link it."))
    return person


def serving_districts(person, on=None):
    """The codes of the districts a person serves in (see the table above)."""
    on = on or timezone.localdate()
    codes = set(Assignment.objects.filter(in_force(on), person=person).values_list("area__code", flat=True))
    codes |= set(HouseholdLink.objects.filter(in_force(on), person=person).values_list("grid__code", flat=True))
    codes |= set(TeamMember.objects.filter(in_force(on), person=person).values_list("team__community__code", flat=True))
    if person.home_community_id:
        codes.add(person.home_community.code)
    return {code[:6] for code in codes}


def community_changed_by(scope, code, field="community"):
    """The community with this code when the scope may change it: 404 outside the scope, 403 when
    only seen, 400 when the code is not a community's."""
    area = Area.objects.filter(code=code or "").first() if scope.sees(code or "") else None
    if area is None:
        raise NotFound(_("No community has the code %(code)s in your areas.") % {"code": code}, field=field)
    if area.level != Level.COMMUNITY:
        raise GovgridError(_("Choose a community."), field=field)
    if not scope.changes(area.code):
        raise Forbidden(_("You may read the activities of %(name)s but not change them.") % {"name": area.name})
    return area


def _not_found(activity_id):
    return NotFound(_("No activity %(id)s in your areas.") % {"id": activity_id}, field="activity")


def _locked(activity_id):
    activity = Activity.objects.select_for_update(of=("self",)).select_related("community").filter(pk=activity_id)
    activity = activity.first()
    if activity is None:
        raise _not_found(activity_id)
    return activity


def _staff_locked(user, activity_id, version=None, versioned=True):
    """The activity locked for update, when the user may change its community and (when
    `versioned`) read its current version."""
    scope = Scope.for_user(user)
    activity = _locked(activity_id)
    if not scope.sees(activity.community.code):
        raise _not_found(activity_id)
    if not scope.changes(activity.community.code):
        raise Forbidden(_("You may read this activity but not change it."), field="activity")
    if versioned:
        if version is None:
            raise GovgridError(_("Send the version of the activity you read."), field="version")
        if version != activity.version:
            raise Conflict(_("The activity changed since you read it: read it again."), field="version", code="stale")
    return activity


def _member_locked(user, activity_id):
    """(person, activity locked for update) when the user's person serves in its district; 404
    otherwise, unless their scope sees the activity (staff who serve elsewhere: 403)."""
    person = person_of(user)
    activity = _locked(activity_id)
    if activity.community.code[:6] not in serving_districts(person):
        if Scope.for_user(user).sees(activity.community.code):
            raise Forbidden(_("Only those who serve in this district take part in its activities."), field="activity")
        raise _not_found(activity_id)
    return person, activity


def _open_for_members(activity, now):
    if activity.status == Activity.Status.CANCELLED:
        raise Conflict(_("The activity was cancelled."), field="activity", code="cancelled")
    if activity.ends_at <= now:
        raise Conflict(_("The activity is over."), field="activity", code="ended")


# --- what staff send ----------------------------------------------------------------------------


def point_of(lon, lat, crs="wgs84", field="location"):
    """A WGS84 point from a position in one of govgrid.lib.coords.SUPPORTED."""
    if crs not in coords.SUPPORTED:
        raise GovgridError(
            _("Unknown coordinate system: use one of %(known)s.") % {"known": ", ".join(coords.SUPPORTED)}, field="crs"
        )
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise GovgridError(_("Give the longitude and the latitude as numbers."), field=field) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GovgridError(_("The longitude or the latitude is out of range."), field=field)
    return Point(*coords.to_wgs84(lon, lat, crs), srid=4326)


def _hours(value):
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise GovgridError(_("Give the hours as a number."), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise GovgridError(_("An activity credits more than 0 and at most 24 hours."), field="hours")
    return hours


def _checked(community, fields, now, creating):
    """The fields of an activity checked together (each refusal names its field)."""
    checked = dict(fields)
    if "title" in fields:
        checked["title"] = checked_text(fields["title"], "title", 100, _("Give the activity a title."))
    if "description" in fields:
        checked["description"] = checked_text(fields["description"], "description", 2000)
    if "place" in fields:
        checked["place"] = checked_text(fields["place"], "place", 200, _("Say where the activity takes place."))
    if fields.get("kind"):
        if fields["kind"] not in KINDS:
            raise GovgridError(_("Unknown service kind: %(kind)s.") % {"kind": fields["kind"]}, field="kind")
    elif "kind" in fields:
        checked["kind"] = ""
    if fields.get("team") is not None:
        team = fields["team"]
        team = Team.objects.filter(pk=team, community=community).first() if isinstance(team, int) else team
        if team is None or team.community_id != community.pk:
            raise GovgridError(_("Choose one of the community's teams."), field="team")
        checked["team"] = team
    if "location" in fields:
        district = Area.objects.filter(code=community.code[:6]).only("geom").first()
        if district is None or not district.geom.covers(fields["location"]):
            raise GovgridError(_("The place must be inside the district."), field="location")
    if "radius_m" in fields:
        radius = fields["radius_m"]
        if isinstance(radius, bool) or not isinstance(radius, int) or not RADIUS_M[0] <= radius <= RADIUS_M[1]:
            raise GovgridError(
                _("The radius is %(low)d to %(high)d metres.") % {"low": RADIUS_M[0], "high": RADIUS_M[1]},
                field="radius_m",
            )
    if fields.get("capacity") is not None:
        capacity = fields["capacity"]
        if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
            raise GovgridError(_("Give the number of places as a whole number, 1 or more."), field="capacity")
    if "hours" in fields:
        checked["hours"] = _hours(fields["hours"])
    starts_at, ends_at = checked.get("starts_at"), checked.get("ends_at")
    if starts_at is None:
        raise GovgridError(_("Say when the activity starts."), field="starts_at")
    if ends_at is None:
        raise GovgridError(_("Say when the activity ends."), field="ends_at")
    if ends_at <= starts_at:
        raise GovgridError(_("An activity ends after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise GovgridError(_("An activity lasts at most seven days."), field="ends_at")
    if creating and ends_at <= now:
        raise GovgridError(_("An activity is published before it ends."), field="ends_at")
    length = Decimal((ends_at - starts_at).total_seconds()) / 3600
    if checked.get("hours") is not None and checked["hours"] > length + HOURS_MARGIN:
        raise GovgridError(
            _("An activity of %(length)s hours credits at most %(most)s hours.")
            % {"length": length.quantize(Decimal("0.1")), "most": min(MAX_HOURS, length + HOURS_MARGIN).quantize(
                Decimal("0.01"))},
            field="hours",
        )  # fmt: skip
    return checked


def publish(user, community_code, *, title, place, lon, lat, starts_at, ends_at, hours, crs="wgs84",
            description="", kind="", team=None, radius_m=200, capacity=None):  # fmt: skip
    """Publish an activity of a community (its staff): with a fresh secret for its codes."""
    scope = Scope.for_user(user)
    community = community_changed_by(scope, community_code)
    fields = {"title": title, "description": description, "kind": kind, "team": team, "place": place,
              "location": point_of(lon, lat, crs), "radius_m": radius_m, "starts_at": starts_at,
              "ends_at": ends_at, "capacity": capacity, "hours": hours}  # fmt: skip
    checked = _checked(community, fields, timezone.now(), creating=True)
    with transaction.atomic():
        return Activity.objects.create(
            community=community, organiser=user, secret=attendance_codes.new_secret(), **checked
        )


def edit(user, activity_id, version, **changes):
    """Change some of an activity's fields (those in EDITABLE; `lon`, `lat` and `crs` move its
    place) with the version the user read."""
    if {"lon", "lat"} & set(changes):
        changes["location"] = point_of(changes.pop("lon", None), changes.pop("lat", None), changes.pop("crs", "wgs84"))
    changes.pop("crs", None)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise GovgridError(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        activity = _staff_locked(user, activity_id, version)
        if activity.status == Activity.Status.CANCELLED:
            raise Conflict(_("The activity was cancelled."), field="activity", code="cancelled")
        current = {name: getattr(activity, name) for name in EDITABLE}
        changed = {name: value for name, value in changes.items() if value != current[name]}
        if not changed:
            return activity
        credited = sorted({"hours", "starts_at", "ends_at"} & set(changed))
        if credited and activity.attendances.exists():
            raise Conflict(
                _("Members have attended: the hours and the times they were credited with stay."),
                field=credited[0],
                code="attended",
            )
        checked = _checked(activity.community, current | changed, timezone.now(), creating=False)
        if "capacity" in changed and checked["capacity"] is not None:
            taken = activity.sign_ups.filter(cancelled_at__isnull=True).count()
            if checked["capacity"] < taken:
                raise GovgridError(
                    _("%(n)d have signed up: the places cannot be fewer.") % {"n": taken}, field="capacity"
                )
        for name in changed:
            setattr(activity, name, checked[name])
        activity.version += 1
        activity.save(update_fields=[*changed, "version"])
        return activity


def cancel(user, activity_id, version):
    """Cancel an activity before it ends and before anyone attended it."""
    with transaction.atomic():
        activity = _staff_locked(user, activity_id, version)
        _open_for_members(activity, timezone.now())
        if activity.attendances.exists():
            raise Conflict(
                _("Members have attended and been credited: the activity cannot be cancelled."),
                field="activity",
                code="attended",
            )
        activity.status = Activity.Status.CANCELLED
        activity.version += 1
        activity.save(update_fields=["status", "version"])
        return activity


# --- members ------------------------------------------------------------------------------------


def _taken(activity):
    return activity.sign_ups.filter(cancelled_at__isnull=True).count()


def _full(activity):
    return Conflict(_("The activity is full."), field="activity", code="full", capacity=activity.capacity)


def sign_up(user, activity_id):
    """Take a place (again, after withdrawing). Returns (sign-up, created); signing up twice is the
    same sign-up."""
    now = timezone.now()
    with transaction.atomic():
        person, activity = _member_locked(user, activity_id)
        _open_for_members(activity, now)
        existing = SignUp.objects.filter(activity=activity, person=person).first()
        if existing is not None and existing.cancelled_at is None:
            return existing, False
        # The activity's row is locked: the count is of committed sign-ups, nobody else's can slip in.
        if activity.capacity is not None and _taken(activity) >= activity.capacity:
            raise _full(activity)
        if existing is not None:
            existing.cancelled_at, existing.at = None, now
            existing.save(update_fields=["cancelled_at", "at"])
            return existing, True
        return SignUp.objects.create(activity=activity, person=person, at=now), True


def withdraw(user, activity_id):
    """Give the place back before the activity ends; withdrawing twice is the same."""
    now = timezone.now()
    with transaction.atomic():
        person, activity = _member_locked(user, activity_id)
        _open_for_members(activity, now)
        existing = SignUp.objects.filter(activity=activity, person=person).first()
        if existing is None:
            raise NotFound(_("You have not signed up for this activity."), field="activity", code="not_signed_up")
        if activity.attendances.filter(person=person).exists():
            raise Conflict(_("You have attended: the place is yours."), field="activity", code="attended")
        if existing.cancelled_at is None:
            existing.cancelled_at = now
            existing.save(update_fields=["cancelled_at"])
        return existing


def metres_between(activity, point):
    """Metres from the activity's place to a point, on the spheroid (PostGIS)."""
    distance = Activity.objects.filter(pk=activity.pk).annotate(metres=Distance("location", point, spheroid=True))
    return distance.values_list("metres", flat=True).get().m


class _Throttled(GovgridError):
    status = 429
    code = "throttled"


def _count_try(person, activity_id):
    """Count a check-in try against the person and activity (outside any transaction, so a
    refusal's rollback does not take the count back)."""
    from residents.throttle import Throttled, check

    try:
        check([(f"checkin:{activity_id}:{person.pk}", CODE_TRIES)], CODE_TRIES_MINUTES)
    except Throttled as refused:
        raise _Throttled(
            _("Too many tries: check the code and try again in a few minutes."),
            field="code",
            retry_after=refused.extra.get("retry_after"),
        ) from None


def _same_attendance(attendance, person):
    if attendance.person_id != person.pk:
        raise Conflict(_("This client_id was used for another attendance."), field="client_id", code="client_id")
    return attendance, False


def check_in(user, activity_id, code, lon, lat, client_id, accuracy_m=None, crs="wgs84"):
    """A member on site with the organiser's code: the attendance and its credit in one
    transaction. Returns (attendance, created); sent again (the same client_id, or the same person
    once more) it is the same attendance, credited once."""
    person = person_of(user)
    earlier = Attendance.objects.filter(client_id=client_id).first()
    if earlier is not None:
        return _same_attendance(earlier, person)
    point = point_of(lon, lat, crs)
    if accuracy_m is not None and (isinstance(accuracy_m, bool) or not 0 <= float(accuracy_m) <= 100000):
        raise GovgridError(_("The accuracy is a number of metres."), field="accuracy_m")
    _count_try(person, activity_id)
    try:
        with transaction.atomic():
            person, activity = _member_locked(user, activity_id)
            attended = Attendance.objects.filter(activity=activity, person=person).first()
            if attended is not None:
                return attended, False
            now = timezone.now()
            _in_window(activity, now)
            if not attendance_codes.accepts(activity, code, now):
                raise GovgridError(_("The code is wrong or has expired: read the one shown now."), field="code",
                                   code="wrong_code")  # fmt: skip
            metres = metres_between(activity, point)
            allowed = activity.radius_m + min(float(accuracy_m or 0), settings.ACTIVITY_MAX_ACCURACY_M)
            if metres > allowed:
                raise GovgridError(
                    _("You are %(metres)d m from the activity's place; check in within %(allowed)d m of it.")
                    % {"metres": round(metres), "allowed": round(allowed)},
                    field="location",
                    code="too_far",
                    metres=round(metres),
                    allowed_m=round(allowed),
                )
            signed = SignUp.objects.filter(activity=activity, person=person).first()
            if signed is None or signed.cancelled_at is not None:
                if activity.capacity is not None and _taken(activity) >= activity.capacity:
                    raise _full(activity)
                _take_place(activity, person, signed, now)
            attendance = Attendance.objects.create(
                client_id=client_id, activity=activity, person=person, at=now, location=point, metres=metres
            )
            credit_activity(attendance, actor=None)  # credited by the code and the place, not by a person
            return attendance, True
    except IntegrityError:
        # Another request of the same client_id won the race for the row (the activity's lock
        # serialises those of one activity; this is a client_id reused on another activity).
        earlier = Attendance.objects.filter(client_id=client_id).first()
        if earlier is None:
            raise
        return _same_attendance(earlier, person)


def _in_window(activity, now):
    state = attendance_codes.state_at(activity, now)
    if state == "cancelled":
        raise Conflict(_("The activity was cancelled."), field="activity", code="cancelled")
    opens_at, closes_at = attendance_codes.window(activity)
    if state == "early":
        raise Conflict(
            _("Check-in opens at %(time)s.") % {"time": timezone.localtime(opens_at).strftime("%Y-%m-%d %H:%M")},
            field="activity",
            code="not_open",
            opens_at=opens_at.isoformat(),
        )
    if state == "closed":
        raise Conflict(_("Check-in for this activity has closed."), field="activity", code="closed",
                       closes_at=closes_at.isoformat())  # fmt: skip


def _take_place(activity, person, signed, now):
    if signed is None:
        SignUp.objects.create(activity=activity, person=person, at=now)
    else:
        signed.cancelled_at, signed.at = None, now
        signed.save(update_fields=["cancelled_at", "at"])


def record_attendance(user, activity_id, person_id):
    """The organiser records a member present by hand (no phone, a paper list): no code, no
    position; `recorded_by` says who. Returns (attendance, created); a second tap is the same."""
    now = timezone.now()
    with transaction.atomic():
        activity = _staff_locked(user, activity_id, versioned=False)
        if activity.status == Activity.Status.CANCELLED:
            raise Conflict(_("The activity was cancelled."), field="activity", code="cancelled")
        opens_at, closes_at = attendance_codes.window(activity)
        if now < opens_at:
            raise Conflict(_("Attendance is recorded once the activity is under way."), field="activity",
                           code="not_open", opens_at=opens_at.isoformat())  # fmt: skip
        if now > activity.ends_at + timedelta(days=HAND_RECORD_DAYS):
            raise Conflict(
                _("Attendance is recorded by hand until %(n)d days after the activity.") % {"n": HAND_RECORD_DAYS},
                field="activity",
                code="closed",
            )
        person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
        if person is None or activity.community.code[:6] not in serving_districts(person):
            raise NotFound(_("Nobody of that number serves in this district."), field="person")
        attended = Attendance.objects.filter(activity=activity, person=person).first()
        if attended is not None:
            return attended, False
        signed = SignUp.objects.filter(activity=activity, person=person).first()
        if signed is None or signed.cancelled_at is not None:
            _take_place(activity, person, signed, now)  # the organiser saw them there: over capacity if need be
        attendance = Attendance.objects.create(
            client_id=uuid.uuid5(BY_HAND, f"{activity.pk}:{person.pk}"),
            activity=activity,
            person=person,
            at=now,
            recorded_by=user,
        )
        credit_activity(attendance, actor=user)
        return attendance, True


# --- reading ------------------------------------------------------------------------------------


def visible_to(user, scope=None):
    """The activities a user may read: those of the areas their scope sees, and those of the
    districts they serve in (a member reads their district's activities to sign up)."""
    from grids.models.areas import under_codes

    scope = scope or Scope.for_user(user)
    queryset = Activity.objects.select_related("community", "team")
    if scope.everything:
        return queryset
    person = Person.objects.filter(user=user).first() if user is not None and user.is_authenticated else None
    prefixes = set(scope.read) | (serving_districts(person) if person else set())
    if not prefixes:
        return queryset.none()
    return queryset.filter(under_codes(sorted(prefixes), "community__code"))


def activity_seen(user, activity_id, scope=None):
    activity = visible_to(user, scope).filter(pk=activity_id).first()
    if activity is None:
        raise _not_found(activity_id)
    return activity


def upcoming_or_past(queryset, when, now=None):
    now = now or timezone.now()
    if when == "upcoming":
        return queryset.filter(ends_at__gt=now).order_by("starts_at", "id")
    if when == "past":
        return queryset.filter(ends_at__lte=now).order_by("-starts_at", "-id")
    return queryset.order_by("-starts_at", "-id")
