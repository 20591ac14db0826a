"""Dates at the ends of the calendar typed into the pages' own filters (the queue, the exports page)
are refused by name, never a 500; pictures that Pillow reads oddly are kept or refused, never a 500."""

import io
import random

import pytest
from PIL import Image

from incidents.pictures import NotAPicture, without_metadata


@pytest.mark.parametrize("query", [{"until": "9999-12-31"}, {"since": "0001-01-01"}, {"until": "0001-01-01"}])
def test_the_queue_refuses_dates_at_the_ends_of_the_calendar(cast, query):
    answer = cast.client("street_dispatcher").get("/dispatch/", query)
    assert answer.status_code == 200
    assert "1900-01-01" in answer.content.decode()  # the message names govgrid's years


@pytest.mark.parametrize("query", [{"until": "9999-12-31"}, {"since": "9999-12-31"}, {"until": "0001-01-01"}])
def test_the_exports_page_refuses_dates_at_the_ends_of_the_calendar(cast, query):
    answer = cast.client("analyst").get("/maps/exports/", {"kind": "incidents", **query})
    assert answer.status_code == 400  # the page, naming the filter
    assert "/api/v1/export/incidents.geojson" not in answer.content.decode()  # no button for a bad filter


def jpeg_with_exif(seed):
    picture = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    exif[0x010F] = "camera"
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    data = bytearray(out.getvalue())
    start = data.index(b"Exif\x00\x00")
    rng = random.Random(seed)
    for _ in range(3):
        data[start + 6 + rng.randrange(60)] = rng.randrange(256)
    return bytes(data)


def test_a_damaged_exif_block_is_kept_or_refused_as_not_a_picture_never_an_error():
    outcomes = set()
    for seed in range(400):
        try:
            without_metadata(jpeg_with_exif(seed))
            outcomes.add("kept")
        except NotAPicture:
            outcomes.add("refused")
    assert outcomes <= {"kept", "refused"}


def test_a_jpeg_holding_more_pictures_mpo_is_kept_as_its_first_picture():
    frames = [Image.new("RGB", (16, 8), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="MPO", save_all=True, append_images=frames[1:])
    data, content_type = without_metadata(out.getvalue())
    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(data)) as kept:
        assert kept.size == (16, 8) and kept.getpixel((4, 4))[0] > 200
