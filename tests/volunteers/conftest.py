"""A drawn city with the people who serve in it (tests.conftest.DrawnCity), for the volunteers' tests.

In community 990003001001 (the first community of the first street), grid …001:
- 孙丽 (sun) dispatches the community: community staff who review, assign and confirm;
- 李明 (li) and 张华 (zhang), in-service members (双报到) of 方格市第一中学, each linked to 40 of the
  grid's households; zhang only takes errands;
- 赵强 (zhao) is in the grid's Party-member service team;
- 陈静 (chen) is in the community's volunteer team 方格1街道1社区志愿服务队;
- 周平 (zhou) is the grid's worker;
- 钱多 (qian) is an in-service member of the other community of the street, linked in its first grid.
Each has a login named after them.
"""

import pytest

from grids.models import Role, WorkUnit
from volunteers.models import Profile, Team, TeamMember


class Cast(dict):
    """{name: the person's login}; `.person[name]` the Person, `.city` the drawn city."""


def add_cast(city):
    from django.contrib.auth import get_user_model

    street = city.streets[0]
    community, other = city.communities_of(street)[:2]
    grid, other_grid = city.grids_of(community)[0], city.grids_of(other)[0]
    school = WorkUnit.objects.create(name="方格市第一中学", district=city.district, party_org="方格市第一中学党委")
    cast = Cast()
    cast.city, cast.person = city, {}
    cast.community, cast.other_community, cast.grid, cast.other_grid, cast.school = (
        community, other, grid, other_grid, school
    )  # fmt: skip

    def login(name, full_name, **fields):
        user = get_user_model().objects.create_user(f"{city.code}_{name}")
        person = city.person(full_name, user=user, **fields)
        cast[name], cast.person[name] = user, person
        return person

    city.serve(login("sun", "孙丽"), Role.DISPATCHER, community)
    for name, full_name in (("li", "李明"), ("zhang", "张华")):
        member = login(name, full_name, home_community=community, work_unit=school)
        city.serve(member, Role.IN_SERVICE_MEMBER, grid)
        city.link(member, grid, 40)
    Profile.objects.create(person=cast.person["zhang"], skills=["errands"])
    city.serve(login("zhao", "赵强"), Role.SERVICE_TEAM_MEMBER, grid)
    team = Team.objects.create(name="方格1街道1社区志愿服务队", community=community)
    TeamMember.objects.create(team=team, person=login("chen", "陈静", party_member=False))
    cast.team = team
    city.serve(login("zhou", "周平"), Role.GRID_WORKER, grid)
    qian = login("qian", "钱多", home_community=other, work_unit=school)
    city.serve(qian, Role.IN_SERVICE_MEMBER, other_grid)
    city.link(qian, other_grid, 30)
    return cast


@pytest.fixture
def cast(drawn_city):
    return add_cast(drawn_city)
