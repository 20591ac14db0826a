"""The departments' pages: the dispatch dialog on the case page with the routing's suggestions, the
department queue, the register of parked cases; in Chromium on a phone and a desktop for the demo's
department handler, as `make run` shows them."""

import re

import pytest

from tests.conftest import worker_grid

from .browsing import act_via, report_via, token_of
from .test_departments import Loop


@pytest.fixture
def loop(staffed_city):
    return Loop(staffed_city)


@pytest.mark.django_db
def test_the_case_page_offers_the_dispatch_dialog_with_the_routings_lead_chosen(loop):
    code = loop.report()
    loop.to_street(code)
    html = loop.city.client("street_dispatcher").get(f"/dispatch/{code}/").content.decode()
    lead = re.search(r'<select name="department" id="dispatch-lead">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)"( selected)?>', lead)
    assert options[0] == ("t-cg", " selected")  # the item's own route
    assert [value for value, _ in options] == ["t-cg", "t-hb"]  # 水务 is not competent in this street
    assert 'name="co_departments" value="t-hb"' in html
    assert 'value="dispatch"' in html
    # the grid worker has no dispatch dialog
    assert "dispatch-dialog" not in loop.city.client("grid_worker").get(f"/dispatch/{code}/").content.decode()


@pytest.mark.django_db
def test_a_dispatch_from_the_page_shows_the_departments_on_the_case(loop):
    code = loop.report()
    loop.to_street(code)
    version = loop.do("street_dispatcher", code, "accept")["version"]
    client = loop.city.client("street_dispatcher")
    form = {"version": version, "action": "dispatch", "department": "t-cg", "co_departments": ["t-hb"]}
    client.post(f"/dispatch/{code}/", form)
    html = client.get(f"/dispatch/{code}/").content.decode()
    assert 'data-department="t-cg"' in html and 'data-department="t-hb"' in html
    assert 'id="case-department">城市管理局' in html


@pytest.mark.django_db
def test_the_department_queue_lists_what_to_sign_for_and_what_is_overdue(loop, clock):
    from .conftest import shanghai

    clock.at = shanghai(2026, 11, 30, 9, 30)  # a Monday morning, days ago
    first, second = loop.report("一"), loop.report("二")
    for code in (first, second):
        loop.to_street(code)
        loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    loop.do("cg_handler", second, "sign")
    client = loop.city.client("cg_handler")
    to_sign = client.get("/department/").content.decode()
    assert f'data-code="{first}"' in to_sign and f'data-code="{second}"' not in to_sign
    handling = client.get("/department/?view=handling").content.decode()
    assert f'data-code="{second}"' in handling and f'data-code="{first}"' not in handling
    overdue = client.get("/department/?view=overdue").content.decode()  # two working hours to sign have passed
    assert f'data-code="{first}"' in overdue
    assert loop.city.client("hb_handler").get("/department/").content.decode().count("data-code=") == 0
    assert loop.city.client("grid_worker").get("/department/").status_code == 404


@pytest.mark.django_db
def test_the_parked_register_shows_age_reason_and_review_date(loop):
    code = loop.report()
    loop.do("grid_worker", code, "accept")
    loop.do("street_dispatcher", code, "park", reason="需专项资金", review_on="2099-01-01")
    html = loop.city.client("street_dispatcher").get("/dispatch/parked/").content.decode()
    assert f'data-code="{code}"' in html and "需专项资金" in html and "2099-01-01" in html
    assert f'data-code="{code}"' not in loop.city.client("grid_worker_2").get("/dispatch/parked/").content.decode()


@pytest.mark.django_db
def test_the_demo_department_handler_signs_for_a_case_in_chromium(served_app, screen, forget_reports):
    worker, dispatcher = token_of(served_app, "grid_worker"), token_of(served_app, "street_dispatcher")
    community = token_of(served_app, "community_dispatcher")
    code = report_via(served_app, worker, forget_reports, "店外堆放杂物", worker_grid().geom.point_on_surface)
    act_via(served_app, worker, code, "escalate", reason="需要社区协调")
    act_via(served_app, community, code, "escalate", reason="需要街道协调")
    for name in ("desktop", "phone"):
        each = screen(name)
        each.log_in(served_app, "street_dispatcher", f"/dispatch/{code}/")
        assert each.page.locator("#dispatch-lead option:checked").inner_text().startswith("邓州市城市管理局")
        assert each.overflow() == 0
        each.shoot("department-dispatch-dialog")
    act_via(served_app, dispatcher, code, "dispatch", department="411381-cg", co_departments=["411381-sj"])
    for name in ("desktop", "phone"):  # the phone signs for it last
        each = screen(name)
        each.log_in(served_app, "department_handler", "/department/")
        assert each.page.locator("#menu-department").count() == 1
        assert each.page.locator(f'tr[data-code="{code}"]').count() == 1
        assert each.overflow() == 0
        each.shoot("department-queue")
        if name == "phone":
            each.page.click(f'a:text("{code}")')
            each.page.click('button[value="sign"]')
            assert each.page.locator("#case-status").inner_text() == "处置中"
            assert each.page.locator('tr[data-department="411381-cg"]').inner_text().count("—") == 0
            caption = each.page.locator(".dispatches caption").bounding_box()
            assert caption["height"] < 40 and caption["width"] > 200  # one line across, not a column of characters
            each.shoot("department-case")
        assert each.blocked == [] and [e for e in each.console_errors if "favicon" not in e] == []
