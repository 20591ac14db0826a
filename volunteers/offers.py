"""Who a service request is offered to (派单), tier by tier, widening with time:

| tier            | who                                                                            |
|-----------------|--------------------------------------------------------------------------------|
| linked          | the member linked to the household asked for; members linked in the grid      |
| grid_team       | the grid's service team, in-service members (双报到), Party group leader, volunteers |
| community_teams | members of the community's volunteer teams whose team takes the kind           |
| staff           | nobody more: community staff assign it themselves                              |

Everyone offered has a login (the offer is read on their phone), serves on the day (assignments,
links and memberships in force), and takes the kind: a volunteer profile that lists kinds names the
ones they take, and one marked unavailable takes none; no profile takes any. Whoever gave the
request back is not offered it again.
"""

from django.db.models import Q
from django.utils import timezone

from grids.models import Person, Role
from grids.models.people import in_force

from .models import Offer, Profile, RequestStep, ServiceRequest

Tier = ServiceRequest.Tier
TIERS = (Tier.LINKED, Tier.GRID_TEAM, Tier.COMMUNITY_TEAMS)  # in the order the offer widens
GRID_TEAM_ROLES = (Role.SERVICE_TEAM_MEMBER, Role.IN_SERVICE_MEMBER, Role.PARTY_GROUP_LEADER, Role.VOLUNTEER)


def _serving_in(request, tier, today):
    """The condition on people for a tier of this request."""
    if tier == Tier.LINKED:
        if request.grid_id is None:
            return Q(pk__in=[request.household_link.person_id]) if request.household_link_id else None
        condition = Q(household_links__grid_id=request.grid_id) & in_force(today, "household_links__")
        if request.household_link_id:
            condition |= Q(pk=request.household_link.person_id)
        return condition
    if tier == Tier.GRID_TEAM:
        if request.grid_id is None:
            return None
        return Q(assignments__area_id=request.grid_id, assignments__role__in=GRID_TEAM_ROLES) & in_force(
            today, "assignments__"
        )
    if tier == Tier.COMMUNITY_TEAMS:
        return (
            Q(team_memberships__team__community_id=request.community_id)
            & in_force(today, "team_memberships__")
            & (Q(team_memberships__team__skills=[]) | Q(team_memberships__team__skills__contains=[request.kind]))
        )
    return None


def candidates(request, tier, today=None):
    """The people of one tier who may be offered the request, by id."""
    condition = _serving_in(request, tier, today or timezone.localdate())
    if condition is None:
        return Person.objects.none()
    gave_back = RequestStep.objects.filter(request=request, action=RequestStep.Action.GIVE_BACK).values("person_id")
    not_taking = Profile.objects.filter(
        Q(available=False) | (~Q(skills=[]) & ~Q(skills__contains=[request.kind]))
    ).values("person_id")
    return (
        Person.objects.filter(condition, user__isnull=False, user__is_active=True)
        .exclude(pk__in=not_taking)
        .exclude(pk__in=gave_back)
        .distinct()
    )


def next_tier(request, after=None, now=None):
    """(tier, [people]) of the first tier after `after` (from the first when None) with someone not
    yet offered the request; (Tier.STAFF, []) when no tier has anyone."""
    already = set(request.offers.values_list("person_id", flat=True)) if request.pk else set()
    start = 0 if after is None else TIERS.index(after) + 1 if after in TIERS else len(TIERS)
    for tier in TIERS[start:]:
        people = [p for p in candidates(request, tier, timezone.localdate(now)) if p.pk not in already]
        if people:
            return tier, people
    return Tier.STAFF, []


def offer_to(request, tier, people, now):
    """Open an offer for each of `people` (one row each, ever: an offer closed by a claim is opened
    again when the request is given back, see reopen)."""
    Offer.objects.bulk_create(
        [Offer(request=request, person=person, tier=tier, offered_at=now) for person in people],
        ignore_conflicts=True,
    )


def close_all(request, now):
    request.offers.filter(closed_at__isnull=True).update(closed_at=now)


def reopen(request):
    """The request given back: the offers of those who never gave it back open again."""
    gave_back = RequestStep.objects.filter(request=request, action=RequestStep.Action.GIVE_BACK).values("person_id")
    request.offers.exclude(person__in=gave_back).update(closed_at=None)


def open_to(person):
    """The requests offered to a person now, waiting for a claim."""
    return ServiceRequest.objects.filter(
        offers__person=person, offers__closed_at__isnull=True, status=ServiceRequest.Status.OFFERED
    )


def serves_as_member(user):
    """Whether a login is of someone who serves residents (the member page is theirs): a household
    link, a volunteer team, or a serving role in a grid, in force today."""
    today = timezone.localdate()
    return (
        Person.objects.filter(user=user)
        .filter(
            (Q(household_links__isnull=False) & in_force(today, "household_links__"))
            | (Q(team_memberships__isnull=False) & in_force(today, "team_memberships__"))
            | (Q(assignments__role__in=GRID_TEAM_ROLES) & in_force(today, "assignments__"))
        )
        .exists()
    )
