"""The demo city's Party organisation and people, with the gaps real cities have.

For every street, community and grid: its Party body and leader; per grid a grid worker (a few have
none, a few two), a service team drawn from the in-service Party members who registered in its
community (双报到; about 9,000 for 514 grids), household links, and a few volunteers. One service
station per community (some communities have none yet) and one service centre per street. Some
grids lack a Party group leader, some are short of team members or linked households, some are
far from any station. Deterministic: the same seed gives the same people.
"""

from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from grids.models import Area, Assignment, HouseholdLink, Level, PartyOrg, Person, Role, ServiceStation, WorkUnit

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任"
    "姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 华 建国 "
    "建华 玉兰 志强 海燕 小红 文 斌 宇 浩 凯 "
    "鹏 晨 欣 悦 梅 红梅 国庆 卫东 春华 秋菊 振华 立新 淑珍 玉梅 德明 俊杰 子涵 雨轩 思远 嘉怡"
).split()
WORK_UNITS = (
    "市人民医院 市中医院 市教育局 市财政局 市住房和城乡建设局 市自然资源局 市市场监督管理局 市税务局 市第一高级中学 "
    "市实验小学 市供电公司 市自来水公司 市公安局 市人力资源和社会保障局 市交通运输局 市农业农村局 市卫生健康委员会 "
    "市民政局 市司法局 市城市管理局 市文化广电和旅游局 市融媒体中心 市邮政公司 市农商银行"
).split()
IN_SERVICE_PER_GRID = 9000 / 514  # about 9,000 in-service members for the 514-grid demo
DEMO_ACCOUNTS = ("leader", "analyst", "street_dispatcher", "community_dispatcher", "grid_worker", "grid_worker_2")


class _People:
    """Collects unsaved rows, then writes them in bulk."""

    def __init__(self, rng, today):
        self.rng = rng
        self.today = today
        self.people, self.assignments, self.links = [], [], []

    def person(self, party=False, **fields):
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        phone = "1" + str(rng.choice([3, 5, 7, 8, 9])) + "".join(str(d) for d in rng.integers(0, 10, 9))
        person = Person(
            name=name,
            phone=phone,
            gender=rng.choice(["m", "f"]),
            birth_year=int(rng.integers(1955, 2002)),
            is_party_member=party,
            **fields,
        )
        self.people.append(person)
        return person

    def assign(self, person, role, area, ended=False):
        days = int(self.rng.integers(30, 3 * 365))
        starts = self.today - timedelta(days=days)
        ends = starts + timedelta(days=int(self.rng.integers(1, days))) if ended else None
        self.assignments.append(Assignment(person=person, role=role, area=area, starts_on=starts, ends_on=ends))

    def link(self, person, grid, households):
        self.links.append(
            HouseholdLink(
                person=person,
                grid=grid,
                households=households,
                starts_on=self.today - timedelta(days=int(self.rng.integers(30, 700))),
            )
        )


def build_people(district_code, seed=411381, password=None, in_service_per_grid=IN_SERVICE_PER_GRID):
    """Create the organisation, people, stations and demo accounts of a loaded demo district.

    Returns the demo accounts' usernames and their password."""
    rng = np.random.default_rng(seed + 1)
    today = timezone.localdate()
    areas = list(Area.objects.within(district_code).select_related("parent").order_by("code"))
    district = next(a for a in areas if a.level == Level.DISTRICT)
    streets = [a for a in areas if a.level == Level.STREET and a.children.exists()]
    communities = [a for a in areas if a.level == Level.COMMUNITY]
    grids_of = {c.id: [] for c in communities}
    for grid in (a for a in areas if a.level == Level.GRID):
        grids_of[grid.parent_id].append(grid)

    made = _People(rng, today)
    verifiers = _People(np.random.default_rng(seed + 2), today)
    orgs, stations, leaders = [], [], {}
    dispatchers = {}
    for street in streets:
        secretary = made.person(party=True)
        made.assign(secretary, Role.DISPATCHER, street)
        dispatchers[street.code] = secretary
        # A second dispatcher in the street's command centre verifies and closes what the first
        # resolved (whoever resolved a case may not close it). Drawn from its own stream, so the
        # rest of the city's people are the same as without them.
        verifiers.assign(verifiers.person(party=True), Role.DISPATCHER, street)
        orgs.append(PartyOrg(area=street, kind=PartyOrg.Kind.STREET_WORKING_COMMITTEE, name=f"{street.name}党工委"))
        leaders[street.code] = secretary
        stations.append(
            _station(f"{street.name}党群服务中心", ServiceStation.Kind.CENTRE, street, street, "每天 8:30–20:00")
        )

    units = _work_units(district)
    grid_workers = {}
    for community in communities:
        grids = grids_of[community.id]
        big = len(grids) >= 10
        kind = PartyOrg.Kind.COMMUNITY_COMMITTEE if big else PartyOrg.Kind.COMMUNITY_BRANCH
        orgs.append(PartyOrg(area=community, kind=kind, name=f"{community.name}{'党委' if big else '党支部'}"))
        leaders[community.code] = made.person(party=True)
        dispatcher = made.person(party=bool(rng.uniform() < 0.7))
        made.assign(dispatcher, Role.DISPATCHER, community)
        dispatchers[community.code] = dispatcher
        if rng.uniform() < 0.9:  # some communities have no station yet
            grid = grids[int(rng.integers(len(grids)))]
            hours = "周一至周五 8:30–12:00，14:30–17:30"
            stations.append(
                _station(f"{community.name}党群服务站", ServiceStation.Kind.STATION, community, grid, hours)
            )

        members_here = max(1, round(in_service_per_grid * len(grids) * (0.6 + 0.8 * rng.uniform())))
        pool = {g.id: [] for g in grids}
        weights = np.array([(g.households or 0) + 20 for g in grids], dtype=float)
        for _ in range(members_here):
            grid = grids[int(rng.choice(len(grids), p=weights / weights.sum()))]
            member = made.person(party=True, home_community=community, work_unit=units[int(rng.integers(len(units)))])
            made.assign(member, Role.IN_SERVICE_MEMBER, grid)
            pool[grid.id].append(member)

        for grid in grids:
            _staff_grid(made, rng, grid, pool[grid.id], orgs, leaders, grid_workers)

    with transaction.atomic():
        Person.objects.bulk_create(made.people + verifiers.people, batch_size=5000)
        for org in orgs:
            org.leader = leaders.get(org.area.code)
        PartyOrg.objects.bulk_create(orgs, batch_size=5000)
        for rows in (made.assignments, made.links, verifiers.assignments):
            for row in rows:
                row.person_id = row.person.pk
        Assignment.objects.bulk_create(made.assignments + verifiers.assignments, batch_size=5000)
        HouseholdLink.objects.bulk_create(made.links, batch_size=5000)
        ServiceStation.objects.bulk_create(stations, batch_size=5000)
        accounts = _demo_accounts(rng, district, streets, communities, grids_of, dispatchers, grid_workers, password)
    return accounts


def _work_units(district):
    """The district's work units whose members register in its communities (双报到), each with the
    Party organisation the quarterly report goes to."""
    return [
        WorkUnit.objects.get_or_create(district=district, name=name, defaults={"party_org": f"{name}党委"})[0]
        for name in WORK_UNITS
    ]


def _station(name, kind, area, inside, opening_hours):
    """A station of `area`, placed on a point inside `inside` (the area itself or one of its grids)."""
    spot = inside.geom.point_on_surface
    return ServiceStation(
        name=name, kind=kind, area=area, location=Point(spot.x, spot.y, srid=4326), opening_hours=opening_hours
    )


def _staff_grid(made, rng, grid, members, orgs, leaders, grid_workers):
    """A grid's worker, Party group, service team and household links, with realistic gaps."""
    roll = rng.uniform()
    workers = 0 if roll < 0.05 else 2 if roll < 0.12 else 1
    for _ in range(workers):
        worker = made.person(party=bool(rng.uniform() < 0.6))
        made.assign(worker, Role.GRID_WORKER, grid)
        grid_workers.setdefault(grid.code, worker)
    if rng.uniform() < 0.15:  # a predecessor, kept as history
        made.assign(made.person(), Role.GRID_WORKER, grid, ended=True)

    short = rng.uniform() < 0.12
    team_size = int(rng.integers(0, 3)) if short else int(rng.integers(3, 9))
    team = members[:team_size]
    for member in team:
        made.assign(member, Role.SERVICE_TEAM_MEMBER, grid)
    for _ in range(int(rng.integers(0, 3))):
        made.assign(made.person(), Role.VOLUNTEER, grid)

    orgs.append(PartyOrg(area=grid, kind=PartyOrg.Kind.GRID_GROUP, name=f"{grid.name}党小组"))
    if team and rng.uniform() > 0.07:  # some groups have no leader
        leaders[grid.code] = team[0]
        made.assign(team[0], Role.PARTY_GROUP_LEADER, grid)

    households = grid.households or 0
    linkers = members[: max(len(team), min(len(members), 6))]
    if households and linkers:
        share = rng.uniform(0.3, 0.79) if rng.uniform() < 0.15 else rng.uniform(0.82, 1.0)
        target = int(round(households * share))
        parts = rng.multinomial(target, np.ones(len(linkers)) / len(linkers))
        for member, n in zip(linkers, parts, strict=True):
            if n:
                made.link(member, grid, int(n))


def give_logins(people, password):
    """A login for each {username: person}, with the demo password (an existing one is taken over)."""
    User = get_user_model()
    for username, person in people.items():
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name = person.name
        user.set_password(password)
        user.save()
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        person.user = user
        person.save(update_fields=["user"])


def _demo_accounts(rng, district, streets, communities, grids_of, dispatchers, grid_workers, password):
    """The logins of design.md, each tied to a person with the role that gives its scope."""
    street = streets[0]
    community = next(c for c in communities if c.parent_id == street.id)
    other = next(c for c in communities if c.parent_id != street.id)
    worker_grid = next(g for g in grids_of[community.id] if g.code in grid_workers)
    other_grid = next(g for g in grids_of[other.id] if g.code in grid_workers)

    made = _People(rng, timezone.localdate())
    leader, analyst = made.person(party=True), made.person()
    Person.objects.bulk_create(made.people)
    Assignment.objects.bulk_create(
        [
            Assignment(person=leader, role=Role.LEADER, area=district),
            Assignment(person=analyst, role=Role.ANALYST, area=district),
        ]
    )
    people = {
        "leader": leader,
        "analyst": analyst,
        "street_dispatcher": dispatchers[street.code],
        "community_dispatcher": dispatchers[community.code],
        "grid_worker": grid_workers[worker_grid.code],
        "grid_worker_2": grid_workers[other_grid.code],
    }
    give_logins(people, password)
    return list(people)
