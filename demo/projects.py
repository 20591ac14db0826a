"""The demo's project register (项目化、销号): about two projects of each street's own and one of each
community, registered over the last year, their milestones reported, returned and verified through
projects.services as the people of the demo would have done it, at the times they would have: some
projects closed off, some milestones returned and reported again, some overdue, a few projects
withdrawn. A community's dispatcher registers and reports its project, one of its street's
dispatchers reviews it; a street's secretary registers and reports the street's, the district's
leader reviews them. Deterministic for a seed and a day."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from grids.models import Area, Assignment, Level, Role
from projects import services
from projects.models import Kind, Milestone

COMMUNITY_PROJECTS = [
    ("红色物业", Kind.PARTY_BUILDING, "党建引领物业服务，成立红色物业联盟，解决小区停车难、环境脏乱问题"),
    ("党建引领老旧小区改造", Kind.GOVERNANCE, "完成老旧小区楼道、管网和停车位改造，居民参与议事和监督"),
    ("网格议事厅建设", Kind.GOVERNANCE, "每个网格建成议事厅，每月召开一次居民议事会"),
    ("红色驿站", Kind.SERVICE, "为快递员、外卖员和环卫工人提供歇脚、饮水和充电服务"),
    ("楼栋党小组建设", Kind.PARTY_BUILDING, "每栋楼建立党小组，党员亮身份、联系住户"),
    ("一老一小服务", Kind.SERVICE, "为独居老人和放学儿童提供助餐、看护和课后服务"),
    ("垃圾分类示范小区", Kind.GOVERNANCE, "党员带头，垃圾分类参与率达到 80%"),
    ("党群服务中心提质", Kind.PARTY_BUILDING, "党群服务中心功能分区、延时服务、志愿者常驻"),
]
STREET_PROJECTS = [
    ("街道区域化党建联盟", Kind.PARTY_BUILDING, "联合辖区单位签订共建协议，认领服务项目"),
    ("两新组织党建全覆盖", Kind.PARTY_BUILDING, "辖区新经济组织和新社会组织党的组织和工作全覆盖"),
    ("背街小巷环境整治", Kind.GOVERNANCE, "整治背街小巷路面、照明和乱停乱放"),
    ("智慧网格平台推广", Kind.GOVERNANCE, "全部网格员使用手机上报，小事不出网格"),
]
STEPS = [
    ("调研摸底", "入户调研记录和现场照片"),
    ("制定方案", "实施方案（PDF）和议事会纪要"),
    ("组织实施", "施工或活动现场照片"),
    ("总结验收", "验收报告和居民满意度测评表"),
]
BUDGETS = [None, Decimal("20000"), Decimal("50000"), Decimal("80000"), Decimal("120000"), Decimal("300000")]


def build_projects(district_code, rng, now=None):
    """The district's projects; returns {what: how many}."""
    now = now or timezone.now()
    district = Area.objects.get(code=district_code)
    leader = _login_of(_serving(Role.LEADER, district)[0], district_code)
    made = {"projects": 0, "closed_off": 0, "withdrawn": 0}
    with transaction.atomic():
        for street in Area.objects.filter(level=Level.STREET, code__startswith=district_code).order_by("code"):
            dispatchers = [_login_of(p, district_code) for p in _serving(Role.DISPATCHER, street)]
            if not dispatchers:
                continue
            for index in range(2):
                title, kind, goal = STREET_PROJECTS[(int(street.code[-3:]) * 2 + index) % len(STREET_PROJECTS)]
                _walk(rng, now, street, dispatchers[0], [leader], title, kind, goal, made)
            for community in street.children.order_by("code"):
                staff = [_login_of(p, district_code) for p in _serving(Role.DISPATCHER, community)]
                if not staff:
                    continue
                title, kind, goal = COMMUNITY_PROJECTS[int(rng.integers(len(COMMUNITY_PROJECTS)))]
                reviewers = [user for user in dispatchers if user != staff[0]]
                _walk(rng, now, community, staff[0], reviewers, title, kind, goal, made)
    return made


def _serving(role, area):
    assignments = Assignment.objects.active().filter(role=role, area=area).select_related("person__user")
    return [a.person for a in assignments.order_by("person_id")]


def _login_of(person, district_code):
    """The person's login, or a new one that cannot log in (as the volunteers' demo makes them)."""
    if person.user_id is None:
        person.user = get_user_model().objects.create(
            username=f"staff-{district_code}-{person.pk}", first_name=person.name, password=make_password(None)
        )
        person.save(update_fields=["user"])
    return person.user


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _walk(rng, now, area, reporter, reviewers, title, kind, goal, made):
    """One project registered on a day of the last year and lived until `now`."""
    today = timezone.localdate(now)
    starts_on = today - timedelta(days=int(rng.integers(20, 365)))
    ends_on = starts_on + timedelta(days=int(rng.integers(150, 330)))
    steps = STEPS[: int(rng.integers(3, 5))]
    span = (ends_on - starts_on).days
    dues = [starts_on + timedelta(days=span * (i + 1) // len(steps)) for i in range(len(steps))]
    plan = services.ProjectPlan(
        area=area.code, kind=kind, title=title, goal=goal, owner=reporter.person.pk, starts_on=starts_on,
        ends_on=ends_on, budget=BUDGETS[int(rng.integers(len(BUDGETS)))],
        milestones=[services.MilestonePlan(name, due, needed) for (name, needed), due in zip(steps, dues, strict=True)],
    )  # fmt: skip
    clock = _at(starts_on, 9)
    project = services.register(reporter, plan, now=clock)
    made["projects"] += 1
    if rng.uniform() < 0.05:  # merged into another before anything was done
        services.withdraw(
            reporter, project.pk, project.version, "与街道同类项目合并实施", now=clock + timedelta(days=9)
        )
        made["withdrawn"] += 1
        return
    reviewer = reviewers[int(rng.integers(len(reviewers)))]
    diligent = rng.uniform() < 0.8  # a few projects fall behind from the start
    for milestone in project.milestones.order_by("position"):
        clock = _milestone(rng, now, project, milestone, reporter, reviewer, clock, diligent)
        if clock is None:
            return
    project.refresh_from_db()
    closing = clock + timedelta(days=int(rng.integers(3, 15)))
    if closing < now:
        services.close_off(reviewer, project.pk, project.version, "全部节点验收合格", now=closing)
        made["closed_off"] += 1


def _milestone(rng, now, project, milestone, reporter, reviewer, clock, diligent):
    """Report, perhaps return and report again, then verify one milestone; the time of its last
    step, or None when the project stops here (not reported by now, or awaiting review)."""
    late = 0 if diligent and rng.uniform() < 0.85 else int(rng.integers(5, 60))
    reported = max(clock, _at(milestone.due_on, 10) - timedelta(days=int(rng.integers(1, 10)))) + timedelta(
        days=late, hours=1
    )
    if reported >= now or (not diligent and rng.uniform() < 0.4):
        return None  # not reported: overdue once its day has passed
    version = _report(project, milestone, reporter, reported, "已按计划完成，材料附后")
    reviewed = reported + timedelta(days=int(rng.integers(1, 6)))
    if reviewed >= now:
        return None
    if rng.uniform() < 0.2:
        services.return_(reviewer, project.pk, milestone.pk, version, "材料不全，请补充签到表和现场照片", now=reviewed)
        reported = reviewed + timedelta(days=int(rng.integers(2, 8)))
        if reported >= now:
            return None
        milestone.refresh_from_db()
        version = _report(project, milestone, reporter, reported, "已补充签到表和现场照片")
        reviewed = reported + timedelta(days=int(rng.integers(1, 4)))
        if reviewed >= now:
            return None
    services.verify(reviewer, project.pk, milestone.pk, version, "材料齐全，同意销号", now=reviewed)
    return reviewed


def _report(project, milestone, reporter, at, text):
    report = services.report_progress(reporter, project.pk, milestone.pk, milestone.version, text, now=at)
    return Milestone.objects.get(pk=report.milestone_id).version
