"""A drawn city with the people of the project register (tests.conftest.DrawnCity).

In street 990003001 (or the code a committed city is drawn under), community A is its first
community, community B its second:
- 王芳 (wang), community A's secretary: its dispatcher, who registers projects and reports progress;
- 陈静 (chen), a Party group leader of A's first grid with a login: a project's owner;
- 周平 (zhou), the grid worker of A's first grid: sees the grid only;
- 赵强 (zhao) and 钱进 (qian), the street's dispatchers: the reviewers of A's projects;
- 孙丽 (sun), community B's dispatcher: another community's staff;
- 李华 (li), the district's leader: the reviewer of the street's projects.
Each has a login named `<district code>_<name>`.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from grids.models import Role


class Cast(dict):
    """{name: the person's login}; `.person[name]` the Person, `.city` the drawn city, `.a` and `.b`
    the two communities, `.street` their street."""


def add_cast(city):
    from django.contrib.auth import get_user_model

    street = city.streets[0]
    a, b = city.communities_of(street)[:2]
    cast = Cast()
    cast.city, cast.person, cast.street, cast.a, cast.b = city, {}, street, a, b

    def login(name, full_name, role, area):
        user = get_user_model().objects.create_user(f"{city.code}_{name}")
        person = city.person(full_name, user=user)
        city.serve(person, role, area)
        cast[name], cast.person[name] = user, person

    login("wang", "王芳", Role.DISPATCHER, a)
    login("chen", "陈静", Role.PARTY_GROUP_LEADER, city.grids_of(a)[0])
    login("zhou", "周平", Role.GRID_WORKER, city.grids_of(a)[0])
    login("zhao", "赵强", Role.DISPATCHER, street)
    login("qian", "钱进", Role.DISPATCHER, street)
    login("sun", "孙丽", Role.DISPATCHER, b)
    login("li", "李华", Role.LEADER, city.district)
    return cast


@pytest.fixture
def cast(drawn_city):
    return add_cast(drawn_city)


def plan(cast, area=None, owner="chen", milestones=2, **fields):
    """A project plan for community A (or `area`): started a month ago, ending in five months, with
    `milestones` milestones due a month apart from two weeks ago."""
    from projects.services import MilestonePlan, ProjectPlan

    today = timezone.localdate()
    titles = ["成立红色物业联盟", "完成楼道改造", "居民满意度测评", "总结验收"]
    values = {
        "area": (area or cast.a).code,
        "kind": "party_building",
        "title": "红色物业",
        "goal": "党建引领物业服务，解决小区停车与环境问题",
        "owner": cast.person[owner].pk,
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=150),
        "budget": None,
        "milestones": [
            MilestonePlan(titles[i], today - timedelta(days=14) + timedelta(days=30 * i), "会议照片与签到表")
            for i in range(milestones)
        ],
    } | fields
    return ProjectPlan(**values)


def register(cast, by="wang", **fields):
    from projects import services

    return services.register(cast[by], plan(cast, **fields))


def milestones_of(project):
    return list(project.milestones.order_by("position"))


def report(cast, project, milestone, by="wang", text="已召开联席会议，签到表附后", files=()):
    from projects import services

    milestone.refresh_from_db()
    return services.report_progress(cast[by], project.pk, milestone.pk, milestone.version, text, files)


def verify(cast, project, milestone, by="zhao", note=""):
    from projects import services

    milestone.refresh_from_db()
    return services.verify(cast[by], project.pk, milestone.pk, milestone.version, note)


def give_back(cast, project, milestone, by="zhao", reason="照片看不清签到人数"):
    from projects import services

    milestone.refresh_from_db()
    return services.return_(cast[by], project.pk, milestone.pk, milestone.version, reason)


@contextmanager
def served_cast(django_db_blocker, code, origin, add=None):
    """The cast in a committed city of its own (the served app sees it), everyone logging in with
    the tests' password; `add(cast)` adds what the test needs. Its projects, their files and the
    tokens given out are removed when the block ends, before the city is erased."""
    from rest_framework.authtoken.models import Token

    from projects.models import purge_projects
    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    made = {}

    def add_people(city):
        made["cast"] = cast = add_cast(city)
        hashed = demo_password_hash()
        for user in cast.values():
            user.password = hashed
            user.save(update_fields=["password"])
        if add:
            add(cast)

    with committed_city(django_db_blocker, add_people, code=code, origin=origin) as city:
        try:
            yield made["cast"]
        finally:
            with django_db_blocker.unblock():
                purge_projects(city.code)
                Token.objects.filter(user__username__startswith=f"{city.code}_").delete()
