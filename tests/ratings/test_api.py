"""The star rating through its API: a community's assessment walked step by step with the version it
read, evidence with its file kept private and cleaned, refusals naming the field in Chinese, and the
results and pay sheet in JSON, CSV and GeoJSON agreeing."""

import csv
import io
import json

import pytest
from django.test import Client
from PIL import Image

from ratings.models import Assessment, Evidence

from .conftest import LAST_QUARTER, THIS_QUARTER, scored
from .test_stars_and_pay import published, seat

QUARTER = f"{LAST_QUARTER.year}Q{(LAST_QUARTER.month - 1) // 3 + 1}"
NEXT = f"{THIS_QUARTER.year}Q{(THIS_QUARTER.month - 1) // 3 + 1}"


def client(user):
    c = Client()
    c.force_login(user)
    return c


def post(user, path, body, expect=200):
    answer = client(user).post(f"/api/v1/ratings/{path}", body, content_type="application/json")
    assert answer.status_code == expect, answer.content.decode()
    return answer.json()


def get(user, path, expect=200):
    answer = client(user).get(f"/api/v1/ratings/{path}")
    assert answer.status_code == expect, answer.content.decode()
    return answer


@pytest.fixture
def opened(rating):
    post(rating.users["district"], "rounds/", {"district": rating.city.code, "quarter": QUARTER}, expect=201)
    rating.assessment = Assessment.objects.get(round__quarter=LAST_QUARTER, community=rating.city.communities[0])
    return rating


def test_a_community_walks_its_assessment_through_the_api(opened):
    users, pk = opened.users, opened.assessment.pk
    shown = get(users["community"], f"assessments/{pk}/").json()
    assert shown["actions"] == ["save", "evidence", "self_assess"] and len(shown["sections"]) == 5
    shown = post(
        users["community"], f"assessments/{pk}/save/", {"version": shown["version"], "scores": scored(opened.scheme)}
    )
    shown = post(users["community"], f"assessments/{pk}/self-assess/", {"version": shown["version"]})
    assert shown["status"] == "self_assessed"
    computed = [c for s in shown["sections"] for c in s["criteria"] if c["kind"] == "computed"]
    assert {c["code"] for c in computed} == {"A3", "B3", "D1", "D2", "D4", "E1", "E2", "E3"}
    assert all(c["self_points"] is not None for c in computed)
    stale = post(users["community"], f"assessments/{pk}/self-assess/", {"version": 1}, expect=409)
    assert stale["code"] == "wrong_status"
    for reviewer in ("street", "reviewer_chen", "reviewer_zhao"):
        mine = post(users[reviewer], f"assessments/{pk}/review/", {"scores": scored(opened.scheme)})
    a1 = next(c for s in mine["sections"] for c in s["criteria"] if c["code"] == "A1")
    assert a1["reviewers"] == 3 and a1["my_review"]["points"] == "4.00"
    shown = post(users["street"], f"assessments/{pk}/close-review/", {"version": mine["version"]})
    checks = {"C3": {"deductions": ["absent"], "note": "无人值守"}}
    shown = post(users["street"], f"assessments/{pk}/inspect/", {"version": shown["version"], "checks": checks})
    assert shown["status"] == "inspected" and shown["total"] is not None
    steps = [s["action"] for s in shown["steps"]]
    assert steps == ["save", "self_assess", "review", "review", "review", "close_review", "inspect"]


def test_refusals_name_the_field_in_chinese(opened):
    users, pk = opened.users, opened.assessment.pk
    answer = post(
        users["community"], f"assessments/{pk}/save/", {"version": 1, "scores": {"A1": {"points": "9"}}}, expect=400
    )
    assert answer["field"] == "scores.A1" and "A1" in answer["detail"] and "分" in answer["detail"]
    answer = post(users["community"], f"assessments/{pk}/save/", {"scores": {}}, expect=400)
    assert answer["field"] in ("version", "scores")
    answer = post(users["district"], "rounds/", {"district": opened.city.code, "quarter": "2026Q5"}, expect=400)
    assert answer["field"] == "quarter" and "2026Q3" in answer["detail"]
    answer = post(users["community"], f"assessments/{pk}/propose/", {"version": 1, "stars": 9}, expect=400)
    assert answer["field"] == "stars"
    post(users["other"], f"assessments/{pk}/save/", {"version": 1, "scores": scored(opened.scheme)}, expect=404)
    post(users["street"], f"assessments/{pk}/save/", {"version": 1, "scores": scored(opened.scheme)}, expect=403)


def jpeg_with_gps():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "相机厂商"  # make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = "党群服务中心.jpg"
    return out


def test_evidence_is_kept_without_metadata_and_served_only_in_scope(opened, media):
    users, pk = opened.users, opened.assessment.pk
    answer = client(users["community"]).post(
        f"/api/v1/ratings/assessments/{pk}/evidence/",
        {"criterion": "C1", "text": "服务中心照片", "file": jpeg_with_gps()},
    )
    assert answer.status_code == 201, answer.content.decode()
    item = Evidence.objects.get(assessment_id=pk)
    with Image.open(item.file.path) as picture:
        assert not picture.getexif()
    url = next(e["file"] for s in answer.json()["sections"] for c in s["criteria"] for e in c["evidence"])
    assert client(users["street"]).get(url).status_code == 200
    assert client(users["other"]).get(url).status_code == 404
    bad = io.BytesIO(b"not a picture at all")
    bad.name = "notes.docx"
    answer = client(users["community"]).post(
        f"/api/v1/ratings/assessments/{pk}/evidence/", {"criterion": "C1", "file": bad}
    )
    assert answer.status_code == 400 and answer.json()["field"] == "file"
    pdf = io.BytesIO(b"%PDF-1.4\n% minimal\n")
    pdf.name = "制度汇编.pdf"
    answer = client(users["community"]).post(
        f"/api/v1/ratings/assessments/{pk}/evidence/", {"criterion": "B1", "file": pdf}
    )
    assert answer.status_code == 201
    assert Evidence.objects.filter(assessment_id=pk).count() == 2


def test_results_and_the_pay_sheet_agree_in_json_csv_and_geojson(plain_rating):
    people = plain_rating
    published(people)
    five = people.city.communities_of(people.street)[0]
    seat(people, five, "张书记", "secretary")
    leader = people.users["district"]
    results = get(leader, f"rounds/{people.city.code}/{QUARTER}/results/").json()["results"]
    rows = list(
        csv.DictReader(io.StringIO(get(leader, f"rounds/{people.city.code}/{QUARTER}/results.csv").content.decode()))
    )
    features = json.loads(get(leader, f"rounds/{people.city.code}/{QUARTER}/results.geojson").content)["features"]
    assert len(results) == len(rows) == len(features) == 60
    assert [r["stars"] for r in results[:2]] == [5, 4] and results[2]["stars"] == 2  # 60 of 100 points
    assert [(r["community"], r["stars"] or "") for r in results] == [
        (r["community"], r["stars"] and int(r["stars"]) or "") for r in rows
    ]
    assert features[0]["geometry"]["type"] in ("Polygon", "MultiPolygon") and features[0]["properties"]["stars"] == 5
    sheet = get(leader, f"pay/{people.street.code}/{NEXT}/").json()
    assert sheet["total"] == "11400.00" and sheet["rows"][0]["pay"] == "3800.00"
    lines = list(csv.reader(io.StringIO(get(leader, f"pay/{people.street.code}/{NEXT}.csv").content.decode())))
    assert lines[-1][-1] == "11400.00" and lines[1][-1] == "3800.00"


def test_an_inspection_photo_says_where_it_was_taken_near_the_community(opened, media):
    users, pk = opened.users, opened.assessment.pk
    post(users["community"], f"assessments/{pk}/save/", {"version": 1, "scores": scored(opened.scheme)})
    post(users["community"], f"assessments/{pk}/self-assess/", {"version": 2})
    for reviewer in ("street", "reviewer_chen", "reviewer_zhao"):
        post(users[reviewer], f"assessments/{pk}/review/", {"scores": scored(opened.scheme)})
    post(users["street"], f"assessments/{pk}/close-review/", {"version": 6})
    centre = opened.assessment.community.geom.point_on_surface
    path = f"/api/v1/ratings/assessments/{pk}/evidence/"
    for where, expect, field in (({}, 400, "lon"), ({"lon": centre.x + 0.05, "lat": centre.y}, 400, "lon"),
                                 ({"lon": centre.x, "lat": centre.y}, 201, None)):  # fmt: skip
        answer = client(users["street"]).post(path, {"criterion": "C3", "file": jpeg_with_gps(), **where})
        assert answer.status_code == expect, answer.content.decode()
        assert field is None or answer.json()["field"] == field
    item = Evidence.objects.get(assessment_id=pk)
    assert item.stage == "inspection" and item.location.distance(centre) < 1e-6


def test_the_pay_sheet_as_a_pdf_reads_back_with_its_amounts_and_rule(plain_rating, tmp_path):
    import subprocess

    people = plain_rating
    published(people)
    seat(people, people.city.communities_of(people.street)[0], "张书记", "secretary")
    seat(people, people.city.communities_of(people.street)[0], "李委员", "member")
    answer = get(people.users["district"], f"pay/{people.street.code}/{NEXT}.pdf")
    assert answer["Content-Type"] == "application/pdf"
    (tmp_path / "pay.pdf").write_bytes(answer.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pay.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "星级报酬发放表" in text and "张书记" in text and "李委员" in text
    assert text.count("3800.00") == 3 and text.count("2660.00") == 3  # three months each
    assert "19380.00" in text  # 3 × (3,800 + 2,660)
    assert "书记每月 1300 元 + 每星 500 元（五星 3800 元）" in text and "70%" in text
