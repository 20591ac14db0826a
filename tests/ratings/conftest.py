"""A drawn city for the star rating: one street of 30 communities (a quota of six five-star ones at
20%) and a second street of 30, with the demo's scheme (22 criteria in 5 areas) from last quarter.

- 王芳 (district): the district's leader; opens rounds, publishes, moves stars.
- 刘强 (street): the first street's dispatcher; returns, closes reviews, inspects, proposes.
- 陈静 and 赵磊 (reviewers): leaders of the first street, reviewers at the public defence.
- 孙丽 (community): the dispatcher of the street's first community; assesses it.
- 周平 (other): the dispatcher of the second street's first community.
- 冯涛 (other_street), 吴敏 and 郑伟: the second street's dispatcher and two leaders."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.rating_scheme import SPEC
from grids.models import PartyOrg, Role
from ratings import assessing
from ratings.models import Criterion
from ratings.schemes import make_scheme, quarter_of
from tests.conftest import draw_city

THIS_QUARTER = quarter_of(timezone.localdate())
LAST_QUARTER = quarter_of(date.fromordinal(THIS_QUARTER.toordinal() - 1))


# A scheme of two criteria scored by people, 50 points each: the stars follow the points given.
PLAIN = [("A", "队伍建设", [("A1", "班子配备", 50, "按实际打分", [{"code": "ledger", "name": "台账不全", "points": 5}]),
                        ("A2", "书记履职", 50, "按实际打分", [])])]  # fmt: skip


LAYOUT = {"streets": 2, "towns": 0, "communities": 30, "grids": (1, 1)}


def build(code="990021", spec=SPEC):
    return add_people(draw_city(code=code, **LAYOUT), spec)


def add_people(city, spec=SPEC, password=None):
    """The cast, the scheme and the communities' Party branches in a drawn city; with `password`
    (a hash), the cast can log in (the served app)."""
    code = city.code
    street, other = city.streets
    people = SimpleNamespace(city=city, street=street, other_street=other)
    roles = {
        "district": (Role.LEADER, city.district),
        "street": (Role.DISPATCHER, street),
        "reviewer_chen": (Role.LEADER, street),
        "reviewer_zhao": (Role.LEADER, street),
        "community": (Role.DISPATCHER, city.communities_of(street)[0]),
        "other": (Role.DISPATCHER, city.communities_of(other)[0]),
        "other_street": (Role.DISPATCHER, other),
        "other_reviewer_wu": (Role.LEADER, other),
        "other_reviewer_zheng": (Role.LEADER, other),
    }
    names = {"district": "王芳", "street": "刘强", "reviewer_chen": "陈静", "reviewer_zhao": "赵磊",
             "community": "孙丽", "other": "周平", "other_street": "冯涛", "other_reviewer_wu": "吴敏",
             "other_reviewer_zheng": "郑伟"}  # fmt: skip
    people.users = {}
    for key, (role, area) in roles.items():
        people.users[key] = city.account(f"{code}_{key}", names[key], role, area)
        if password:
            people.users[key].password = password
            people.users[key].save(update_fields=["password"])
    city.users = dict(people.users)  # erased with the city
    people.admin = get_user_model().objects.create_superuser(f"{code}_admin")
    city.users["admin"] = people.admin
    people.scheme = make_scheme(city.district, date(2020, 1, 1), spec, "社区党组织星级评定细则")
    for community in city.communities:
        PartyOrg.objects.create(area=community, kind=PartyOrg.Kind.COMMUNITY_BRANCH, name=f"{community.name}党支部")
    return people


@pytest.fixture
def rating(db):
    return build()


@pytest.fixture
def plain_rating(db):
    return build(spec=PLAIN)


def scored(scheme, points_of=lambda criterion: criterion.max_points):
    return {
        c.code: {"points": str(points_of(c)), "note": "见台账"}
        for c in scheme.criteria.filter(kind=Criterion.Kind.SCORED)
    }


def walk_to_inspected(people, assessment, points_of=lambda criterion: criterion.max_points, checks=None):
    """The community self-assesses (its dispatcher for the first one, else an administrator), its
    street's dispatcher and two leaders review, the street's dispatcher inspects."""
    users = people.users
    first_street = assessment.community.code.startswith(people.street.code)
    own = users["community"] if assessment.community == people.city.communities[0] else people.admin
    street = users["street"] if first_street else users["other_street"]
    reviewers = ("street", "reviewer_chen", "reviewer_zhao") if first_street else (
        "other_street", "other_reviewer_wu", "other_reviewer_zheng")  # fmt: skip
    scheme = people.scheme
    assessing.save_own_scores(own, assessment.pk, scored(scheme, points_of))
    assessing.submit_self_assessment(own, assessment.pk)
    for reviewer in reviewers:
        assessing.review(users[reviewer], assessment.pk, scored(scheme, points_of))
    assessing.close_review(street, assessment.pk)
    return assessing.inspect(street, assessment.pk, checks or {})


def points(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))
