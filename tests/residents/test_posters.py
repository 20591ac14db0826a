"""The places' QR code posters (码上办): a community's PDF, one page per grid and one for the
community, opened and rasterised with poppler's pdftoppm and its codes read back module by module;
the contact card that the setting allows and nothing more; rotating a code; who may print them.
On a staffed drawn city: community_dispatcher looks after the first community of the first street,
grid_worker its first grid, grid_worker_2 a grid of the second street."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve
from PIL import Image

from residents import posters
from residents.models import PlaceCode

pytestmark = pytest.mark.django_db

A_RATIO = 297 / 210  # A4 and A5 alike: √2 to the millimetre


@pytest.fixture
def city(staffed_city):
    """The staffed city with a grid Party group led by 王建国 in grid_worker's grid and a service
    station with a public phone in the first community."""
    community = staffed_city.communities[0]
    grid = staffed_city.grid_of("grid_worker")
    staffed_city.party_group(grid, leader=staffed_city.person("王建国"))
    station = staffed_city.station("方格社区党群服务站", community)
    station.phone = "0371-66668888"
    station.save()
    return staffed_city


def worker(city, name="grid_worker"):
    return city.users[name].person


def download(client, code, fmt, size="a4", expect=200):
    answer = client.get(f"/dispatch/posters/{code}.{fmt}", {"size": size})
    assert answer.status_code == expect, answer.content[:300]
    return answer


def rasterise(pdf_bytes, folder):
    """The PDF's pages as images, drawn by poppler at 100 dpi."""
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed: scripts/setup.sh installs it"
    source = folder / "posters.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(source), str(folder / "page")], check=True, timeout=120)
    return [Image.open(page).convert("L") for page in sorted(folder.glob("page-*.png"))]


def read_code(page, size, url):
    """The modules of the page's QR code, quiet zone included, sampled at their centres where the
    layout puts them, beside those of the address's own code: (read, expected)."""
    symbol = posters.qr_of(url)
    modules = symbol.symbol_size(border=0)[0]
    at = posters.layout(size, modules)
    scale = page.width / at.width
    q = posters.QUIET_ZONE
    read, expected = [], []
    for r in range(-q, modules + q):
        for c in range(-q, modules + q):
            x = (at.qr_left + (c + 0.5) * at.module) * scale
            y = (at.qr_top + (r + 0.5) * at.module) * scale
            read.append(page.getpixel((int(x), int(y))) < 128)
            expected.append(0 <= r < modules and 0 <= c < modules and bool(symbol.matrix[r][c]))
    return read, expected


# --- the community's PDF, rasterised -------------------------------------------------------------
@pytest.mark.parametrize("size", ["a4", "a5"])
def test_a_communitys_pdf_has_a_page_per_grid_and_station_and_its_own_and_each_code_reads_back(city, tmp_path, size):
    from grids.models import ServiceStation

    community = city.communities[0]
    grids = city.grids_of(community)
    stations = list(ServiceStation.objects.filter(area__code__startswith=community.code).order_by("name"))
    answer = download(city.client("community_dispatcher"), community.code, "pdf", size)
    assert answer["Content-Type"] == "application/pdf"
    assert f"posters-{community.code}-{size}.pdf" in answer["Content-Disposition"]
    assert answer["Cache-Control"] and "no-store" in answer["Cache-Control"]

    pages = rasterise(answer.content, tmp_path)
    assert len(grids) >= 2 and len(stations) == 1 and len(pages) == len(grids) + 1 + len(stations)
    width_mm, height_mm = {"a4": (210, 297), "a5": (148, 210)}[size]
    live = PlaceCode.objects.filter(retired_at__isnull=True)
    tokens = [live.get(area=p).token for p in [community, *grids]] + [live.get(station=s).token for s in stations]
    for page, token in zip(pages, tokens, strict=True):
        assert abs(page.height / page.width - A_RATIO) < 0.01
        assert abs(page.width - width_mm / 25.4 * 100) <= 1 and abs(page.height - height_mm / 25.4 * 100) <= 1
        read, expected = read_code(page, size, f"{django_settings.SITE_URL}/r/{token}/")
        differ = sum(a != b for a, b in zip(read, expected, strict=True))
        assert read == expected, f"{token}: {differ} modules differ"
    # Each page carries its own place's code: the community's page does not read as a grid's.
    assert len(set(tokens)) == len(tokens)
    read, expected = read_code(pages[0], size, f"{django_settings.SITE_URL}/r/{tokens[1]}/")
    assert read != expected


def test_the_code_is_the_resident_pages_absolute_address_at_error_correction_q(city, settings):
    settings.SITE_URL = "https://govgrid.example.gov.cn"
    grid = city.grid_of("grid_worker")
    poster = posters.poster_of(grid)
    assert poster.url == f"https://govgrid.example.gov.cn/r/{poster.token}/"
    symbol = posters.qr_of(poster.url)
    assert symbol.error == "Q" and not symbol.is_micro
    assert city.client("admin").get(f"/r/{poster.token}/").status_code == 200


def test_a_png_is_the_places_own_poster_and_the_zip_holds_one_png_per_page(city):
    import io
    import zipfile

    community = city.communities[0]
    client = city.client("community_dispatcher")
    png = download(client, community.code, "png", "a5")
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.size == posters.SIZES["a5"] and round(image.info["dpi"][0]) == 300
    archive = zipfile.ZipFile(io.BytesIO(download(client, community.code, "zip").content))
    names = sorted(archive.namelist())
    from grids.models import ServiceStation

    stations = ServiceStation.objects.filter(area__code__startswith=community.code)
    expected = [f"{a.code}-a4.png" for a in [community, *city.grids_of(community)]]
    assert names == sorted(expected + [f"{s.area.code}-station-{s.pk}-a4.png" for s in stations])
    assert Image.open(archive.open(names[0])).size == posters.SIZES["a4"]


# --- the public contact card ---------------------------------------------------------------------
def test_the_card_prints_the_default_public_fields_and_never_the_workers_phone(city):
    grid = city.grid_of("grid_worker")
    alice = worker(city)
    card = dict(posters.poster_of(grid).card)
    assert card == {"网格员": alice.name, "网格党小组长": "王建国", "方格社区党群服务站": "0371-66668888"}
    page = city.client("community_dispatcher").get("/dispatch/posters/", {"area": grid.code})
    html = page.content.decode()
    assert alice.name in html and "王建国" in html and "0371-66668888" in html
    assert alice.phone not in html
    community = dict(posters.poster_of(grid.parent).card)
    assert community == {"方格社区党群服务站": "0371-66668888"}  # no grid worker, no community Party leader drawn


def test_the_card_prints_what_the_setting_says(city, settings):
    grid = city.grid_of("grid_worker")
    alice = worker(city)
    settings.POSTER_PUBLIC_FIELDS = ("worker_name", "worker_phone")
    assert posters.poster_of(grid).card == [("网格员", alice.name), ("网格员电话", alice.phone)]
    html = city.client("community_dispatcher").get("/dispatch/posters/", {"area": grid.code}).content.decode()
    assert alice.phone in html and "王建国" not in html and "0371-66668888" not in html
    settings.POSTER_PUBLIC_FIELDS = ()
    assert posters.poster_of(grid).card == []
    image_without = posters.render(posters.poster_of(grid))
    settings.POSTER_PUBLIC_FIELDS = ("worker_name",)
    image_with = posters.render(posters.poster_of(grid))
    assert image_without.tobytes() != image_with.tobytes()  # the card is drawn only when it has lines


def test_an_unknown_field_is_refused(settings):
    settings.POSTER_PUBLIC_FIELDS = ("worker_name", "home_address")
    with pytest.raises(ImproperlyConfigured, match="home_address"):
        posters.public_fields()
    refused = subprocess.run(
        [sys.executable, "-c", "import govgrid.settings"],
        env={"GOVGRID_POSTER_PUBLIC_FIELDS": "worker_name,home_address", "GOVGRID_SECRET_KEY": "x", "PATH": "/usr/bin"},
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "GOVGRID_POSTER_PUBLIC_FIELDS" in refused.stderr
    assert "home_address" in refused.stderr


# --- rotation --------------------------------------------------------------------------------
def test_rotating_a_code_asks_first_then_the_old_posters_page_says_it_was_replaced(city):
    grid = city.grid_of("grid_worker")
    client = city.client("community_dispatcher")
    old = posters.poster_of(grid).token
    asked = client.post("/dispatch/posters/", {"place": grid.code, "area": grid.parent.code})
    assert asked.status_code == 200 and 'id="confirm-rotate"' in asked.content.decode()
    assert PlaceCode.objects.get(area=grid, retired_at__isnull=True).token == old  # nothing done yet

    done = client.post("/dispatch/posters/", {"place": grid.code, "area": grid.parent.code, "confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == f"/dispatch/posters/?area={grid.parent.code}"
    new = PlaceCode.objects.get(area=grid, retired_at__isnull=True).token
    assert new != old and PlaceCode.objects.get(token=old).retired_at is not None
    grid.refresh_from_db()
    assert grid.code == city.grid_of("grid_worker").code
    gone = client.get(f"/r/{old}/")
    assert gone.status_code == 410 and "新" in gone.content.decode() and 'id="retired"' in gone.content.decode()
    assert client.get(f"/r/{new}/").status_code == 200
    page = client.get(done["Location"]).content.decode()
    assert new in page and old not in page
    assert posters.poster_of(grid).url.endswith(f"/r/{new}/")


# --- who may print --------------------------------------------------------------------------
def test_only_those_who_look_after_an_area_print_its_posters_or_rotate_its_code(city, client):
    community = city.communities[0]
    grid = city.grid_of("grid_worker")
    other_community = city.grid_of("grid_worker_2").parent
    for name, code, expect in (
        ("grid_worker_2", community.code, 404),  # another street's grid worker: not in their scope
        ("grid_worker", community.code, 404),  # a grid worker sees their grid, not its community
        ("grid_worker", grid.code, 200),
        ("community_dispatcher", other_community.code, 404),
        ("street_dispatcher", community.code, 200),
        ("admin", other_community.code, 200),
        ("leader", community.code, 403),  # sees the district, changes nothing
        ("analyst", community.code, 403),
    ):
        assert city.client(name).get(f"/dispatch/posters/{code}.png").status_code == expect, (name, code)
    assert client.get(f"/dispatch/posters/{community.code}.pdf").status_code == 302  # to the login
    assert client.get("/dispatch/posters/").status_code == 302
    refused = city.client("grid_worker_2").post("/dispatch/posters/", {"place": grid.code, "confirmed": "1"})
    assert refused.status_code == 404
    assert city.client("leader").get("/dispatch/posters/").status_code == 403
    assert PlaceCode.objects.filter(area=grid).count() <= 1


def test_a_wrong_size_or_kind_of_file_is_refused(city):
    client = city.client("community_dispatcher")
    grid = city.grid_of("grid_worker")
    assert download(client, grid.code, "pdf", "a3", expect=400).content.decode() == "纸张大小为 a4 或 a5。"
    assert client.get(f"/dispatch/posters/{grid.code}.svg").status_code == 404
    assert client.get(f"/dispatch/posters/{city.district.code}.pdf").status_code == 404  # a district has none


def test_without_the_cjk_font_a_poster_is_refused_with_a_clear_message(city, monkeypatch, tmp_path):
    monkeypatch.setattr(posters, "FONT_DIR", tmp_path)
    answer = download(city.client("community_dispatcher"), city.grid_of("grid_worker").code, "pdf", expect=503)
    assert "fonts-noto-cjk" in answer.content.decode()
    with pytest.raises(posters.FontMissing):
        posters.render(posters.poster_of(city.grid_of("grid_worker")))


# --- the page --------------------------------------------------------------------------------
def test_the_page_lists_the_community_and_its_grids_with_their_files_in_chinese_and_english(city):
    community = city.communities[0]
    client = city.client("community_dispatcher")
    page = client.get("/dispatch/posters/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "二维码海报" in html and 'name="viewport"' in html
    items = re.findall(r'<li data-code="(\d+)" data-token="([\w-]+)">', html)
    assert [code for code, _token in items] == [community.code, *(g.code for g in city.grids_of(community))]
    for code, token in items:
        assert f"/dispatch/posters/{code}.png?size=a5" in html
        assert PlaceCode.objects.get(area__code=code, retired_at__isnull=True).token == token
    assert f"/dispatch/posters/{community.code}.pdf?size=a4" in html
    english = client.get("/dispatch/posters/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "QR code posters" in english and "Rotate the code" in english
    mine = city.client("grid_worker").get("/dispatch/posters/").content.decode()
    assert re.findall(r'<li data-code="(\d+)"', mine) == [city.grid_of("grid_worker").code]


def test_the_page_is_reached_at_its_address():  # not taken for a case's code by /dispatch/<code>/
    assert resolve("/dispatch/posters/").url_name == "resident-posters"
