"""The departments' loop in figures: each indicator counted by its definition (incidents/loop_figures.py)
on a history made step by step through the workflow, per department and per street, and the same
numbers from the API."""

import datetime as dt

import pytest

from incidents.loop_figures import loop_figures, red_and_black

from .conftest import shanghai
from .test_departments import Loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(staffed_city):
    return Loop(staffed_city)


def dispatched(loop, department="t-cg", **fields):
    code = loop.report()
    loop.to_street(code)
    loop.do("street_dispatcher", code, "dispatch", department=department, **fields)
    return code


def test_each_indicator_counts_what_its_definition_says(loop, clock):
    monday = shanghai(2026, 11, 2, 9, 0)
    clock.at = monday
    # 1: signed in time, resolved, verified, closed on time; a call-back finds the resident satisfied
    one = dispatched(loop, co_departments=["t-hb"])
    clock.at = monday + dt.timedelta(hours=1)
    loop.do("cg_handler", one, "sign")
    loop.do("cg_handler", one, "resolve")
    loop.verify(one)
    loop.do("street_dispatcher", one, "close")
    loop.do("leader", one, "callback", reached=True, satisfied=True)
    # 2: contested by 城管 (and 住建's co-handling part never signed for), then sent to 住建
    clock.at = monday + dt.timedelta(hours=2)
    two = dispatched(loop, co_departments=["t-hb"])
    loop.do("cg_handler", two, "contest", reason="不属于本部门")
    loop.do("street_dispatcher", two, "dispatch", department="t-hb")
    # 3: signed late, supervised, extended, sent back once, closed after its deadline; not satisfied
    clock.at = monday + dt.timedelta(hours=3)
    three = dispatched(loop)
    clock.at = monday + dt.timedelta(days=1)  # the next working day: past the two hours to sign
    loop.do("cg_handler", three, "sign")
    loop.do("leader", three, "supervise", reason="加快办理")
    due = loop.city.grid_of("grid_worker").incidents.get(code=three).due_at
    loop.do("cg_handler", three, "extend", reason="缺材料", due_at=(due + dt.timedelta(hours=1)).isoformat())
    loop.do("street_dispatcher", three, "refuse_extension", reason="不予延期")
    loop.do("cg_handler", three, "resolve")
    loop.do("grid_worker", three, "rework", reason="未整改")
    clock.at = monday + dt.timedelta(days=9)
    loop.do("cg_handler", three, "resolve")
    loop.verify(three)
    loop.do("street_closer", three, "close")
    loop.do("leader", three, "callback", reached=True, satisfied=False)
    loop.do("leader", three, "callback", reached=False)

    now = monday + dt.timedelta(days=10)
    rows = {r["code"]: r for r in loop_figures(loop.city.code, "department", monday, now, now=now)}
    cg, hb = rows["t-cg"], rows["t-hb"]
    assert (cg["dispatched"], cg["co_dispatched"], cg["contested"], cg["all_dispatches"]) == (3, 0, 1, 3)
    assert (cg["signed_in_time"], cg["sign_due"]) == (1, 3)  # one in time, one late, one contested unsigned
    assert (cg["closed"], cg["due_to_close"], cg["closed_on_time"]) == (2, 2, 1)
    assert (cg["reworks"], cg["verifications"], cg["extended"], cg["supervisions"]) == (1, 2, 1, 1)
    assert (cg["callbacks_reached"], cg["callbacks_satisfied"]) == (2, 1)
    assert cg["rates"] == {
        "contest_rate": round(1 / 3, 4),
        "sign_in_time_rate": round(1 / 3, 4),
        "closure_rate": 1.0,
        "closed_on_time_rate": 0.5,
        "rework_rate": round(1 / 3, 4),
        "extension_rate": round(1 / 3, 4),
        "callback_satisfaction": 0.5,
    }
    # 住建: two co-handling parts (one withdrawn with 城管's contest) and the lead of case 2, unsigned
    assert (hb["dispatched"], hb["co_dispatched"], hb["contested"], hb["closed"]) == (1, 2, 0, 0)
    assert hb["rates"]["closure_rate"] is None or hb["due_to_close"] == 1

    people = {r["code"]: r for r in loop_figures(loop.city.code, "person", monday, now, now=now)}
    handler = people[loop.city.users["cg_handler"].username]  # signed for cases 1 and 3
    assert (handler["name"], handler["dispatched"], handler["closed"], handler["signed_in_time"]) == (
        loop.city.users["cg_handler"].username,  # no first name: the login's name
        2,
        2,
        1,
    )
    assert loop.city.users["hb_handler"].username not in people  # signed for nothing

    streets = loop_figures(loop.city.code, "street", monday, now, now=now)
    assert [(r["code"], r["dispatched"], r["closed"]) for r in streets] == [(loop.city.streets[0].code, 4, 2)]

    answer = loop.city.client("leader").get(
        "/api/v1/figures/departments/",
        {"within": loop.city.code, "by": "department", "since": monday.isoformat(), "until": now.isoformat()},
    )
    assert answer.status_code == 200
    assert {r["code"]: r["closed"] for r in answer.json()} == {"t-cg": 2, "t-hb": 0}
    refused = loop.city.client("leader").get("/api/v1/figures/departments/", {"within": loop.city.code})
    assert refused.status_code == 400


def test_the_red_and_black_lists_rank_by_on_time_closure_among_those_that_closed_enough():
    def row(code, closed, on_time_rate, closure_rate=1.0):
        return {
            "code": code,
            "closed": closed,
            "rates": {"closed_on_time_rate": on_time_rate, "closure_rate": closure_rate},
        }

    rows = [row("a", 10, 0.9), row("b", 10, 0.5), row("c", 2, 1.0), row("d", 10, 0.7), row("e", 5, 0.2)]
    lists = red_and_black(rows)
    assert [r["code"] for r in lists["red"]] == ["a", "d", "b"]
    assert [r["code"] for r in lists["black"]] == ["e"]


def test_the_dashboard_shows_last_months_red_list_of_departments(loop, clock):
    clock.at = shanghai(2026, 11, 9, 9, 0)  # in the last whole month
    for _ in range(3):
        code = dispatched(loop)
        loop.do("cg_handler", code, "sign")
        loop.do("cg_handler", code, "resolve")
        loop.verify(code)
        loop.do("street_dispatcher", code, "close")
    html = loop.city.client("leader").get("/", {"area": loop.city.code, "month": "2026-11"}).content.decode()
    block = html[html.index('id="departments-red-black"') :]
    assert 'data-department="t-cg"' in block and "100.0" in block


def test_the_csv_export_has_the_api_numbers_and_cells_a_spreadsheet_cannot_run(loop, clock):
    import csv
    import io

    from grids.models import Department

    monday = shanghai(2026, 11, 2, 9, 0)
    clock.at = monday
    dispatched(loop)
    Department.objects.filter(code="t-cg").update(name="=HYPERLINK(1)")
    query = {
        "within": loop.city.code,
        "by": "department",
        "since": monday.isoformat(),
        "until": "2026-12-01T00:00:00+08:00",
    }
    client = loop.city.client("leader")
    api = {row["code"]: row for row in client.get("/api/v1/figures/departments/", query).json()}
    answer = client.get("/api/v1/export/departments.csv", query)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert [row["code"] for row in rows] == ["t-cg"]
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert int(rows[0]["dispatched"]) == api["t-cg"]["dispatched"] == 1
    for name in ("contest_rate", "sign_in_time_rate", "closure_rate"):  # an empty cell where the API says null
        rate = api["t-cg"]["rates"][name]
        assert (rows[0][name] == "") if rate is None else float(rows[0][name]) == rate
    assert loop.city.client("grid_worker").get("/api/v1/export/departments.csv", query).status_code == 404


def test_a_demo_year_gives_the_same_figures_from_the_api_the_csv_and_the_dashboard(db, clock):
    """On a generated history of the demo (demo.history through the departments): the API's rows, the
    CSV export's and the dashboard's red and black lists are one statement's."""
    import csv
    import io

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from demo.history import build_history
    from incidents.models import Dispatch

    build_history("411381", cases=3000, days=120, seed=5)
    assert Dispatch.objects.filter(incident__fingerprint="demo").exists()
    now = timezone.now()
    query = {
        "within": "411381",
        "by": "department",
        "since": (now - dt.timedelta(days=121)).isoformat(),
        "until": now.isoformat(),
    }
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader"))
    api = {row["code"]: row for row in client.get("/api/v1/figures/departments/", query).json()}
    answer = client.get("/api/v1/export/departments.csv", query)
    exported = {row["code"]: row for row in csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode()))}
    assert set(api) == set(exported) and api
    for code, row in api.items():
        for name in ("dispatched", "contested", "closed", "closed_on_time", "reworks", "callbacks_reached"):
            assert int(exported[code][name]) == row[name], (code, name)
    month = timezone.localdate().replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    html = client.get("/", {"area": "411381", "month": f"{last:%Y-%m}"}).content.decode()
    since = timezone.make_aware(dt.datetime.combine(last, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    from incidents.loop_figures import loop_figures

    lists = red_and_black(loop_figures("411381", "department", since, until))
    assert lists["red"]  # 城管 closes enough in a month of this history to be ranked
    for row in lists["red"] + lists["black"]:
        assert f'data-department="{row["code"]}"><td>' in html
