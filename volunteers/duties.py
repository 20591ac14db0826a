"""The grid Party groups' duties (三个一) as they are recorded: the weekly household visit of every
member linked to households, the monthly situation analysis (民情研判) and the yearly training, and
what a visit or a meeting finds, made a case in its grid with one tap.

Who records what:
- a visit: the member of the household link (their login's person), within RECENT_DAYS of the day
  they visited; or the staff of the community or street (its dispatchers) for them, any earlier day;
- a meeting: the grid's Party group leader for their grid, within RECENT_DAYS; or whoever may change
  the area (grid or community) for any earlier day;
- a finding: the visit's member or whoever may change its grid; a meeting's recorders.

Every record carries the `client_id` the phone made: sent again with the same content it is the
same record (created False, the API's 200); with other content it is refused (409), as intake does.
Which link-weeks are due and done is grids.duty_weeks' rule, read here through its SQL.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.duty_weeks import iso_week, link_weeks_sql, weeks_back
from grids.models import Area, Assignment, HouseholdLink, Level, PartyMeeting, PartyOrg, Role, Visit
from grids.models.areas import under_codes_sql
from grids.models.people import in_force
from grids.scopes import Forbidden, Scope
from incidents.intake import Report, report_incident
from incidents.models import Channel, Incident

from .models import ServiceRequest, TeamMember, VisitFinding

RECENT_DAYS = 30  # a member (or a group leader) records what happened in the last 30 days; staff, any day before
MAX_WEEKS = 26  # the most weeks a question about visits due covers
FINDING_CASE = uuid.UUID("3c0b8f52-6a1e-4d8e-9f0a-51b7e2c4d913")  # namespace of the cases made from findings


# --- visits ------------------------------------------------------------------------------------------


@dataclass
class VisitRecord:
    """A visit as the API hands it over (fields checked for type and range)."""

    client_id: uuid.UUID
    link: int
    visited_on: date
    households_reached: int
    notes: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"


def wgs84_point(lon, lat, crs):
    """The location converted once to WGS84, as a point; None when none was given."""
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise GovgridError(_("Give both lon and lat, or neither."), field="lon" if lon is None else "lat")
    x, y = coords.to_wgs84(lon, lat, crs)
    return Point(x, y, srid=4326)


def record_visit(user, record, today=None):
    """(visit, created): the visit recorded, or the same visit for a retry of its client_id."""
    scope = Scope.for_user(user)
    today = today or timezone.localdate()
    location = wgs84_point(record.lon, record.lat, record.crs)
    existing = Visit.objects.filter(client_id=record.client_id).first()
    if existing is not None:  # a retry is recognised before any refusal: its first copy was allowed
        return _same_visit(existing, record, location, user), False
    link = HouseholdLink.objects.select_related("grid", "person").filter(pk=record.link).first()
    own = link is not None and scope.person_id is not None and link.person_id == scope.person_id
    staff = link is not None and scope.dispatches_in(link.grid.code)
    if link is None or not (own or staff or scope.sees(link.grid.code)):
        raise NotFound(_("No household link %(id)s in your areas.") % {"id": record.link}, field="link")
    if not (own or staff):
        raise Forbidden(_("Only the member of the link or community staff record its visits."), field="link")
    check_day(record.visited_on, today, recent_only=not staff, field="visited_on")
    if not HouseholdLink.objects.filter(in_force(record.visited_on), pk=link.pk).exists():
        raise GovgridError(
            _("The household link was not in force on %(day)s.") % {"day": record.visited_on}, field="visited_on"
        )
    if not 1 <= record.households_reached <= link.households:
        raise GovgridError(
            _("Households reached: from 1 to the link's %(n)d.") % {"n": link.households}, field="households_reached"
        )
    visit = Visit(
        client_id=record.client_id,
        link=link,
        person_id=link.person_id,
        grid_id=link.grid_id,
        visited_on=record.visited_on,
        households_reached=record.households_reached,
        notes=record.notes,
        location=location,
        recorded_by=user,
    )
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:  # the same client_id committed meanwhile by another request
        existing = Visit.objects.filter(client_id=record.client_id).first()
        if existing is None:
            raise
        return _same_visit(existing, record, location, user), False
    return visit, True


def check_day(day, today, recent_only, field):
    if day > today:
        raise GovgridError(_("The day is in the future."), field=field)
    if recent_only and day < today - timedelta(days=RECENT_DAYS):
        raise GovgridError(
            _("Days more than %(n)d days ago are recorded by community staff.") % {"n": RECENT_DAYS}, field=field
        )


def _same_visit(existing, record, location, user):
    if existing.recorded_by_id != user.pk:  # someone else's: not a word about it
        raise Conflict(
            _("client_id %(id)s is already in use: make a new one for this record.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        )
    same = (
        existing.link_id == record.link
        and existing.visited_on == record.visited_on
        and existing.households_reached == record.households_reached
        and existing.notes == record.notes
        and _same_point(existing.location, location)
    )
    if not same:
        raise Conflict(
            _("client_id %(id)s was already used for a different visit.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        )
    return existing


def _same_point(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a.x, b.x, abs_tol=1e-9) and math.isclose(a.y, b.y, abs_tol=1e-9)


def visits_seen(scope, queryset=None):
    """The visits this user may read: their own, those of the grids whose Party group they lead,
    and those of the grids in their scope."""
    queryset = Visit.objects.all() if queryset is None else queryset
    if scope.everything:
        return queryset
    condition = Q(pk__in=[])
    if scope.person_id is not None:
        condition |= Q(person_id=scope.person_id) | Q(grid__code__in=led_grids(scope))
    if scope.read:
        condition |= Q(pk__in=scope.filter(Visit.objects.all(), "grid__code").values("pk"))
    return queryset.filter(condition)


def visit_seen(scope, pk):
    visit = visits_seen(scope, Visit.objects.select_related("grid", "person", "link")).filter(pk=pk).first()
    if visit is None:
        raise NotFound(_("No visit %(id)s in your areas.") % {"id": pk}, field="visit")
    return visit


# --- visits due -------------------------------------------------------------------------------------


def my_visits_due(user, weeks=4, today=None):
    """A member's household links in force today and, for each of the last `weeks` ISO weeks (the
    current one last), whether a visit is due and whether it was made (grids.duty_weeks)."""
    scope = Scope.for_user(user)
    if scope.person_id is None:
        raise NotFound(_("Your login is not a person's: it has no household links."), field="mine")
    today = today or timezone.localdate()
    mondays = weeks_back(today, weeks, include_current=True)
    links = list(
        HouseholdLink.objects.filter(in_force(today), person_id=scope.person_id)
        .select_related("grid")
        .order_by("grid__code", "id")
    )
    rows = _link_weeks(
        "SELECT id, grid_id, person_id, starts_on, ends_on FROM grids_householdlink WHERE id = ANY(%(links)s)",
        {"links": [link.pk for link in links]},
        mondays,
    )
    by_link = {}
    for link_id, _grid, _person, monday, due, done in rows:
        by_link.setdefault(link_id, {})[monday] = (due, done)
    return {
        "weeks": [iso_week(monday) for monday in mondays],
        "links": [
            {
                "link": link.pk,
                "grid": link.grid.code,
                "grid_name": link.grid.name,
                "households": link.households,
                "weeks": [
                    {"week": iso_week(monday), "monday": monday, "due": due, "done": done}
                    for monday in mondays
                    for due, done in [by_link.get(link.pk, {}).get(monday, (False, False))]
                ],
            }
            for link in links
        ],
    }


def area_visits_due(scope, within=None, weeks=4, today=None):
    """Per ISO week of the last `weeks` (the current one last), the link-weeks due and done in the
    area `within` (a grid, community or street in the scope, or a grid whose Party group the user
    leads), else in the whole scope."""
    today = today or timezone.localdate()
    mondays = weeks_back(today, weeks, include_current=True)
    if within and not scope.sees(within) and within in led_grids(scope, today):
        prefixes = [within]
    else:
        prefixes = scope.read_prefixes(within, field="within")
    if not prefixes:
        raise NotFound(_("You have no areas."), field="within")
    under, params = under_codes_sql("g.code", prefixes)
    rows = _link_weeks(
        "SELECT h.id, h.grid_id, h.person_id, h.starts_on, h.ends_on"
        f" FROM grids_householdlink h JOIN grids_area g ON g.id = h.grid_id WHERE {under}",
        params,
        mondays,
    )
    due, done = dict.fromkeys(mondays, 0), dict.fromkeys(mondays, 0)
    for _link, _grid, _person, monday, is_due, is_done in rows:
        due[monday] += is_due
        done[monday] += is_done
    return {
        "within": within or None,
        "weeks": [
            {"week": iso_week(monday), "monday": monday, "due": due[monday], "done": done[monday]} for monday in mondays
        ],
    }


def _link_weeks(links_sql, params, mondays):
    with connection.cursor() as cursor:
        cursor.execute(
            link_weeks_sql(links_sql, "%(first_monday)s", "%(weeks)s") + " ORDER BY link_id, week",
            params | {"first_monday": mondays[0], "weeks": len(mondays)},
        )
        return cursor.fetchall()


# --- meetings ---------------------------------------------------------------------------------------


@dataclass
class MeetingRecord:
    client_id: uuid.UUID
    kind: str
    area: str  # a grid's or a community's code
    held_on: date
    topic: str = ""
    attendees: list = field(default_factory=list)  # person ids
    others_attending: int = 0
    issues: str = ""
    decisions: str = ""


def led_grids(scope, on=None):
    """The codes of the grids whose Party group this user leads: a Party group leader's role in
    force, or named the leader of the grid's Party group."""
    if scope.person_id is None:
        return set()
    on = on or timezone.localdate()
    by_role = Assignment.objects.filter(
        in_force(on), person_id=scope.person_id, role=Role.PARTY_GROUP_LEADER, area__level=Level.GRID
    ).values_list("area__code", flat=True)
    by_org = PartyOrg.objects.filter(leader_id=scope.person_id, area__level=Level.GRID).values_list(
        "area__code", flat=True
    )
    return set(by_role) | set(by_org)


def record_meeting(user, record, today=None):
    """(meeting, created): the meeting recorded with its attendees, or the same one for a retry."""
    scope = Scope.for_user(user)
    today = today or timezone.localdate()
    existing = PartyMeeting.objects.filter(client_id=record.client_id).first()
    if existing is not None:
        return _same_meeting(existing, record, user), False
    area = Area.objects.filter(code=record.area).first()
    leads = area is not None and area.level == Level.GRID and area.code in led_grids(scope, today)
    if area is None or not (leads or scope.sees(area.code)):
        raise NotFound(_("No area has the code %(code)s.") % {"code": record.area}, field="area")
    if area.level not in (Level.GRID, Level.COMMUNITY):
        raise GovgridError(_("A Party meeting is of a grid's Party group or of a community."), field="area")
    staff = scope.changes(area.code)
    if not (leads or staff):
        raise Forbidden(
            _("Only the grid's Party group leader or the community's staff record its meetings."), field="area"
        )
    check_day(record.held_on, today, recent_only=not staff, field="held_on")
    attendees = sorted(set(record.attendees))
    serving = serving_in(area, record.held_on, attendees)
    strangers = [pk for pk in attendees if pk not in serving]
    if strangers:
        raise GovgridError(
            _("These people do not serve in %(code)s: %(ids)s.")
            % {"code": area.code, "ids": ", ".join(map(str, strangers))},
            field="attendees",
        )
    meeting = PartyMeeting(
        client_id=record.client_id,
        area=area,
        kind=record.kind,
        held_on=record.held_on,
        topic=record.topic,
        others_attending=record.others_attending,
        issues=record.issues,
        decisions=record.decisions,
        recorded_by=user,
    )
    try:
        with transaction.atomic():
            meeting.save()
            meeting.attendees.set(attendees)
    except IntegrityError:
        existing = PartyMeeting.objects.filter(client_id=record.client_id).first()
        if existing is None:
            raise
        return _same_meeting(existing, record, user), False
    return meeting, True


def serving_in(area, on, person_ids):
    """Those of `person_ids` who serve in the area on the day: a role in it or in an area inside it,
    a household link in its grids, or (a community) a place in one of its volunteer teams."""
    serving = set(
        Assignment.objects.filter(in_force(on), person_id__in=person_ids, area__code__startswith=area.code).values_list(
            "person_id", flat=True
        )
    )
    serving |= set(
        HouseholdLink.objects.filter(
            in_force(on), person_id__in=person_ids, grid__code__startswith=area.code
        ).values_list("person_id", flat=True)
    )
    if area.level == Level.COMMUNITY:
        serving |= set(
            TeamMember.objects.filter(in_force(on), person_id__in=person_ids, team__community=area).values_list(
                "person_id", flat=True
            )
        )
    return serving


def _same_meeting(existing, record, user):
    if existing.recorded_by_id != user.pk:
        raise Conflict(
            _("client_id %(id)s is already in use: make a new one for this record.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        )
    same = (
        existing.area.code == record.area
        and existing.kind == record.kind
        and existing.held_on == record.held_on
        and existing.topic == record.topic
        and existing.others_attending == record.others_attending
        and existing.issues == record.issues
        and existing.decisions == record.decisions
        and set(existing.attendees.values_list("pk", flat=True)) == set(record.attendees)
    )
    if not same:
        raise Conflict(
            _("client_id %(id)s was already used for a different meeting.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        )
    return existing


def meetings_seen(scope, queryset=None, today=None):
    """The meetings this user may read: of the areas in their scope and of the grids they lead."""
    queryset = PartyMeeting.objects.all() if queryset is None else queryset
    if scope.everything:
        return queryset
    condition = Q(area__code__in=led_grids(scope, today))
    if scope.read:
        condition |= Q(pk__in=scope.filter(PartyMeeting.objects.all(), "area__code").values("pk"))
    return queryset.filter(condition)


def meeting_seen(scope, pk):
    meeting = meetings_seen(scope, PartyMeeting.objects.select_related("area")).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("No Party meeting %(id)s in your areas.") % {"id": pk}, field="meeting")
    return meeting


# --- findings: a case in the grid, with one tap --------------------------------------------------------


@dataclass
class FindingRecord:
    client_id: uuid.UUID
    category: str  # an active category item's code
    description: str
    grid: str = ""  # a community meeting's finding: the grid of the community the case is in


def visit_finding(user, visit_id, record):
    """(finding, created): a problem found on a visit made a case in the visit's grid (channel
    visit), at the visit's location when the grid covers it, else at the grid's point on its surface."""
    scope = Scope.for_user(user)
    with transaction.atomic():
        visit = visit_seen(scope, visit_id)
        own = scope.person_id is not None and visit.person_id == scope.person_id
        if not (own or scope.changes(visit.grid.code)):
            raise Forbidden(_("Only the visit's member or the grid's staff turn what it found into a case."))
        Visit.objects.select_for_update().filter(pk=visit.pk).first()  # one finding of a visit at a time
        point = visit.location if visit.location and visit.grid.geom.covers(visit.location) else None
        return _finding(user, scope, record, visit.grid, point, Channel.VISIT, visit=visit)


def meeting_finding(user, meeting_id, record):
    """(finding, created): a decision of a meeting made a case in its grid (channel meeting), at the
    grid's point on its surface. A community's meeting names the grid (`record.grid`)."""
    scope = Scope.for_user(user)
    with transaction.atomic():
        meeting = meeting_seen(scope, meeting_id)
        if meeting.area.level == Level.GRID:
            grid = meeting.area
            if record.grid and record.grid != grid.code:
                raise GovgridError(_("A grid's meeting makes cases in its own grid."), field="grid")
        else:
            grid = Area.objects.filter(code=record.grid, level=Level.GRID, parent=meeting.area).first()
            if not record.grid or grid is None:
                raise GovgridError(_("Choose a grid of the meeting's community for the case."), field="grid")
        leads = meeting.area.code in led_grids(scope)
        if not (leads or scope.changes(grid.code)):
            raise Forbidden(_("Only the meeting's recorders turn its decisions into cases."))
        PartyMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
        return _finding(user, scope, record, grid, None, Channel.MEETING, meeting=meeting)


def _finding(user, scope, record, grid, point, channel, **source):
    existing = VisitFinding.objects.filter(client_id=record.client_id).select_related("incident").first()
    if existing is not None and (existing.visit_id, existing.meeting_id) != (
        getattr(source.get("visit"), "pk", None),
        getattr(source.get("meeting"), "pk", None),
    ):
        raise Conflict(
            _("client_id %(id)s was already used for another finding.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        )
    point = point or grid.geom.point_on_surface
    # The case is made by the user who tapped, reported in this grid and no other: a member linked to
    # households is no grid worker, so their own scope may not report anywhere; the scope of the
    # finding (the grid of the visit or meeting, which the checks above let them serve) stands in
    # for it. The case's reporter is the member, who follows it as any reporter does.
    in_grid = Scope(read=(grid.code,), write=(grid.code,), person_id=scope.person_id, user_id=user.pk)
    made, _created, _duplicates = report_incident(
        user,
        Report(
            client_id=uuid.uuid5(FINDING_CASE, str(record.client_id)),
            category=record.category,
            description=record.description,
            lon=point.x,
            lat=point.y,
            channel=channel,
        ),
        scope=in_grid,
    )
    incident = made if isinstance(made, Incident) else Incident.objects.get(pk=made.pk)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            finding = VisitFinding.objects.create(client_id=record.client_id, incident=incident, **source)
    except IntegrityError as clash:  # the same client_id for a finding of another visit or meeting
        raise Conflict(
            _("client_id %(id)s was already used for another finding.") % {"id": record.client_id},
            field="client_id",
            code="client_id_reused",
        ) from clash
    return finding, True


def meeting_request(user, meeting_id, client_id, fields, grid_code=""):
    """(finding, created): a decision of a meeting to help someone made a service request in its
    grid (channel meeting), asked by whoever records the meeting, then reviewed and offered as any
    request (volunteers.services). A community's meeting names the grid. Sent again with its
    client_id, the same request."""
    from .services import checked_fields, write_new

    existing = VisitFinding.objects.filter(client_id=client_id).select_related("request").first()
    if existing is not None:
        if existing.meeting_id != meeting_id or existing.request is None or existing.request.asked_by_id != user.pk:
            raise Conflict(
                _("client_id %(id)s was already used for another finding.") % {"id": client_id},
                field="client_id",
                code="client_id_reused",
            )
        return existing, False
    scope = Scope.for_user(user)
    with transaction.atomic():
        meeting = meeting_seen(scope, meeting_id)
        if meeting.area.level == Level.GRID:
            grid = meeting.area
            if grid_code and grid_code != grid.code:
                raise GovgridError(_("A grid's meeting makes cases in its own grid."), field="grid")
        else:
            grid = Area.objects.filter(code=grid_code, level=Level.GRID, parent=meeting.area).first()
            if grid is None:
                raise GovgridError(_("Choose a grid of the meeting's community for the case."), field="grid")
        if not (meeting.area.code in led_grids(scope) or scope.changes(grid.code)):
            raise Forbidden(_("Only the meeting's recorders turn its decisions into cases."))
        PartyMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
        community = grid.parent
        request = ServiceRequest(
            client_id=client_id, channel=ServiceRequest.Channel.MEETING, community=community, grid=grid,
            asked_by=user, **checked_fields(community, **fields),
        )  # fmt: skip
        request, _created = write_new(request)
        return VisitFinding.objects.create(client_id=client_id, meeting=meeting, request=request), True
