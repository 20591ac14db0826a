"""The network pages in Chromium, offline but for loopback: the district's leader reads a layer on
a phone (the cutting cell drawn in red and flagged in the table, nothing wider than the screen);
an administrator accepts every default and places the cutting cell on a desktop. And the pages in
English, and refused to those who do not see the district."""

import pytest
from playwright.sync_api import expect

from networks.importing import import_layer
from networks.models import CellMapping, NetworkLayer
from networks.reading import read_cells
from tests.conftest import committed_city
from tests.maps.conftest import staffed_with_passwords

from .conftest import CUT, IN, features, write_geojson

# The drawn city's place (the cells are drawn for it) under a code of its own, so the committed city
# never meets the drawn cities of the tests in transactions.
CODE, ORIGIN = "990083", (112.60, 32.50)
GRID_10 = f"{CODE}001001002"


@pytest.fixture(scope="module")
def served_layer(django_db_setup, django_db_blocker, tmp_path_factory):
    from govgrid.lib import coords

    path = write_geojson(tmp_path_factory.mktemp("cells") / "party.geojson", features(shift=coords.wgs84_to_gcj02))
    with committed_city(django_db_blocker, staffed_with_passwords("admin", "leader"), code=CODE, origin=ORIGIN) as city:
        with django_db_blocker.unblock():
            source = read_cells(path, srs="gcj02", code_field="cell_no", name_field="cell_name")
            layer = import_layer(source, CODE, "党建网格", "party_building", commit=True).layer
        try:
            yield city, layer
        finally:
            with django_db_blocker.unblock():
                NetworkLayer.objects.filter(district__code=CODE).delete()


@pytest.mark.django_db
def test_the_leader_reads_the_cutting_cell_on_a_phone(served_app, served_layer, screen):
    city, layer = served_layer
    phone = screen("phone")
    phone.log_in(served_app, city.users["leader"].username, f"/networks/{layer.pk}/")
    page = phone.page
    page.locator("path.cell").first.wait_for(state="attached")
    assert page.locator("path.cell").count() == 3 and page.locator("path.cell.cutting").count() == 1
    row = page.locator(f'#overlap-table tr[data-cell="{CUT[0]}"]')
    expect(row.locator(".flag")).to_have_text("跨网格")
    assert row.locator("li[data-grid]").count() == 2 and "m²" in row.inner_text()
    assert page.locator("#accept-defaults").count() == 0  # not an administrator
    assert phone.overflow() == 0
    phone.shoot("network-layer")
    assert phone.blocked == [] and phone.console_errors == []


@pytest.mark.django_db
def test_an_administrator_accepts_the_defaults_and_places_the_cutting_cell(served_app, served_layer, screen):
    city, layer = served_layer
    desktop = screen("desktop")
    desktop.log_in(served_app, city.users["admin"].username, "/networks/")
    page = desktop.page
    page.click(f'li[data-layer="{layer.pk}"] a')
    page.click("#accept-defaults button")
    expect(page.locator(".message").first).to_contain_text("3")
    expect(page.locator(f'#overlap-table tr[data-cell="{IN[0]}"] td.placed')).to_contain_text("网格")
    row = page.locator(f'#overlap-table tr[data-cell="{CUT[0]}"]')
    row.locator("select[name=grid]").select_option(GRID_10)
    row.locator("button").click()
    expect(page.locator(".message").first).to_contain_text(CUT[0])
    assert CellMapping.objects.get(cell__layer=layer, cell__code=CUT[0]).grid.code == GRID_10
    desktop.shoot("network-layer-accepted")
    assert desktop.blocked == [] and desktop.console_errors == []


@pytest.mark.django_db
def test_the_upload_form_fits_a_phone(served_app, served_layer, screen):
    city, layer = served_layer
    phone = screen("phone")
    phone.log_in(served_app, city.users["admin"].username, "/networks/")
    page = phone.page
    page.click("details.upload summary")
    page.set_input_files("#import-form input[name=file]", files=[])
    expect(page.locator("#import-form button")).to_be_visible()
    assert page.locator(f'li[data-layer="{layer.pk}"]').count() == 1 and phone.overflow() == 0
    phone.shoot("network-layers")
    assert phone.blocked == [] and phone.console_errors == []


def test_the_pages_speak_english_on_request_and_hide_the_layer_from_others(staffed_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", code_field="cell_no", name_field="cell_name")
    layer = import_layer(source, staffed_city.code, "Party cells", "party_building", commit=True).layer
    html = staffed_city.client("leader").get(f"/networks/{layer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cuts across" in html and "Party building network" in html
    assert staffed_city.client("street_dispatcher").get(f"/networks/{layer.pk}/").status_code == 404
    assert "Party cells" not in staffed_city.client("street_dispatcher").get("/networks/").content.decode()


def test_an_administrator_uploads_a_layer_on_the_page_dry_run_first(staffed_city, gcj02_file):
    admin = staffed_city.client("admin")
    form = {"name": "党建网格", "kind": "party_building", "district": staffed_city.code, "srs": "gcj02",
            "code_field": "cell_no", "name_field": "cell_name"}  # fmt: skip
    with open(gcj02_file, "rb") as handle:
        html = admin.post("/networks/", form | {"file": handle}).content.decode()
    assert (
        'id="dry-run"' in html
        and f'data-cell="{CUT[0]}"' in html
        and not NetworkLayer.objects.filter(district__code=staffed_city.code).exists()
    )
    with open(gcj02_file, "rb") as handle:
        answer = admin.post("/networks/", form | {"file": handle, "commit": "true"})
    layer = NetworkLayer.objects.get(district__code=staffed_city.code)
    assert answer.status_code == 302 and answer.url == f"/networks/{layer.pk}/" and layer.cells.count() == 3


def test_a_refused_upload_names_the_reason_on_the_page(staffed_city, gcj02_file):
    admin = staffed_city.client("admin")
    form = {"name": "党建网格", "kind": "party_building", "district": staffed_city.code, "srs": "mars"}
    with open(gcj02_file, "rb") as handle:
        html = admin.post("/networks/", form | {"file": handle}).content.decode()
    assert (
        "mars" in html
        and 'class="message error"' in html
        and not NetworkLayer.objects.filter(district__code=staffed_city.code).exists()
    )
    with open(gcj02_file, "rb") as handle:
        leader = staffed_city.client("leader").post("/networks/", form | {"file": handle, "srs": "gcj02"})
    assert (
        leader.status_code == 403
        and 'id="import-form"' not in staffed_city.client("leader").get("/networks/").content.decode()
    )
