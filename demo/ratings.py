"""The demo's star rating: the district's scheme (demo/rating_scheme.py), each community's Party
committee (a secretary and four members), the last four quarters rated and published through the
rating's own services, with realistic spreads (a few communities strong every quarter, a few weak,
most in between and moving), one community moved down between quarters, and this quarter's round
under way: the first street's communities self-assessed and some reviewed, the demo community's own
assessment still to do.

Every step goes through ratings.assessing, so the demo's results obey the same rules as a real
quarter's (the reviewers' mean, the inspection's deductions, the five-star quota); their moments are
those of the loading, the quarters they rate are the past year's."""

from datetime import date, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from grids.models import CODE_LENGTH, Area, Assignment, Level, PartyOrg, Person, Role
from ratings import assessing, schemes, stars
from ratings.models import Assessment, CommitteeSeat, Criterion

from .rating_scheme import SPEC

MEMBERS = 4  # committee members besides the secretary
# The least share of the points for each number of stars: the demo's best communities reach five
# stars (then the quota decides), as about one in five did in the practice the demo follows.
STAR_BANDS = {"5": 85, "4": 78, "3": 68, "2": 58}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌海燕辉鹏"


def build_ratings(district_code, rng, today=None, past_quarters=4):
    """The scheme, committees, the last `past_quarters` quarters published (a year) and this
    quarter's round; {what: how many}."""
    today = today or timezone.localdate()
    district = Area.objects.get(code=district_code)
    this_quarter = schemes.quarter_of(today)
    quarters = [this_quarter]
    for _n in range(past_quarters):
        quarters.insert(0, schemes.quarter_of(quarters[0] - timedelta(days=1)))
    communities = list(Area.objects.filter(level=Level.COMMUNITY, code__startswith=district_code).order_by("code"))
    with transaction.atomic():
        scheme = schemes.make_scheme(district, date(quarters[0].year, 1, 1), SPEC, "社区党组织星级评定细则",
                                     star_bands=STAR_BANDS)  # fmt: skip
        cast = _cast(district, communities, rng)
        seats = _committees(communities, rng, quarters[0])
        quality = {c.code: float(np.clip(rng.normal(0.86, 0.06), 0.62, 0.99)) for c in communities}
        for quarter in quarters[:-1]:
            _published_quarter(cast, district, quarter, quality, rng)
            quality = {code: float(np.clip(q + rng.normal(0, 0.02), 0.6, 0.99)) for code, q in quality.items()}
        _moved_down(cast, communities, quarters[-1], rng)
        _under_way(cast, district, this_quarter, quality, rng)
    return {"scheme": scheme.pk, "quarters": len(quarters) - 1, "seats": seats}


class _Cast:
    def __init__(self):
        self.district_staff = None
        self.community_staff = {}  # community code → user
        self.street_staff = {}  # street code → user
        self.reviewers = {}  # street code → [user, user, user]


def _cast(district, communities, rng):
    """Who takes each step: the district's leader, each community's dispatcher, each street's
    dispatchers and street leaders (three at the public defence; logins made where there are none,
    and which cannot log in)."""
    cast = _Cast()
    cast.district_staff = _logins(district, Role.LEADER, 1, rng)[0]
    for community in communities:
        cast.community_staff[community.code] = _logins(community, Role.DISPATCHER, 1, rng)[0]
    streets = Area.objects.filter(level=Level.STREET, code__startswith=district.code, children__level=Level.COMMUNITY)
    for street in streets.distinct().order_by("code"):
        staff = _logins(street, Role.DISPATCHER, 1, rng)
        cast.street_staff[street.code] = staff[0]
        cast.reviewers[street.code] = (staff + _logins(street, Role.LEADER, 3 - len(staff[:2]), rng))[:3]
    return cast


def _logins(area, role, n, rng):
    """The users of the first `n` people holding `role` in the area, making people (and logins that
    cannot log in) where there are fewer."""
    User = get_user_model()
    held = list(Assignment.objects.filter(area=area, role=role).select_related("person__user").order_by("id")[:n])
    users = []
    for assignment in held:
        person = assignment.person
        if person.user is None:
            person.user = User.objects.create(username=f"rating-{person.pk}", first_name=person.name,
                                              password=make_password(None))  # fmt: skip
            person.save(update_fields=["user"])
        users.append(person.user)
    while len(users) < n:
        person = Person.objects.create(name=_name(rng), is_party_member=True)
        user = User.objects.create(username=f"rating-{person.pk}", first_name=person.name, password=make_password(None))
        person.user = user
        person.save(update_fields=["user"])
        Assignment.objects.create(person=person, role=role, area=area, starts_on=date(2024, 1, 1))
        users.append(user)
    return users


def _name(rng):
    return str(rng.choice(list(SURNAMES))) + "".join(rng.choice(list(GIVEN), size=int(rng.integers(1, 3))))


def _committees(communities, rng, since):
    """A secretary (the branch's leader) and four members for each community, from before the year."""
    seats = []
    for community in communities:
        org = PartyOrg.objects.filter(area=community).first()
        secretary = org.leader or Person.objects.create(name=_name(rng), is_party_member=True, home_community=community)
        seats.append(CommitteeSeat(party_org=org, person=secretary, post=CommitteeSeat.Post.SECRETARY, starts_on=since))
        for _n in range(MEMBERS):
            member = Person.objects.create(name=_name(rng), is_party_member=True, home_community=community)
            seats.append(CommitteeSeat(party_org=org, person=member, post=CommitteeSeat.Post.MEMBER, starts_on=since))
    CommitteeSeat.objects.bulk_create(seats)
    return len(seats)


def _points(criterion, quality, rng):
    """People's points for a criterion: its share by the community's quality, to the half point."""
    share = float(np.clip(quality + rng.normal(0, 0.05), 0.3, 1.0))
    return str(min(criterion.max_points, round(float(criterion.max_points) * share * 2) / 2))


def _scores(scored, quality, rng, note):
    return {c.code: {"points": _points(c, quality, rng), note: ""} for c in scored}


def _checks(criteria, quality, rng):
    """What a site inspection finds: now and then a deduction, more often in a weaker community."""
    found = {}
    for criterion in criteria:
        if criterion.deductions and rng.uniform() < (1 - quality) * 0.8:
            found[criterion.code] = {"deductions": [criterion.deductions[0]["code"]], "note": "现场核查发现"}
    return found


def _self_assessed(cast, round_, assessment, quality, rng, computed):
    scored = list(round_.scheme.criteria.filter(kind=Criterion.Kind.SCORED))
    own = cast.community_staff[assessment.community.code]
    assessing.save_own_scores(own, assessment.pk, _scores(scored, min(0.99, quality + 0.04), rng, "note"))
    assessing.submit_self_assessment(own, assessment.pk, computed=computed)
    return scored


def _reviewed(cast, assessment, scored, quality, rng, reviewers=None):
    street = assessment.community.code[: CODE_LENGTH[Level.STREET]]
    for reviewer in reviewers if reviewers is not None else cast.reviewers[street]:
        assessing.review(reviewer, assessment.pk, _scores(scored, quality, rng, "comment"))
    return street


def _published_quarter(cast, district, quarter, quality, rng):
    round_, _created = assessing.open_round(cast.district_staff, district.code, quarter)
    computed = assessing.computed_values(
        round_, [a.community.code for a in round_.assessments.select_related("community")]
    )
    criteria = list(round_.scheme.criteria.all())
    for assessment in round_.assessments.select_related("community").order_by("community__code"):
        q = quality[assessment.community.code]
        scored = _self_assessed(cast, round_, assessment, q, rng, computed)
        street = _reviewed(cast, assessment, scored, q, rng)
        assessing.close_review(cast.street_staff[street], assessment.pk)
        assessing.inspect(cast.street_staff[street], assessment.pk, _checks(criteria, q, rng))
    for street, staff in cast.street_staff.items():
        assessing.propose_by_points(staff, round_, street)
        assessing.publish(cast.district_staff, round_, street)


def _moved_down(cast, communities, quarter, rng):
    """A community moved down a star a month into the last quarter, for what happened there."""
    in_force = stars.in_force([c.code for c in communities], quarter)
    candidates = [code for code, record in sorted(in_force.items()) if record.stars >= 2]
    if candidates:
        code = candidates[int(rng.integers(len(candidates)))]
        stars.adjust(cast.district_staff, code, in_force[code].stars - 1, schemes.months_of(quarter)[1],
                     "辖区发生安全生产事故，按规定降低一星")  # fmt: skip


def _under_way(cast, district, quarter, quality, rng):
    """This quarter: the first street's communities self-assessed (the demo community's own still a
    draft), half of them scored by two reviewers at the public defence."""
    round_, _created = assessing.open_round(cast.district_staff, district.code, quarter)
    first_street = min(cast.reviewers)
    rows = list(
        round_.assessments.select_related("community")
        .filter(community__code__startswith=first_street)
        .order_by("community__code")
    )
    computed = assessing.computed_values(round_, [a.community.code for a in rows])
    for n, assessment in enumerate(rows[1:]):
        q = quality[assessment.community.code]
        scored = _self_assessed(cast, round_, assessment, q, rng, computed)
        if n % 2 == 0:
            _reviewed(cast, assessment, scored, q, rng, reviewers=cast.reviewers[first_street][1:])
    return Assessment.objects.filter(round=round_).count()
