"""Coverage of the Party chain per grid, checked against counts made independently with the ORM and
GEOS, under changed settings, on hand-made data in the tiny city, rolled up, and as GeoJSON."""

import json
import re
import subprocess
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db.models import Count, Q, Sum
from django.test import Client, override_settings
from django.utils import timezone

from grids.coverage import RULES, grid_coverage, summary
from grids.models import Area, Assignment, HouseholdLink, PartyOrg, Person, Role, ServiceStation

DISTRICT = "411381"
UTM_49N = 32649  # metres; Dengzhou (112.1° E) lies in zone 49 (108°–114° E)


def today():
    return timezone.localdate()


def active(prefix="assignments__"):
    on = today()
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gt": on})
    )


@pytest.fixture(autouse=True)
def documented_defaults(settings):
    """The defaults of settings.py, whatever the environment says; tests change them explicitly."""
    settings.COVERAGE_RULES = RULES
    settings.COVERAGE_MIN_TEAM = 3
    settings.COVERAGE_HOUSEHOLD_PERCENT = 80
    settings.COVERAGE_STATION_METRES = 1000


def grids(prefix=DISTRICT):
    return Area.objects.within(prefix).grids()


# --- independent counts, one per rule ------------------------------------------------------------


def grids_short_of_team(min_team, prefix=DISTRICT):
    team = Count(
        "assignments__person",
        filter=active() & Q(assignments__role=Role.SERVICE_TEAM_MEMBER, assignments__person__is_party_member=True),
        distinct=True,
    )
    return set(grids(prefix).annotate(team=team).filter(team__lt=min_team).values_list("code", flat=True))


def grids_without_grid_worker(prefix=DISTRICT):
    workers = Count("assignments__person", filter=active() & Q(assignments__role=Role.GRID_WORKER), distinct=True)
    return set(grids(prefix).annotate(workers=workers).filter(workers=0).values_list("code", flat=True))


def grids_without_group_leader(prefix=DISTRICT):
    return set(grids(prefix).exclude(party_org__leader__isnull=False).values_list("code", flat=True))


def grids_short_of_households(percent, prefix=DISTRICT):
    linked = dict(
        HouseholdLink.objects.filter(grid__code__startswith=prefix)
        .filter(active(prefix=""))
        .values("grid__code")
        .annotate(n=Sum("households"))
        .values_list("grid__code", "n")
    )
    return {
        code
        for code, households in grids(prefix).values_list("code", "households")
        if households and linked.get(code, 0) * 100 < percent * households
    }


def station_metres(prefix):
    """{grid code: metres to the nearest service station}, measured by GEOS in UTM zone 49N."""
    stations = [s.location.transform(UTM_49N, clone=True) for s in ServiceStation.objects.all()]
    return {
        grid.code: min(grid.geom.transform(UTM_49N, clone=True).distance(s) for s in stations) for grid in grids(prefix)
    }


def failing(rows, rule):
    return {row["code"] for row in rows if not row[f"ok_{rule}"]}


def district_figures():
    (row,) = summary(DISTRICT, "district")
    return row


@pytest.fixture
def far_community(db):
    """The first demo community without a station of its own: some of its grids are near a
    station of a neighbour and some are not."""
    with_station = ServiceStation.objects.values("area_id")
    community = (
        Area.objects.within(DISTRICT).filter(level="community").exclude(pk__in=with_station).order_by("code").first()
    )
    assert community is not None
    return community.code


# --- each rule against an independent count ------------------------------------------------------


def test_the_service_team_rule_fails_the_grids_with_fewer_party_members_than_the_minimum(db):
    rows = grid_coverage(DISTRICT)
    expected = grids_short_of_team(3)
    assert 0 < len(expected) < grids().count()  # the demo has grids on both sides of the rule
    assert failing(rows, "service_team") == expected
    assert district_figures()["failed"]["service_team"] == len(expected)


def test_the_grid_worker_rule_fails_the_grids_without_an_active_grid_worker(db):
    expected = grids_without_grid_worker()
    assert expected
    assert failing(grid_coverage(DISTRICT), "grid_worker") == expected
    assert district_figures()["failed"]["grid_worker"] == len(expected)


def test_the_group_leader_rule_fails_the_grids_whose_party_group_has_no_leader(db):
    expected = grids_without_group_leader()
    assert expected
    assert failing(grid_coverage(DISTRICT), "group_leader") == expected
    assert district_figures()["failed"]["group_leader"] == len(expected)


def test_the_household_rule_fails_the_grids_with_too_few_households_linked(db):
    expected = grids_short_of_households(80)
    assert expected
    assert failing(grid_coverage(DISTRICT), "households") == expected
    assert district_figures()["failed"]["households"] == len(expected)


def test_the_station_rule_fails_the_grids_beyond_the_distance_from_every_station(far_community):
    measured = station_metres(far_community)
    rows = {row["code"]: row for row in grid_coverage(far_community)}
    assert set(rows) == set(measured)
    for code, metres in measured.items():
        # UTM and the spheroid agree to well under 0.5 % here.
        assert float(rows[code]["station_metres"]) == pytest.approx(metres, rel=0.005, abs=1)
    clear = {code for code, metres in measured.items() if abs(metres - 1000) > 10}
    expected = {code for code in clear if measured[code] > 1000}
    assert expected and clear - expected
    assert failing(rows.values(), "station") & clear == expected


def test_the_status_follows_the_number_of_rules_passed(db):
    for row in grid_coverage(DISTRICT):
        passed = sum(row[f"ok_{rule}"] for rule in RULES)
        assert row["status"] == ("full" if passed == 5 else "none" if passed == 0 else "partial"), row["code"]


# --- changing the settings -----------------------------------------------------------------------


def test_raising_the_team_minimum_fails_more_grids_as_counted_independently(db):
    before = district_figures()["failed"]["service_team"]
    with override_settings(COVERAGE_MIN_TEAM=6):
        after = district_figures()["failed"]["service_team"]
    assert after == len(grids_short_of_team(6))
    assert after > before


def test_raising_the_team_minimum_shows_in_the_summary_api(drawn_city, zhou):
    # The drawn city's first grid has a team of three, the others none.
    (row,) = zhou.get("/api/v1/coverage/summary/", {"within": drawn_city.code}).json()["areas"]
    assert row["failed"]["service_team"] == len(grids_short_of_team(3, drawn_city.code)) == 11
    with override_settings(COVERAGE_MIN_TEAM=4):
        body = zhou.get("/api/v1/coverage/summary/", {"within": drawn_city.code}).json()
    (row,) = body["areas"]
    assert row["failed"]["service_team"] == len(grids_short_of_team(4, drawn_city.code)) == 12


def test_raising_the_household_percent_fails_more_grids_as_counted_independently(db):
    with override_settings(COVERAGE_HOUSEHOLD_PERCENT=95):
        after = district_figures()["failed"]["households"]
    assert after == len(grids_short_of_households(95))
    assert after > len(grids_short_of_households(80))


def test_shortening_the_station_distance_fails_more_grids_as_measured_independently(far_community):
    measured = station_metres(far_community)
    with override_settings(COVERAGE_STATION_METRES=300):
        rows = grid_coverage(far_community)
    clear = {code for code, metres in measured.items() if abs(metres - 300) > 3}
    expected = {code for code in clear if measured[code] > 300}
    assert failing(rows, "station") & clear == expected
    assert len(expected) > len({code for code, metres in measured.items() if metres > 1000})


def test_dropping_a_rule_makes_a_grid_that_failed_only_that_rule_full(db):
    only_station = [
        row["code"]
        for row in grid_coverage(DISTRICT)
        if not row["ok_station"] and all(row[f"ok_{rule}"] for rule in RULES if rule != "station")
    ]
    assert only_station
    rules = tuple(rule for rule in RULES if rule != "station")
    with override_settings(COVERAGE_RULES=rules):
        after = {row["code"]: row for row in grid_coverage(DISTRICT)}
    for code in only_station:
        assert after[code]["status"] == "full"
        assert after[code]["ok_station"] is False  # still reported, no longer counted


def test_dropping_a_rule_raises_the_number_of_full_grids_by_those_that_failed_only_it(db):
    rows = grid_coverage(DISTRICT)
    only_leader = sum(
        1
        for row in rows
        if not row["ok_group_leader"] and all(row[f"ok_{rule}"] for rule in RULES if rule != "group_leader")
    )
    before = district_figures()["full"]
    with override_settings(COVERAGE_RULES=tuple(rule for rule in RULES if rule != "group_leader")):
        after = district_figures()
    assert after["full"] == before + only_leader > before
    assert after["rules"] == [rule for rule in RULES if rule != "group_leader"]


# --- status semantics on hand-made data ----------------------------------------------------------

WEST, EAST = "990001001001001", "990001001001002"


@pytest.fixture
def tiny_staffed(tiny_city):
    """The tiny city's west grid staffed completely and its east grid not at all.

    The demo's stations are removed (this transaction only) so the one drawn here is the only one:
    inside the west grid, about 420 m from the east grid."""
    ServiceStation.objects.all().delete()
    west, east = tiny_city[WEST], tiny_city[EAST]
    for grid, households in ((west, 40), (east, 60)):
        grid.households = households
        grid.save(update_fields=["households"])
    station = Point(112.0005, 32.705, srid=4326)
    ServiceStation.objects.create(name="西站", kind="station", area=tiny_city["990001001001"], location=station)
    started = today() - timedelta(days=100)
    alice, bob, carol, dave = (
        Person.objects.create(name=name, phone=f"1380000000{i}", is_party_member=True)
        for i, name in enumerate(["张爱丽", "李博", "王卡萝", "刘大卫"])
    )
    for member in (alice, bob, carol):
        Assignment.objects.create(person=member, role=Role.SERVICE_TEAM_MEMBER, area=west, starts_on=started)
        HouseholdLink.objects.create(person=member, grid=west, households=12, starts_on=started)
    Assignment.objects.create(person=dave, role=Role.GRID_WORKER, area=west, starts_on=started)
    PartyOrg.objects.create(area=west, kind=PartyOrg.Kind.GRID_GROUP, name="西格党小组", leader=alice)
    PartyOrg.objects.create(area=east, kind=PartyOrg.Kind.GRID_GROUP, name="东格党小组")
    return tiny_city


def tiny_rows():
    return {row["code"]: row for row in grid_coverage("990001")}


@override_settings(COVERAGE_STATION_METRES=200)
def test_a_grid_meeting_every_rule_is_full_and_one_meeting_none_is_none(tiny_staffed):
    rows = tiny_rows()
    assert set(rows) == {WEST, EAST}
    assert rows[WEST]["status"] == "full"
    assert rows[WEST]["team_members"] == 3 and rows[WEST]["linked_households"] == 36
    assert rows[EAST]["status"] == "none"
    assert not any(rows[EAST][f"ok_{rule}"] for rule in RULES)
    assert float(rows[EAST]["station_metres"]) == pytest.approx(420, rel=0.05)


@override_settings(COVERAGE_STATION_METRES=200)
def test_a_grid_meeting_some_rules_is_partial(tiny_staffed):
    erin = Person.objects.create(name="赵艾琳", phone="13800000009")
    Assignment.objects.create(person=erin, role=Role.GRID_WORKER, area=tiny_staffed[EAST])
    rows = tiny_rows()
    assert rows[EAST]["status"] == "partial"
    assert rows[EAST]["ok_grid_worker"] and not rows[EAST]["ok_service_team"]


@override_settings(COVERAGE_STATION_METRES=200)
def test_service_team_members_who_are_not_party_members_do_not_count(tiny_staffed):
    Person.objects.filter(name="李博").update(is_party_member=False)
    rows = tiny_rows()
    assert rows[WEST]["team_members"] == 2
    assert not rows[WEST]["ok_service_team"] and rows[WEST]["status"] == "partial"


@override_settings(COVERAGE_STATION_METRES=500, COVERAGE_RULES=("station",))
def test_a_station_within_the_distance_of_a_grids_edge_serves_it(tiny_staffed):
    rows = tiny_rows()
    assert rows[EAST]["ok_station"] and rows[EAST]["status"] == "full"


def test_a_grid_without_households_passes_the_household_rule(tiny_staffed):
    Area.objects.filter(code=EAST).update(households=None)
    assert tiny_rows()[EAST]["ok_households"]


@override_settings(COVERAGE_STATION_METRES=200)
def test_with_every_rule_off_every_grid_is_full(tiny_staffed):
    # Under every rule the west grid is full and the east grid none; with none, both are full.
    with override_settings(COVERAGE_RULES=()):
        assert {row["status"] for row in tiny_rows().values()} == {"full"}
        (row,) = summary("990001", "district")
    assert row["full"] == row["grids"] == 2
    assert row["partial"] == row["none"] == 0


# --- roll-up -------------------------------------------------------------------------------------

FIGURES = ("grids", "full", "partial", "none")


def test_the_streets_add_up_to_the_district(db):
    streets = summary(DISTRICT, "street")
    district = district_figures()
    assert {street["code"] for street in streets} == {code[:9] for code in grids().values_list("code", flat=True)}
    for figure in FIGURES:
        assert sum(street[figure] for street in streets) == district[figure]
    for rule in RULES:
        assert sum(street["failed"][rule] for street in streets) == district["failed"][rule]


def test_the_communities_of_a_street_add_up_to_the_street(db):
    street = f"{DISTRICT}001"
    communities = summary(street, "community")
    (row,) = summary(street, "street")
    assert {c["code"] for c in communities} == set(
        Area.objects.within(street).filter(level="community").values_list("code", flat=True)
    )
    for figure in FIGURES:
        assert sum(c[figure] for c in communities) == row[figure]


def test_each_grid_is_counted_once_in_its_community(db):
    for community in summary(f"{DISTRICT}002", "community"):
        assert community["grids"] == grids(community["code"]).count()


def test_the_shares_are_fractions_of_the_grids_that_add_to_one(db):
    for row in [district_figures(), *summary(DISTRICT, "street")]:
        shares = row["shares"]
        assert set(shares) == {"full", "partial", "none"}
        assert all(0 <= share <= 1 for share in shares.values())
        assert sum(shares.values()) == pytest.approx(1, abs=2e-4)
        assert shares["full"] == pytest.approx(row["full"] / row["grids"], abs=1e-4)
        assert row["full"] + row["partial"] + row["none"] == row["grids"]


def staff_completely(city, grid):
    """Every rule met in a grid of a drawn city: a Party group with its leader, three Party members
    in its service team linking 90 of its 100 households, a grid worker and a station inside it."""
    team = [city.person(name) for name in ("陈一", "陈二", "陈三")]
    for member in team:
        city.serve(member, Role.SERVICE_TEAM_MEMBER, grid)
        city.link(member, grid, households=30)
    city.serve(city.person("林网格"), Role.GRID_WORKER, grid)
    city.party_group(grid, leader=team[0])
    city.station(f"{grid.name}服务站", grid)


def test_the_summary_api_gives_one_row_per_street_and_town_on_request(drawn_city):
    # Zhou leads the drawn city: streets 001 and 002 and town 101, each of 2 communities × 2 grids,
    # and the first grid of street 001 is the only one staffed completely.
    staff_completely(drawn_city, drawn_city.grids[0])
    client = Client()
    client.force_login(drawn_city.account("zhou", "周立德", Role.LEADER, drawn_city.district))
    body = client.get("/api/v1/coverage/summary/", {"within": drawn_city.code, "level": "street"}).json()
    assert [(row["code"], row["grids"], row["full"]) for row in body["areas"]] == [
        (f"{drawn_city.code}001", 4, 1),
        (f"{drawn_city.code}002", 4, 0),
        (f"{drawn_city.code}101", 4, 0),
    ]
    assert body["all_rules"] == list(RULES)


@pytest.fixture
def zhou(drawn_city):
    """A client of 周立德, who leads the drawn city, whose first grid is staffed completely."""
    staff_completely(drawn_city, drawn_city.grids[0])
    client = Client()
    client.force_login(drawn_city.account("zhou", "周立德", Role.LEADER, drawn_city.district))
    return client


# --- GeoJSON -------------------------------------------------------------------------------------


def test_the_coverage_of_a_community_is_a_feature_collection_with_one_feature_per_grid(drawn_city, zhou):
    community = drawn_city.communities[0].code  # its first grid full, the other not
    response = zhou.get("/api/v1/coverage/grids/", {"within": community})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    expected = {row["code"]: row for row in grid_coverage(community)}
    assert [feature["id"] for feature in body["features"]] == sorted(grids(community).values_list("code", flat=True))
    for feature in body["features"]:
        props, row = feature["properties"], expected[feature["id"]]
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert props["status"] == row["status"] in {"full", "partial", "none"}
        assert props["rules"] == {rule: row[f"ok_{rule}"] for rule in RULES}
    assert {feature["properties"]["status"] for feature in body["features"]} > {"full"}


def test_gdal_reads_the_coverage_geojson_with_one_feature_per_grid(drawn_city, zhou, tmp_path):
    community = drawn_city.communities[0].code
    response = zhou.get("/api/v1/coverage/grids/", {"within": community})
    path = tmp_path / "coverage.geojson"
    path.write_bytes(response.content)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    (count,) = re.findall(r"^Feature Count: (\d+)$", result.stdout, re.MULTILINE)
    assert int(count) == grids(community).count() > 1
    assert re.search(r"^status: String", result.stdout, re.MULTILINE)
    assert "Geometry: Multi Polygon" in result.stdout


# --- history -------------------------------------------------------------------------------------


@override_settings(COVERAGE_STATION_METRES=200)
def test_a_grid_worker_whose_assignment_ended_no_longer_counts(tiny_staffed):
    # 刘大卫 is the west grid's only grid worker; his assignment ended yesterday.
    assert tiny_rows()[WEST]["status"] == "full"
    ended = Assignment.objects.filter(person__name="刘大卫", role=Role.GRID_WORKER)
    assert ended.update(ends_on=today() - timedelta(days=1)) == 1
    row = tiny_rows()[WEST]
    assert row["grid_workers"] == 0 and not row["ok_grid_worker"]
    assert row["status"] == "partial"


@override_settings(COVERAGE_STATION_METRES=200)
def test_a_service_team_member_whose_assignment_ends_today_no_longer_counts(tiny_staffed):
    # The west grid's team is 张爱丽, 李博 and 王卡萝; 李博's assignment ends today, the first day
    # he no longer serves (an end date is exclusive).
    ending = Assignment.objects.filter(person__name="李博", role=Role.SERVICE_TEAM_MEMBER)
    assert ending.update(ends_on=today()) == 1
    row = tiny_rows()[WEST]
    assert row["team_members"] == 2 and not row["ok_service_team"]


def test_a_summary_level_above_the_area_asked_for_is_refused(drawn_city, zhou):
    response = zhou.get("/api/v1/coverage/summary/", {"within": drawn_city.communities[0].code, "level": "district"})
    assert response.status_code == 400 and response.json()["field"] == "level"
