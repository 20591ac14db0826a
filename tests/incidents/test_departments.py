"""Departments in the case loop (派遣 → 签收 → 处置 → 核查 → 结案, with 退单, 延期, 挂账, 督办 and 回访),
through the API, each step by the account whose part it is, on a staffed drawn city."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from grids.models import Assignment, Department, Role
from incidents.intake import Report, report_incident
from incidents.models import Category, Dispatch, Extension, Incident, Route

from .conftest import shanghai


class Loop:
    """A staffed drawn city with three departments: 城管 and 住建 competent in the whole district,
    水务 only in the second street; 0301 routed to 城管 (the item) and its class to 住建."""

    def __init__(self, city):
        self.city = city
        district = city.district
        self.cg = Department.objects.create(code="t-cg", name="城市管理局", short_name="城管", district=district)
        self.hb = Department.objects.create(code="t-hb", name="住房和城乡建设局", short_name="住建", district=district)
        self.sw = Department.objects.create(code="t-sw", name="水务局", short_name="水务", district=district)
        self.sw.streets.add(city.streets[1])
        item = Category.objects.get(code="0301")
        Route.objects.create(category=item, department=self.cg, handling_hours=16)
        Route.objects.create(category=item.parent, department=self.hb)
        Route.objects.create(category=item, department=self.sw)
        for name, department, role in (
            ("cg_handler", self.cg, Role.DEPARTMENT_HANDLER),
            ("cg_head", self.cg, Role.DEPARTMENT_HEAD),
            ("hb_handler", self.hb, Role.DEPARTMENT_HANDLER),
            ("sw_handler", self.sw, Role.DEPARTMENT_HANDLER),
        ):
            person = city.person(name)
            from django.contrib.auth import get_user_model

            person.user = get_user_model().objects.create_user(f"{city.code}_{name}")
            person.save()
            Assignment.objects.create(
                person=person, role=role, area=district, department=department, starts_on=dt.date(2020, 1, 1)
            )
            city.users[name] = person.user

    def report(self, description="暴露垃圾"):
        grid = self.city.grid_of("grid_worker")
        point = grid.geom.point_on_surface
        report = Report(client_id=uuid.uuid4(), category="0301", description=description, lon=point.x, lat=point.y)
        return report_incident(self.city.users["grid_worker"], report)[0].code

    def do(self, name, code, action, expect=200, **body):
        """POST the action as `name` at the case's current version; the answer's JSON."""
        version = Incident.objects.get(code=code).version
        answer = self.city.client(name).post(
            f"/api/v1/incidents/{code}/{action}/", {"version": version, **body}, content_type="application/json"
        )
        assert answer.status_code == expect, (name, action, answer.content.decode())
        return answer.json()

    def after_photo(self, code, name="grid_worker", metres_away=0):
        """An "after" photo of the case taken on site (or `metres_away` to the north), uploaded by `name`."""
        import io

        from PIL import Image

        case = Incident.objects.get(code=code)
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (len(self.city.people) % 255, 120, metres_away % 255)).save(buffer, "PNG")
        buffer.seek(0)
        buffer.name = "after.png"
        body = {"photo": buffer, "kind": "after", "lon": case.location.x, "lat": case.location.y + metres_away / 111000}
        answer = self.city.client(name).post(f"/api/v1/incidents/{code}/photos/", body)
        assert answer.status_code in (200, 201), answer.content.decode()
        return answer.json()

    def verify(self, code, name="grid_worker"):
        """The grid worker's verification on site: an "after" photo there, then verify."""
        self.after_photo(code, name)
        return self.do(name, code, "verify")

    def to_street(self, code):
        self.do("grid_worker", code, "escalate", reason="需要社区协调")
        self.do("community_dispatcher", code, "escalate", reason="需要街道协调")


@pytest.fixture
def loop(staffed_city):
    return Loop(staffed_city)


def actions_of(code):
    return list(Incident.objects.get(code=code).events.order_by("id").values_list("action", flat=True))


def test_a_case_goes_up_to_a_department_and_round_the_whole_loop(loop, clock):
    clock.at = shanghai(2026, 11, 30, 9, 30)  # a Monday morning, last week (photos are stamped by the real clock)
    code = loop.report()
    loop.to_street(code)

    # 派遣: the lead and a co-handler; the routing suggests 城管 first
    case = loop.do("street_dispatcher", code, "dispatch", department="t-cg", co_departments=["t-hb"], note="请核实")
    assert (case["status"], case["department"]["code"]) == ("dispatched", "t-cg")
    dispatches = Dispatch.objects.filter(incident__code=code).order_by("role")
    assert [(d.department.code, d.role) for d in dispatches] == [("t-hb", "co"), ("t-cg", "lead")]
    # the lead's time is its route's 16 working hours: two working days
    assert Incident.objects.get(code=code).due_at == shanghai(2026, 12, 2, 9, 30)

    # a department it was not sent to does not see it
    loop.do("sw_handler", code, "sign", expect=404)

    # 签收 by both: only the lead's starts the work, and only the lead resolves
    assert loop.do("hb_handler", code, "sign")["status"] == "dispatched"
    assert loop.do("cg_handler", code, "sign")["status"] == "in_progress"
    loop.do("cg_handler", code, "sign", expect=409)
    loop.do("hb_handler", code, "resolve", expect=403)

    # 退单 within the working day: back to the street, every part of the dispatch ended
    clock.at = shanghai(2026, 11, 30, 15, 0)
    case = loop.do("cg_handler", code, "contest", reason="不属于本部门职责")
    assert (case["status"], case["department"]) == ("accepted", None)
    assert set(Dispatch.objects.filter(incident__code=code).values_list("outcome", flat=True)) == {
        "contested",
        "withdrawn",
    }
    loop.do("cg_handler", code, "resolve", expect=403)  # still seen, no longer theirs

    # re-dispatched and signed for again
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    loop.do("cg_handler", code, "sign")

    # 延期: asked by the handler, refused to the asker, approved by the dispatcher
    old_due = Incident.objects.get(code=code).due_at
    asked = old_due + dt.timedelta(days=2)
    loop.do("cg_handler", code, "extend", reason="需采购配件", due_at=asked.isoformat())
    assert Incident.objects.get(code=code).due_at == old_due
    loop.do("cg_handler", code, "approve_extension", expect=403)
    loop.do("street_dispatcher", code, "approve_extension")
    assert Incident.objects.get(code=code).due_at == asked
    assert Dispatch.objects.get(incident__code=code, ended_at__isnull=True).due_at == asked
    assert Extension.objects.get(incident__code=code).approved is True

    # 督办 by the leader, who changes nothing else
    case = loop.do("leader", code, "supervise", reason="群众反映强烈，请加快办理")
    assert case["supervised_at"] is not None

    # 处置: the department resolves; the case cannot be closed before it is verified on site
    case = loop.do("cg_handler", code, "resolve", note="已清运")
    assert (case["status"], case["needs_verification"]) == ("resolved", True)
    refused = loop.do("street_dispatcher", code, "close", expect=409)
    assert refused["field"] == "override"

    # 核查: the grid worker sends it back once (返工), then verifies it
    assert loop.do("grid_worker", code, "rework", reason="现场仍有垃圾")["status"] == "in_progress"
    loop.do("cg_handler", code, "resolve", note="已彻底清运")
    loop.do("grid_worker_2", code, "verify", expect=404)  # not the case's grid
    refused = loop.do("grid_worker", code, "verify", expect=409)  # no photo of the site yet
    assert (refused["field"], refused["code"]) == ("photo", "no_after_photo")
    loop.after_photo(code, metres_away=2000)
    loop.do("grid_worker", code, "verify", expect=409)  # taken too far from the case
    assert loop.verify(code)["status"] == "verified"
    html = loop.city.client("street_dispatcher").get(f"/dispatch/{code}/").content.decode()
    assert 'class="photos before-after"' in html and html.count('data-kind="after"') == 2
    assert loop.do("street_dispatcher", code, "close")["status"] == "closed"

    # 回访: the resident is not satisfied, the dispatcher has it done again (重办) by the department
    case = loop.do("leader", code, "callback", reached=True, satisfied=False, reason="仍有异味")
    assert case["awaits_rating_decision"] is True
    case = loop.do("street_dispatcher", code, "reopen", reason="回访不满意，重办")
    assert (case["status"], case["department"]["code"]) == ("in_progress", "t-cg")

    assert actions_of(code) == [
        "report", "escalate", "escalate", "dispatch", "sign", "sign", "contest", "dispatch", "sign", "extend",
        "approve_extension", "supervise", "resolve", "rework", "resolve", "verify", "close", "callback", "reopen",
    ]  # fmt: skip
    timeline = loop.city.client("street_dispatcher").get(f"/api/v1/incidents/{code}/timeline/").json()
    assert [e["department"] for e in timeline][3:7] == ["t-cg", "t-hb", "t-cg", "t-cg"]


def test_a_department_must_be_competent_in_the_cases_street(loop, clock):
    code = loop.report()
    loop.to_street(code)
    refused = loop.do("street_dispatcher", code, "dispatch", department="t-sw", expect=400)
    assert refused["field"] == "department"
    refused = loop.do("street_dispatcher", code, "dispatch", department="t-cg", co_departments=["t-cg"], expect=400)
    assert refused["field"] == "co_departments"
    loop.do("street_dispatcher", code, "dispatch", expect=400)


def test_a_case_is_dispatched_only_from_a_community_or_a_street(loop):
    code = loop.report()
    loop.do("grid_worker", code, "dispatch", department="t-cg", expect=409)


def test_a_contest_after_a_working_day_is_refused(loop, clock):
    clock.at = shanghai(2026, 12, 7, 9, 30)
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    clock.at = shanghai(2026, 12, 8, 9, 31)  # one working day and a minute later
    refused = loop.do("cg_handler", code, "contest", reason="不属于本部门", expect=409)
    assert refused["code"] == "contest_too_late"


def test_an_extension_asked_by_a_dispatcher_is_decided_by_another(loop, clock):
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "accept")
    due = Incident.objects.get(code=code).due_at + dt.timedelta(days=3)
    loop.do("street_dispatcher", code, "extend", reason="等待评估", due_at=due.isoformat())
    refused = loop.do("street_dispatcher", code, "approve_extension", expect=403)
    assert refused["code"] == "requested_by_you"
    loop.do("street_dispatcher", code, "extend", reason="再次申请", due_at=due.isoformat(), expect=409)
    loop.do("street_closer", code, "refuse_extension", reason="时限内可完成")
    assert Incident.objects.get(code=code).due_at < due
    assert Extension.objects.get(incident__code=code).approved is False


def test_an_extension_must_ask_for_a_time_after_the_present_due_time(loop):
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    loop.do("cg_handler", code, "sign")
    due = Incident.objects.get(code=code).due_at
    for asked in (due, due - dt.timedelta(hours=1)):
        refused = loop.do("cg_handler", code, "extend", reason="需采购配件", due_at=asked.isoformat(), expect=400)
        assert refused["field"] == "due_at" and refused["detail"]
    refused = loop.do("cg_handler", code, "extend", reason="需采购配件", expect=400)
    assert refused["field"] == "due_at"
    assert not Extension.objects.filter(incident__code=code).exists()
    assert Incident.objects.get(code=code).due_at == due and actions_of(code)[-1] == "sign"


def test_a_call_back_must_say_whether_the_resident_was_reached_and_satisfied(loop):
    code = loop.report()
    loop.do("grid_worker", code, "accept")
    loop.do("grid_worker", code, "resolve")
    loop.do("community_dispatcher", code, "close")
    assert loop.do("leader", code, "callback", expect=400)["field"] == "reached"
    assert loop.do("leader", code, "callback", reached=True, expect=400)["field"] == "satisfied"
    assert actions_of(code)[-1] == "close"
    case = loop.do("leader", code, "callback", reached=False, reason="电话无人接听")
    assert case["awaits_rating_decision"] is False
    assert Incident.objects.get(code=code).events.order_by("-id")[0].reason.startswith("回访：未联系上")


def test_a_parked_case_leaves_the_sweep_and_comes_back_when_resumed(loop, clock):
    from incidents.sweep import escalate_overdue

    code = loop.report()
    loop.do("grid_worker", code, "accept")
    loop.do("grid_worker", code, "park", reason="需专项资金", review_on="2099-01-01", expect=403)  # not theirs
    loop.do("street_dispatcher", code, "park", reason="需专项资金", review_on=str(timezone.localdate()), expect=400)
    case = loop.do("street_dispatcher", code, "park", reason="需专项资金", review_on="2099-01-01")
    assert (case["status"], case["review_on"]) == ("parked", "2099-01-01")
    assert escalate_overdue(timezone.now() + dt.timedelta(days=30)) == 0
    case = loop.do("leader", code, "unpark")
    assert (case["status"], case["review_on"]) == ("accepted", None)


def test_a_case_resolved_in_its_grid_needs_no_verification_on_site(loop):
    code = loop.report()
    loop.do("grid_worker", code, "accept")
    case = loop.do("grid_worker", code, "resolve")
    assert case["needs_verification"] is False
    loop.do("grid_worker", code, "verify", expect=409)
    assert loop.do("community_dispatcher", code, "close")["status"] == "closed"


def test_closing_an_unverified_case_with_an_override_records_its_reason(loop):
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    loop.do("cg_handler", code, "sign")
    loop.do("cg_handler", code, "resolve")
    loop.do("street_dispatcher", code, "close", override=True, expect=400)  # no reason
    loop.do("street_dispatcher", code, "close", override=True, reason="网格员长期病假")
    event = Incident.objects.get(code=code).events.order_by("-id").first()
    assert event.action == "close" and "网格员长期病假" in event.reason


def test_a_department_sees_only_the_cases_sent_to_it(loop):
    sent, kept = loop.report("已派遣"), loop.report("未派遣")
    loop.to_street(sent)
    loop.do("street_dispatcher", sent, "dispatch", department="t-cg")
    listed = loop.city.client("cg_handler").get("/api/v1/incidents/").json()
    codes = {row["code"] for row in listed["results"]} if "results" in listed else {row["code"] for row in listed}
    assert sent in codes and kept not in codes
    loop.do("cg_handler", kept, "accept", expect=404)


# --- two dispatchers at once, through the served app -----------------------------------------------


@pytest.mark.django_db
def test_two_dispatchers_dispatching_a_case_at_once_one_wins(served_app, dispatching_city, forget_reports):
    import threading

    from tests.conftest import post_json

    from .browsing import act_via, report_via, token_of

    city = dispatching_city
    tokens = {n: token_of(served_app, city.users[n].username) for n in ("grid_worker", "community_dispatcher")}
    code = report_via(
        served_app, tokens["grid_worker"], forget_reports, "并发派遣", city.grid_of().geom.point_on_surface
    )
    act_via(served_app, tokens["grid_worker"], code, "escalate", reason="需要社区协调")
    version = act_via(served_app, tokens["community_dispatcher"], code, "escalate", reason="需要街道协调")["version"]
    dispatchers = [token_of(served_app, city.users[n].username) for n in ("street_dispatcher", "street_closer")]
    answers, start = [], threading.Barrier(2)

    def dispatch(token):
        start.wait()
        body = {"version": version, "department": "t-cg-served"}
        answers.append(post_json(served_app, f"/api/v1/incidents/{code}/dispatch/", body, token))

    threads = [threading.Thread(target=dispatch, args=(token,)) for token in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200, 409]
    assert Dispatch.objects.filter(incident__code=code).count() == 1


def test_open311_status_notes_say_which_department_holds_a_case(loop):
    from open311.representation import open_or_closed, status_notes

    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    case = Incident.objects.select_related("department").get(code=code)
    assert status_notes(case) == "已派遣至城市管理局，等待签收。"
    loop.do("cg_handler", code, "sign")
    case = Incident.objects.select_related("department").get(code=code)
    assert status_notes(case) == "城市管理局正在处置。"
    loop.do("street_dispatcher", code, "park", reason="需专项资金", review_on="2099-01-01")
    case = Incident.objects.get(code=code)
    assert open_or_closed(case.status) == "open"
