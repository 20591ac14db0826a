"""A NUL character cannot reach PostgreSQL (it refuses text holding one): in a path it names nothing
(404), in a query parameter it is bad input (400 naming the parameter), on every API endpoint."""

import pytest


@pytest.fixture
def admin(cast):
    return cast.client("admin")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/areas/%00/",
        "/api/v1/incidents/%00/",
        "/api/v1/incidents/%00/timeline/",
        "/api/v1/incidents/%00/photos/1/",
    ],
)
def test_a_nul_in_a_path_is_404_in_the_error_shape(admin, path):
    response = admin.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("action", ["accept", "photos"])
def test_a_nul_in_the_path_of_an_action_is_404(admin, action):
    assert admin.post(f"/api/v1/incidents/%00/{action}/", {"version": 1}).status_code == 404


def test_a_nul_in_a_query_parameter_is_400_naming_it(admin):
    response = admin.get("/api/v1/areas/?level=grid&within=9900%0003")
    assert response.status_code == 400
    assert response.json()["field"] == "within"
    english = admin.get("/api/v1/areas/?within=%00", headers={"Accept-Language": "en"}).json()
    assert english["detail"] == "within: Null characters are not allowed."
