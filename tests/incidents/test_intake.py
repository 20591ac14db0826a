"""Grid workers report cases: exactly once, in the right grid, at the right place, or a clear refusal
that leaves nothing behind."""

import io
import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone, translation
from PIL import Image

from govgrid.lib import coords
from govgrid.lib.worktime import add_working_hours
from grids.models import Assignment, Role
from incidents.models import Category, DailySequence, Incident, IncidentEvent, IncidentPhoto
from tests.conftest import post_json
from tests.incidents.browsing import token_of

pytestmark = pytest.mark.usefixtures("media")  # every test's photos in its own directory

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

# A point in no grid: east of 邓州市 (which ends at 112.35° E) and over 30 km north-east of the
# drawn cities (tests/conftest.py: DRAWN_ORIGIN; tests/incidents/conftest.py: SERVED_CITY).
NOWHERE = (113.0, 32.9)


def distinct_png(n):
    """A PNG whose one pixel differs from the others': another picture, not the same one again."""
    output = io.BytesIO()
    Image.new("RGB", (1, 1), (n, 0, 0)).save(output, "PNG")
    return output.getvalue()


def pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


def inside(grid):
    point = grid.geom.point_on_surface
    return point.x, point.y


def report(lon, lat, **fields):
    return {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "路边暴露垃圾",
        "lon": lon,
        "lat": lat,
        "accuracy_m": 8,
    } | fields


@pytest.fixture
def worker(city):
    return city.client("grid_worker")


@pytest.fixture
def grid(city):
    """grid_worker's grid in the drawn city."""
    return city.grid_of("grid_worker")


def post(client, body, **extra):
    return client.post("/api/v1/incidents/", body, content_type="application/json", **extra)


def nothing_written(before):
    assert Incident.objects.count() == before["incidents"]
    assert DailySequence.objects.filter(last__gt=0).count() == before["sequences"]


@pytest.fixture
def counts(db):
    return {"incidents": Incident.objects.count(), "sequences": DailySequence.objects.filter(last__gt=0).count()}


def test_a_report_creates_a_case_in_the_grid_it_was_made_in(city, worker, grid):
    response = post(worker, report(*inside(grid)))
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(rf"{city.code}-\d{{8}}-\d{{4}}", body["code"])
    assert body["grid"]["code"] == grid.code and body["community"]["code"] == grid.code[:12]
    assert body["street"]["code"] == grid.code[:9]
    assert (body["status"], body["level"]) == ("reported", "grid")
    incident = Incident.objects.get(code=body["code"])
    hours = Category.objects.get(code="0301").deadline_grid_hours
    assert incident.due_at == add_working_hours(incident.received_at, hours)  # 0301 counts working time
    assert list(IncidentEvent.objects.filter(incident=incident).values_list("action", "to_status")) == [
        ("report", "reported")
    ]
    # The answer's chain comes from the write's row; it names the areas as the case's page does.
    areas = {area.level: {"code": area.code, "name": area.name} for area in incident.grid.chain()}
    page = worker.get(f"/api/v1/incidents/{body['code']}/").json()
    for level in ("grid", "community", "street"):
        assert body[level] == areas[level] == page[level]


def test_the_same_report_again_answers_200_with_the_same_case(worker, grid):
    body = report(*inside(grid))
    first = post(worker, body).json()
    again = post(worker, body)
    assert again.status_code == 200 and again.json()["code"] == first["code"]
    assert Incident.objects.filter(client_id=body["client_id"]).count() == 1


def test_a_different_report_under_a_used_client_id_is_409(worker, grid, counts):
    body = report(*inside(grid))
    post(worker, body)
    response = post(worker, body | {"description": "另一件事"})
    assert response.status_code == 409
    assert response.json()["field"] == "client_id" and response.json()["code"] == "client_id_reused"
    assert Incident.objects.count() == counts["incidents"] + 1


def test_another_worker_cannot_claim_a_used_client_id(city, worker, grid):
    body = report(*inside(grid))
    post(worker, body)
    assert post(city.client("grid_worker_2"), body).status_code == 409


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_shifted_location_lands_within_a_metre_of_its_wgs84_origin(worker, grid, crs):
    lon, lat = inside(grid)
    sent = coords.from_wgs84(lon, lat, crs)
    body = post(worker, report(*sent, crs=crs)).json()
    incident = Incident.objects.get(code=body["code"])
    metres = incident.location.transform(32649, clone=True).distance(
        Point(lon, lat, srid=4326).transform(32649, clone=True)
    )
    assert metres < 1.0
    assert (incident.input_lon, incident.input_lat, incident.input_crs) == (sent[0], sent[1], crs)


def test_a_report_outside_the_city_is_422_naming_the_nearest_grid(city, worker, counts):
    response = post(worker, report(*NOWHERE))
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "location" and "不在任何网格内" in body["detail"]
    assert body["nearest_grid"].startswith(city.code) and body["distance_m"] > 30_000
    nothing_written(counts)


def test_a_report_in_someone_elses_grid_is_403_naming_the_location(city, worker, counts):
    response = post(worker, report(*inside(city.grid_of("grid_worker_2"))))
    assert response.status_code == 403 and response.json()["field"] == "location"
    nothing_written(counts)


def test_a_leader_may_look_but_not_report(city, grid, counts):
    assert post(city.client("leader"), report(*inside(grid))).status_code == 403
    nothing_written(counts)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "9999"}, "category"),
        ({"category": "03"}, "category"),
        ({"lon": 200}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"description": ""}, "description"),
        ({"crs": "mars"}, "crs"),
        ({"accuracy_m": -1}, "accuracy_m"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(worker, grid, counts, change, field):
    response = post(worker, report(*inside(grid)) | change)
    assert response.status_code == 400 and response.json()["field"] == field
    nothing_written(counts)


def test_a_report_time_in_the_future_is_refused(worker, grid, counts):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = post(worker, report(*inside(grid), reported_at=future))
    assert response.status_code == 400 and response.json()["field"] == "reported_at"


def test_poor_accuracy_is_accepted_and_flagged(worker, grid):
    body = post(worker, report(*inside(grid), accuracy_m=450)).json()
    assert body["low_accuracy"] is True
    assert post(worker, report(*inside(grid), accuracy_m=20)).json()["low_accuracy"] is False


def multipart(client, body, files):
    return client.post("/api/v1/incidents/", body | {"photos": files})


def png(name="photo.png", data=PNG):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_photos_come_with_the_report_and_the_same_picture_is_kept_once(worker, grid):
    response = multipart(worker, report(*inside(grid)), [png(), png("again.png")])
    assert response.status_code == 201
    incident = Incident.objects.get(code=response.json()["code"])
    assert incident.photos.count() == 1 and incident.photos.get().content_type == "image/png"
    photo_url = response.json()["photos"][0]["url"]
    assert pixels(worker.get(photo_url).getvalue()) == pixels(PNG)


def test_a_file_that_is_not_a_picture_refuses_the_whole_report(worker, grid, counts, media):
    response = multipart(worker, report(*inside(grid)), [png("fake.jpg", b"hello, not a picture")])
    assert response.status_code == 400 and response.json()["field"] == "photos"
    nothing_written(counts)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_photo_over_the_limit_is_refused(worker, grid, counts, settings):
    settings.PHOTO_MAX_BYTES = 40
    response = multipart(worker, report(*inside(grid)), [png()])
    assert response.status_code == 400 and response.json()["code"] == "photo_too_large"
    nothing_written(counts)


def test_a_photo_sent_again_to_a_case_is_kept_once(worker, grid):
    code = post(worker, report(*inside(grid))).json()["code"]
    first = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png()})
    again = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png("retry.png")})
    assert (first.status_code, again.status_code) == (201, 200)
    assert IncidentPhoto.objects.filter(incident__code=code).count() == 1


def test_open_cases_of_the_same_kind_nearby_are_offered_as_possible_duplicates(worker, grid):
    lon, lat = inside(grid)
    first = post(worker, report(lon, lat)).json()["code"]
    near = post(worker, report(lon + 0.0003, lat)).json()  # about 28 m east
    assert [d["code"] for d in near["possible_duplicates"]] == [first]
    assert 20 < near["possible_duplicates"][0]["distance_m"] < 40
    other_kind = post(worker, report(lon, lat, category="0102")).json()
    assert other_kind["possible_duplicates"] == []


def test_the_ten_thousandth_case_of_a_day_gets_five_digits(worker, grid):
    from django.utils import timezone

    DailySequence.objects.update_or_create(
        district_code=grid.code[:6], day=timezone.localdate(), defaults={"last": 9999}
    )
    body = post(worker, report(*inside(grid))).json()
    assert body["code"] == f"{grid.code[:6]}-{timezone.localdate():%Y%m%d}-10000"
    assert Incident.objects.get(code=body["code"]).events.get().action == "report"


def test_codes_number_the_days_cases_in_order(worker, grid):
    first = post(worker, report(*inside(grid))).json()["code"]
    second = post(worker, report(*inside(grid))).json()["code"]
    if second[:-4] == first[:-4]:
        assert int(second[-4:]) == int(first[-4:]) + 1
    else:  # midnight fell between the two reports: a new day starts at 1
        assert second.endswith("-0001")


def test_the_residents_contact_is_shown_to_handlers_and_leaders_only(city, worker, grid):
    body = post(worker, report(*inside(grid), contact_name="张大爷", contact_phone="13812345678")).json()
    assert body["contact"] == {"name": "张大爷", "phone": "13812345678"}
    code = body["code"]
    assert (
        city.client("community_dispatcher").get(f"/api/v1/incidents/{code}/").json()["contact"]["phone"]
        == "13812345678"
    )
    assert city.client("leader").get(f"/api/v1/incidents/{code}/").json()["contact"]["name"] == "张大爷"
    assert "contact" not in city.client("analyst").get(f"/api/v1/incidents/{code}/").json()
    assert city.client("grid_worker_2").get(f"/api/v1/incidents/{code}/").status_code == 404


@pytest.mark.django_db
def test_parallel_retries_of_one_report_make_exactly_one_case(served_app, served_city, forget_reports):
    """Real concurrent connections to gunicorn: eight copies of one report at the same moment."""

    token = token_of(served_app, served_city.users["grid_worker"].username)
    body = report(*inside(served_city.grid_of("grid_worker")))
    forget_reports.append(body["client_id"])
    answers = []
    start = threading.Barrier(8)

    def send():
        start.wait()
        answers.append(post_json(served_app, "/api/v1/incidents/", body, token))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200] * 7 + [201]
    assert len({answer["code"] for _, answer in answers}) == 1
    assert Incident.objects.filter(client_id=body["client_id"]).count() == 1


def test_a_retry_after_the_case_left_the_workers_scope_still_answers_with_the_case(city, worker, grid):
    body = report(*inside(grid))
    code = post(worker, body).json()["code"]
    Assignment.objects.filter(person__user=city.users["grid_worker"], role=Role.GRID_WORKER).update(
        ends_on=timezone.localdate() - timedelta(days=1), starts_on=timezone.localdate() - timedelta(days=30)
    )
    again = post(worker, body)
    assert again.status_code == 200 and again.json()["code"] == code


def test_a_retry_after_its_category_was_retired_still_answers_with_the_case(worker, grid, counts):
    body = report(*inside(grid), category="0302")
    code = post(worker, body).json()["code"]
    Category.objects.filter(code="0302").update(active=False)
    again = post(worker, body)
    assert again.status_code == 200 and again.json()["code"] == code
    refused = post(worker, report(*inside(grid), category="0302"))  # a new report is refused
    assert refused.status_code == 400 and refused.json()["field"] == "category"
    assert "0302" in refused.json()["detail"]
    assert Incident.objects.count() == counts["incidents"] + 1


def test_a_category_changed_since_the_server_read_it_gives_the_new_deadline(worker, grid):
    first = post(worker, report(*inside(grid), category="0302"))  # the server has read 0302
    assert first.status_code == 201
    Category.objects.filter(code="0302").update(deadline_grid_hours=5, calendar_time=True)
    answer = post(worker, report(*inside(grid), category="0302"))
    assert answer.status_code == 201
    incident = Incident.objects.get(code=answer.json()["code"])
    assert incident.due_at == incident.received_at + timedelta(hours=5)


def test_a_category_changed_again_while_a_report_is_received_is_409_and_writes_nothing(worker, grid, monkeypatch):
    from incidents import intake

    assert post(worker, report(*inside(grid), category="0302")).status_code == 201  # the server has read 0302
    Category.objects.filter(code="0302").update(deadline_grid_hours=5)  # changed since: the first write is refused
    read = intake._category_and_grid

    def read_while_an_administrator_edits_it_again(*args, **kwargs):
        found = read(*args, **kwargs)
        Category.objects.filter(code="0302").update(deadline_grid_hours=6)
        return found

    monkeypatch.setattr(intake, "_category_and_grid", read_while_an_administrator_edits_it_again)
    cases, counters = Incident.objects.count(), list(DailySequence.objects.values_list("day", "last"))
    answer = post(worker, report(*inside(grid), category="0302"))
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "changed_meanwhile" and "类别" in answer.json()["detail"]
    assert Incident.objects.count() == cases and list(DailySequence.objects.values_list("day", "last")) == counters


def test_a_category_renamed_since_the_server_read_it_is_answered_by_its_new_name(worker, grid):
    assert post(worker, report(*inside(grid), category="0302")).status_code == 201
    Category.objects.filter(code="0302").update(name="小广告")
    answer = post(worker, report(*inside(grid), category="0302"))
    assert answer.status_code == 201 and answer.json()["category"]["name"] == "小广告"


def test_a_category_code_moved_since_the_server_read_it_files_under_the_category_with_that_code(worker, grid):
    assert post(worker, report(*inside(grid), category="0302")).status_code == 201
    moved = Category.objects.get(code="0302")
    Category.objects.filter(pk=moved.pk).update(code="0312")
    now_0302 = Category.objects.create(code="0302", name="新的 0302", parent=moved.parent, deadline_grid_hours=3)
    answer = post(worker, report(*inside(grid), category="0302"))
    assert answer.status_code == 201 and answer.json()["category"] == {"code": "0302", "name": "新的 0302"}
    assert Incident.objects.get(code=answer.json()["code"]).category_id == now_0302.pk


def test_a_retired_category_is_forgotten_by_the_server_once_refused(worker, grid):
    from incidents.intake import reportable_categories

    assert post(worker, report(*inside(grid), category="0302")).status_code == 201
    Category.objects.filter(code="0302").update(active=False)
    assert post(worker, report(*inside(grid), category="0302")).status_code == 400
    assert "0302" not in reportable_categories.by_code


def test_a_category_code_is_taken_exactly_as_sent(worker, grid, counts):
    answer = post(worker, report(*inside(grid), category=" 0301 "))
    assert answer.status_code == 400 and answer.json()["field"] == "category"
    nothing_written(counts)


def test_a_category_new_since_the_server_read_them_is_taken(worker, grid):
    assert post(worker, report(*inside(grid))).status_code == 201  # the server has read them
    parent = Category.objects.get(code="03")
    Category.objects.create(code="0399", name="新增测试类别", parent=parent, deadline_grid_hours=7)
    answer = post(worker, report(*inside(grid), category="0399"))
    assert answer.status_code == 201 and answer.json()["category"] == {"code": "0399", "name": "新增测试类别"}


def test_an_unknown_category_is_named_with_the_other_refused_fields(worker, counts):
    response = post(worker, report(200, 32.7, category="9999", description=""))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["category", "description", "lon"]
    nothing_written(counts)


def test_the_nearest_grid_named_in_a_refusal_is_one_of_the_workers_own(worker, grid):
    body = post(worker, report(*NOWHERE)).json()
    assert body["nearest_grid"] == grid.code


def test_a_refused_photo_on_the_photo_endpoint_names_its_field(worker, grid):
    code = post(worker, report(*inside(grid))).json()["code"]
    response = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png("fake.png", b"not an image")})
    assert response.status_code == 400 and response.json()["field"] == "photo"


def test_too_many_photos_refuse_the_report(worker, grid, counts, settings):
    settings.PHOTO_MAX_COUNT = 2
    pictures = [png(f"p{i}.png", distinct_png(i)) for i in range(3)]
    response = multipart(worker, report(*inside(grid)), pictures)
    assert response.status_code == 400 and response.json()["code"] == "too_many"
    nothing_written(counts)


def escalated_case(worker, grid):
    code = post(worker, report(*inside(grid))).json()["code"]
    body = {"version": 1, "reason": "需社区协调"}
    response = worker.post(f"/api/v1/incidents/{code}/escalate/", body, content_type="application/json")
    assert response.status_code == 200
    return code


def test_the_reporter_still_adds_photos_after_the_case_was_escalated(worker, grid):
    """A phone sends its queued photos after the report; by then the case may be the community's."""
    code = escalated_case(worker, grid)
    response = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png()})
    assert response.status_code == 201
    assert IncidentPhoto.objects.filter(incident__code=code).count() == 1


def test_the_dispatcher_now_handling_the_case_adds_photos_too(city, worker, grid):
    code = escalated_case(worker, grid)
    response = city.client("community_dispatcher").post(f"/api/v1/incidents/{code}/photos/", {"photo": png()})
    assert response.status_code == 201


def test_someone_who_only_looks_at_the_case_may_not_add_photos(city, worker, grid):
    code = post(worker, report(*inside(grid))).json()["code"]
    response = city.client("leader").post(f"/api/v1/incidents/{code}/photos/", {"photo": png()})
    assert response.status_code == 403 and response.json()["field"] == "photo"
    assert city.client("grid_worker_2").post(f"/api/v1/incidents/{code}/photos/", {"photo": png()}).status_code == 404
    assert not IncidentPhoto.objects.filter(incident__code=code).exists()


def test_a_case_holds_at_most_the_photo_limit(worker, grid, settings):
    settings.PHOTO_MAX_COUNT = 2
    code = multipart(worker, report(*inside(grid)), [png("p0.png", distinct_png(0))]).json()["code"]
    first = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png("p1.png", distinct_png(1))})
    assert first.status_code == 201
    response = worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png("p2.png", distinct_png(2))})
    assert response.status_code == 400 and (response.json()["field"], response.json()["code"]) == ("photo", "too_many")
    # A retry of a photo the case already has is still answered with it.
    assert (
        worker.post(f"/api/v1/incidents/{code}/photos/", {"photo": png("p1.png", distinct_png(1))}).status_code == 200
    )
    assert IncidentPhoto.objects.filter(incident__code=code).count() == 2


def test_reports_share_one_bound_set_of_fields_and_each_keeps_its_own_errors_and_values(db):
    from incidents.api import ReportSerializer

    refused = ReportSerializer(data=report(200, 32.7, description=""))
    accepted = ReportSerializer(data=report(112.1, 32.7))
    assert not refused.is_valid()
    assert accepted.is_valid(), accepted.errors
    assert set(refused.errors) == {"description", "lon"}
    assert refused.validated_data == {} and accepted.errors == {}
    assert accepted.validated_data["lon"] == 112.1 and accepted.validated_data["description"] == "路边暴露垃圾"
    for field in ReportSerializer._declared_fields.values():
        # The declared fields stay as declared: the shared set is copies of them.
        assert field.field_name is None and field.parent is None
        # Flat fields only: a nested serializer keeps each report's data and errors on itself.
        assert not hasattr(field, "child") and not hasattr(field, "_declared_fields")
    assert refused.fields is accepted.fields
    for name, field in accepted.fields.items():
        assert field is not ReportSerializer._declared_fields[name] and field.field_name == name
        # Bound to a serializer that carries no report and no context: nothing of one report
        # reaches another through the fields.
        assert not hasattr(field.parent, "initial_data") and field.context == {}
    # With a context (the schema generator's), a serializer has fields of its own, as DRF makes them.
    described = ReportSerializer(context={"request": None})
    assert described.fields is described.fields and described.fields is not accepted.fields
    assert described.fields["lon"].parent is described and described.fields["lon"].context == {"request": None}


def test_each_refusal_of_the_shared_fields_is_worded_in_its_own_requests_language(worker, counts):
    from rest_framework import serializers

    def refusal(language):
        answer = post(worker, report(200, 32.7, description="x" * 2001), HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 400
        return answer.json()["errors"]

    def as_drf_words_it(language, field, value):
        with translation.override(language):
            try:
                field.run_validation(value)
            except serializers.ValidationError as refused:
                return [str(message) for message in refused.detail]

    english, chinese, english_again = refusal("en"), refusal("zh-hans"), refusal("en")
    assert english == english_again != chinese
    for language, errors in (("en", english), ("zh-hans", chinese)):
        assert errors["lon"] == as_drf_words_it(language, serializers.FloatField(max_value=180), 200)
        assert errors["description"] == as_drf_words_it(language, serializers.CharField(max_length=2000), "x" * 2001)
    nothing_written(counts)


def test_a_case_just_received_gives_the_point_it_holds_even_after_it_is_moved(db):
    from incidents.duplicates import lon_lat_of

    received = Incident(location="SRID=4326;POINT(112.1 32.7)")
    received.received_point = received.location, (112.1, 32.7)
    assert lon_lat_of(received) == (112.1, 32.7)
    received.location = Point(112.2, 32.8, srid=4326)
    assert lon_lat_of(received) == (112.2, 32.8)
