"""The Party members' and volunteers' figures: one statement per level agrees with a plain Python
count of hand-made rows (requests in every state, ledger rows, visits, meetings, work units), and the
API, the CSV export and the dashboard give the same numbers, inside the caller's scope."""

import csv
import io
import statistics
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from grids.duty_weeks import week_is_due
from grids.models import CODE_LENGTH, Level, PartyMeeting, Visit
from volunteers.figures import FIGURES, meetings_held, volunteer_figures, volunteer_totals
from volunteers.models import LedgerEntry, ServiceRequest

SINCE, UNTIL = date(2026, 3, 1), date(2026, 4, 1)  # a Sunday to a Wednesday: five Mondays, 2 to 30 March
QUERY = {"since": "2026-03-01", "until": "2026-04-01"}
ZONE = ZoneInfo(settings.TIME_ZONE)


def at(day, hour=10):
    return datetime(2026, *day, hour, tzinfo=ZONE)


class Book:
    """Rows written for a test, made through the ORM, with counters for the unique fields."""

    def __init__(self, cast):
        self.cast, self.n = cast, 0

    def request(self, where, asked_at, volunteer=None, offered=None, claimed=None, done=None, rating=None, **kw):
        """A request in `where` (a grid, or a community for one with no grid); `offered`, `claimed` and
        `done` are hours after asking."""
        self.n += 1
        grid = where if where.level == Level.GRID else None

        def moment(hours):
            return None if hours is None else asked_at + timedelta(hours=hours)

        status = "confirmed" if done is not None else "claimed" if claimed is not None else kw.pop("status", "offered")
        return ServiceRequest.objects.create(
            tracking_code=f"F{self.n:05d}", client_id=uuid.uuid4(), channel="resident",
            community=where if grid is None else grid.parent, grid=grid, kind="errands", description="买菜",
            for_whom="elderly_alone", asked_at=asked_at, status=status, volunteer=volunteer,
            offered_at=moment(offered), claimed_at=moment(claimed), done_at=moment(done), rating=rating, **kw,
        )  # fmt: skip

    def credit(self, person, on, hours, points, grid=None, community=None, request=None, kind=None, work_unit=True):
        community = community or (grid.parent if grid else None)
        return LedgerEntry.objects.create(
            person=person, kind=kind or ("service_hours" if request else "correction"), on=on,
            hours=Decimal(hours), points=Decimal(points), district=self.cast.city.district, community=community,
            grid=grid, work_unit_id=person.work_unit_id if work_unit else None, request=request, note="记账",
        )  # fmt: skip

    def visit(self, link, day):
        return Visit.objects.create(
            client_id=uuid.uuid4(), link=link, person=link.person, grid=link.grid, visited_on=day, households_reached=3
        )

    def meeting(self, area, kind, day, attendees=()):
        meeting = PartyMeeting.objects.create(client_id=uuid.uuid4(), area=area, kind=kind, held_on=day)
        meeting.attendees.set(attendees)
        return meeting


@pytest.fixture
def book(cast):
    """Two communities' worth of work in March 2026, and some just outside it."""
    b, p, city = Book(cast), cast.person, cast.city
    grid, grid2 = city.grids_of(cast.community)
    far_grid = city.grids_of(city.communities_of(city.streets[1])[0])[0]
    street = city.streets[0]
    one = b.request(grid, at((3, 3)), p["li"], offered=1, claimed=3, done=50, rating=5)
    b.request(grid, at((3, 5)), p["zhang"], offered=2, claimed=5, done=26, rating=3)
    b.request(grid, at((3, 10)), offered=1)  # offered, nobody has claimed it
    b.request(grid, at((3, 12)), status="refused", reason="不在服务范围")
    b.request(grid, at((3, 13)), status="asked")  # waiting for review
    six = b.request(grid2, at((3, 15)), p["zhao"], claimed=4, done=30, rating=4)  # assigned directly, never offered
    b.request(cast.community, at((3, 20)), p["chen"], offered=1, claimed=2, done=8)  # no grid; done, not rated
    b.request(cast.other_grid, at((3, 25)), p["qian"], offered=3, claimed=4, done=5, rating=1)
    b.request(far_grid, at((3, 31), 23), offered=1)  # the last hour of the period
    b.request(grid, at((2, 28), 23), p["li"], offered=1, claimed=2, done=3, rating=5)  # asked before it
    b.request(grid, datetime(2026, 4, 1, 0, 0, tzinfo=ZONE), offered=1)  # asked at its end: after it

    b.credit(p["li"], date(2026, 3, 5), "2", "2", grid=grid, request=one)
    b.credit(p["li"], date(2026, 3, 5), "0", "2", grid=grid, request=one, kind="rated_service")
    b.credit(p["zhao"], date(2026, 3, 16), "1.5", "1.5", grid=grid2, request=six)
    b.credit(p["li"], date(2026, 3, 20), "-0.5", "-1", community=cast.community)  # a correction, no grid
    b.credit(p["qian"], date(2026, 3, 31), "3", "3", grid=cast.other_grid)
    b.credit(p["chen"], date(2026, 3, 9), "1", "1", community=None, work_unit=False)  # the district's own
    b.credit(p["qian"], date(2026, 4, 1), "9", "9", grid=cast.other_grid)  # after the period

    links = {link.person.name: link for link in p["li"].household_links.all() | p["zhang"].household_links.all()}
    li, zhang = links["李明"], links["张华"]
    qian = p["qian"].household_links.get()
    late = cast.city.link(p["zhao"], grid2, 20, starts_on=date(2026, 3, 18))  # from a Wednesday: owes 2 weeks
    early = cast.city.link(p["chen"], grid2, 10, starts_on=date(2025, 1, 1), ends_on=date(2026, 3, 10))  # 1 week
    # links at the edges of the weeks, in the far street: from a Monday, to a Monday, before, after
    for starts_on, ends_on in (
        (date(2026, 3, 9), None),
        (date(2025, 6, 1), date(2026, 3, 16)),
        (date(2025, 6, 1), date(2026, 3, 2)),
        (date(2026, 3, 31), None),
        (date(2025, 1, 1), date(2026, 2, 1)),
        (date(2026, 4, 6), None),
    ):
        edge = cast.city.link(p["qian"], far_grid, 5, starts_on=starts_on, ends_on=ends_on)
        b.visit(edge, starts_on + timedelta(days=2))
    for link, days in (
        (li, [(3, 2), (3, 4), (3, 17), (4, 2)]),  # 3 weeks: the 4th and the 2nd of April fall in owed weeks
        (zhang, [(3, 1), (3, 24)]),  # the 1st is in February's last week
        (qian, [(3, 10)]),
        (late, [(3, 19), (3, 25)]),  # the 19th's week began before the link did
        (early, [(3, 3)]),
    ):
        for month, day in days:
            b.visit(link, date(2026, month, day))

    b.meeting(grid, "analysis", date(2026, 3, 10), [p["li"]])
    b.meeting(cast.community, "analysis", date(2026, 3, 15), [p["li"], p["zhang"], p["zhao"]])
    b.meeting(cast.community, "training", date(2026, 3, 20), [p["zhao"]])
    b.meeting(cast.other_community, "analysis", date(2026, 3, 28), [p["qian"]])
    b.meeting(street, "training", date(2026, 3, 5))
    b.meeting(cast.other_grid, "analysis", date(2026, 4, 1), [p["qian"]])  # after the period
    return b


# --- the plain Python count, by the definitions of volunteers/figures.py -------------------------
def _mondays(since, until):
    day = since + timedelta(days=(7 - since.weekday()) % 7)
    while day < until:
        yield day
        day += timedelta(days=7)


def expected(prefix, level, since=SINCE, until=UNTIL):
    """{key: figures} counted row by row in Python: key is an area code cut to the level, or a work
    unit's id for level "work_unit"."""
    from grids.models import HouseholdLink

    by_unit = level == "work_unit"
    length = None if by_unit else CODE_LENGTH[Level(level)]
    rows = {}

    def row(key):
        return rows.setdefault(key, {"hours": Decimal(0), "points": Decimal(0), "claim": [], "complete": []})

    def add(key, name, amount=1):
        if key is not None:
            r = row(key)
            r[name] = r.get(name, 0) + amount

    start = datetime.combine(since, datetime.min.time(), ZONE)
    end = datetime.combine(until, datetime.min.time(), ZONE)
    for r in ServiceRequest.objects.select_related("grid", "community", "volunteer"):
        code = (r.grid or r.community).code
        if not (code.startswith(prefix) and start <= r.asked_at < end):
            continue
        if by_unit:
            key = r.volunteer.work_unit_id if r.volunteer else None
        else:
            key = code[:length]
        if key is None:
            continue
        add(key, "received")
        add(key, "accepted", r.offered_at is not None)
        add(key, "claimed", r.claimed_at is not None)
        add(key, "completed", r.done_at is not None)
        add(key, "rated", r.rating is not None)
        add(key, "satisfied", r.rating is not None and r.rating >= 4)
        if r.claimed_at and r.offered_at:
            row(key)["claim"].append((r.claimed_at - r.offered_at).total_seconds() / 3600)
        if r.done_at:
            row(key)["complete"].append((r.done_at - r.asked_at).total_seconds() / 3600)
    for e in LedgerEntry.objects.select_related("grid", "community", "district"):
        code = (e.grid or e.community or e.district).code
        if not (code.startswith(prefix) and since <= e.on < until):
            continue
        key = e.work_unit_id if by_unit else code[:length]
        if key is not None:
            row(key)["hours"] += e.hours
            row(key)["points"] += e.points

    for link in HouseholdLink.objects.select_related("grid", "person"):
        if not link.grid.code.startswith(prefix):
            continue
        key = link.person.work_unit_id if by_unit else link.grid.code[:length]
        weeks = {v.visited_on - timedelta(days=v.visited_on.weekday()) for v in link.visits.all()}
        for monday in _mondays(since, until):
            if week_is_due(link.starts_on, link.ends_on, monday):
                add(key, "visits_due")
                add(key, "visits_done", monday in weeks)
    for m in PartyMeeting.objects.select_related("area").prefetch_related("attendees"):
        if not (m.area.code.startswith(prefix) and since <= m.held_on < until):
            continue
        keys = {a.work_unit_id for a in m.attendees.all()} - {None} if by_unit else {m.area.code[:length]}
        for key in keys:
            add(key, "analysis_meetings" if m.kind == "analysis" else "trainings")
    for r in rows.values():
        for name in ("received", "accepted", "claimed", "completed", "rated", "satisfied"):
            r.setdefault(name, 0)
        for name in ("visits_due", "visits_done", "analysis_meetings", "trainings"):
            r.setdefault(name, 0)
        r["hours"], r["points"] = float(r["hours"]), float(r["points"])
        r["median_hours_to_claim"] = round(statistics.median(r["claim"]), 2) if r["claim"] else None
        r["median_hours_to_complete"] = round(statistics.median(r["complete"]), 2) if r["complete"] else None
        r["satisfaction"] = round(r["satisfied"] / r["rated"], 4) if r["rated"] else None
        r["visits_share"] = round(r["visits_done"] / r["visits_due"], 4) if r["visits_due"] else None
        del r["claim"], r["complete"]
    return rows


def figures_by_key(rows, key="code"):
    return {row[key]: {name: row[name] for name in FIGURES} for row in rows}


# --- the statement against the plain count ---------------------------------------------------------
@pytest.mark.parametrize("level", ["district", "street", "community", "grid"])
def test_each_level_in_one_statement_equals_the_plain_count_of_the_rows(book, level):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    city = book.cast.city
    with CaptureQueriesContext(connection) as ran:
        rows = volunteer_figures([city.code], level, SINCE, UNTIL)
    assert [q["sql"].split()[0] for q in ran.captured_queries] == ["WITH"]  # one statement
    assert figures_by_key(rows) == expected(city.code, level)


@pytest.mark.parametrize(
    "since, until",
    [
        (date(2026, 3, 2), date(2026, 3, 30)),  # Monday to Monday
        (date(2026, 3, 3), date(2026, 3, 9)),  # Tuesday to Monday: no Monday in it
        (date(2026, 3, 9), date(2026, 3, 10)),  # one Monday
        (date(2026, 3, 10), date(2026, 3, 11)),  # one Tuesday
        (date(2026, 2, 1), date(2026, 5, 1)),
        (date(2025, 1, 1), date(2027, 1, 1)),
    ],
)
def test_the_visits_due_and_done_follow_the_links_in_force_each_whole_week(book, since, until):
    city = book.cast.city
    rows = figures_by_key(volunteer_figures([city.code], "grid", since, until))
    want = expected(city.code, "grid", since, until)
    assert {code: (r["visits_due"], r["visits_done"]) for code, r in rows.items()} == {
        code: (r["visits_due"], r["visits_done"]) for code, r in want.items()
    }


def test_the_rows_per_work_unit_equal_the_plain_count(book):
    rows = volunteer_figures([book.cast.city.code], "work_unit", SINCE, UNTIL)
    assert figures_by_key(rows, "work_unit") == expected(book.cast.city.code, "work_unit")
    (school,) = rows
    assert (school["name"], school["district"]) == ("方格市第一中学", book.cast.city.code)


def test_the_hand_counted_figures_of_the_first_community(book):
    figures = volunteer_figures([book.cast.community.code], "community", SINCE, UNTIL)[0]
    assert {k: figures[k] for k in ("received", "accepted", "claimed", "completed", "rated", "satisfied")} == {
        "received": 7, "accepted": 4, "claimed": 4, "completed": 4, "rated": 3, "satisfied": 2,
    }  # fmt: skip
    assert figures["satisfaction"] == round(2 / 3, 4)
    assert figures["median_hours_to_claim"] == 2.0  # 2, 3 and 1 hours after the offer
    assert figures["median_hours_to_complete"] == 28.0  # 50, 26, 30 and 8 hours after asking
    assert (figures["hours"], figures["points"]) == (3.0, 4.5)
    # li 3 of 5 weeks, zhang 1 of 5, zhao 1 of 2 (from 18 March), chen 1 of 1 (until 10 March: the
    # week of the 9th is not whole)
    assert (figures["visits_due"], figures["visits_done"]) == (13, 6)
    assert (figures["analysis_meetings"], figures["trainings"]) == (2, 1)


def test_a_request_counts_from_local_midnight_of_since_to_local_midnight_of_until(book):
    (district,) = volunteer_figures([book.cast.city.code], "district", SINCE, UNTIL)
    # the first community's 7, the other community's 1 and the far street's in the period's last hour;
    # not the one asked the evening before it began, nor the one asked at midnight as it ended
    assert district["received"] == 9
    (later,) = volunteer_figures([book.cast.city.code], "district", UNTIL, date(2026, 4, 2))
    assert later["received"] == 1


def test_at_the_grid_level_what_has_no_grid_is_a_row_of_its_community(book):
    rows = {row["code"]: row for row in volunteer_figures([book.cast.community.code], "grid", SINCE, UNTIL)}
    own = rows[book.cast.community.code]
    assert own["level"] == "community"
    assert (own["received"], own["hours"], own["analysis_meetings"], own["trainings"]) == (1, -0.5, 1, 1)
    assert {row["level"] for code, row in rows.items() if code != book.cast.community.code} == {"grid"}


def test_a_period_with_nothing_gives_no_rows_and_the_totals_are_zero(book):
    assert volunteer_figures([book.cast.city.code], "community", date(2025, 3, 1), date(2025, 3, 2)) == []
    totals = volunteer_totals([book.cast.community.code], date(2025, 3, 1), date(2025, 3, 2))
    assert totals["received"] == 0 and totals["satisfaction"] is None


def test_the_totals_of_two_communities_add_their_rows(book):
    codes = [book.cast.community.code, book.cast.other_community.code]
    totals = volunteer_totals(codes, SINCE, UNTIL)
    rows = volunteer_figures(codes, "community", SINCE, UNTIL)
    for name in ("received", "completed", "visits_due", "visits_done", "hours", "analysis_meetings"):
        assert totals[name] == pytest.approx(sum(row[name] for row in rows))


@pytest.mark.parametrize(
    "since, until", [(SINCE, UNTIL), (SINCE, SINCE + timedelta(days=10)), (UNTIL, date(2026, 5, 1))]
)
def test_the_meetings_held_alone_are_the_statements_own_counts(book, since, until):
    codes = [book.cast.community.code, book.cast.other_community.code]
    totals = volunteer_totals(codes, since, until)
    assert meetings_held(codes, since, until) == {k: totals[k] for k in ("analysis_meetings", "trainings")}
    assert meetings_held([book.cast.community.code], SINCE, UNTIL) == {"analysis_meetings": 2, "trainings": 1}


# --- the API and the CSV ----------------------------------------------------------------------------
def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(cast):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(f"{cast.city.code}_figures_admin")


@pytest.mark.parametrize("level", ["street", "grid", "work_unit"])
def test_the_api_and_the_csv_give_the_figures_of_the_statement(book, admin, level):
    city = book.cast.city
    query = QUERY | {"within": city.code} | ({"by": level} if level == "work_unit" else {"level": level})
    client = _client(admin)
    answer = client.get("/api/v1/figures/volunteers/", query)
    assert answer.status_code == 200, answer.content
    key = "work_unit" if level == "work_unit" else "code"
    want = expected(city.code, level)
    assert figures_by_key(answer.json(), key) == want

    export = client.get("/api/v1/export/volunteers.csv", query)
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(lines) == len(want)
    for line in lines:
        figures = want[int(line[key]) if key == "work_unit" else line[key]]
        for name in FIGURES:
            value = figures[name]
            assert (float(line[name]) if line[name] != "" else None) == (None if value is None else float(value)), name


def test_a_community_dispatcher_sees_their_community_only(book):
    sun = _client(book.cast["sun"])
    rows = sun.get("/api/v1/figures/volunteers/", QUERY | {"level": "grid"}).json()
    assert rows and all(row["code"].startswith(book.cast.community.code) for row in rows)
    assert figures_by_key(rows) == expected(book.cast.community.code, "grid")
    other = sun.get("/api/v1/figures/volunteers/", QUERY | {"level": "grid", "within": book.cast.other_community.code})
    assert other.status_code == 404
    units = sun.get("/api/v1/figures/volunteers/", QUERY | {"by": "work_unit"}).json()
    assert figures_by_key(units, "work_unit") == expected(book.cast.community.code, "work_unit")


def test_a_level_above_the_callers_area_is_refused_naming_the_level(book):
    answer = _client(book.cast["sun"]).get("/api/v1/figures/volunteers/", QUERY | {"level": "street"})
    assert answer.status_code == 400
    assert answer.json()["field"] == "level"


@pytest.mark.parametrize(
    "query, field",
    [
        ({"since": "2026-03-01", "until": "2026-03-01", "level": "grid"}, "until"),
        ({"since": "2020-01-01", "until": "2026-03-01", "level": "grid"}, "until"),
        ({"since": "2026-03-01", "until": "2026-04-01"}, "level"),
        ({"since": "2026-13-01", "until": "2026-04-01", "level": "grid"}, "since"),
        ({"since": "2026-03-01", "until": "2026-04-01", "level": "grid", "within": "12"}, "within"),
        ({"since": "2026-03-01", "until": "2026-04-01", "by": "person"}, "by"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(admin, query, field):
    for path in ("/api/v1/figures/volunteers/", "/api/v1/export/volunteers.csv"):
        answer = _client(admin).get(path, query)
        assert answer.status_code == 400, (path, answer.content)
        assert field in answer.content.decode()


def test_the_figures_need_a_login(db):
    assert Client().get("/api/v1/figures/volunteers/", QUERY | {"level": "grid"}).status_code in (401, 403)


def test_a_cell_a_spreadsheet_would_run_is_made_text_in_the_csv(book, admin):
    book.cast.school.name = "=HYPERLINK(1)"
    book.cast.school.save()
    query = QUERY | {"by": "work_unit", "within": book.cast.city.code}
    export = _client(admin).get("/api/v1/export/volunteers.csv", query)
    (line,) = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    assert line["name"] == "'=HYPERLINK(1)"


# --- the dashboard ----------------------------------------------------------------------------------
def test_the_dashboard_shows_the_party_members_section_for_its_area(cast):
    from django.utils import timezone

    from maps.dashboard import months_back

    b, p = Book(cast), cast.person
    grid = cast.grid
    today = timezone.localdate()
    first = months_back(today, 12)[0]
    last_month = months_back(today, 2)[0]
    now = timezone.now()
    b.request(grid, now - timedelta(days=3), p["li"], offered=1, claimed=2, done=10, rating=5)
    b.request(grid, now - timedelta(days=2), offered=1)
    b.request(cast.other_grid, now - timedelta(days=2), p["qian"], offered=1, claimed=2, done=10, rating=2)
    b.meeting(grid, "analysis", last_month + timedelta(days=3), [p["li"]])
    b.meeting(cast.community, "analysis", last_month + timedelta(days=5))
    b.visit(p["li"].household_links.get(), today - timedelta(days=today.weekday()))

    page = _client(cast["sun"]).get("/")
    assert page.status_code == 200
    section = page.context["party_members"]
    totals = volunteer_totals([cast.community.code], first, today + timedelta(days=1))
    assert section["figures"] == totals
    assert (section["figures"]["received"], section["figures"]["completed"]) == (2, 1)
    assert section["meetings_last_month"] == 2
    html = page.content.decode()
    assert 'id="party-members"' in html
    assert "/api/v1/export/volunteers.csv?" in html and f"within={cast.community.code}" in html
