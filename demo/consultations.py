"""The demo's consultations (协商议事): a year of issues the communities deliberated, in the shape a
district reports (one counts 127 issues raised by residents, 118 solved, 98% satisfied). Each item
is walked through its community's method by consultations.services, as the community's dispatcher
would, so every rule of the stages holds; the demo then dates each step where it fell in the year
(the services write the present moment).

About two or three items a community; two in five proposed by residents through their QR codes;
the items of the last weeks still under way, at whatever stage they reached; one in thirty dropped.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consultations import services
from consultations.models import Evaluation, Item, Meeting, StageStep
from demo.history import acting_accounts
from grids.models import Area, Level

ISSUES = [
    ("小区停车难，夜间车辆乱停", "建议利用周边单位停车场错时共享", "夜间开放学校操场及机关停车场，错峰停车"),
    ("老旧小区加装电梯", "三单元老人多，上下楼困难", "按楼栋征求意见，同意户达三分之二后申报加装"),
    ("楼道堆放杂物，消防隐患", "多个楼道长期堆放纸箱、旧家具", "每月第一个周六开展楼道清理，物业负责清运"),
    ("广场舞噪音扰民", "晚上九点后音响声音过大", "晚八点半后关闭音响，音量不超过规定分贝"),
    ("小区路灯不亮", "东区三盏路灯坏了两个月", "由物业维修路灯并建立巡查台账"),
    ("垃圾分类点位设置", "垃圾桶离楼太近，夏天有异味", "垃圾分类点位移至小区东门空地，每日两次清运"),
    ("电动车充电难", "楼道私拉电线充电", "在小区北侧建设集中充电棚，楼道禁止充电"),
    ("物业费收取与服务", "物业服务不到位，部分业主拒交物业费", "业委会与物业签订服务承诺书，每季度公示收支"),
    ("背街小巷积水", "雨后巷口积水严重", "申请市政疏通排水管道，雨季前完成"),
    ("菜市场周边占道经营", "早市摊位占用人行道", "划定临时摊区，早八点前收摊"),
]
PLACES = ["社区党群服务中心", "小区议事亭", "社区会议室", "楼栋长家中"]
PARTICIPANTS = ["residents", "party_members", "property_company", "owners_committee", "area_units"]
DAYS = {"review": 3, "deliberation": 8, "publication": 4, "decision": 2, "implementation": 20, "evaluation": 5}


def build_consultations(district_code, rng, days=365, now=None):
    """The year's consultation items of the district's communities; returns how many were raised."""
    now = now or timezone.now()
    made = 0
    actors = acting_accounts(district_code)  # a dispatcher's login per community, as the cases' history has
    users = get_user_model().objects.in_bulk(set(actors.values()))
    for community in Area.objects.within(district_code).filter(level=Level.COMMUNITY).order_by("code"):
        user = users.get(actors.get(community.code))
        if user is None:
            continue
        for _n in range(int(rng.poisson(2.8))):
            raised = now - timedelta(days=float(rng.uniform(0, days)))
            _walk(user, community, raised, rng, now)
            made += 1
    return made


def _walk(user, community, raised, rng, now):
    title, description, decision = ISSUES[int(rng.integers(len(ISSUES)))]
    by_resident = bool(rng.uniform() < 0.4)
    participants = ["residents"] + [p for p in PARTICIPANTS[1:] if rng.uniform() < 0.6]
    with transaction.atomic():
        item = services.propose(user, community.code, title, description, participants=participants)
        Item.objects.filter(pk=item.pk).update(proposed_at=raised, updated_at=raised, proposed_by_resident=by_resident)
        _date_last_step(item, raised)
        at = raised
        dropped = rng.uniform() < 1 / 30
        while True:
            item.refresh_from_db()
            kind = item.kind
            if kind == "evaluation":
                break
            following = item.stages[item.stage + 1]["kind"]
            before = at
            at += timedelta(days=float(rng.exponential(DAYS[following])) + 0.5)
            if at >= now:
                return  # still under way
            if dropped and kind in ("deliberation", "review"):
                services.drop(user, item.pk, item.version, "经协商，居民意见分歧较大，暂缓实施")
                _date_last_step(item, at)
                return
            if kind == "deliberation":
                held = before + (at - before) / 2  # between the stage's start and its end
                item, _meeting = services.record_meeting(
                    user, item.pk, item.version, held, str(rng.choice(PLACES)), f"围绕“{title}”协商，形成初步方案。",
                    {p: int(rng.integers(2, 15)) for p in participants},
                )  # fmt: skip
                _date_last_step(item, held)
                Meeting.objects.filter(item=item).update(recorded_at=held)
            if kind == "decision":
                item = services.decide(user, item.pk, item.version, decision)
                _date_last_step(item, at)
                Item.objects.filter(pk=item.pk).update(decided_at=at)
                item.refresh_from_db()
            note = "已按决议实施完毕" if following == "evaluation" else ""
            item = services.advance(user, item.pk, item.version, note=note)
            _date_last_step(item, at)
        at += timedelta(days=float(rng.exponential(DAYS["evaluation"])) + 0.5)
        if at >= now:
            return
        item.refresh_from_db()
        rating = int(rng.choice([5] * 14 + [4] * 5 + [3]))
        if by_resident and rng.uniform() < 0.6:
            item = services.evaluate_by_link(item, rating)
        else:
            item, _evaluation = services.evaluate(user, item.pk, item.version, rating, resident_name="居民代表")
        StageStep.objects.filter(item=item, at__gt=at).update(at=at)
        Evaluation.objects.filter(item=item).update(at=at)
        Item.objects.filter(pk=item.pk).update(solved_at=at, updated_at=at)


def _date_last_step(item, at):
    last = StageStep.objects.filter(item_id=item.pk).order_by("-id").first()
    StageStep.objects.filter(pk=last.pk).update(at=at)
    Item.objects.filter(pk=item.pk).update(updated_at=at)
