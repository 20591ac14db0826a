"""The demo city's organisation and people: complete enough to be a city, with real gaps."""

import pytest

from grids.coverage import summary
from grids.models import Area, Assignment, HouseholdLink, PartyOrg, Person, Role, ServiceStation


@pytest.mark.django_db
def test_every_street_community_and_grid_has_its_party_body():
    inner = Area.objects.within("411381").exclude(level="district").exclude(code__regex=r"^4113811")
    assert PartyOrg.objects.filter(area__code__startswith="411381").count() == inner.count() == 5 + 46 + 514
    kinds = set(PartyOrg.objects.filter(area__level="grid").values_list("kind", flat=True))
    assert kinds == {"grid_group"}


@pytest.mark.django_db
def test_about_nine_thousand_in_service_members_registered_with_their_communities():
    members = Person.objects.filter(assignments__role=Role.IN_SERVICE_MEMBER).distinct()
    assert 8000 <= members.count() <= 10000
    assert not members.filter(home_community__isnull=True).exists()
    assert not members.filter(work_unit__isnull=True).exists()
    assert members.filter(is_party_member=False).count() == 0


@pytest.mark.django_db
def test_stations_are_community_stations_and_street_centres():
    assert ServiceStation.objects.filter(kind="centre", area__level="street").count() == 5
    stations = ServiceStation.objects.filter(kind="station", area__level="community").count()
    assert 30 <= stations < 46  # some communities have no station yet


@pytest.mark.django_db
def test_the_city_has_realistic_gaps_in_every_rule():
    [district] = summary("411381", "district")
    assert district["grids"] == 514
    assert all(0 < failed < 514 * 0.3 for failed in district["failed"].values()), district["failed"]
    assert district["full"] > 514 / 2 and district["partial"] > 0


@pytest.mark.django_db
def test_history_is_kept_as_ended_assignments():
    assert Assignment.objects.filter(role=Role.GRID_WORKER, ends_on__isnull=False).count() > 20
    assert HouseholdLink.objects.filter(grid__code__startswith="411381").count() > 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "role", "level"),
    [
        ("leader", Role.LEADER, "district"),
        ("analyst", Role.ANALYST, "district"),
        ("street_dispatcher", Role.DISPATCHER, "street"),
        ("community_dispatcher", Role.DISPATCHER, "community"),
        ("grid_worker", Role.GRID_WORKER, "grid"),
        ("grid_worker_2", Role.GRID_WORKER, "grid"),
    ],
)
def test_each_demo_account_is_a_person_with_the_role_that_gives_its_scope(username, role, level):
    person = Person.objects.get(user__username=username)
    roles = set(Assignment.objects.active().filter(person=person).values_list("role", "area__level"))
    assert (role, level) in roles


@pytest.mark.django_db
def test_the_two_grid_workers_and_dispatchers_nest_as_design_md_says():
    def area(username, role):
        return Assignment.objects.active().get(person__user__username=username, role=role).area.code

    street = area("street_dispatcher", Role.DISPATCHER)
    community = area("community_dispatcher", Role.DISPATCHER)
    grid = area("grid_worker", Role.GRID_WORKER)
    other = area("grid_worker_2", Role.GRID_WORKER)
    assert street == "411381001" and community.startswith(street) and grid.startswith(community)
    assert not other.startswith(community)
