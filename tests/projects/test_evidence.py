"""Evidence of progress: photos kept without what the camera wrote (the cleaner every photo of
govgrid goes through), PDFs checked to be PDFs and within their size, anything else refused before
anything is written, and every file served only to those who see the project."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govgrid.lib.errors import GovgridError
from projects.models import Evidence, ProgressReport
from tests.incidents.test_photo_metadata import assert_clean_and_upright, camera_jpeg

from .conftest import milestones_of, register, report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo(name="meeting.jpg"):
    return SimpleUploadedFile(name, camera_jpeg(), content_type="image/jpeg")


def pdf(name="minutes.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def client_of(cast, name):
    client = Client()
    client.force_login(cast[name])
    return client


def test_a_photo_is_kept_upright_without_its_metadata_and_a_pdf_as_it_came(cast):
    project = register(cast)
    kept = report(cast, project, milestones_of(project)[0], files=[photo(), pdf()])
    by_kind = {e.kind: e for e in kept.evidence.all()}
    with by_kind["photo"].file.open("rb") as file:
        assert_clean_and_upright(file.read())
    with by_kind["pdf"].file.open("rb") as file:
        assert file.read() == PDF


def test_a_file_neither_photo_nor_pdf_is_refused_naming_it_and_nothing_is_written(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    with pytest.raises(GovgridError) as refused:
        report(cast, project, first, files=[photo(), SimpleUploadedFile("plan.docx", b"PK\x03\x04 word")])
    assert refused.value.field == "files" and "plan.docx" in refused.value.message
    first.refresh_from_db()
    assert first.status == "pending" and not ProgressReport.objects.filter(milestone=first).exists()


def test_a_file_that_only_starts_like_a_pdf_is_refused(cast):
    project = register(cast)
    with pytest.raises(GovgridError) as refused:
        report(cast, project, milestones_of(project)[0], files=[pdf(data=b"%PDF-1.4 cut short")])
    assert refused.value.extra["code"] == "file_type"


def test_a_pdf_over_the_limit_is_refused_with_its_size(cast, settings):
    settings.PROJECT_PDF_MAX_BYTES = 1024
    project = register(cast)
    big = PDF[:-6] + b" " * 2000 + b"%%EOF\n"
    with pytest.raises(GovgridError) as refused:
        report(cast, project, milestones_of(project)[0], files=[pdf(data=big)])
    assert refused.value.extra["code"] == "file_too_large" and refused.value.field == "files"


def test_too_many_files_are_refused(cast, settings):
    settings.PROJECT_EVIDENCE_MAX_FILES = 1
    project = register(cast)
    with pytest.raises(GovgridError) as refused:
        report(cast, project, milestones_of(project)[0], files=[pdf(), pdf("b.pdf")])
    assert refused.value.extra["code"] == "too_many"


def test_the_report_endpoint_takes_files_from_a_form(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    answer = client_of(cast, "chen").post(
        f"/api/v1/projects/{project.pk}/milestones/{first.pk}/report/",
        {"version": 1, "text": "已召开成立大会", "files": [photo(), pdf()]},
    )
    assert answer.status_code == 201, answer.json()
    files = answer.json()["milestones"][0]["reports"][0]["files"]
    assert sorted(f["kind"] for f in files) == ["pdf", "photo"]


def test_evidence_is_served_to_those_who_see_the_project_and_to_nobody_else(cast):
    project = register(cast)
    kept = report(cast, project, milestones_of(project)[0], files=[photo()])
    url = f"/api/v1/projects/{project.pk}/evidence/{kept.evidence.get().pk}/"
    for name in ("wang", "chen", "zhao", "li"):
        answer = client_of(cast, name).get(url)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg", name
        assert "no-store" in answer["Cache-Control"]
        assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert client_of(cast, "sun").get(url).status_code == 404
    assert client_of(cast, "zhou").get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)
    other = register(cast, title="另一个项目")
    assert (
        client_of(cast, "wang").get(f"/api/v1/projects/{other.pk}/evidence/{kept.evidence.get().pk}/").status_code
        == 404
    )
    assert Evidence.objects.count() == 1


def test_the_files_of_a_report_that_fails_after_they_were_stored_are_not_kept(cast, media, monkeypatch):
    from projects import services

    project = register(cast)
    first = milestones_of(project)[0]

    def power_cut(*args, **kwargs):  # the report's history row cannot be written: all of it goes
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "_event", power_cut)
    with pytest.raises(RuntimeError):
        services.report_progress(cast["wang"], project.pk, first.pk, first.version, "已完成", [photo(), pdf()])
    assert not Evidence.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
