"""The year of the demo's in-service Party members and volunteers (双报到), with the gaps a real city
has: residents' service requests and their loop (点单 → 审核 → 派单 → 接单 → 完成 → 评单), teams and
activities with their attendance, the weekly household visits and the Party groups' monthly
situation analyses and yearly training (三个一), and the points ledger all of it credits.

Every member who serves gets a login that cannot log in (an unusable password), so the requests'
offers reach someone; `member` is a demo account of one of them. Communities differ: some are lively
(many requests, most visits made, every month's analysis held), some are behind (few requests, a
third of the visits missed, analyses skipped), as the coverage rules and figures should show.

Rows are written in bulk, each request with the steps that lead to its status (the order the
services write them in, volunteers.services), its offers, and the ledger rows its confirmation
credits with the district's points rules (volunteers.rules). Deterministic for a seed.
"""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from grids.models import Area, Assignment, HouseholdLink, Level, PartyMeeting, Person, Role, Visit
from grids.models.people import in_force
from volunteers.attendance_codes import new_secret
from volunteers.kinds import KINDS
from volunteers.ledger import service_credits
from volunteers.models import (
    Activity,
    Attendance,
    LedgerEntry,
    Offer,
    Profile,
    RequestStep,
    ServiceRequest,
    SignUp,
    Team,
    TeamMember,
)
from volunteers.rules import rules_for
from volunteers.services import new_tracking_code

from .people import give_logins

Status, Tier, Action, Channel = ServiceRequest.Status, ServiceRequest.Tier, RequestStep.Action, ServiceRequest.Channel
SERVING_ROLES = (Role.IN_SERVICE_MEMBER, Role.SERVICE_TEAM_MEMBER, Role.VOLUNTEER, Role.PARTY_GROUP_LEADER)
KIND_WEIGHTS = {
    "errands": 26,
    "companionship": 14,
    "repairs": 16,
    "cleaning": 10,
    "health": 12,
    "tutoring": 6,
    "legal": 4,
    "paperwork": 8,
    "other": 4,
}
FOR_WHOM_WEIGHTS = {"elderly_alone": 34, "elderly": 22, "disabled": 9, "child": 8, "family": 10, "self": 12, "other": 5}
WHAT = {
    "errands": ["腿脚不便，想请人帮忙买菜", "帮忙去药店取药", "帮忙取快递送上楼"],
    "companionship": ["独居老人想找人聊聊天", "周末陪老人去公园散步", "陪老人去医院复查"],
    "repairs": ["水龙头漏水", "家里灯泡坏了够不着", "门锁不好用"],
    "cleaning": ["年纪大了打扫不动，想请人帮忙大扫除", "帮忙清理阳台杂物"],
    "health": ["想请社区医生上门量血压", "帮忙预约体检"],
    "tutoring": ["孩子数学作业需要辅导", "假期想找人辅导孩子英语"],
    "legal": ["房屋租赁合同有纠纷，想咨询", "赡养问题想咨询法律意见"],
    "paperwork": ["帮忙办理高龄补贴申请", "帮忙在手机上交医保"],
    "other": ["想学用智能手机视频通话", "帮忙搬一下家具"],
}
DONE_NOTES = ["已办好，老人很满意", "按约定时间上门完成", "已送到家并交代清楚", "问题已解决"]
ACTIVITY_TITLES = [
    "小区环境清洁日",
    "义诊进社区",
    "反诈宣传进楼院",
    "关爱独居老人走访",
    "垃圾分类宣传",
    "文明交通劝导",
    "爱心理发",
    "家电义务维修",
]
ANALYSIS_ISSUES = ["本月网格内矛盾纠纷排查情况", "独居老人走访中发现的困难", "楼道堆物和停车问题", "居民反映的噪音问题"]
REFUSE_REASONS = ["不属于志愿服务范围，已告知联系物业", "重复提交，已合并处理", "需专业机构上门，已提供联系方式"]
REQUESTS_PER_GRID = 11  # a year's requests per grid in a community of average liveliness: ~6,000 in the demo
GIVE_BACK_REASONS = ["临时有事，无法按时上门", "身体不适", "需要专业工具，自己处理不了"]


def _pick(rng, weights):
    keys = list(weights)
    p = [weights[k] for k in keys]
    total = sum(p)
    return keys[int(rng.choice(len(keys), p=[w / total for w in p]))]


def _at_daytime(rng, day):
    """A moment of a day between 8:00 and 20:00, in the site's time zone."""
    minutes = int(rng.integers(8 * 60, 20 * 60))
    return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))


class _Served:
    """Who serves where, read once: members linked to households per grid (with their links), the
    grid teams, the communities' people, the work units."""

    def __init__(self, district_code, today):
        self.links = list(
            HouseholdLink.objects.filter(in_force(today), grid__code__startswith=district_code).select_related("grid")
        )
        self.linked = {}
        for link in self.links:
            if link.person_id not in self.linked.setdefault(link.grid_id, []):
                self.linked[link.grid_id].append(link.person_id)
        self.grid_team = {}
        for area_id, person_id in (
            Assignment.objects.filter(in_force(today), role__in=SERVING_ROLES, area__code__startswith=district_code)
            .values_list("area_id", "person_id")
            .distinct()
            .order_by("area_id", "person_id")
        ):
            self.grid_team.setdefault(area_id, []).append(person_id)
        self.communities = list(Area.objects.within(district_code).filter(level=Level.COMMUNITY).order_by("code"))
        self.grids_of = {c.pk: [] for c in self.communities}
        for grid in Area.objects.within(district_code).filter(level=Level.GRID).order_by("code"):
            self.grids_of[grid.parent_id].append(grid)
        self.people_of = {}  # community → those who serve in it (its grids' teams and links)
        for community in self.communities:
            ids = set()
            for grid in self.grids_of[community.pk]:
                ids.update(self.linked.get(grid.pk, ()))
                ids.update(self.grid_team.get(grid.pk, ()))
            self.people_of[community.pk] = sorted(ids)
        self.work_unit = dict(Person.objects.filter(pk__in=self.all_people()).values_list("pk", "work_unit_id"))

    def all_people(self):
        return sorted({p for ids in self.people_of.values() for p in ids})


def build_volunteers(district_code, rng, password=None, days=365, now=None):
    """The year of the district's members and volunteers; returns {what: how many}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    served = _Served(district_code, today)
    logins = _logins(served, district_code)
    district = Area.objects.get(code=district_code)
    # how lively each community is: a few are behind on everything
    liveliness = {c.pk: float(rng.choice([0.25, 0.6, 1.0, 1.0, 1.3, 1.6])) for c in served.communities}
    with transaction.atomic():
        made = {
            "profiles": _profiles(served, rng),
            "teams": _teams(served, rng, today),
            "requests": _requests(served, rng, district, liveliness, logins, days, now),
            "activities": _activities(served, rng, district, liveliness, days, now),
            "visits": _visits(served, rng, liveliness, today),
            "meetings": _meetings(served, rng, liveliness, today),
        }
    made["accounts"] = _member_account(served, password) if password else []
    return made


def _logins(served, district_code):
    """{person id: user id}: a login for everyone who serves, unusable but for the demo account."""
    User = get_user_model()
    people = Person.objects.filter(pk__in=served.all_people())
    without = list(people.filter(user__isnull=True))
    unusable = make_password(None)
    users = [User(username=f"member-{district_code}-{p.pk}", first_name=p.name, password=unusable) for p in without]
    User.objects.bulk_create(users, batch_size=5000)
    for person, user in zip(without, users, strict=True):
        person.user_id = user.pk
    Person.objects.bulk_update(without, ["user"], batch_size=5000)
    return dict(people.values_list("pk", "user_id"))


def _member_account(served, password):
    """The demo's `member`: of the members linked to households in the grid worker's community
    (design.md's `grid_worker`), the one with most credits in the ledger, so it has a year to show."""
    from django.db.models import Count, F, Q

    worker_grid = Assignment.objects.filter(person__user__username="grid_worker", role=Role.GRID_WORKER).first()
    grids = Area.objects.filter(parent_id=worker_grid.area.parent_id) if worker_grid else []
    ids = [person for grid in grids for person in served.linked.get(grid.pk, [])]
    ids = ids or [link.person_id for link in served.links[:1]]
    if not ids:
        return []
    recent = timezone.localdate() - timedelta(days=28)
    busiest = (
        Person.objects.filter(pk__in=ids)
        .annotate(
            credits=Count("ledger", distinct=True),
            kept=Count("visits", filter=Q(visits__visited_on__gte=recent), distinct=True),
        )
        .order_by(F("kept").desc(), "-credits", "pk")
        .first()
    )
    give_logins({"member": busiest}, password)
    return ["member"]


def _profiles(served, rng):
    """About a third of the members say which kinds they take; a few are away for now."""
    kinds = list(KINDS)
    profiles = []
    for person_id in served.all_people():
        roll = rng.uniform()
        if roll < 0.3:
            chosen = sorted({kinds[int(i)] for i in rng.integers(0, len(kinds) - 1, int(rng.integers(1, 4)))})
            profiles.append(Profile(person_id=person_id, skills=chosen))
        elif roll < 0.33:
            profiles.append(Profile(person_id=person_id, available=False))
    Profile.objects.bulk_create(profiles, batch_size=5000)
    return len(profiles)


def _teams(served, rng, today):
    """A volunteer team in most communities, and a work unit's stationed team (驻点团队) in some."""
    from grids.models import WorkUnit

    units = list(WorkUnit.objects.filter(district__code=served.communities[0].code[:6]))
    teams, members = [], []
    for community in served.communities:
        people = served.people_of[community.pk]
        if not people or rng.uniform() < 0.1:
            continue
        own = Team(name=f"{community.name}志愿服务队", community=community)
        teams.append((own, list(rng.choice(people, size=min(len(people), int(rng.integers(8, 25))), replace=False))))
        if units and rng.uniform() < 0.5:
            unit = units[int(rng.integers(len(units)))]
            from_unit = [p for p in people if served.work_unit.get(p) == unit.pk] or people[:5]
            team = Team(
                name=f"{unit.name}驻{community.name}服务队",
                community=community,
                work_unit=unit,
                skills=[str(rng.choice(["health", "legal", "repairs", "paperwork"]))],
            )
            teams.append((team, from_unit[:15]))
    Team.objects.bulk_create([team for team, _people in teams])
    for team, people in teams:
        for person_id in people:
            members.append(TeamMember(team=team, person_id=int(person_id), starts_on=today - timedelta(days=400)))
    TeamMember.objects.bulk_create(members, batch_size=5000)
    return len(teams)


def _requests(served, rng, district, liveliness, logins, days, now):
    """The year's requests, each walked to where it stands now, with its steps, offers and credits."""
    rules = rules_for(district.code)
    requests, steps, offers, credits = [], [], [], []
    for community in served.communities:
        grids = served.grids_of[community.pk]
        if not grids:
            continue
        weights = [(g.households or 0) + 20 for g in grids]
        total = sum(weights)
        count = int(rng.poisson(REQUESTS_PER_GRID * len(grids) * liveliness[community.pk] * days / 365))
        for _n in range(count):
            grid = grids[int(rng.choice(len(grids), p=[w / total for w in weights]))]
            asked = now - timedelta(days=float(rng.uniform(0, days)), minutes=float(rng.uniform(0, 600)))
            request, its_steps, its_offers = _walk(rng, community, grid, asked, now, served, logins)
            requests.append(request)
            steps.append(its_steps)
            offers.append(its_offers)
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    all_steps, all_offers = [], []
    for request, its_steps, its_offers in zip(requests, steps, offers, strict=True):
        for step in its_steps:
            step.request_id = request.pk
            all_steps.append(step)
        for offer in its_offers:
            offer.request_id = request.pk
            all_offers.append(offer)
        if request.status == Status.CONFIRMED:
            credits += _credits(request, rules, district, served)
    RequestStep.objects.bulk_create(all_steps, batch_size=5000)
    Offer.objects.bulk_create(all_offers, batch_size=5000, ignore_conflicts=True)
    LedgerEntry.objects.bulk_create(credits, batch_size=5000)
    return len(requests)


def _walk(rng, community, grid, asked, now, served, logins):
    """One request from its asking to where it is now: (request, steps, offers), unsaved."""
    kind = _pick(rng, KIND_WEIGHTS)
    channel = _pick(rng, {Channel.RESIDENT: 55, Channel.GRID_WORKER: 25, Channel.STAFF: 20})
    request = ServiceRequest(
        tracking_code=new_tracking_code(),
        client_id=uuid.uuid4(),
        channel=channel,
        community=community,
        grid=grid,
        kind=kind,
        description=str(rng.choice(WHAT[kind])),
        for_whom=_pick(rng, FOR_WHOM_WEIGHTS),
        contact_name=str(rng.choice(["王", "李", "张", "刘", "陈"]))
        + str(rng.choice(["奶奶", "大爷", "阿姨", "师傅"])),
        contact_phone="13" + "".join(str(d) for d in rng.integers(0, 10, 9)),
        asked_at=asked,
        updated_at=asked,
        fingerprint="demo",
        status=Status.ASKED,
    )
    steps = [RequestStep(action=Action.ASK, at=asked, by_resident=channel == Channel.RESIDENT)]
    offers = []
    at = asked + timedelta(hours=float(rng.exponential(5)) + 0.2)  # reviewed within the day, mostly
    if at >= now:
        return request, steps, offers
    roll = rng.uniform()
    if roll < 0.05:
        request.status, request.reason = Status.REFUSED, str(rng.choice(REFUSE_REASONS))
        steps.append(RequestStep(action=Action.REFUSE, at=at, note=request.reason))
        request.updated_at = at
        return request, steps, offers
    if roll < 0.07:
        request.status, request.reason = Status.CANCELLED, "居民已自行解决"
        steps.append(RequestStep(action=Action.CANCEL, at=at, note=request.reason, by_resident=True))
        request.updated_at = at
        return request, steps, offers
    request.status, request.offered_at, request.widened_at = Status.OFFERED, at, at
    steps.append(RequestStep(action=Action.ACCEPT, at=at))
    tiers = [
        (Tier.LINKED, served.linked.get(grid.pk, [])),
        (Tier.GRID_TEAM, served.grid_team.get(grid.pk, [])),
        (Tier.COMMUNITY_TEAMS, served.people_of[community.pk]),
    ]
    tier, people = next(((t, p) for t, p in tiers if p), (Tier.STAFF, []))
    request.tier = tier
    if people:
        chosen = list(rng.choice(people, size=min(len(people), 6), replace=False))
        offers += [Offer(person_id=int(p), tier=tier, offered_at=at) for p in chosen]
        steps.append(RequestStep(action=Action.OFFER, at=at, note=tier, offered_to=len(chosen)))
    else:
        steps.append(RequestStep(action=Action.ESCALATE, at=at, note=Tier.STAFF))
        chosen = served.people_of[community.pk][:10]
    claim_at = at + timedelta(hours=float(rng.exponential(6)) + 0.1)
    if claim_at >= now or not chosen:
        return request, steps, offers
    volunteer = int(rng.choice(chosen))
    if rng.uniform() < 0.04 and len(chosen) > 1:  # given back once, then taken by another
        steps.append(RequestStep(action=Action.CLAIM, at=claim_at, person_id=volunteer, actor_id=logins.get(volunteer)))
        back = claim_at + timedelta(hours=float(rng.uniform(1, 12)))
        if back >= now:
            request.status, request.volunteer_id, request.claimed_at = Status.CLAIMED, volunteer, claim_at
            return request, steps, _closed(offers, claim_at)
        steps.append(
            RequestStep(
                action=Action.GIVE_BACK,
                at=back,
                person_id=volunteer,
                note=str(rng.choice(GIVE_BACK_REASONS)),
                actor_id=logins.get(volunteer),
            )
        )
        chosen = [p for p in chosen if p != volunteer]
        volunteer, claim_at = int(rng.choice(chosen)), back + timedelta(hours=float(rng.exponential(3)) + 0.1)
        if claim_at >= now:
            request.status = Status.OFFERED
            return request, steps, offers
    action = Action.CLAIM if people else Action.ASSIGN
    steps.append(
        RequestStep(action=action, at=claim_at, person_id=volunteer, actor_id=logins.get(volunteer) if people else None)
    )
    request.status, request.volunteer_id, request.claimed_at = Status.CLAIMED, volunteer, claim_at
    offers = _closed(offers, claim_at)
    done_at = claim_at + timedelta(hours=float(rng.exponential(20)) + 0.5)
    if done_at >= now:
        return request, steps, offers
    request.status, request.done_at = Status.DONE, done_at
    request.minutes, request.done_note = int(rng.choice([20, 30, 45, 60, 90, 120, 180])), str(rng.choice(DONE_NOTES))
    steps.append(
        RequestStep(
            action=Action.DONE, at=done_at, person_id=volunteer, actor_id=logins.get(volunteer), note=request.done_note
        )
    )
    how = rng.uniform()
    if how < 0.7:  # the resident rates it on their link, within a day or two
        confirmed, rating, by_resident = done_at + timedelta(hours=float(rng.uniform(1, 48))), _rating(rng), True
    elif how < 0.85:  # staff confirm it with a resident who has no phone
        confirmed, rating, by_resident = done_at + timedelta(hours=float(rng.uniform(4, 96))), _rating(rng), False
    else:  # nobody confirms: the worker does, unrated, after a week
        confirmed, rating, by_resident = done_at + timedelta(days=7, minutes=5), None, False
    if confirmed >= now:
        return request, steps, offers
    request.status, request.confirmed_at, request.rating = Status.CONFIRMED, confirmed, rating
    request.updated_at = confirmed
    steps.append(RequestStep(action=Action.CONFIRM, at=confirmed, note=str(rating or ""), by_resident=by_resident))
    return request, steps, offers


def _closed(offers, at):
    for offer in offers:
        offer.closed_at = at
    return offers


def _rating(rng):
    return int(rng.choice([5, 4, 3, 2, 1], p=[0.86, 0.11, 0.02, 0.007, 0.003]))


def _credits(request, rules, district, served):
    """The ledger rows a confirmed request credits, as volunteers.ledger credits them, when it was confirmed."""
    work_unit = served.work_unit.get(request.volunteer_id)
    return service_credits(request, rules, district, work_unit, credited_at=request.confirmed_at)


def _activities(served, rng, district, liveliness, days, now):
    """About two activities a month in a lively community, fewer elsewhere, with sign-ups and the
    attendance (and hours) of those who came."""
    rules = rules_for(district.code)
    made, sign_ups, attended, credits = [], [], [], []
    for community in served.communities:
        grids, people = served.grids_of[community.pk], served.people_of[community.pk]
        if not grids or not people:
            continue
        for _n in range(int(rng.poisson(1.6 * 12 * liveliness[community.pk] * days / 365))):
            day = timezone.localdate(now) - timedelta(days=int(rng.integers(1, days)))
            starts = _at_daytime(rng, day)
            length = float(rng.choice([1.5, 2, 2, 3, 4]))
            place = grids[int(rng.integers(len(grids)))].geom.point_on_surface
            activity = Activity(
                community=community,
                title=str(rng.choice(ACTIVITY_TITLES)),
                place=f"{community.name}党群服务站",
                location=place,
                starts_at=starts,
                ends_at=starts + timedelta(hours=length),
                hours=Decimal(str(length)),
                secret=new_secret(),
                created_at=starts - timedelta(days=5),
                capacity=int(rng.choice([20, 30, 50])),
            )
            signed = list(
                rng.choice(people, size=min(len(people), int(rng.integers(5, activity.capacity))), replace=False)
            )
            came = [p for p in signed if rng.uniform() < 0.82]
            made.append((activity, signed, came))
        for _n in range(int(rng.poisson(1.2 * liveliness[community.pk]))):  # the next weeks', signing up now
            starts = _at_daytime(rng, timezone.localdate(now) + timedelta(days=int(rng.integers(1, 21))))
            place = grids[int(rng.integers(len(grids)))].geom.point_on_surface
            activity = Activity(
                community=community,
                title=str(rng.choice(ACTIVITY_TITLES)),
                place=f"{community.name}党群服务站",
                location=place,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                hours=Decimal(2),
                secret=new_secret(),
                created_at=now - timedelta(days=2),
                capacity=30,
            )
            signed = list(rng.choice(people, size=min(len(people), int(rng.integers(3, 20))), replace=False))
            made.append((activity, signed, []))
    Activity.objects.bulk_create([activity for activity, _s, _c in made], batch_size=2000)
    for activity, signed, came in made:
        sign_ups += [SignUp(activity=activity, person_id=int(p), at=activity.created_at) for p in signed]
        for person_id in came:
            at = activity.starts_at + timedelta(minutes=float(rng.uniform(-20, 30)))
            attended.append(
                Attendance(
                    client_id=uuid.uuid4(),
                    activity=activity,
                    person_id=int(person_id),
                    at=at,
                    location=activity.location,
                    metres=float(rng.uniform(2, 120)),
                )
            )
            credits.append(
                LedgerEntry(
                    person_id=int(person_id),
                    kind=LedgerEntry.Kind.ACTIVITY_HOURS,
                    on=timezone.localdate(activity.starts_at),
                    hours=activity.hours,
                    points=rules.points_for_hours(activity.hours),
                    district=district,
                    community=activity.community,
                    work_unit_id=served.work_unit.get(int(person_id)),
                    activity=activity,
                    credited_at=at,
                )
            )
    SignUp.objects.bulk_create(sign_ups, batch_size=5000)
    Attendance.objects.bulk_create(attended, batch_size=5000)
    LedgerEntry.objects.bulk_create(credits, batch_size=5000)
    return len(made)


def _visits(served, rng, liveliness, today):
    """Each household link's weekly visits since it began (at most a year): most members keep them,
    some miss many, the members of the slack communities more often."""
    visits = []
    community_of = {grid.pk: c for c in served.communities for grid in served.grids_of[c.pk]}
    monday = today - timedelta(days=today.weekday())
    for link in served.links:
        slack = liveliness[community_of[link.grid_id].pk] < 0.5
        keeps = float(rng.beta(2, 3) if slack or rng.uniform() < 0.06 else rng.beta(40, 1.2))
        for week in range(1, 53):
            start = monday - timedelta(weeks=week)
            if start < link.starts_on or rng.uniform() > keeps:
                continue
            day = start + timedelta(days=int(rng.integers(0, 7)))
            reached = max(1, int(link.households * float(rng.uniform(0.3, 1.0))))
            visits.append(
                Visit(
                    client_id=uuid.uuid4(),
                    link=link,
                    person_id=link.person_id,
                    grid_id=link.grid_id,
                    visited_on=day,
                    households_reached=reached,
                    notes="",
                    recorded_at=_at_daytime(rng, day),
                )
            )
    Visit.objects.bulk_create(visits, batch_size=10000)
    return len(visits)


def _months_before(first_of_month, n):
    index = first_of_month.year * 12 + first_of_month.month - 1 - n
    return first_of_month.replace(year=index // 12, month=index % 12 + 1)


def _meetings(served, rng, liveliness, today):
    """The grid Party groups' monthly situation analyses (a few skipped, many in the slack
    communities) and each community's yearly training, with who attended."""
    meetings, attendees = [], []
    first_of_month = today.replace(day=1)
    for community in served.communities:
        holds = 0.55 if liveliness[community.pk] < 0.5 else 0.93
        for grid in served.grids_of[community.pk]:
            team = served.grid_team.get(grid.pk, [])
            if not team:
                continue
            for months_back in range(1, 13):
                month = _months_before(first_of_month, months_back)
                if rng.uniform() > holds:
                    continue
                day = month + timedelta(days=int(rng.integers(5, 25)))
                meetings.append(
                    PartyMeeting(
                        client_id=uuid.uuid4(),
                        area=grid,
                        kind=PartyMeeting.Kind.ANALYSIS,
                        held_on=day,
                        topic=str(rng.choice(ANALYSIS_ISSUES)),
                        recorded_at=_at_daytime(rng, day),
                    )
                )
                attendees.append([p for p in team if rng.uniform() < 0.85])
        people = served.people_of[community.pk]
        if people and rng.uniform() < 0.9:
            day = today - timedelta(days=int(rng.integers(20, 300)))
            meetings.append(
                PartyMeeting(
                    client_id=uuid.uuid4(),
                    area=community,
                    kind=PartyMeeting.Kind.TRAINING,
                    held_on=day,
                    topic="党员志愿服务能力培训",
                    recorded_at=_at_daytime(rng, day),
                )
            )
            attendees.append([p for p in people if rng.uniform() < 0.6])
    PartyMeeting.objects.bulk_create(meetings, batch_size=5000)
    through = PartyMeeting.attendees.through
    rows = [
        through(partymeeting_id=m.pk, person_id=int(p)) for m, ids in zip(meetings, attendees, strict=True) for p in ids
    ]
    through.objects.bulk_create(rows, batch_size=10000)
    return len(meetings)
