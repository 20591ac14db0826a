"""A work unit's quarterly report (双报到 feedback): its members' registration, services, hours,
points, activities and contacts in the quarter, the year to date against the district's minimums,
as CSV and as a PDF in Chinese; and who may read it.

The hand-made ledger of 方格市第一中学's members, 2026 (Q2 is April to June):
- 李明 (li): Q2 services of 90 min rated 5 and 150 min rated 3, an activity of 3 h, a correction of
  −0.5 h and −0.5 points, two household visits; Q1 a service of 60 min unrated, an activity of 2 h
  and a visit; Q3 (after the report) a service of 120 min;
- 张华 (zhang): a Q2 service of 60 min, unrated;
- 钱多 (qian), registered in the street's other community: nothing.
"""

import csv
import io
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from PIL import Image

from grids.models import Area, Role, WorkUnit
from grids.scopes import Scope
from volunteers.models import LedgerEntry
from volunteers.reports import CSV_COLUMNS, Quarter, report

from .making import attended, contact_of, corrected, d, served, visited

Q2 = Quarter(2026, 2)


@pytest.fixture
def ledger_of_the_school(cast):
    li, zhang = cast.person["li"], cast.person["zhang"]
    community, grid = cast.community, cast.grid
    served(li, community, grid, d("2026-04-10"), 90, rating=5)
    served(li, community, grid, d("2026-05-20"), 150, rating=3)
    attended(li, community, d("2026-06-01"), 3)
    corrected(li, community, d("2026-06-15"), "-0.5", "-0.5")
    visited(li, d("2026-04-03"))
    visited(li, d("2026-06-30"))
    served(li, community, grid, d("2026-02-01"), 60)
    attended(li, community, d("2026-03-01"), 2)
    visited(li, d("2026-03-31"))
    served(li, community, grid, d("2026-07-01"), 120)
    served(zhang, community, grid, d("2026-05-05"), 60)
    return cast


@pytest.fixture
def school_contact(cast):
    return contact_of(cast.city, cast.school, "school_contact", "吴老师")


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def rows_by_name(rows):
    return {row["name"]: row for row in rows}


def test_the_quarter_figures_of_a_member_are_the_sums_of_their_ledger(ledger_of_the_school, school_contact):
    cast = ledger_of_the_school
    rows = rows_by_name(report(Scope.for_user(school_contact), cast.school, Q2).rows)
    li = rows["李明"]
    assert (li["services"], li["rated_services"], li["average_rating"]) == (2, 2, Decimal("4.00"))
    assert (li["service_hours"], li["activity_hours"], li["correction_hours"]) == (
        Decimal("4.00"), Decimal("3.00"), Decimal("-0.50")
    )  # fmt: skip
    assert (li["activities"], li["contacts"]) == (1, 2)
    in_q2 = LedgerEntry.objects.filter(person=cast.person["li"], on__gte=Q2.since, on__lt=Q2.until)
    sums = in_q2.aggregate(hours=Sum("hours"), points=Sum("points"))
    assert (li["hours"], li["points"]) == (sums["hours"], sums["points"]) == (Decimal("6.50"), Decimal("10.50"))
    to_date = LedgerEntry.objects.filter(person=cast.person["li"], on__gte=d("2026-01-01"), on__lt=Q2.until)
    assert li["year_hours"] == to_date.aggregate(hours=Sum("hours"))["hours"] == Decimal("9.50")
    assert li["year_activities"] == 2


def test_a_member_with_nothing_credited_has_a_row_of_zeros_and_their_registration(ledger_of_the_school, school_contact):
    cast = ledger_of_the_school
    rows = rows_by_name(report(Scope.for_user(school_contact), cast.school, Q2).rows)
    assert set(rows) == {"李明", "张华", "钱多"}
    qian = rows["钱多"]
    assert (qian["services"], qian["hours"], qian["points"], qian["contacts"], qian["average_rating"]) == (
        0, 0, 0, 0, None
    )  # fmt: skip
    assert (qian["registered"], qian["community"], qian["grid"]) == (
        True,
        cast.other_community.name,
        cast.other_grid.name,
    )
    assert qian["registered_on"] == date(2020, 1, 1)
    assert rows["张华"]["average_rating"] is None and rows["张华"]["services"] == 1


def test_the_report_is_one_statement_whatever_the_number_of_members(
    ledger_of_the_school, school_contact, django_assert_num_queries
):
    scope = Scope.for_user(school_contact)
    unit = WorkUnit.objects.select_related("district").get(pk=ledger_of_the_school.school.pk)
    with django_assert_num_queries(1):
        report(scope, unit, Q2)


def test_the_minimums_are_measured_by_the_districts_rules(ledger_of_the_school, school_contact, settings):
    cast = ledger_of_the_school
    scope = Scope.for_user(school_contact)
    li = rows_by_name(report(scope, cast.school, Q2).rows)["李明"]
    assert (li["hours_met"], li["activities_met"], li["contacts_met"]) == (False, False, True)  # 50 h, 4, 2
    settings.POINTS_RULES = {cast.city.code: {"min_hours_a_year": 9.5, "min_activities_a_year": 2,
                                              "min_contacts_a_quarter": 3}}  # fmt: skip
    li = rows_by_name(report(scope, cast.school, Q2).rows)["李明"]
    assert (li["hours_met"], li["activities_met"], li["contacts_met"]) == (True, True, False)


def test_the_unit_totals_are_the_sums_of_the_rows(ledger_of_the_school, school_contact):
    cast = ledger_of_the_school
    made = report(Scope.for_user(school_contact), cast.school, Q2)
    totals = made.totals
    assert (totals["members"], totals["registered"], totals["services"]) == (3, 3, 3)
    school_q2 = LedgerEntry.objects.filter(person__work_unit=cast.school, on__gte=Q2.since, on__lt=Q2.until)
    assert totals["points"] == school_q2.aggregate(points=Sum("points"))["points"] == Decimal("11.50")
    assert totals["hours"] == Decimal("7.50") and totals["contacts_met"] == 1


def test_the_csv_has_its_columns_and_a_row_per_member(ledger_of_the_school, school_contact):
    cast = ledger_of_the_school
    answer = client_of(school_contact).get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert answer["Cache-Control"] == "private, no-store"
    lines = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert tuple(lines[0]) == CSV_COLUMNS
    rows = {line[0]: dict(zip(CSV_COLUMNS, line, strict=True)) for line in lines[1:]}
    assert set(rows) == {"李明", "张华", "钱多"}
    li = rows["李明"]
    assert (li["community"], li["registered"], li["registered_on"]) == (cast.community.name, "yes", "2020-01-01")
    assert (li["hours"], li["points"], li["average_rating"], li["contacts"]) == ("6.50", "10.50", "4.00", "2")
    assert (li["hours_met"], li["activities_met"], li["contacts_met"]) == ("not met", "not met", "met")


def test_a_name_that_a_spreadsheet_would_run_is_written_as_text(cast, school_contact):
    cast.city.person('=HYPERLINK("http://x","点击")', work_unit=cast.school)
    answer = client_of(school_contact).get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.csv")
    names = [line[0] for line in csv.reader(io.StringIO(b"".join(answer.streaming_content).decode()))]
    assert '\'=HYPERLINK("http://x","点击")' in names


def pdf_of(client, unit, slug, tmp_path):
    answer = client.get(f"/api/v1/work-units/{unit.pk}/reports/{slug}.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(answer.content)
    return path


def pdf_text(path, *options):
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_the_pdf_reads_in_chinese_addressed_to_the_units_party_organisation(
    ledger_of_the_school, school_contact, tmp_path
):
    cast = ledger_of_the_school
    text = pdf_text(pdf_of(client_of(school_contact), cast.school, "2026-Q2", tmp_path), "-layout")
    assert "致：方格市第一中学党委" in text
    assert f"{cast.city.district.name}在职党员“双报到”情况反馈表" in text
    assert "2026年第2季度（2026-04-01 至 2026-06-30）" in text
    for words in ("李明", "张华", "钱多", cast.community.name, "10.50", "6.50", "合计", "11.50", "7.50"):
        assert words in text, words
    flat = "".join(text.split())  # the rules' paragraph wraps where the page ends
    assert "全年服务时长不少于50.00小时" in flat and "每季度走访联系群众不少于2次" in flat


def test_the_pdf_is_an_a4_page_that_is_not_blank(ledger_of_the_school, school_contact, tmp_path):
    cast = ledger_of_the_school
    path = pdf_of(client_of(school_contact), cast.school, "2026-Q2", tmp_path)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert page.size in {(585, 413), (585, 414), (584, 413)}  # A4 landscape, 297 × 210 mm at 50 dpi
    dark = sum(page.histogram()[:128])
    assert dark > 2000  # the heading, the table's lines and its text


def test_a_long_report_goes_on_over_pages_with_its_heading_repeated(cast, school_contact, tmp_path):
    for number in range(70):
        member = cast.city.person(f"党员{number:02d}", work_unit=cast.school)
        cast.city.serve(member, Role.IN_SERVICE_MEMBER, cast.grid)
    path = pdf_of(client_of(school_contact), cast.school, "2026-Q2", tmp_path)
    pages = pdf_text(path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    assert all("姓名" in page for page in pages[:2])
    flat = "".join("".join(pages).split())
    assert "党员69" in flat
    assert "合计73人" in flat  # the total's members: 70, 李明, 张华, 钱多


@pytest.mark.parametrize("slug, field", [("2026-Q5", "quarter"), ("1999-Q1", "year"), ("2026-Q0", "quarter")])
def test_an_impossible_quarter_is_refused_naming_the_field(cast, school_contact, slug, field):
    answer = client_of(school_contact).get(f"/api/v1/work-units/{cast.school.pk}/reports/{slug}.csv")
    assert answer.status_code == 400 and answer.json()["field"] == field


# --- who reads it ------------------------------------------------------------------------------


@pytest.fixture
def hospital(cast):
    unit = WorkUnit.objects.create(name="方格市人民医院", district=cast.city.district, party_org="方格市人民医院党总支")
    nurse = cast.city.person("刘护士", work_unit=unit, home_community=cast.other_community)
    cast.city.serve(nurse, Role.IN_SERVICE_MEMBER, cast.other_grid)
    return unit


def test_a_work_unit_contact_reads_only_their_own_unit(cast, school_contact, hospital):
    client = client_of(school_contact)
    assert client.get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.csv").status_code == 200
    answer = client.get(f"/api/v1/work-units/{hospital.pk}/reports/2026-Q2.pdf")
    assert answer.status_code == 404 and answer.json()["field"] == "work_unit"
    assert client.get(f"/api/v1/volunteers/totals/?work_unit={hospital.pk}").status_code == 404


def test_a_work_unit_contact_sees_nothing_of_the_areas(cast, school_contact):
    client = client_of(school_contact)
    scope = Scope.for_user(school_contact)
    assert scope.work_units == (cast.school.pk,) and scope.read == () and not scope.sees_anything
    assert client.get(f"/api/v1/volunteers/totals/?within={cast.community.code}").status_code == 404
    assert client.get(f"/api/v1/areas/{cast.community.code}/").status_code == 404


def test_a_community_dispatcher_reads_the_members_of_their_areas_only(ledger_of_the_school, hospital):
    cast = ledger_of_the_school
    sun = cast["sun"]
    assert set(rows_by_name(report(Scope.for_user(sun), cast.school, Q2).rows)) == {"李明", "张华"}
    answer = client_of(sun).get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.csv")
    assert {line[0] for line in list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))[1:]} == {
        "李明", "张华"
    }  # fmt: skip
    # The hospital's one member lives and serves in the other community: not sun's to read.
    assert client_of(sun).get(f"/api/v1/work-units/{hospital.pk}/reports/2026-Q2.csv").status_code == 404


def test_an_outsider_gets_404_for_the_report_the_totals_and_a_ledger(cast):
    city = cast.city
    outsider = city.account(f"{city.code}_outsider", "外人", Role.GRID_WORKER, city.grids_of(city.communities[-1])[0])
    client = client_of(outsider)
    assert client.get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.pdf").status_code == 404
    assert client.get(f"/api/v1/volunteers/totals/?work_unit={cast.school.pk}").status_code == 404
    assert client.get(f"/api/v1/volunteers/ledger/?person={cast.person['li'].pk}").status_code == 404
    assert Client().get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.pdf").status_code in (401, 403)


def test_an_analyst_reads_the_figures_without_where_the_members_live(ledger_of_the_school):
    cast = ledger_of_the_school
    analyst = cast.city.account(f"{cast.city.code}_analyst", "分析员", Role.ANALYST, cast.city.district)
    li = rows_by_name(report(Scope.for_user(analyst), cast.school, Q2).rows)["李明"]
    assert li["points"] == Decimal("10.50") and li["registered"]
    assert (li["community"], li["grid"], li["registered_on"]) == (None, None, None)
    leader = cast.city.account(f"{cast.city.code}_leader", "领导", Role.LEADER, cast.city.district)
    assert (
        rows_by_name(report(Scope.for_user(leader), cast.school, Q2).rows)["李明"]["community"] == cast.community.name
    )


def test_the_contact_role_must_name_its_work_unit_at_the_database(cast):
    from django.db import IntegrityError, transaction

    from grids.models import Assignment

    person = cast.city.person("无单位联系人")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(person=person, role=Role.WORK_UNIT_CONTACT, area=cast.city.district)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(person=person, role=Role.GRID_WORKER, area=cast.grid, work_unit=cast.school)
    assert Area.objects.filter(code=cast.city.code).exists()


def test_a_unit_without_members_still_gets_its_report_saying_so(cast, hospital, tmp_path):
    empty = WorkUnit.objects.create(name="方格市档案馆", district=cast.city.district)
    contact = contact_of(cast.city, empty, "archive_contact", "档案馆联系人")
    flat = "".join(pdf_text(pdf_of(client_of(contact), empty, "2026-Q1", tmp_path)).split())
    assert "致：方格市档案馆" in flat and "本季度无在职党员记录" in flat and "合计0人" in flat


def test_a_contact_whose_role_has_ended_reads_nothing_more(cast):
    from grids.models import Assignment

    contact = contact_of(cast.city, cast.school, "former_contact", "前联系人")
    Assignment.objects.filter(person__user=contact).update(ends_on=date(2021, 1, 1))
    answer = client_of(contact).get(f"/api/v1/work-units/{cast.school.pk}/reports/2026-Q2.csv")
    assert answer.status_code == 404 and Scope.for_user(contact).work_units == ()
