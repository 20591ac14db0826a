"""Response templates: a dispatcher keeps texts for their area, a department for itself; the case
page offers those that fit the case's category to whoever may use them."""

import re

import pytest

from incidents.models import Category, ResponseTemplate, templates_for

from .test_departments import Loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(staffed_city):
    return Loop(staffed_city)


def offered(client, code):
    html = client.get(f"/dispatch/{code}/").content.decode()
    block = re.search(r'<datalist id="response-templates">(.*?)</datalist>', html, re.S)
    return re.findall(r'<option value="([^"]*)">', block.group(1)) if block else []


def test_a_dispatcher_keeps_templates_and_the_case_page_offers_those_that_fit(loop):
    client = loop.city.client("street_dispatcher")
    street = loop.city.grid_of("grid_worker").parent.parent
    item = Category.objects.get(code="0301")
    for text, category in (
        ("请尽快清运", item.pk),
        ("已电话回访", ""),
        ("道路问题请交住建", Category.objects.get(code="0201").pk),
    ):
        answer = client.post(
            "/dispatch/templates/", {"owner": f"area:{street.code}", "use": "note", "text": text, "category": category}
        )
        assert answer.status_code == 302
    ResponseTemplate.objects.create(text="不属于本部门职责", use="contest", department=loop.cg)
    ResponseTemplate.objects.create(text="别的街道的话", area=loop.city.streets[1])
    code = loop.report()
    loop.to_street(code)
    assert sorted(offered(client, code)) == ["已电话回访", "请尽快清运"]
    loop.do("street_dispatcher", code, "dispatch", department="t-cg")
    assert offered(loop.city.client("cg_handler"), code) == ["不属于本部门职责"]
    # the community's dispatcher has the street's templates too; a grid worker keeps none
    texts = templates_for(loop.city.scope("community_dispatcher"), item).values_list("text", flat=True)
    assert sorted(texts) == ["已电话回访", "请尽快清运"]
    assert loop.city.client("grid_worker").get("/dispatch/templates/").status_code == 404


def test_a_template_is_kept_only_for_an_area_or_department_of_ones_own(loop):
    other = loop.city.streets[1]
    answer = loop.city.client("street_dispatcher").post(
        "/dispatch/templates/", {"owner": f"area:{other.code}", "use": "note", "text": "越权", "category": ""}
    )
    assert answer.status_code == 200 and not ResponseTemplate.objects.filter(text="越权").exists()
