"""The OpenAPI schema and its docs page need a login unless GOVGRID_API_DOCS_PUBLIC says they are
public: a browser is sent to the login page and back, a program gets 401."""

from django.test import Client
from rest_framework.authtoken.models import Token


def test_the_docs_page_sends_a_stranger_to_the_login_page_and_back(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_the_schema_refuses_a_stranger_with_401_in_chinese(db):
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert b"openapi" not in response.content
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_the_schema_refuses_a_wrong_token(db):
    response = Client().get("/api/schema/", headers={"Authorization": "Token not-a-token"})
    assert response.status_code == 401


def test_a_logged_in_browser_sees_the_docs_and_the_schema(cast):
    alice = cast.client("grid_worker")
    assert alice.get("/api/docs/").status_code == 200
    response = alice.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.")


def test_a_program_with_a_token_gets_the_schema(cast):
    token, _created = Token.objects.get_or_create(user=cast.users["analyst"])
    response = Client().get("/api/schema/", {"format": "json"}, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200


def test_a_deployment_may_publish_the_docs_by_setting(db, settings):
    settings.API_DOCS_PUBLIC = True
    assert Client().get("/api/docs/").status_code == 200
    assert Client().get("/api/schema/", {"format": "json"}).status_code == 200
