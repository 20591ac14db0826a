"""The coverage map, the density map and the dashboard, in a real browser that may reach only
loopback, against figures computed independently; and their refusals of bad parameters. The pages
of the whole demo city (with the README's pictures) and its year of cases are the demo's; the
rest take a drawn city (tests/conftest.py)."""

import json
import math
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import geopandas as gpd
import pytest
from django.db import connection
from django.utils import timezone
from shapely import wkb

from grids.coverage import summary as coverage_summary
from grids.models import Area, ServiceStation
from maps.dashboard import combine
from maps.queries import density
from tests.conftest import DEMO_PASSWORD, committed_city, draw_city
from tests.maps.conftest import staffed_with_passwords
from tests.maps.test_home_page import Links, is_loopback

DISTRICT = "411381"


# The coverage map, the density map and the dashboard of the demo city as a whole (its many grids
# inline, its year of scattered cases for the heat map, the README's pictures): the numbers they
# expect are counted in the database, never written here.
def demo_grids():
    return Area.objects.within(DISTRICT).grids().count()


def demo_stations():
    return ServiceStation.objects.filter(area__code__startswith=DISTRICT).count()


@pytest.fixture(scope="module", autouse=True)
def case_history(django_db_setup, django_db_blocker):
    """A year of demo cases, committed so that the served app sees them, removed afterwards."""
    from demo.history import build_history
    from incidents.models import Incident, purge_incidents
    from residents.models import ResidentReport

    with django_db_blocker.unblock():
        build_history(DISTRICT, cases=3000, days=365, seed=11)
        yield
        purge_incidents(Incident.objects.filter(area_code__startswith=DISTRICT))
        ResidentReport.objects.filter(grid__code__startswith=DISTRICT).delete()  # those that made no case


@pytest.fixture(scope="module")
def served_city(django_db_blocker):
    """A staffed drawn city committed for the served app (its own code and place: other tests here
    draw theirs in their transactions); its leader and community dispatcher log in with the tests'
    password."""
    staff = staffed_with_passwords("leader", "community_dispatcher")
    with committed_city(django_db_blocker, code="990015", origin=(112.80, 32.50), add_people=staff) as city:
        yield city


def open_page(offline_page, served_app, path, username="leader", wait="path.grid", **kwargs):
    offline = offline_page(**kwargs)
    offline.page.goto(served_app + path, wait_until="load")
    if "/accounts/login/" in offline.page.url:
        offline.page.fill("input[name=username]", username)
        offline.page.fill("input[name=password]", DEMO_PASSWORD)
        offline.page.click("main.login button[type=submit]")
    offline.page.locator(wait).first.wait_for()
    return offline


def click_a_grid(page):
    """Click the centre of the first grid whose centre is on itself; returns its code."""
    for grid in page.locator("path.grid").all():
        box = grid.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if grid.evaluate("(path, [x, y]) => document.elementFromPoint(x, y) === path", [x, y]):
            page.mouse.click(x, y)
            return grid
    pytest.fail("no grid is under the centre of its own bounding box")


def external_urls(html):
    links = Links()
    links.feed(html)
    found = [
        u for u in links.urls if u.startswith("//") or (urlsplit(u).scheme in ("http", "https") and not is_loopback(u))
    ]
    return found + [u for u in re.findall(r"https?://[^\s\"'<>`)]+", html) if not is_loopback(u)]


# --- coverage ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_coverage_map_colours_every_grid_and_counts_them_by_status(served_app, offline_page):
    offline = open_page(offline_page, served_app, "/maps/coverage/")
    page = offline.page
    expected = coverage_summary(DISTRICT, "district")[0]

    assert page.locator("path.grid").count() == demo_grids() == expected["grids"]
    shown = {
        s: int(page.locator(f'#status-counts dd[data-status="{s}"]').inner_text()) for s in ("full", "partial", "none")
    }
    assert shown == {s: expected[s] for s in ("full", "partial", "none")}
    assert sum(shown.values()) == demo_grids()
    fills = page.eval_on_selector_all(
        "path.grid", "paths => Array.from(new Set(paths.map(p => p.getAttribute('fill'))))"
    )
    assert set(fills) <= {"#1a9850", "#fdae61", "#d73027"} and len(fills) >= 2
    assert page.locator("path.station").count() == demo_stations() > 0  # community stations and street centres
    assert page.locator("path.reach").count() == demo_stations()  # each station's reach, from the same points

    click_a_grid(page)
    card = page.locator(".leaflet-popup .grid-card")
    card.wait_for()
    text = card.inner_text()
    assert re.search(r"\d{15}", text) and "党小组长" in text and "网格员" in text
    offline.screenshot("coverage.png")
    assert offline.console_errors == []
    assert offline.blocked == []


@pytest.mark.django_db
def test_the_coverage_map_is_saved_as_a_png(served_app, served_city, offline_page):
    offline = open_page(offline_page, served_app, "/maps/coverage/", username=served_city.users["leader"].username)
    with offline.page.expect_download() as download:
        offline.page.click("#save-png")
    path = download.value.path()
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 800 and height > 600
    assert download.value.suggested_filename == "coverage.png"
    assert offline.console_errors == []


@pytest.mark.django_db
def test_a_community_dispatcher_sees_only_the_grids_of_their_community(served_app, served_city, offline_page):
    city = served_city
    [community] = city.scope("community_dispatcher").roots()
    username = city.users["community_dispatcher"].username
    offline = open_page(offline_page, served_app, "/maps/coverage/", username=username)
    assert offline.page.locator("path.grid").count() == len(city.grids_of(community)) > 0
    offline.page.goto(served_app + "/maps/coverage/?area=" + city.streets[1].code)
    assert "404" in offline.page.title() or offline.page.locator("path.grid").count() == 0


# --- density -----------------------------------------------------------------------------------


@pytest.fixture
def planted_city(db):
    """A drawn city of 36 grids (2 streets of 2 communities of 3 × 3 grids) with cases planted in it:
    20 in each grid of the first community (a hot spot), 0 to 2 in the others, and one case in every
    third grid received 200 days ago."""
    from tests.incidents.test_escalate_overdue import make_case

    city = draw_city(streets=2, towns=0, communities=2, grids=(3, 3))
    hot = set(city.grids_of(city.communities[0]))
    long_ago = timezone.now() - timedelta(days=200)
    for i, grid in enumerate(city.grids):
        for _ in range(20 if grid in hot else i * 7 % 3):
            make_case(grid, 24)
        if i % 3 == 0:
            old = make_case(grid, 24)
            type(old).objects.filter(pk=old.pk).update(received_at=long_ago, reported_at=long_ago)
    return city


def gi_star_by_hand(rows, prefix):
    """Getis-Ord Gi* of the rates, with neighbours (touching or overlapping grids and the grid
    itself) found by shapely from the boundaries, not by PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_AsBinary(geom) FROM grids_area WHERE level = 'grid' AND code LIKE %s", [prefix + "%"]
        )
        frame = gpd.GeoDataFrame([{"code": c, "geometry": wkb.loads(bytes(g))} for c, g in cursor.fetchall()], crs=4326)
    rate = {r["code"]: r["rate"] for r in rows if r["rate"] is not None}
    values = list(rate.values())
    n, mean = len(values), sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    pairs = gpd.sjoin(frame, frame, predicate="intersects")
    z = {}
    for code, group in pairs.groupby("code_left"):
        if code not in rate:
            continue
        near = [rate[c] for c in group["code_right"] if c in rate]
        w = len(near)
        z[code] = (sum(near) - mean * w) / (sd * math.sqrt((n * w - w * w) / (n - 1)))
    return z


def test_hot_spots_are_the_getis_ord_gi_star_of_the_rates(planted_city):
    city = planted_city
    until = timezone.now()
    rows = density([city.code], until - timedelta(days=365), until, per="km2")["grids"]
    assert len(rows) == len(city.grids)
    # a street's map: its grids' neighbours in the street only, as if the city ended there
    street = city.communities[-1].code[:9]
    for prefix, shown in (
        (city.code, rows),
        (street, density([street], until - timedelta(days=365), until, per="km2")["grids"]),
    ):
        by_hand = gi_star_by_hand(shown, prefix)
        assert set(by_hand) == {r["code"] for r in shown if r["rate"] is not None} and len(by_hand) >= 3
        for row in shown:
            assert row["gi_z"] == pytest.approx(by_hand[row["code"]], abs=0.011), prefix
            assert bool(row["hot_spot"]) == (by_hand[row["code"]] >= 1.96)
    hot = {r["code"] for r in rows if r["hot_spot"] == "hot99"}
    assert hot and hot <= {grid.code for grid in city.grids_of(city.communities[0])}  # the planted hot spot


def test_the_density_maps_figures_are_those_of_its_grids_added_up_and_classed(planted_city):
    """The database sends the density page's figures, not a row per grid (a province's district has
    50,000): they are the grids' own, added up, ranked and classed by the legend's rule (up to five
    quantile classes: the rate at each position ceil(n × i / 5) of the rates in order, each once)."""
    city = planted_city
    # one grid or two with no rate, so that the rates' positions ceil(n × i / 5) are not whole fifths
    without = 1 if (len(city.grids) - 1) % 5 else 2
    Area.objects.filter(pk__in=[grid.pk for grid in city.grids[:without]]).update(households=None)
    until = timezone.now()
    since = until - timedelta(days=365)
    found = density([city.code], since, until, heat_cell=0.01)
    rows = found["grids"]
    rates = sorted(row["rate"] for row in rows if row["rate"] is not None)
    bounds = sorted({rates[math.ceil(len(rates) * i / 5) - 1] for i in range(1, 6)})
    assert found["bounds"] == bounds and len(bounds) > 2
    for row in rows:  # the first class whose bound is at least its rate
        first = None if row["rate"] is None else next(i for i, bound in enumerate(bounds) if row["rate"] <= bound)
        assert row["class"] == first
    assert {row["class"] for row in rows} == {None, *range(len(bounds))}
    assert found["total"] == sum(row["cases"] for row in rows) > 0 and found["without_rate"]
    assert found["grids_with_cases"] == sum(1 for row in rows if row["cases"]) and found["grid_total"] == len(rows)
    hot = sorted((row for row in rows if row["hot_spot"]), key=lambda row: (-row["gi_z"], row["code"]))
    assert found["hot"] == [{key: row[key] for key in ("code", "name", "cases", "gi_z", "hot_spot")} for row in hot]
    assert hot and sum(n for _lat, _lon, n in found["heat"]) == found["total"]
    # a view of more grids than asked for: the same figures, without the grids
    fewer = density([city.code], since, until, heat_cell=0.01, grids_up_to=len(rows) - 1)
    assert fewer["grids"] is None and fewer | {"grids": rows} == found
    assert density([city.code], since, until, grids_up_to=len(rows))["grids"] == rows


def test_above_the_setting_the_hot_spots_are_outlined_from_the_grids_tiles(planted_city, settings):
    city = planted_city.staff()
    client = city.client("leader")
    rows = density([city.code], timezone.now() - timedelta(days=89), timezone.now() + timedelta(hours=1))["grids"]
    hot = {row["code"]: row["hot_spot"] for row in rows if row["hot_spot"]}
    assert hot
    inline = client.get("/maps/density/").content.decode()
    settings.MAP_TILES_ABOVE = 10
    tiled = client.get("/maps/density/").content.decode()
    # inline, each hot spot's boundary; from tiles, its code and class in the layer's style only
    assert all(inline.count(f'"code": "{code}"') >= 2 for code in hot) and '"strokes"' not in inline
    strokes = re.search(r'"strokes": (\{.*?\})', tiled).group(1)
    assert json.loads(strokes) == hot
    assert all(tiled.count(f'"{code}"') == 1 for code in hot)


def test_the_legend_has_a_grey_entry_only_for_grids_without_a_rate_and_says_why(planted_city):
    city = planted_city.staff()
    client = city.client("leader")
    grey = '<span class="swatch" style="background: #dddddd"></span>'

    def legend(**query):
        html = client.get("/maps/density/", query).content.decode()
        return re.search(r'<ul class="legend">(.*?)</ul>', html, re.S).group(1)

    assert grey not in legend() and grey not in legend(per="km2")  # every grid has households and an area
    Area.objects.filter(pk=city.grids[0].pk).update(households=None)
    assert grey + "未登记户数" in legend()
    assert grey not in legend(per="km2")  # per km² the grid has a rate


def test_density_counts_each_grids_cases_per_thousand_households_and_per_km2(planted_city):
    from django.db.models import Count

    from incidents.models import Incident

    city = planted_city
    Area.objects.filter(code=city.grids[-1].code).update(households=0)  # a park: no rate per household
    until = timezone.now()
    since = until - timedelta(days=120)
    cases = dict(
        Incident.objects.filter(received_at__gte=since, received_at__lt=until)
        .values_list("grid__code")
        .annotate(n=Count("id"))
    )
    households = dict(Area.objects.grids().within(city.code).values_list("code", "households"))
    per_households = density([city.code], since, until)["grids"]
    assert len(per_households) == len(city.grids) and sum(cases.values()) > 0
    for row in per_households:
        assert row["cases"] == cases.get(row["code"], 0)
        expected = round(row["cases"] * 1000 / households[row["code"]], 2) if households[row["code"]] else None
        assert row["rate"] == expected
    with connection.cursor() as cursor:  # each grid's area on the spheroid
        cursor.execute("SELECT code, ST_Area(geom::geography) / 1e6 FROM grids_area WHERE level = 'grid'")
        km2 = dict(cursor.fetchall())
    per_km2 = {r["code"]: r["rate"] for r in density([city.code], since, until, per="km2")["grids"]}
    for row in per_households:
        assert per_km2[row["code"]] == round(row["cases"] / km2[row["code"]], 2)


@pytest.mark.django_db
def test_the_density_map_shows_counts_heat_and_hot_spots_and_lists_a_grids_cases(served_app, offline_page):
    since = timezone.localdate() - timedelta(days=364)
    offline = open_page(offline_page, served_app, f"/maps/density/?since={since}")
    page = offline.page
    zone = timezone.get_current_timezone()
    rows = density(
        [DISTRICT],
        datetime.combine(since, time.min, zone),
        datetime.combine(timezone.localdate() + timedelta(days=1), time.min, zone),
    )["grids"]

    assert page.locator("path.grid").count() == demo_grids()
    assert int(page.locator('dd[data-figure="cases"]').inner_text()) == sum(r["cases"] for r in rows)
    assert page.locator("path.hot-spot").count() == sum(1 for r in rows if r["hot_spot"])
    assert page.evaluate("window.govgridHeat.drawn") > 100
    heat_pixels = page.evaluate(
        """() => {
            const c = document.querySelector('canvas.govgrid-heat');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
            return n;
        }"""
    )
    assert heat_pixels > 1000

    click_a_grid(page)
    listing = page.locator(".leaflet-popup .grid-cases")
    listing.wait_for()
    assert re.search(r"\d{6}-\d{8}-", listing.inner_text())
    offline.screenshot("density.png")
    assert offline.console_errors == []
    assert offline.blocked == []


@pytest.mark.django_db
def test_the_density_map_refuses_bad_dates_and_rates_naming_the_field(staffed_city):
    client = staffed_city.client("leader")
    answer = client.get("/maps/density/?since=2026-13-01")
    assert answer.status_code == 400
    assert "起始日期" in answer.content.decode() and "有效的日期" in answer.content.decode()
    answer = client.get("/maps/density/?since=2026-05-01&until=2026-04-01")
    assert answer.status_code == 400 and "起始日期晚于截止日期" in answer.content.decode()
    assert client.get("/maps/density/?per=acres").status_code == 400
    assert client.get(f"/maps/density/?area={staffed_city.code}abc").status_code == 404


# --- dashboard ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_the_headline_figures_and_drills_down(served_app, offline_page):
    from incidents.figures import figures
    from maps.dashboard import months_back

    offline = open_page(offline_page, served_app, "/", wait="#headline")
    page = offline.page
    first = months_back(timezone.localdate(), 12)[0]
    zone = timezone.get_current_timezone()
    expected = combine(
        figures(DISTRICT, "district", datetime.combine(first, time.min, zone), timezone.now() + timedelta(days=40))
    )
    assert int(page.locator('dd[data-figure="received"]').inner_text()) == expected["received"]
    assert page.locator('dd[data-figure="in-grid"]').inner_text() == f"{expected['in_grid']} %"
    coverage = coverage_summary(DISTRICT, "district")[0]
    full = round(100 * coverage["full"] / coverage["grids"], 1)
    assert page.locator('dd[data-figure="coverage-full"]').inner_text() == f"{full} %"
    assert page.locator("#trends tr").count() == 13  # a header and twelve months
    streets_and_towns = Area.objects.within(DISTRICT).filter(level="street").count()
    assert page.locator("#drill-down tr").count() == 1 + streets_and_towns  # a header and a row each
    offline.screenshot("dashboard.png")

    page.locator("#drill-down a").first.click()
    page.locator("#crumbs").wait_for()
    assert "?area=411381001" in page.url
    page.locator("path.grid").first.wait_for(state="attached")  # the map's script has drawn the grids
    assert page.locator("#drill-down tr").count() > 1  # its communities
    assert offline.console_errors == []
    assert offline.blocked == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/maps/coverage/", "/maps/density/", "/maps/coverage/grid/{grid}/"])
def test_no_map_page_names_a_url_outside_the_app(staffed_city, path):
    staffed_city.station("方格服务站", staffed_city.communities[0])
    answer = staffed_city.client("leader").get(path.format(grid=staffed_city.grids[0].code))
    assert answer.status_code == 200
    assert external_urls(answer.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/maps/coverage/", "/maps/density/", "/", "/?area={street}"])
def test_above_the_setting_grids_and_borders_come_from_vector_tiles(settings, path):
    city = draw_city(grids=(3, 3)).staff()  # 54 grids, 18 in a street
    client = city.client("leader")
    path = path.format(street=city.streets[0].code)
    inline = client.get(path).content.decode()
    settings.MAP_TILES_ABOVE = 10
    tiled = client.get(path).content.decode()
    assert "/maps/tiles/grids/{z}/{x}/{y}.pbf" in tiled and "/maps/tiles/communities/" in tiled
    assert "/maps/tiles/" not in inline
    code = f'"code": "{city.code}'
    assert tiled.count(code) < 10 <= inline.count(code)  # grids no longer inline
    assert len(tiled) < len(inline)


@pytest.mark.django_db
def test_each_station_is_in_the_coverage_page_once(staffed_city):
    """The reach circles are drawn in the browser from the station points (pages.js stationReach),
    so a large city's page carries each station once."""
    import json

    city = staffed_city
    for community in city.communities[:3]:
        city.station(f"{community.name}服务站", community)
    city.station(f"{city.streets[0].name}中心", city.streets[0], kind=ServiceStation.Kind.CENTRE)
    html = city.client("leader").get("/maps/coverage/").content.decode()
    stations = list(ServiceStation.objects.filter(area__code__startswith=city.code))
    assert len(stations) == 4
    for station in stations:
        label = json.dumps(f"{station.name} · {station.get_kind_display()}")[1:-1]
        assert html.count(label) == 1, station.name


@pytest.mark.django_db
def test_a_scope_with_many_communities_gets_them_in_the_menu_street_by_street(staffed_city, monkeypatch):
    city = staffed_city

    def menu(query=""):
        html = city.client("leader").get("/maps/coverage/" + query).content.decode()
        select = re.search(r'<select name="area".*?</select>', html, re.S).group(0)
        return [code for code in re.findall(r'<option value="(\d*)"', select) if code]

    streets = {street.code for street in city.streets}
    communities = {community.code for community in city.communities}
    everything = menu()
    assert set(everything) == streets | communities  # the city's streets, town and communities, all listed
    assert len(everything) == len(streets) + len(communities)

    monkeypatch.setattr("maps.pages.MENU_COMMUNITIES", len(communities) - 1)
    assert set(menu()) == streets
    street = city.streets[0].code
    of_street = {community.code for community in city.communities_of(city.streets[0])}
    assert set(menu(f"?area={street}")) == streets | of_street
    assert set(menu(f"?area={street}001001")) == streets | of_street  # a grid of that street: the same
    assert menu(f"?area={street}") == sorted(menu(f"?area={street}"))  # each street followed by its communities
