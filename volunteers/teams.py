"""A community's volunteer teams (志愿服务队) and their members: the community's own teams, and the
teams a work unit stations in it (驻点团队), whose members are the unit's people. Community staff
(`Scope.changes` of the community) make teams and add and end memberships; those who see the
community read them.

A membership is dated like an assignment: in force from `starts_on` until the day before `ends_on`.
Ending one keeps it as history; one that never reached a day in force (ended on the day it began)
is deleted instead, since the database wants an end after the start.
"""

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.api_input import checked_text
from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Person, WorkUnit
from grids.models.people import in_force
from grids.scopes import Forbidden, Scope

from .activities import community_changed_by
from .kinds import KINDS
from .models import Team, TeamMember


def create_team(user, community_code, name, work_unit=None, skills=(), leader=None):
    """A new team of a community; `work_unit` (an id) makes it that unit's stationed team."""
    scope = Scope.for_user(user)
    community = community_changed_by(scope, community_code)
    name = checked_text(name, "name", 100, _("Give the team a name."))
    unit = None
    if work_unit is not None:
        unit = WorkUnit.objects.filter(pk=work_unit, district__code=community.code[:6]).first()
        if unit is None:
            raise GovgridError(_("Choose a work unit of the district."), field="work_unit")
    unknown = sorted(set(skills) - set(KINDS))
    if unknown:
        raise GovgridError(_("Unknown service kind: %(kind)s.") % {"kind": ", ".join(unknown)}, field="skills")
    chief = None
    if leader is not None:
        chief = _person_for(scope, leader, unit, field="leader")
    if Team.objects.filter(community=community, name=name).exists():
        raise Conflict(_("The community has a team of that name."), field="name", code="exists")
    with transaction.atomic():
        team = Team.objects.create(community=community, name=name, work_unit=unit, skills=list(skills), leader=chief)
        if chief is not None:
            TeamMember.objects.create(team=team, person=chief)
        return team


def _person_for(scope, person_id, unit, field="person"):
    """A person the staff may put in a team: one their scope sees (serving, linking households or
    living in their areas), or one of the team's work unit (a stationed team's people may live
    elsewhere)."""
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None:
        raise NotFound(_("No person of that number in your areas."), field=field)
    if (unit is not None and person.work_unit_id == unit.pk) or scope.people().filter(pk=person.pk).exists():
        return person
    raise NotFound(_("No person of that number in your areas."), field=field)


def _team_changed_by(user, team_id):
    scope = Scope.for_user(user)
    team = Team.objects.select_for_update(of=("self",)).select_related("community", "work_unit")
    team = team.filter(pk=team_id).first()
    if team is None or not scope.sees(team.community.code):
        raise NotFound(_("No team %(id)s in your areas.") % {"id": team_id}, field="team")
    if not scope.changes(team.community.code):
        raise Forbidden(_("You may read this team but not change it."), field="team")
    return team, scope


def add_member(user, team_id, person_id, starts_on=None):
    """A person joins a team from a day (today by default). Returns (membership, created): someone
    already a member (or joining on that day) keeps their membership."""
    today = timezone.localdate()
    starts_on = starts_on or today
    with transaction.atomic():
        team, scope = _team_changed_by(user, team_id)
        person = _person_for(scope, person_id, team.work_unit)
        current = team.memberships.filter(person=person).filter(in_force(starts_on) | _from_then(starts_on)).first()
        if current is not None:
            return current, False
        try:
            with transaction.atomic():
                return TeamMember.objects.create(team=team, person=person, starts_on=starts_on), True
        except IntegrityError:  # a membership of the same first day, since ended
            raise Conflict(
                _("That person left the team on a day after this one: choose another first day."),
                field="starts_on",
                code="exists",
            ) from None


def _from_then(day):
    """Memberships that begin on or after a day and have no end (joined ahead)."""
    return Q(starts_on__gte=day, ends_on__isnull=True)


def end_membership(user, team_id, person_id):
    """A person leaves a team today: their membership ends (kept as history), or is deleted when it
    began today or later (it was never in force)."""
    today = timezone.localdate()
    with transaction.atomic():
        team, _scope = _team_changed_by(user, team_id)
        memberships = team.memberships.filter(person_id=person_id).filter(in_force(today) | _from_then(today))
        ended = 0
        for membership in memberships.select_for_update():
            if membership.starts_on >= today:
                membership.delete()
            else:
                membership.ends_on = today
                membership.save(update_fields=["ends_on"])
            ended += 1
        if not ended:
            raise NotFound(_("That person is not a member of the team."), field="person")
        return ended


def teams_in(scope, prefixes):
    """The teams of the communities under `prefixes`, with their members in force today."""
    from grids.models.areas import under_codes

    today = timezone.localdate()
    members = TeamMember.objects.filter(in_force(today)).select_related("person").order_by("starts_on", "id")
    return (
        Team.objects.filter(under_codes(prefixes, "community__code"))
        .select_related("community", "work_unit", "leader")
        .prefetch_related(Prefetch("memberships", members, to_attr="current"))
        .order_by("community__code", "name")
    )


def team_seen(scope, team_id):
    team = teams_in(scope, scope.read_prefixes()).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("No team %(id)s in your areas.") % {"id": team_id}, field="team")
    return team


def team_row(team, scope):
    return {
        "id": team.pk,
        "name": team.name,
        "community": team.community.code,
        "community_name": team.community.name,
        "work_unit": team.work_unit_id,
        "work_unit_name": team.work_unit.name if team.work_unit else None,
        "skills": team.skills,
        "leader": team.leader_id,
        "leader_name": team.leader.name if team.leader else None,
        "members": [
            {"person": m.person_id, "name": m.person.name, "starts_on": m.starts_on, "ends_on": m.ends_on}
            for m in team.current
        ],
        "may_change": scope.changes(team.community.code),
    }
