"""Photos are served without the metadata the camera wrote (EXIF with GPS, XMP, comments), upright:
whatever way they arrive (a report's photos, the photo endpoint the phone page uses, Open311's
media), and the photos stored before are stripped by a command."""

import io
import re
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import ExifTags, Image

from incidents.models import IncidentPhoto

pytestmark = pytest.mark.usefixtures("media")

RED, BLUE = (255, 0, 0), (0, 0, 255)
GPS = {1: "N", 2: (32.0, 41.0, 2.5), 3: "E", 4: (112.0, 5.0, 1.0)}  # a resident's doorstep, to the metre


def camera_jpeg(orientation=6):
    """A 40 × 20 JPEG as a phone held upright writes it: the sensor's landscape pixels (red left half,
    blue right half), EXIF saying to turn them 90° clockwise, the place it was taken, the phone's make,
    an XMP packet and a comment."""
    image = Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "GovPhone"
    exif[ExifTags.IFD.GPSInfo] = GPS
    output = io.BytesIO()
    image.save(
        output, "JPEG", quality=95, exif=exif, comment=b"taken at home", xmp=b"<x:xmpmeta>32.68,112.08</x:xmpmeta>"
    )
    data = output.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the picture really carries what the test is about
        assert (
            check.getexif().get_ifd(ExifTags.IFD.GPSInfo) and check.getexif()[ExifTags.Base.Orientation] == orientation
        )
    return data


def assert_clean_and_upright(data):
    assert b"Exif" not in data and b"GovPhone" not in data and b"xmpmeta" not in data and b"taken at home" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "xmp", "comment"} & set(image.info)
        # Turned 90° clockwise: 20 wide, 40 high, the sensor's left (red) half now on top.
        assert image.size == (20, 40)
        assert near(image.getpixel((10, 5)), RED) and near(image.getpixel((10, 35)), BLUE)


def near(pixel, colour):
    return all(abs(a - b) <= 8 for a, b in zip(pixel, colour, strict=True))


def served(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def report(client, grid, files=()):
    """The client's grid worker reports a case in `grid`, with these photos; the answer."""
    point = grid.geom.point_on_surface
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "占道堆物",
        "lon": point.x,
        "lat": point.y,
    }
    response = client.post("/api/v1/incidents/", body | ({"photos": list(files)} if files else {}))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def alice(city):
    """grid_worker of the drawn city."""
    return city.client("grid_worker")


@pytest.fixture
def grid(city):
    """alice's grid."""
    return city.grid_of("grid_worker")


def upload(data, name="IMG_0001.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_photo_sent_with_a_report_is_served_without_exif_or_gps_and_upright(city, alice, grid):
    body = report(alice, grid, [upload(camera_jpeg())])
    [photo] = body["photos"]
    data = served(city.client("community_dispatcher"), photo["url"])
    assert_clean_and_upright(data)
    stored = IncidentPhoto.objects.get(pk=photo["id"])
    assert (stored.size, photo["size"]) == (len(data), len(data))  # what is kept is what is described


def test_a_photo_sent_afterwards_as_the_phone_page_does_is_stripped_too(alice, grid):
    code = report(alice, grid)["code"]
    response = alice.post(f"/api/v1/incidents/{code}/photos/", {"photo": upload(camera_jpeg())})
    assert response.status_code == 201
    assert_clean_and_upright(served(alice, response.json()["url"]))
    again = alice.post(f"/api/v1/incidents/{code}/photos/", {"photo": upload(camera_jpeg(), "retry.jpg")})
    assert again.status_code == 200 and IncidentPhoto.objects.filter(incident__code=code).count() == 1


def test_an_upright_jpeg_keeps_its_pixels_and_loses_its_metadata(alice, grid):
    [photo] = report(alice, grid, [upload(camera_jpeg(orientation=1))])["photos"]
    with Image.open(io.BytesIO(served(alice, photo["url"]))) as image:
        assert image.size == (40, 20) and not image.getexif()
        assert near(image.getpixel((5, 10)), RED) and near(image.getpixel((35, 10)), BLUE)


def test_a_jpeg_that_does_not_decode_is_refused_as_not_a_picture(alice, grid):
    point = grid.geom.point_on_surface
    body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "x", "lon": point.x, "lat": point.y}
    broken = upload(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    response = alice.post("/api/v1/incidents/", body | {"photos": [broken]})
    assert response.status_code == 400 and (response.json()["field"], response.json()["code"]) == (
        "photos",
        "photo_type",
    )


def stored_before(alice, grid):
    """A photo kept the way govgrid kept them before it stripped metadata: the camera's bytes."""
    code = report(alice, grid)["code"]
    photo = IncidentPhoto(incident_id=IncidentPhoto._meta.get_field("incident").related_model.objects.get(code=code).pk)
    data = camera_jpeg()
    photo.sha256, photo.content_type, photo.size = "0" * 64, "image/jpeg", len(data)
    photo.file.save(f"{code}-old.jpg", ContentFile(data), save=True)
    return code, photo


def counts_in(output):
    return [int(n) for n in re.findall(r"[0-9]+", output)]


def test_the_command_strips_photos_stored_before_and_is_a_dry_run_without_commit(alice, grid, capsys):
    code, photo = stored_before(alice, grid)
    old_name = photo.file.name
    call_command("strip_photo_metadata")
    assert counts_in(capsys.readouterr().out)[1] == 1  # (photos looked at, photos with metadata)
    photo.refresh_from_db()
    assert photo.file.name == old_name and b"Exif" in photo.file.open("rb").read()

    call_command("strip_photo_metadata", "--commit")
    photo.refresh_from_db()
    data = served(alice, f"/api/v1/incidents/{code}/photos/{photo.id}/")
    assert_clean_and_upright(data)
    assert photo.size == len(data) and photo.sha256 != "0" * 64
    assert not photo.file.storage.exists(old_name)

    capsys.readouterr()
    call_command("strip_photo_metadata")  # nothing left to strip
    assert counts_in(capsys.readouterr().out)[1] == 0
