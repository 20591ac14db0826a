"""The generations' pages: who reads them (administrators and leaders) and who acts (administrators),
the list of a district's generations, and a draft's page: its check, its dry run, its activation with
the version read (a stale one answered 409, plainly), where a retired grid's work goes, its discard,
and the activated generation's old→new table and moves."""

import re

import pytest
from django.contrib.gis.geos import LineString

from grids import generations
from grids.models import Area, Generation, Role

pytestmark = pytest.mark.django_db


def west_grid(city):
    return city.grids_of(city.communities[0])[0]


def cut_down_the_middle(grid):
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    return LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326)


def split_draft(city):
    """A draft of the city that splits its first grid down the middle."""
    draft = generations.start_draft(city.code, name="2026年网格调整")
    generations.split(draft.id, west_grid(city).code, cut_down_the_middle(west_grid(city)))
    draft.refresh_from_db()
    return draft


def page_text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_grid_worker_is_refused_both_pages_with_403(staffed_city):
    draft = split_draft(staffed_city)
    worker = staffed_city.client("grid_worker")
    assert worker.get("/redivision/").status_code == 403
    assert worker.get(f"/redivision/{draft.id}/").status_code == 403
    assert worker.post(f"/redivision/{draft.id}/", {"action": "discard", "version": draft.version}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT


def test_the_leader_reads_the_generations_but_may_not_start_a_draft_or_activate_one(staffed_city):
    draft = split_draft(staffed_city)
    leader = staffed_city.client("leader")
    listing = leader.get("/redivision/")
    assert listing.status_code == 200
    assert f'data-generation="{draft.id}"' in listing.content.decode()
    assert "start-draft" not in listing.content.decode()
    page = leader.get(f"/redivision/{draft.id}/")
    assert page.status_code == 200 and 'id="activate"' not in page.content.decode()
    refused = leader.post(
        f"/redivision/{draft.id}/", {"action": "activate", "version": draft.version, "confirm": "yes"}
    )
    assert refused.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT


def test_a_leader_of_another_district_finds_no_generation_here(staffed_city):
    draft = split_draft(staffed_city)
    other = Area.objects.create(code="990199", name="别的市", level="district", geom=staffed_city.district.geom)
    stranger = staffed_city.account("990199_leader", "别的领导", Role.LEADER, other)
    from django.test import Client

    client = Client()
    client.force_login(stranger)
    assert client.get(f"/redivision/{draft.id}/").status_code == 404
    assert f'data-generation="{draft.id}"' not in client.get("/redivision/").content.decode()


def test_the_list_shows_number_status_dates_and_the_grids_added_and_retired(staffed_city):
    draft = split_draft(staffed_city)
    page = staffed_city.client("admin").get("/redivision/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    row = re.search(rf'<tr data-generation="{draft.id}".*?</tr>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == [f"#{draft.number}", "2026年网格调整", "draft", "—", "—", "2", "1"]
    first = Generation.objects.get(district=staffed_city.district, number=1)
    assert f'data-generation="{first.id}"' in html


def test_an_administrator_starts_a_draft_from_the_list(staffed_city):
    admin = staffed_city.client("admin")
    answer = admin.post("/redivision/", {"district": staffed_city.code, "name": "调整"})
    draft = Generation.objects.get(district=staffed_city.district, status=Generation.Status.DRAFT)
    assert answer.status_code == 302 and answer["Location"] == f"/redivision/{draft.id}/"
    assert draft.name == "调整" and draft.created_by == staffed_city.users["admin"]


def test_the_check_of_a_clean_draft_says_so_and_the_dry_run_shows_the_shares_and_moves(staffed_city):
    draft = split_draft(staffed_city)
    admin = staffed_city.client("admin")
    checked = admin.post(f"/redivision/{draft.id}/", {"action": "check", "version": draft.version})
    assert checked.status_code == 200
    assert "没有发现拓扑问题" in page_text(checked) or "no topology problem" in page_text(checked)
    dry = admin.post(f"/redivision/{draft.id}/", {"action": "dry-run", "version": draft.version})
    assert dry.status_code == 200
    text = page_text(dry)
    old = west_grid(staffed_city)
    for new in draft.grids.all():
        assert f"{old.code} {old.name} {new.code} {new.name} 50 %" in text
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT, "a dry run writes nothing"


def test_a_stale_version_is_refused_with_409_and_the_reason_in_plain_words(staffed_city):
    draft = split_draft(staffed_city)
    admin = staffed_city.client("admin")
    stale = draft.version - 1
    answer = admin.post(f"/redivision/{draft.id}/", {"action": "activate", "version": stale, "confirm": "yes"})
    assert answer.status_code == 409
    assert f"草稿在读取后已被修改（读取时版本 {stale}，现为 {draft.version}）" in page_text(answer) or (
        f"version {stale}, now {draft.version}" in page_text(answer)
    )
    english = admin.post(
        f"/redivision/{draft.id}/",
        {"action": "activate", "version": stale, "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The draft has changed since it was read" in page_text(english)
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT


def test_activating_needs_the_confirmation(staffed_city):
    draft = split_draft(staffed_city)
    answer = staffed_city.client("admin").post(
        f"/redivision/{draft.id}/", {"action": "activate", "version": draft.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 400 and "Tick the confirmation" in page_text(answer)
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT


def test_activating_from_the_page_moves_the_work_and_the_page_then_shows_the_table_and_moves(staffed_city):
    city = staffed_city
    draft = split_draft(city)
    old = west_grid(city)
    worker = city.person("网格员甲")
    city.serve(worker, Role.GRID_WORKER, old)
    admin = city.client("admin")
    answer = admin.post(
        f"/redivision/{draft.id}/",
        {"action": "activate", "version": draft.version, "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Generation.Status.ACTIVE
    page = admin.get(f"/redivision/{draft.id}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page_text(page)
    assert "is in force from" in text
    new_codes = sorted(draft.plan["added"])
    for code in new_codes:
        assert f"{old.code} {old.name} {code}" in text
    assert f"role {worker.name}" in text
    html = page.content.decode()
    assert html.count("grid-retired") >= 1 and html.count("grid-added") >= 1, "the map draws both layers"
    listing = admin.get("/redivision/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = re.search(rf'<tr data-generation="{draft.id}".*?</tr>', listing, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[2:] == ["in force", draft.valid_from.isoformat(), "—", "2", "1"]


def test_the_work_of_a_retired_grid_is_sent_where_the_administrator_chooses(staffed_city):
    draft = split_draft(staffed_city)
    old = west_grid(staffed_city)
    smaller = draft.grids.order_by("-code").first()
    admin = staffed_city.client("admin")
    answer = admin.post(
        f"/redivision/{draft.id}/",
        {"action": "choice", "version": draft.version, "old": old.code, "new": smaller.code},
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.choices == {old.code: smaller.code}
    refused = admin.post(
        f"/redivision/{draft.id}/",
        {"action": "choice", "version": draft.version, "old": old.code, "new": old.code},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400 and "is not a new grid of the same community" in page_text(refused)


def test_a_draft_with_a_gap_lists_the_problem_on_check_and_refuses_activation_with_422(staffed_city):
    draft = split_draft(staffed_city)
    draft.grids.order_by("code").first().delete()
    admin = staffed_city.client("admin")
    checked = admin.post(
        f"/redivision/{draft.id}/", {"action": "check", "version": draft.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "1 topology problem:" in page_text(checked) and "not covered by any child area" in page_text(checked)
    answer = admin.post(
        f"/redivision/{draft.id}/",
        {"action": "activate", "version": draft.version, "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 422 and "not covered by any child area" in page_text(answer)


def test_discarding_needs_the_confirmation_and_then_ends_the_draft(staffed_city):
    draft = split_draft(staffed_city)
    admin = staffed_city.client("admin")
    assert admin.post(f"/redivision/{draft.id}/", {"action": "discard", "version": draft.version}).status_code == 400
    answer = admin.post(f"/redivision/{draft.id}/", {"action": "discard", "version": draft.version, "confirm": "yes"})
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DISCARDED


def test_an_activated_generation_is_not_checked_again(staffed_city):
    draft = split_draft(staffed_city)
    generations.activate(draft.id)
    answer = staffed_city.client("admin").post(
        f"/redivision/{draft.id}/", {"action": "check", "version": draft.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 409 and "only a draft can be changed" in page_text(answer)
