"""Open311's media is served without the camera's metadata, upright, as every other photo."""

import pytest

from incidents.models import IncidentPhoto
from tests.incidents.test_photo_metadata import assert_clean_and_upright, camera_jpeg, served, upload
from tests.open311.conftest import V2, a_request

pytestmark = pytest.mark.usefixtures("media")


def test_open311_media_is_stripped_too(client, api_key):
    key = api_key("grid_worker")
    response = client.post(f"{V2}/requests.json", a_request(key) | {"media": upload(camera_jpeg())})
    assert response.status_code == 201
    code = response.json()[0]["service_request_id"]
    photo = IncidentPhoto.objects.get(incident__code=code)
    assert_clean_and_upright(
        served(client, f"/api/v1/incidents/{code}/photos/{photo.id}/", Authorization=f"Token {key}")
    )
